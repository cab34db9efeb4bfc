"""A replica crawled twice (the second time after it changed, re-checking every
article), shared by the export, snapshot and verify tests of one module."""
from __future__ import annotations

from conftest import E2E_SITES, cli, crawl_args, replica_network


def crawl_twice(tmp, sites=E2E_SITES) -> dict:
    """Crawl, advance the replica, re-crawl with --refresh-days: returns the paths,
    the truth after the change, and the two run ids."""
    with replica_network(tmp, sites=sites) as rep:
        sites_path = rep.sites_path
        db = tmp / "a.db"
        cli(*crawl_args(sites_path, db, sites), check=True)
        first_truth = rep.truth()
        rep.advance()
        cli(*crawl_args(sites_path, db, sites, "--refresh-days", "100000"), check=True)
        return {"db": db, "sites_file": sites_path, "truth": rep.truth(), "first_truth": first_truth,
                "net": rep.network()}
