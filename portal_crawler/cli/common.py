"""``portal-crawler``: the command line, a thin layer over the Python API.

Exit codes: ``crawler/exitcodes.py`` ExitCode (README "Exit codes").
"""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager

import click
from rich.console import Console

from portal_crawler.sites import registry
from portal_crawler.sites.registry import SitesError

from portal_crawler.crawler.exitcodes import ExitCode  # noqa: E402  (one definition of the codes)

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_LOCKED, EXIT_UNFINISHED, EXIT_NOTHING, EXIT_ARCHIVE, EXIT_FINDINGS = (
    ExitCode.OK, ExitCode.ERRORS, ExitCode.USAGE, ExitCode.LOCKED, ExitCode.UNFINISHED, ExitCode.NOTHING,
    ExitCode.ARCHIVE, ExitCode.FINDINGS)
from portal_crawler.store.paths import DEFAULT_DB  # noqa: E402
# Piped output is read by programs: never cut a table to 80 columns there.
out = Console(width=None if sys.stdout.isatty() else 10_000)
err = Console(stderr=True)


def fail(msg: str, code: int = EXIT_USAGE):
    from portal_crawler.terminal import plain
    click.echo(f"error: {plain(msg)}", err=True)  # plain: one line, never wrapped, no control characters
    sys.exit(code)


@contextmanager
def open_archive(db, readonly: bool = True):
    """An existing archive for a command (never creates one: a typo'd path is an error).
    A missing, unreadable, non-database or corrupt file is a one-line error (exit 2),
    also when the damage shows only in the middle of a query."""
    import sqlite3
    from portal_crawler.store.archive import Archive, ArchiveError, ArchiveNotFound
    from portal_crawler.store.schema import describe
    try:
        ar = Archive.open(db, readonly=readonly)
    except ArchiveNotFound:
        fail(f"no archive at {db}; crawl first (portal-crawler crawl ... --db {db})")
    except ArchiveError as e:
        fail(str(e))
    try:
        with ar:
            yield ar
    except sqlite3.Error as e:
        fail(describe(db, e))


def parse_settings(pairs) -> dict:
    """``--set KEY=VALUE`` pairs as Scrapy settings (values parsed as JSON when they are)."""
    out_ = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or key.strip() != key.strip().upper():
            fail(f"--set {pair!r}: use KEY=VALUE with an upper-case Scrapy setting name")
        try:
            out_[key.strip()] = json.loads(value)
        except ValueError:
            out_[key.strip()] = value
    return out_


def load_registry(sites_file):
    """The registry with the user's sites file: ``--sites-file``, else ./sites.toml if present."""
    from portal_crawler.sites.registry import default_sites_file
    try:
        return registry.load(sites_file if sites_file is not None else default_sites_file())
    except SitesError as e:
        fail(str(e))

def fetch_url(url: str) -> tuple[bytes, str | None]:
    import urllib.request
    from portal_crawler.crawler import settings
    req = urllib.request.Request(url, headers={"User-Agent": settings.USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read(), r.headers.get("Content-Type")
    except Exception as e:  # noqa: BLE001 - any fetch failure is a one-line error
        fail(f"cannot fetch {url}: {e}", EXIT_ERRORS)



@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="portal-crawler")
def main():
    """Crawl and archive the 中国中小企业XX网 SME portal network."""
