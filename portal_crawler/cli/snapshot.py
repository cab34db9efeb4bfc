"""`snapshot`, `verify` and `qa` (snapshot/package.py, snapshot/verify.py, snapshot/qa.py)."""
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


@main.command()
@click.argument("snapshot_path", metavar="SNAPSHOT")
@click.option("--sample", type=click.IntRange(min=1), default=10, show_default=True, help="Pages to check.")
@click.option("--seed", type=int, default=0, show_default=True, help="Which pages (a random sample by this seed).")
@click.option("--pywb", type=click.Path(file_okay=False), help="bin folder of a virtualenv with pywb 2.10 "
              "(default: $PORTAL_PYWB_VENV/bin or ~/.cache/portal-crawler/pywb-venv/bin).")
@click.option("--chromium", default="/usr/bin/chromium", show_default=True, help="Chromium to drive.")
@click.option("--screenshots", type=click.Path(file_okay=False), help="Keep the live and replay screenshots here.")
@click.option("--min-similarity", type=click.FloatRange(0, 1), default=0.95, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def qa(snapshot_path, sample, seed, pywb, chromium, screenshots, min_similarity, fmt):
    """Replay check of a snapshot (bag or WACZ): a sample of its pages opened in headless
    Chromium from the live site and from pywb's replay; per page the text match (1.0 =
    the same visible text) and the screenshots' SSIM. Exit 1 when a page falls short."""
    import json
    from portal_crawler.snapshot.qa import QAError, replay_qa
    try:
        rep = replay_qa(snapshot_path, sample=sample, seed=seed, pywb=pywb, chromium=chromium,
                        screenshots=screenshots, min_similarity=min_similarity)
    except QAError as e:
        fail(str(e))
    if fmt == "json":
        click.echo(json.dumps(rep.as_dict(), ensure_ascii=False, indent=2))
    else:
        for p in rep.pages:
            click.echo(f"{p.text_match:6.4f} text  {p.similarity:6.4f} ssim  {p.url}" + (f"  ({p.error})" if p.error else ""))
    verdict = f"{sum(1 for p in rep.pages if p.error is None and p.text_match >= rep.min_text and p.similarity >= rep.min_similarity)}" \
              f"/{len(rep.pages)} pages replay as they are live (text match 1.0, SSIM >= {rep.min_similarity})"
    if rep.ok:
        click.echo("ok: " + verdict, err=fmt == "json")
        sys.exit(EXIT_OK)
    click.echo(verdict, err=True)
    sys.exit(EXIT_ERRORS)
