"""The process exit codes of the CLI and of ``CrawlResult.exit_code``: one definition.

A module of its own, importing nothing heavy: the CLI reads it before anything else
(a signal during start-up exits with UNFINISHED).
"""
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the CLI (README "Exit codes")."""
    OK = 0            # done
    ERRORS = 1        # done, but some requests failed after their retries
    USAGE = 2         # bad input: file, key, URL, option, archive
    LOCKED = 3        # another crawl holds the archive
    UNFINISHED = 4    # stopped before the end (SIGINT/SIGTERM, killed, a limit)
    NOTHING = 5       # nothing to crawl where something was asked for: a site without
                      # channels, or a --channel matching none of a site's channels
    ARCHIVE = 6       # the archive could not be written (lock timeout, disk full, corrupt): stopped
    FINDINGS = 7      # done, but a monitor found something (crawler/monitors.py): a field's
                      # coverage fell, no new articles where there always are, pages blocked
                      # or rate-limited (site paused), template extractor failing; one line each
