"""`replica serve`: run the replica network on loopback for trying the crawler."""
from __future__ import annotations

import signal
import time

import click

from portal_crawler.cli.common import check_sites_target, fail, main, out


@main.group()
def replica():
    """The replica network: our own model of the sites, served on loopback."""


@replica.command("serve")
@click.option("--sites", "site_list", default="", help="Comma-separated site keys (default: all 25).")
@click.option("--seed", type=int, default=7, show_default=True, help="Generator seed (same seed, same sites).")
@click.option("--scale", default="demo", show_default=True, help="Size: a name from replica.model.SCALES (tiny, small, demo, ...).")
@click.option("--write-sites-file", type=click.Path(dir_okay=False), help="Write a sites file for the served sites.")
def replica_serve(site_list, seed, scale, write_sites_file):
    """Serve the replica until Ctrl-C; print each site's address."""
    from portal_crawler.replica import ReplicaProcess
    from portal_crawler.replica.sites import BY_KEY
    keys = [k.strip() for k in site_list.split(",") if k.strip()] or None
    unknown = [k for k in keys or [] if k not in BY_KEY]
    if unknown:
        fail(f"unknown site key(s) {', '.join(unknown)}; known: {', '.join(sorted(BY_KEY))}")
    from portal_crawler.replica.model import SCALES
    if scale not in SCALES:
        fail(f"--scale {scale!r}: use one of {', '.join(SCALES)}")
    if write_sites_file:
        check_sites_target(write_sites_file)
    stop = []
    # Both signals set a flag: SIGINT too, explicitly, because a process started in the
    # background of a non-interactive shell inherits SIGINT ignored, and Python then never
    # raises KeyboardInterrupt (Ctrl-C or `kill -INT` would not stop the replica).
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    with ReplicaProcess(seed=seed, sites=keys, scale=scale) as rep:
        for k, u in rep.base_urls.items():
            out.print(f"{k:<14} {u}")
        if write_sites_file:
            rep.sites_file(write_sites_file)
            from portal_crawler.cli.hints import command
            out.print(f"wrote {write_sites_file}: crawl with `{command('crawl', '--sites-file', write_sites_file, '--all')}`",
                      markup=False)
        out.print("serving; Ctrl-C stops")
        while not stop:
            time.sleep(0.2)
