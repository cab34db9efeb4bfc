"""Per-site limits (crawler/limits.py): documented defaults, per-site overrides, bad
values refused, and a request budget that bounds a run without leaving a gap."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, cli, crawl_args

from portal_crawler.crawler import settings as default_settings
from portal_crawler.crawler.limits import LIMITS, LimitError, site_limits
from portal_crawler.crawler.run import build_settings
from portal_crawler.replica.oracle import compare_with_truth
from portal_crawler.sites import registry
from portal_crawler.sites.registry import SitesError
from portal_crawler.store import Archive


def test_defaults_come_from_the_scrapy_settings_and_sites_override_them(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('[defaults]\nmax_list_pages = 40\n\n[[sites]]\nkey = "harbin"\nbase_url = "http://127.0.0.1:9/"\n'
                 '[sites.settings]\nmax_article_pages = 7\ndownload_maxsize = 1048576\n', encoding="utf-8")
    reg = registry.load(f)
    s = build_settings(tmp_path / "a.db")
    harbin, wuhan = site_limits(reg.get("harbin"), s), site_limits(reg.get("wuhan"), s)
    assert harbin["max_article_pages"] == 7 and harbin["download_maxsize"] == 1048576
    assert harbin["max_list_pages"] == wuhan["max_list_pages"] == 40          # [defaults]
    for name, (setting, _) in LIMITS.items():                                   # the rest: settings.py
        if name not in ("max_list_pages",):
            assert wuhan[name] == getattr(default_settings, setting), name
    # A Scrapy setting changes the default of every site that does not set its own.
    s.set("PORTAL_MAX_LINKS_PER_PAGE", 12)
    assert site_limits(reg.get("wuhan"), s)["max_links_per_page"] == 12


@pytest.mark.parametrize("value", ['"lots"', "0", "-5", "true", "1.5"])
def test_bad_limit_is_refused(tmp_path, value):
    f = tmp_path / "s.toml"
    f.write_text(f'[[sites]]\nkey = "harbin"\nbase_url = "http://127.0.0.1:9/"\n[sites.settings]\n'
                 f"max_requests = {value}\n", encoding="utf-8")
    # The sites file's schema (sites/schema.py) refuses it as the file is read ...
    with pytest.raises(SitesError, match="max_requests"):
        registry.load(f)
    p = cli("crawl", "--sites-file", f, "--site", "harbin", "--db", tmp_path / "a.db", "--no-progress")
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [p.stderr.strip()] and "max_requests" in p.stderr
    assert not (tmp_path / "a.db").exists()                  # ... before any archive is made


@pytest.mark.parametrize("value", ["lots", 0, -5, True, 1.5])
def test_bad_limit_set_in_code_is_refused(tmp_path, value):
    """Sites built in code skip the file's schema: the limits module refuses the value."""
    site = registry.load().get("harbin")
    site.settings["max_requests"] = value
    with pytest.raises(LimitError, match="max_requests"):
        site_limits(site, build_settings(tmp_path / "a.db"))


def test_readme_limits_table_is_the_code():
    """The README's table of limits and defaults says what the code does."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", text, flags=re.M))
    for name, (setting, _) in LIMITS.items():
        assert name in rows, name
        shown = rows[name].strip().replace(" ", "").replace(",", "").replace("_", "")
        value = getattr(default_settings, setting)
        mib = f"{value // (1024 * 1024)}MiB"
        assert shown in (str(value), mib), (name, shown, value)


def test_request_budget_bounds_a_run_and_the_next_run_fills_the_gap(replica_net, tmp_path):
    site = "harbin"
    text = Path(replica_net.sites_path).read_text(encoding="utf-8")
    limited = tmp_path / "limited.toml"
    limited.write_text("[defaults]\nmax_requests = 25\n\n" + text, encoding="utf-8")
    db = tmp_path / "a.db"
    replica_net.reset_stats()
    p = cli(*crawl_args(limited, db, [site]), check=True)
    served = replica_net.stats()["sites"][site]
    # robots.txt is Scrapy's own request; every other one counts against the budget
    # (a few the duplicate filter drops, e.g. a channel named by nav and sitemap, too).
    assert 20 <= sum(n for k, n in served.items() if k != "robots") <= 25
    assert "warning: harbin: limit max_requests" in p.stderr
    with Archive(db) as ar:
        per_site = json.loads(ar.runs(1)[0]["per_site"])[site]
        assert per_site["limits/max_requests"] >= 1
        assert not any(r["complete"] for r in ar.backfill(site))
    cli(*crawl_args(replica_net.sites_path, db, [site]), check=True)
    truth = [t for t in replica_net.truth() if t["site"] == site]
    with Archive(db) as ar:
        report = compare_with_truth(ar, truth)
        assert report["ok"], report["problems"][:10]
        assert all(r["complete"] for r in ar.backfill(site))


def test_list_page_limit_resumes_from_the_frontier(replica_net, tmp_path):
    """Two list pages per channel per run: each plain run resumes past the stored walk
    (no re-walk from page 1 to the limit), and the channels complete without a gap."""
    site = "harbin"
    text = Path(replica_net.sites_path).read_text(encoding="utf-8")
    limited = tmp_path / "limited.toml"
    limited.write_text("[defaults]\nmax_list_pages = 2\n\n" + text, encoding="utf-8")
    db = tmp_path / "a.db"
    runs = 0
    while True:
        cli(*crawl_args(limited, db, [site]), check=True)
        runs += 1
        with Archive(db) as ar:
            rows = ar.backfill(site)
        if rows and all(r["complete"] for r in rows):
            break
        assert runs < 8, rows
    assert runs >= 2
    truth = [t for t in replica_net.truth() if t["site"] == site]
    with Archive(db) as ar:
        report = compare_with_truth(ar, truth)
    assert report["ok"], report["problems"][:10]
