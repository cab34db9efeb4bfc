"""The benchmarks' peak-RSS helper measures the command it ran, not its parent or siblings."""
import sys

from benchmarks.common import run_measured

# touch every page so the allocation is resident, then hold it long enough to be sampled
ALLOC = "import time; b = bytearray({mb} << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.3)"


def _peak(code: str) -> dict:
    status, mem = run_measured([sys.executable, "-c", code])
    assert status == 0
    return mem


def test_two_commands_get_their_own_figures():
    big, small = _peak(ALLOC.format(mb=200)), _peak(ALLOC.format(mb=20))
    assert 200 <= big["peak_rss_mb"] < 260, big
    assert 20 <= small["peak_rss_mb"] < 60, small
    assert small["descendant_peak_rss_mb"] is None  # no children


def test_a_large_parent_does_not_leak_into_the_child_figure():
    # ru_maxrss (wait4, RUSAGE_SELF) of a child reports the parent's high-water mark
    # when the parent is larger: the bug behind issue #19's 1,420 MB rows.
    ballast = bytearray(300 << 20)
    ballast[::4096] = b"x" * len(ballast[::4096])
    small = _peak(ALLOC.format(mb=20))
    assert small["peak_rss_mb"] < 60, small
    del ballast


def test_descendants_are_counted_apart_and_in_the_tree():
    child = ALLOC.format(mb=150).replace('"', '\\"')
    code = ("import subprocess, sys; "
            f"subprocess.run([sys.executable, '-c', \"{child}\"], check=True)")
    mem = _peak(code)
    assert mem["root_peak_rss_mb"] < 60, mem          # the launcher itself stays small
    assert 150 <= mem["descendant_peak_rss_mb"] < 210, mem
    assert mem["peak_rss_mb"] >= 150 + 5, mem          # both alive at once


def test_descendants_are_told_apart_by_the_name_they_give_themselves():
    # A crawl's archive writer and file readers are found by name (spawn.name_process),
    # not by size: the largest descendant of a 100k crawl was a file reader.
    child = ("from portal_crawler.spawn import name_process; name_process({name!r}); " + ALLOC)
    parent = ("import subprocess, sys; "
              f"a = subprocess.Popen([sys.executable, '-c', {child.format(name='archive-writer', mb=30)!r}]); "
              f"b = subprocess.Popen([sys.executable, '-c', {child.format(name='file-reader', mb=120)!r}]); "
              "a.wait(); b.wait()")
    mem = _peak(parent)
    names = mem["peak_rss_mb_by_name"]
    assert 30 <= names["archive-writer"] < 80, names
    assert 120 <= names["file-reader"] < 180, names
    assert mem["descendant_peak_rss_mb"] == names["file-reader"]
