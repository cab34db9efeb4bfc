"""`dedupe --recheck`: re-apply the same-article rule to an existing archive."""
from __future__ import annotations

import json

import click

from portal_crawler.cli.common import DEFAULT_DB, fail, load_registry, main, open_archive, out


@main.command()
@click.option("--recheck", is_flag=True, help="Split the groups the current rule would not make.")
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--dry-run", is_flag=True, help="Report what would be split; change nothing.")
@click.option("--sites-file", type=click.Path(dir_okay=False),
              help="Sites file (per-site extraction rules for re-extracted copies).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def dedupe(recheck, db, dry_run, sites_file, as_json):
    """Check the archive's duplicate groups against the same-article rule (README
    "Deduplication"); with --recheck, split wrongly merged groups, keeping every copy's
    URL, captures and versions."""
    if not recheck:
        fail("nothing to do: pass --recheck (with --dry-run to only report)")
    reg = load_registry(sites_file)
    with open_archive(db, readonly=False) as ar:     # an older archive is migrated first
        s = ar.recheck(reg, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(s, ensure_ascii=False))
        return
    verb = "would split" if dry_run else "split"
    out.print(f"checked {s['groups_checked']} groups: {verb} {s['groups_split']}, "
              f"{s['copies_moved']} copies moved, {s['articles_created']} articles "
              f"{'would be ' if dry_run else ''}created"
              + (f"; {s['unsplittable']} copies without a readable capture left in place"
                 if s["unsplittable"] else ""))
    if s["block_articles_removed"]:
        out.print(f"{s['block_articles_removed']} articles made of block pages (firewall, captcha, challenge) "
                  f"{'would be ' if dry_run else ''}removed; {s['urls_requeued']} URLs "
                  f"{'would be ' if dry_run else ''}re-queued for the next crawl")
