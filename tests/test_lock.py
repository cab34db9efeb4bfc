import os
import subprocess
import sys

import pytest

from portal_crawler.crawler.lock import ArchiveLock, ArchiveLocked


def test_second_lock_refused_and_freed_on_release(tmp_path):
    db = tmp_path / "a.db"
    with ArchiveLock(db):
        with pytest.raises(ArchiveLocked, match="being crawled"):
            ArchiveLock(db).acquire()
    ArchiveLock(db).acquire().release()


def test_lock_freed_when_holder_dies(tmp_path):
    db = tmp_path / "a.db"
    code = f"from portal_crawler.crawler.lock import ArchiveLock; import os; ArchiveLock({str(db)!r}).acquire(); os._exit(9)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 9
    ArchiveLock(db).acquire().release()


def test_lock_follows_the_file_through_a_symlink_and_a_hard_link(tmp_path):
    db = tmp_path / "a.db"
    (tmp_path / "other").mkdir()
    sym = tmp_path / "other" / "sym.db"
    hard = tmp_path / "other" / "hard.db"
    with ArchiveLock(db):                     # creates the archive file and locks it
        sym.symlink_to(db)
        os.link(db, hard)
        for alias in (sym, hard):
            with pytest.raises(ArchiveLocked, match="being crawled by pid"):
                ArchiveLock(alias).acquire()
    with ArchiveLock(hard):                   # and the other way round
        with pytest.raises(ArchiveLocked):
            ArchiveLock(db).acquire()


def test_crawl_through_a_symlink_is_refused_while_the_archive_is_locked(tmp_path):
    from conftest import cli
    db = tmp_path / "a.db"
    sym = tmp_path / "link.db"
    sym.symlink_to(db)
    sites = tmp_path / "s.toml"
    sites.write_text('[[sites]]\nkey = "x"\nname = "X"\nbase_url = "http://127.0.0.1:9/"\n', encoding="utf-8")
    with ArchiveLock(db):
        p = cli("crawl", "--sites-file", sites, "--site", "x", "--db", sym, "--no-progress", timeout=120)
    assert p.returncode == 3, p.stderr[-2000:]
    assert p.stderr.strip().count("\n") == 0 and "being crawled" in p.stderr
