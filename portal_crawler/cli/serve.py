"""`portal-crawler serve`: Datasette on the archive (portal_crawler/serve)."""
from __future__ import annotations

import click

from portal_crawler.cli.common import DEFAULT_DB, fail, main, open_archive, out


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 exposes the archive to the network).")
def serve(db, port, host):
    """Browse and search the archive in Datasette, read-only."""
    from portal_crawler.serve import ServeError, make_datasette, run
    with open_archive(db):    # missing, empty, foreign, corrupt: one line before Datasette starts
        pass
    try:
        ds = make_datasette(db)
    except ServeError as e:
        fail(str(e))
    out.print(f"serving {db} read-only at http://{host}:{port}/  (Ctrl-C stops)", markup=False)
    run(ds, host=host, port=port)
