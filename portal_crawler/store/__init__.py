"""SQLite archive: schema + migrations, the Archive API, read queries."""
from .archive import Archive
from .schema import SCHEMA_VERSION

__all__ = ["Archive", "SCHEMA_VERSION"]
