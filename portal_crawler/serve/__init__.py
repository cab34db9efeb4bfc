"""Browse an archive with Datasette: read-only, Chinese search, descriptions,
canned queries, a chart and the archived captures (`portal-crawler serve`).

    from portal_crawler.serve import make_datasette
    ds = make_datasette("data/portal.db")      # a datasette.app.Datasette
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["ServeError", "make_datasette", "run"]


class ServeError(RuntimeError):
    """The archive cannot be served (missing, too old, Datasette not installed)."""


def _check_archive(path: Path) -> None:
    from portal_crawler.store.schema import check_version, connect_readonly
    if not path.is_file():
        raise ServeError(f"no archive at {path}; a crawl with --db {path} creates one")
    try:
        con = connect_readonly(str(path))
        try:
            check_version(con)
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise ServeError(f"{path} cannot be served: {e}") from None


def make_datasette(db: str | Path):
    """A Datasette over the archive at `db`, never writing to it: immutable when no
    write-ahead log is pending (a finished crawl), else opened `?mode=ro`."""
    try:
        from datasette.app import Datasette
        from datasette.plugins import pm
    except ImportError:
        raise ServeError("Datasette is not installed: pip install 'portal-crawler[serve]'") from None
    from portal_crawler.serve import plugin
    from portal_crawler.serve.metadata import metadata
    path = Path(db)
    _check_archive(path)
    if not pm.is_registered(plugin):
        pm.register(plugin, name="portal_crawler")
    wal = Path(f"{path}-wal")
    pending = wal.exists() and wal.stat().st_size > 0
    files = {"files": [str(path)]} if pending else {"immutables": [str(path)]}
    # serve/templates: the table's column order and cells, the search page
    # (Datasette's own templates stay the base: `{% extends "default:..." %}`).
    return Datasette(**files, metadata=metadata(path.stem),
                     template_dir=str(Path(__file__).parent / "templates"),
                     settings={"truncate_cells_html": 120, "default_page_size": 50,
                               # the month facet's 30 values pushed the rows off the
                               # first screen
                               "default_facet_size": 10})


def run(ds, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve `ds` (from make_datasette) until interrupted, as `datasette serve` does."""
    import asyncio

    import uvicorn
    asyncio.run(ds.invoke_startup())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")
