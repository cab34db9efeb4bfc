"""`snapshot` and `verify` (snapshot/package.py, snapshot/verify.py)."""
from __future__ import annotations

import sys

import click

from portal_crawler.cli.common import DEFAULT_DB, EXIT_ERRORS, EXIT_OK, fail, main, open_archive


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
    from portal_crawler.snapshot import SnapshotError
    from portal_crawler.snapshot.package import snapshots_log
    with open_archive(db) as ar:
        try:
            res = ar.snapshot(out_dir, since_snapshot=since_snapshot, organization=organization,
                              contact=contact, description=description, sites_file=sites_file)
        except SnapshotError as e:
            fail(str(e))
        except OSError as e:
            fail(f"cannot write the snapshot {out_dir}: {e.strerror or e}")
    dep = f"; depends on {res.depends_on}" if res.depends_on else ""
    click.echo(f"snapshot {res.snapshot_id}: {res.articles} records, {res.pages} pages, "
               f"{len(res.warc_files)} WARC files, {res.bytes / 1e6:.1f} MB in {res.path}{dep}")
    if res.recorded_in and res.recorded_in != snapshots_log(db):
        click.echo(f"note: {db} is on read-only media; the snapshot is recorded in {res.recorded_in} "
                   f"(where --since-snapshot finds it)", err=True)


@main.command()
@click.argument("path")
@click.option("-v", "--verbose", is_flag=True, help="List every finding, not only what caused them.")
def verify(path, verbose):
    """Check a snapshot, bag, WACZ or live archive (its .db): fixity, capture pointers, index.

    The first line says what is wrong; the findings that follow from it (every record
    of a changed file that no longer reads) are counted, and listed with --verbose."""
    from portal_crawler.terminal import plain
    from portal_crawler.snapshot import verify as run_verify
    try:
        rep = run_verify(path)
    except FileNotFoundError as e:
        fail(str(e))
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in rep.counts.items())
    if rep.ok:
        click.echo(f"ok: {rep.kind} {plain(path)}: {counts}")
        sys.exit(EXIT_OK)
    for line in rep.lines(verbose):
        click.echo(line)
    click.echo(f"FAILED: {len(rep.problems)} problem(s) in {rep.kind} {plain(path)} ({counts})", err=True)
    sys.exit(EXIT_ERRORS)
