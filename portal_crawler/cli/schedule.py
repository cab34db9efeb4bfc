"""`schedule install` / `schedule show`: a thin layer over portal_crawler/schedule.py."""
from __future__ import annotations

from pathlib import Path

import click

from portal_crawler.cli.common import DEFAULT_DB, fail, load_registry, main, out
from portal_crawler.terminal import safe


@main.group()
def schedule():
    """Run the crawl periodically (systemd timer or cron); any exit but 0 is a failure."""


@schedule.command("install")
@click.option("--every", required=True, help="Period: 30m, 6h, 1d (minutes dividing 60, hours dividing 24).")
@click.option("--systemd", "use_systemd", is_flag=True, help="A systemd service + timer (the default).")
@click.option("--cron", "use_cron", is_flag=True, help="A cron.d file instead.")
@click.option("--dir", "folder", type=click.Path(file_okay=False),
              help="Where to write (default: /etc/systemd/system, ~/.config/systemd/user, or /etc/cron.d).")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="The archive the crawl writes.")
@click.option("--sites-file", type=click.Path(dir_okay=False), help="Sites file the crawl reads.")
@click.option("--site", "site_keys", multiple=True, help="Crawl only this site (repeatable; default --all).")
@click.option("--summary-json", type=click.Path(dir_okay=False),
              help="The run's summary JSON (default: beside the archive, <name>.last-run.json).")
def install_cmd(every, use_systemd, use_cron, folder, db, sites_file, site_keys, summary_json):
    """Write the job that crawls every PERIOD with --summary-json; start nothing."""
    from portal_crawler.schedule import ScheduleError, crawl_command, install, parse_every
    if use_systemd and use_cron:
        fail("give --systemd or --cron, not both")
    if sites_file is not None and not Path(sites_file).is_file():
        fail(f"--sites-file {sites_file}: no such file")
    _check_job_input(db, sites_file, site_keys)
    try:
        period = parse_every(every)
        cmd = crawl_command(db, sites=list(site_keys), sites_file=sites_file, summary_json=summary_json)
        paths = install(period, cmd, cron=use_cron, folder=folder)
    except ScheduleError as e:
        fail(str(e))
    for p in paths:
        out.print(f"wrote {safe(str(p))}")
    if use_cron:
        out.print("cron reads it by itself; a failed run (any exit but 0) is mailed by cron")
    else:
        timer = next(p for p in paths if p.suffix == ".timer")
        user = "" if str(timer).startswith("/etc/") else " --user"
        out.print(f"start it: systemctl{user} daemon-reload && systemctl{user} enable --now {timer.name}")


def _check_job_input(db, sites_file, site_keys) -> None:
    """What the job would fail on at every run is refused now (one line, exit 2): an
    existing --db that is not an archive, a --site no sites file knows. A missing --db
    is fine: the first run creates it."""
    from portal_crawler.store.archive import ArchiveError, check_archive_file
    if Path(db).exists():
        try:
            check_archive_file(db)
        except ArchiveError as e:
            fail(str(e))
    known = set(load_registry(sites_file).sites)
    bad = [k for k in site_keys if k not in known]
    if bad:
        fail(f"unknown site key {bad[0]!r}: not a site of the network or of the sites file")


@schedule.command("show")
@click.option("--dir", "folder", type=click.Path(file_okay=False), help="Where to look (default: the install folders).")
def show_cmd(folder):
    """Print the installed service, timer or cron file."""
    from portal_crawler.schedule import installed
    found = installed(folder)
    if not found:
        out.print("no portal-crawler schedule installed" + (f" in {safe(folder)}" if folder else ""))
        return
    for p, text in found:
        out.print(f"# {safe(str(p))}")
        click.echo(text)
