"""Scrapy by its documented surface: no deprecation warning in a crawl, and the project
runs under Scrapy's own ``scrapy crawl portal`` (it ships scrapy.cfg)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import E2E_SITES, ROOT, crawl_args, RUN_DIR

from portal_crawler.replica.oracle import compare_with_truth
from portal_crawler.store import Archive


def _truth_of(rep, sites):
    return [t for t in rep.truth() if t["site"] in sites]


def test_crawl_raises_no_scrapy_deprecation_warning(replica_net, tmp_path):
    db = tmp_path / "a.db"
    env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning"}
    p = subprocess.run([sys.executable, "-W", "error::scrapy.exceptions.ScrapyDeprecationWarning",
                        "-m", "portal_crawler", *map(str, crawl_args(replica_net.sites_path, db)), "-v"],
                       cwd=RUN_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "Deprecat" not in p.stderr, [l for l in p.stderr.splitlines() if "Deprecat" in l][:5]
    with Archive.open(db, readonly=True) as ar:
        report = compare_with_truth(ar, replica_net.truth())
    assert report["ok"], report["problems"][:5]


def test_scrapy_crawl_portal_with_spider_arguments(replica_net, tmp_path):
    sites = E2E_SITES[:2]
    db = tmp_path / "b.db"
    # The user's sites file may set defaults for every site: no delay (loopback), as
    # `crawl --delay 0` does for the CLI.
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text("[defaults]\ndownload_delay = 0\nconcurrency = 8\n\n"
                          + Path(replica_net.sites_path).read_text("utf-8"), "utf-8")
    # From the project folder, as a Scrapy user would: scrapy.cfg names our settings.
    p = subprocess.run([str(Path(sys.executable).with_name("scrapy")), "crawl", "portal",
                        "-a", f"sites={','.join(sites)}", "-a", f"sites_file={sites_file}",
                        "-s", f"PORTAL_DB={db}", "-s", "LOG_LEVEL=WARNING"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    with Archive.open(db, readonly=True) as ar:
        report = compare_with_truth(ar, _truth_of(replica_net, sites))
    assert report["ok"], report["problems"][:5]
    assert report["matched"] == report["expected"] > 0
