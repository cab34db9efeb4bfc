"""`export`: the archive's records as JSONL, CSV or Parquet (store/export.py)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from portal_crawler.cli.common import DEFAULT_DB, fail, main, open_archive, refuse_unknown_sites


def _split(values) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help="SQLite archive.")
@click.option("-o", "--output", help="Output file (default: stdout; the format follows its suffix).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), help="Default jsonl, or the output's suffix.")
@click.option("--site", multiple=True, help="Only this site (repeatable, or comma-separated).")
@click.option("--channel", multiple=True, help="Only this channel, by its Chinese name (repeatable).")
@click.option("--since", help="Published on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Published on or before this date (YYYY-MM-DD).")
@click.option("--changed-since", help="Only records new or changed after crawl run RUN_ID, or since an ISO timestamp.")
@click.option("--with", "with_", multiple=True, help="Add copies,versions,attachments,images (nested in JSONL, side tables otherwise).")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte-order mark (for Excel).")
def export(db, output, fmt, site, channel, since, until, changed_since, with_, bom):
    """Export the archive's records (streaming: memory stays flat)."""
    from portal_crawler.extract.dates import parse_date
    from portal_crawler.store.export import ExportError, Filters
    for name, value in (("--since", since), ("--until", until)):
        if value and not parse_date(value).value:
            fail(f"{name} {value!r} is not a date (use YYYY-MM-DD)")
    if fmt is None:
        suffix = Path(output).suffix.lower().lstrip(".") if output and output != "-" else ""
        fmt = {"csv": "csv", "parquet": "parquet", "pq": "parquet"}.get(suffix, "jsonl")
    filters = Filters(sites=_split(site), channels=_split(channel), since=since, until=until,
                      changed_since=changed_since)
    with open_archive(db) as ar:
        refuse_unknown_sites(ar, filters.sites, db)
        try:
            counts = ar.export(None if output in (None, "-") else output, fmt, filters=filters,
                               with_=tuple(_split(with_)), bom=bom)
        except ExportError as e:
            fail(str(e))
        except OSError as e:      # the output's place: missing, read-only, full
            fail(f"cannot write {output}: {e.strerror or e}")
    if output not in (None, "-"):
        click.echo(f"exported {json.dumps({k: v for k, v in counts.items() if k != 'files'})} to "
                  f"{', '.join(counts['files'])}", err=True)
