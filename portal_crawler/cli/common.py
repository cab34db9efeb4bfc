"""``portal-crawler``: the command line, a thin layer over the Python API.

Exit codes: ``crawler/exitcodes.py`` ExitCode (README "Exit codes").
"""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path

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
    A missing, empty, unreadable, non-database, foreign or corrupt file is a one-line
    error (exit 2), also when the damage shows only in the middle of a query. A command
    that writes (``readonly=False``) holds the crawl lock while it does: a running crawl
    is exit 3, and no crawl starts meanwhile."""
    import sqlite3
    from contextlib import ExitStack
    from portal_crawler.api import Archive
    from portal_crawler.store.archive import ArchiveError, ArchiveNotFound, check_archive_file
    from portal_crawler.store.schema import describe
    with ExitStack() as stack:
        try:
            if not readonly and Path(db).exists():   # a running crawl first (exit 3), whatever the file holds
                stack.enter_context(_write_lock(db))
            check_archive_file(db)
            ar = Archive.open(db, readonly=readonly)
        except ArchiveNotFound:
            fail(f"no archive at {db}; a crawl with --db {db} creates one")
        except ArchiveError as e:
            fail(str(e))
        try:
            with ar:
                yield ar
        except sqlite3.Error as e:
            fail(describe(db, e))


def refuse_unknown_sites(ar, keys, db, known=()) -> None:
    """``--site`` values that name no site (of the network or ``known``, e.g. a sites
    file's, nor held by the archive): one line, exit 2, the same for every command."""
    bad = ar.unknown_sites([k for k in keys if k], known)
    if bad:
        fail(f"unknown site key {bad[0]!r}: not a site of the network, and {db} holds none of it")


@contextmanager
def _write_lock(db):
    from portal_crawler.crawler.lock import ArchiveLock, ArchiveLocked
    try:
        lock = ArchiveLock(db).acquire()
    except ArchiveLocked as e:
        fail(str(e), EXIT_LOCKED)
    except OSError as e:  # a read-only file, directory or file system
        fail(f"cannot open archive {db} for writing: {e.strerror or e}")
    try:
        yield lock
    finally:
        lock.release()


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

def check_sites_target(path) -> None:
    """A sites file a command is about to write: refused (one line, exit 2) when the
    file there is not a sites file (it would be overwritten) or the place is read-only;
    checked before any network or replica work starts."""
    import os
    from pathlib import Path
    p = Path(path)
    if p.exists():
        if not p.is_file():
            fail(f"{p} is not a file")
        try:
            registry.load(p)
        except SitesError as e:
            fail(f"{p} is not a sites file; not overwriting it ({e})")
    where = p if p.exists() else next(d for d in p.absolute().parents if d.exists())
    if not os.access(where, os.W_OK):
        fail(f"cannot write the sites file {p}: {where} is read-only")


def fetch_url(url: str) -> tuple[bytes, str | None]:
    import urllib.request
    from portal_crawler.crawler import settings
    req = urllib.request.Request(url, headers={"User-Agent": settings.USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read(), r.headers.get("Content-Type")
    except Exception as e:  # noqa: BLE001 - any fetch failure is a one-line error
        fail(f"cannot fetch {url}: {e}", EXIT_ERRORS)



class OneLineErrors(click.Group):
    """The group whose usage errors (a bad option value, a missing argument) are one
    ``error:`` line and exit 2, like every other bad input, not click's usage block."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(EXIT_UNFINISHED)
        except click.exceptions.NoArgsIsHelpError as e:  # a bare group: its help, as click shows it
            e.show()
            sys.exit(e.exit_code)
        except click.ClickException as e:
            where = f"{e.ctx.command_path}: " if getattr(e, "ctx", None) is not None else ""
            fail(where + e.format_message(), e.exit_code)
        sys.exit(rv if isinstance(rv, int) else EXIT_OK)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="portal-crawler")
def main():
    """Crawl and archive the 中国中小企业XX网 SME portal network."""
