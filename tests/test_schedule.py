"""`schedule install` / `schedule show`: units generated into a temporary folder (never
/etc) and validated by systemd's own `systemd-analyze verify`; the cron.d file parsed."""
from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest

from conftest import cli

from portal_crawler.schedule import crawl_command, parse_every, ScheduleError

ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze missing: CI installs the "
                                   "`systemd` package (.ci/run)")


def _verify(*paths) -> subprocess.CompletedProcess:
    return subprocess.run([ANALYZE, "verify", *map(str, paths)], capture_output=True, text=True, timeout=60)


@needs_analyze
def test_systemd_units_verify_and_run_the_crawl_with_summary(tmp_path):
    units, sites = tmp_path / "units", tmp_path / "sites.toml"
    sites.write_text("[defaults]\ndownload_delay = 1\n", "utf-8")
    p = cli("schedule", "install", "--every", "6h", "--systemd", "--dir", units, "--db", tmp_path / "a.db",
            "--sites-file", sites, "--site", "harbin", check=True)
    service, timer = units / "portal-crawler.service", units / "portal-crawler.timer"
    assert f"wrote {service}" in p.stdout and f"wrote {timer}" in p.stdout
    v = _verify(service, timer)
    assert v.returncode == 0, v.stderr
    text = service.read_text("utf-8")
    exec_start = next(ln for ln in text.splitlines() if ln.startswith("ExecStart="))[len("ExecStart="):]
    args = shlex.split(exec_start)
    assert args[1:4] == ["-m", "portal_crawler", "crawl"]
    assert args[args.index("--summary-json") + 1] == str(tmp_path / "a.last-run.json")
    assert args[args.index("--sites-file") + 1] == str(sites) and args[-2:] == ["--site", "harbin"]
    assert "SuccessExitStatus=0\n" in text      # exit 7 (findings) fails the unit
    assert "OnCalendar=*-*-* 00/6:00:00" in timer.read_text("utf-8")
    cal = subprocess.run([ANALYZE, "calendar", "--iterations", "2", "*-*-* 00/6:00:00"], capture_output=True,
                         text=True, timeout=60)
    assert cal.returncode == 0 and ":00:00" in cal.stdout
    shown = cli("schedule", "show", "--dir", units, check=True).stdout
    assert f"# {service}" in shown and f"# {timer}" in shown and exec_start in shown
    # The check can fail: a broken timer is refused by systemd-analyze.
    timer.write_text(timer.read_text("utf-8").replace("OnCalendar=*-*-* 00/6:00:00", "OnCalendar=every six hours"))
    assert _verify(service, timer).returncode != 0


def test_cron_file(tmp_path):
    p = cli("schedule", "install", "--every", "30m", "--cron", "--dir", tmp_path, "--db", tmp_path / "a.db",
            check=True)
    line = [ln for ln in (tmp_path / "portal-crawler").read_text("utf-8").splitlines()
            if ln and not ln.startswith("#") and "=" not in ln.split()[0]]
    assert len(line) == 1 and "wrote" in p.stdout
    fields = line[0].split(None, 6)
    assert fields[:5] == ["*/30", "*", "*", "*", "*"]
    command = fields[6]
    run = command.split(" && ", 1)[1].split(" >/dev/null", 1)[0]
    assert shlex.split(run) == crawl_command(tmp_path / "a.db")
    assert "|| echo" in command          # any exit but 0 (7 included) is reported
    assert cli("schedule", "show", "--dir", tmp_path, check=True).stdout.count("*/30 * * * *") == 1


@pytest.mark.parametrize("bad", ["7h", "0m", "45m", "six hours", "", "40d"])
def test_bad_period_is_one_line_exit_2_nothing_written(tmp_path, bad):
    p = cli("schedule", "install", "--every", bad, "--dir", tmp_path)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and p.stderr.startswith("error: --every")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ScheduleError):
        parse_every(bad)


def test_both_kinds_refused_and_nothing_installed_shown(tmp_path):
    p = cli("schedule", "install", "--every", "1h", "--cron", "--systemd", "--dir", tmp_path)
    assert p.returncode == 2 and list(tmp_path.iterdir()) == []
    assert "no portal-crawler schedule installed" in cli("schedule", "show", "--dir", tmp_path, check=True).stdout
