"""One crawl per archive at a time: an flock on ``<archive>.lock``.

The kernel releases an flock when its process dies, however it dies, so a killed
crawl never leaves a stale lock behind.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path


class ArchiveLocked(Exception):
    pass


class ArchiveLock:
    def __init__(self, archive_path: str | os.PathLike):
        self.path = Path(str(archive_path) + ".lock")
        self.fh = None

    def acquire(self) -> "ArchiveLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise ArchiveLocked(f"archive {self.path.with_suffix('')} is being crawled by {holder}; "
                                f"wait for it to finish (the lock frees itself when that process exits)") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        self.fh = fh
        return self

    def release(self) -> None:
        if self.fh:
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()
            self.fh = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
