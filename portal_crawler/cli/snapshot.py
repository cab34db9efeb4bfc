"""`snapshot` and `verify` (snapshot/package.py, snapshot/verify.py)."""
from __future__ import annotations

import sys

import click

from portal_crawler.cli.common import DEFAULT_DB, EXIT_ERRORS, EXIT_OK, fail, main


@main.command()
@click.argument("out_dir", metavar="OUT")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="SQLite archive.")
@click.option("--since-snapshot", is_flag=True, help="Only what was added since the last snapshot (incremental).")
@click.option("--organization", default="", help="bag-info Source-Organization.")
@click.option("--contact", default="", help="bag-info contact (e-mail or name).")
@click.option("--description", default="", help="bag-info External-Description.")
@click.option("--sites-file", type=click.Path(dir_okay=False, exists=True), help="Sites file to include (default: the archive's).")
def snapshot(out_dir, db, since_snapshot, organization, contact, description, sites_file):
    """Write a verifiable package (BagIt bag: WACZ, SQLite copy, records) to OUT."""
    from portal_crawler.snapshot import SnapshotError, snapshot as run_snapshot
    try:
        res = run_snapshot(db, out_dir, since_snapshot=since_snapshot, organization=organization,
                           contact=contact, description=description, sites_file=sites_file)
    except SnapshotError as e:
        fail(str(e))
    dep = f"; depends on {res.depends_on}" if res.depends_on else ""
    click.echo(f"snapshot {res.snapshot_id}: {res.articles} records, {res.pages} pages, "
               f"{len(res.warc_files)} WARC files, {res.bytes / 1e6:.1f} MB in {res.path}{dep}")


@main.command()
@click.argument("path")
def verify(path):
    """Check a snapshot, bag, WACZ or live archive (its .db): fixity, capture pointers, index."""
    from portal_crawler.snapshot import verify as run_verify
    try:
        rep = run_verify(path)
    except FileNotFoundError as e:
        fail(str(e))
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in rep.counts.items())
    for p in rep.problems:
        click.echo(str(p))
    if rep.ok:
        click.echo(f"ok: {rep.kind} {path}: {counts}")
        sys.exit(EXIT_OK)
    click.echo(f"{len(rep.problems)} problem(s) in {rep.kind} {path} ({counts})", err=True)
    sys.exit(EXIT_ERRORS)
