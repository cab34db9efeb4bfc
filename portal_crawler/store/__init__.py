"""SQLite archive: schema + migrations, the Archive API, read queries.

``Archive``, ``ArchiveError`` and ``SCHEMA_VERSION`` load on first use: a process that
needs one light module of the package (verify's WARC scan workers: ``warcscan``) does
not pay for the extractors the archive imports (~1 s a process).
"""
__all__ = ["Archive", "ArchiveError", "SCHEMA_VERSION"]


def __getattr__(name):
    if name in ("Archive", "ArchiveError"):
        from portal_crawler.store import archive
        return getattr(archive, name)
    if name == "SCHEMA_VERSION":
        from portal_crawler.store.schema import SCHEMA_VERSION
        return SCHEMA_VERSION
    raise AttributeError(name)
