"""The command line (thin): ``main`` and the shared helpers live in ``cli/common.py``;
each command group lives in its own module, imported here so that its commands register."""
import os
import signal
import sys

from portal_crawler.crawler.exitcodes import ExitCode


def _crawl_command(argv: list[str]) -> bool:
    """``argv`` runs ``portal-crawler crawl`` (or ``python -m portal_crawler[.cli] crawl``)."""
    for i, a in enumerate(argv[:3]):
        if a == "-m" and argv[i + 1:i + 2] in (["portal_crawler"], ["portal_crawler.cli"]):
            return argv[i + 2:i + 3] == ["crawl"]
        if i and os.path.basename(a) == "portal-crawler":
            return argv[i + 1:i + 2] == ["crawl"]
    return False


def _stopped_while_starting(_signum, _frame):
    # Nothing was fetched yet: exit at once, with the stop's code. The crawl replaces
    # this handler with its own once it runs (crawler/stopping.py).
    os.write(2, b"stopping: nothing was fetched yet\n")
    os._exit(ExitCode.UNFINISHED)


# `crawl` takes a few seconds to import on a busy machine; a signal meanwhile is a stop,
# never a KeyboardInterrupt traceback. (Only in that process: importing this package
# from a program or a test changes no handler.)
if _crawl_command(sys.orig_argv):
    for _sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(_sig, _stopped_while_starting)

from portal_crawler.cli.common import main  # noqa: E402,F401  (the console script's entry)
from portal_crawler.cli import (  # noqa: E402,F401
    crawl as _crawl, dedupe as _dedupe, export as _export, inspect as _inspect, replica as _replica,
    schedule as _schedule, search as _search, serve as _serve, sites as _sites, snapshot as _snapshot,
    worker as _worker)
