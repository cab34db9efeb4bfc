"""SQLite archive: schema + migrations, the Archive API, read queries."""
from portal_crawler.store.archive import Archive, ArchiveError
from portal_crawler.store.schema import SCHEMA_VERSION

__all__ = ["Archive", "ArchiveError", "SCHEMA_VERSION"]
