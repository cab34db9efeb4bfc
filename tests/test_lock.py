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
