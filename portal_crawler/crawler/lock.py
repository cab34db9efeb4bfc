"""One crawl per archive at a time: an flock on the archive file itself.

The lock follows the file, not the path: a symlink or a hard link to the same archive
opens the same inode, so it meets the same lock. (A lock file named after the path
would let two crawls write one archive through two names.) flock locks are separate
from the POSIX record locks SQLite takes on the same file, so they do not interfere.
The kernel releases an flock when its process dies, however it dies, so a killed
crawl never leaves a stale lock behind.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path


class ArchiveLocked(Exception):
    pass


def _holder(st: os.stat_result) -> str:
    """Who holds an flock on the file (Linux /proc/locks), for the message."""
    want = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == want and parts[3] == "WRITE":
                    return f"pid {parts[4]}"
    except OSError:
        pass
    return "another process"


class ArchiveLock:
    def __init__(self, archive_path: str | os.PathLike):
        self.path = Path(archive_path)
        self.fh = None

    def acquire(self) -> "ArchiveLock":
        """Lock the archive (creating an empty file if there is none yet: an empty
        file is an empty SQLite database). OSError if the location is not writable."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(os.fstat(fd))
            os.close(fd)
            raise ArchiveLocked(f"archive {self.path} is being crawled by {holder}; "
                                f"wait for it to finish (the lock frees itself when that process exits)") from None
        self.fh = fd
        return self

    def release(self) -> None:
        if self.fh is not None:
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            os.close(self.fh)
            self.fh = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
