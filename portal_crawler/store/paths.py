"""Every file that belongs to one archive, named in one place.

An archive is its SQLite file plus what lives beside it: the WARC folder, Scrapy's job
folder (``--resume``) and snapshots (the crawl lock is on the SQLite file itself). Removing, copying or snapshotting an
archive goes through ``ArchivePaths`` so that none of them is forgotten.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = "data/portal.db"   # the archive when none is named (CLI --db, Scrapy's PORTAL_DB)


@dataclass(frozen=True)
class ArchivePaths:
    db: Path

    @classmethod
    def of(cls, db: str | Path) -> "ArchivePaths":
        return cls(Path(db))

    @property
    def stem(self) -> Path:
        return self.db.with_name(self.db.stem)

    @property
    def warc_dir(self) -> Path:
        """WARC files (and their CDXJ index): ``<stem>.warc/``."""
        return self.db.with_name(self.db.stem + ".warc")

    @property
    def job_dir(self) -> Path:
        """Scrapy's JOBDIR for ``--resume``: ``<stem>.job/``."""
        return self.db.with_name(self.db.stem + ".job")

    @property
    def lock(self) -> Path:
        """The file the crawl lock is taken on: the database itself (an flock, so the
        lock follows the file through symlinks and hard links; crawler/lock.py)."""
        return self.db

    @property
    def snapshots(self) -> Path:
        """Default folder for snapshots: ``<stem>.snapshots/``."""
        return self.db.with_name(self.db.stem + ".snapshots")

    @property
    def sqlite_files(self) -> list[Path]:
        """The database and SQLite's WAL companions."""
        return [self.db, Path(str(self.db) + "-wal"), Path(str(self.db) + "-shm")]

    def all(self) -> list[Path]:
        """Every path of the archive, existing or not."""
        return [*self.sqlite_files, self.warc_dir, self.job_dir, self.snapshots]

    def existing(self) -> list[Path]:
        return [p for p in self.all() if p.exists()]

    def remove(self) -> None:
        """Delete the archive and everything beside it."""
        for p in self.all():
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


def warc_dir(archive_path) -> Path:
    """WARC files live in ``<archive stem>.warc/`` beside the SQLite file."""
    return ArchivePaths.of(archive_path).warc_dir
