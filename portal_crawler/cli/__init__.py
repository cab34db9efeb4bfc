"""The command line (thin): ``main`` and the shared helpers live in ``cli/common.py``;
each command group lives in its own module, imported here so that its commands register."""
from portal_crawler.cli.common import main  # noqa: F401  (the console script's entry)
from portal_crawler.cli import (  # noqa: E402,F401
    crawl as _crawl, dedupe as _dedupe, export as _export, inspect as _inspect, replica as _replica,
    schedule as _schedule, search as _search, serve as _serve, sites as _sites, snapshot as _snapshot,
    worker as _worker)
