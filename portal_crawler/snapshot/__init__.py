"""Packages an archivist can keep: WACZ + SQLite copy + records in a BagIt bag
(``package.snapshot``), and the check that finds what has gone wrong with one
(``verify.verify``)."""
from portal_crawler.snapshot.package import SnapshotError, snapshot
from portal_crawler.snapshot.verify import verify

__all__ = ["snapshot", "SnapshotError", "verify"]
