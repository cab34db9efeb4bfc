"""Blocks, back-off and field monitors end to end on the replica (issues 21 and 26):
block pages are never archived and are fetched again by the next run; a site that
keeps blocking is paused and receives nothing more (measured at the replica); every
finding (blocked, rate-limited, coverage) ends the run with exit 7, one line each, in
the summary JSON and in `stats --json`; a healthy re-run finds nothing."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from conftest import cli, crawl_args

from portal_crawler.crawler.run import ExitCode
from portal_crawler.replica import ReplicaProcess
from portal_crawler.replica.oracle import compare_with_truth
from portal_crawler.store import Archive

FAST = ["--set", "BLOCK_BACKOFF_MIN_DELAY=0.02", "--set", "RETRY_BACKOFF_BASE=0.01"]


def _archived_paths(db) -> set[tuple[str, str]]:
    with Archive(db) as ar:
        return {(r["site"], urlsplit(r["url"]).path) for r in ar.db.query("SELECT site, url FROM article_urls")}


def _set_site(path, key, **settings) -> None:
    """Add per-site settings to a sites file (tomlkit keeps the rest as it is)."""
    import tomlkit
    doc = tomlkit.parse(path.read_text("utf-8"))
    next(s for s in doc["sites"] if s["key"] == key)["settings"].update(settings)
    path.write_text(tomlkit.dumps(doc), "utf-8")


def _audit(db, truth) -> tuple[list[str], list[str]]:
    """(missing URLs, every other difference from the truth)."""
    with Archive(db) as ar:
        problems = compare_with_truth(ar, truth)["problems"]
    missing = [p for p in problems if p.startswith("missing: ")]
    return missing, [p for p in problems if not p.startswith("missing: ")]


def test_block_pages_never_stored_counted_and_fetched_again(tmp_path):
    sites = ["harbin", "zhejiang"]
    plan = {"seed": 5, "rules": [
        {"fault": "firewall", "fraction": 0.2, "sites": ["harbin"], "pages": ["article"]},
        {"fault": "js_challenge", "fraction": 0.15, "sites": ["zhejiang"], "pages": ["article"]},
        {"fault": "script_challenge", "fraction": 0.15, "sites": ["zhejiang"], "pages": ["article"]}]}
    with ReplicaProcess(seed=11, sites=sites, scale="tiny", faults=plan) as rep:
        sf, db, summary = tmp_path / "sites.toml", tmp_path / "a.db", tmp_path / "run.json"
        rep.sites_file(sf)
        p = cli(*crawl_args(sf, db, sites, "--summary-json", summary, *FAST))
        assert p.returncode == ExitCode.FINDINGS, p.stderr[-2000:]
        blocked = rep.fault_stats()["blocked"]
        truth = rep.truth()
        # Nothing wrong stored: no block page became an article, list or copy.
        missing, wrong = _audit(db, truth)
        assert wrong == []
        assert not _archived_paths(db) & {(k, x) for k, v in blocked.items() for x in v}
        assert missing and len(blocked["harbin"]) > 0 and len(blocked["zhejiang"]) > 0
        # Counted per site and kind, equal to what the replica served.
        s = json.loads(summary.read_text("utf-8"))
        per = s["per_site"]
        assert per["harbin"]["blocked/firewall"] == len(blocked["harbin"])
        assert per["zhejiang"].get("blocked/js_challenge", 0) + per["zhejiang"].get("blocked/script_challenge", 0) \
            == len(blocked["zhejiang"])
        kinds = {(f["kind"], f["site"]) for f in s["findings"]}
        assert kinds == {("blocked", "harbin"), ("blocked", "zhejiang")}
        lines = [ln for ln in p.stderr.splitlines() if ln.startswith("finding: ")]
        assert len(lines) == 2 and all("blocked" in ln for ln in lines)
        shown = json.loads(cli("stats", "--db", db, "--json", check=True).stdout)
        assert [f["message"] for f in shown["findings"]] == [f["message"] for f in s["findings"]]
        # A plain crawl with the blocks off ends with the truth.
        rep.set_faults(None)
        p = cli(*crawl_args(sf, db, sites, *FAST))
        assert p.returncode == ExitCode.OK, p.stderr[-2000:]
        assert _audit(db, truth) == ([], [])


def test_rate_limited_site_paused_other_sites_go_on(tmp_path):
    sites = ["harbin", "zhejiang"]
    plan = {"seed": 1, "rules": [{"fault": "rate_limit", "sites": ["harbin"], "after": 25}]}
    with ReplicaProcess(seed=11, sites=sites, scale="tiny", faults=plan) as rep:
        sf, db, summary = tmp_path / "sites.toml", tmp_path / "a.db", tmp_path / "run.json"
        rep.sites_file(sf)
        _set_site(sf, "harbin", block_pause_after=6)
        p = cli(*crawl_args(sf, db, sites, "--summary-json", summary, *FAST))
        assert p.returncode == ExitCode.FINDINGS, p.stderr[-2000:]
        s = json.loads(summary.read_text("utf-8"))
        h = s["per_site"]["harbin"]
        served = rep.fault_stats()["site_requests"]["harbin"]
        # Paused: not one request reached the site after the pause (the replica's count).
        assert h["paused"] == 1 and served == h["paused_after_sends"]
        assert h["blocked/rate_limit"] >= 6 and h["not_fetched_paused"] > 0
        (f,) = s["findings"]
        assert f["kind"] == "blocked" and f["site"] == "harbin" and "rate_limit" in f["message"] \
            and "paused" in f["message"]
        truth = rep.truth()
        missing, wrong = _audit(db, truth)
        assert wrong == []
        zhejiang = {t["url"] for t in truth if t["site"] == "zhejiang"}
        assert not [m for m in missing if any(u in m for u in zhejiang)]  # the other site went on
        rep.set_faults(None)
        p = cli(*crawl_args(sf, db, sites, *FAST))
        assert p.returncode == ExitCode.OK, p.stderr[-2000:]
        assert _audit(db, truth) == ([], [])


def test_template_change_trips_coverage_healthy_rerun_nothing(tmp_path):
    sites = ["harbin", "zhejiang"]
    with ReplicaProcess(seed=11, sites=sites, scale="tiny") as rep:
        sf, db = tmp_path / "sites.toml", tmp_path / "a.db"
        rep.sites_file(sf)
        for _ in range(2):  # history, then a healthy re-run: nothing found
            p = cli(*crawl_args(sf, db, sites, "--max-articles", "12"))
            assert p.returncode == ExitCode.OK, p.stderr[-2000:]
            assert "finding:" not in p.stderr
        rep.set_faults({"seed": 1, "rules": [{"fault": "template_change", "sites": ["harbin"], "pages": ["article"]}]})
        summary = tmp_path / "run.json"
        p = cli(*crawl_args(sf, db, sites, "--max-articles", "12", "--summary-json", summary))
        assert p.returncode == ExitCode.FINDINGS, p.stderr[-2000:]
        found = json.loads(summary.read_text("utf-8"))["findings"]
        assert found and {f["kind"] for f in found} == {"coverage"} and {f["site"] for f in found} == {"harbin"}
        assert "source" in {f["field"] for f in found}
        assert len([ln for ln in p.stderr.splitlines() if ln.startswith("finding: ")]) == len(found)
        with Archive(db) as ar:
            hist = list(ar.db.query("SELECT run_id, records, source FROM run_coverage "
                                    "WHERE site = 'harbin' AND channel = '' ORDER BY run_id"))
        # New records per run (a repost joining an archived article is not one).
        assert len(hist) == 3 and all(10 <= h["records"] <= 12 for h in hist)
        assert hist[0]["source"] == hist[0]["records"] and hist[2]["source"] == 0


def test_recheck_repairs_an_archive_holding_block_pages(tmp_path):
    """An earlier version stored six firewall pages as one "article" holding six URLs;
    the next crawl took those URLs as archived. `dedupe --recheck` removes the block
    article and re-queues its URLs; the next crawl ends with the truth."""
    with ReplicaProcess(seed=11, sites=["harbin"], scale="tiny") as rep:
        sf, db = tmp_path / "sites.toml", tmp_path / "a.db"
        rep.sites_file(sf)
        truth = rep.truth()
        victims = [t for t in truth if t["site"] == "harbin" and not t.get("group")][:6]
        wall = "您的请求带有不合法参数，已被网站管理员设置拦截！"
        with Archive.open(db, create=True) as ar:
            # As the old crawl stored them: the list's click count, the firewall's words.
            ar.write_articles([{"url": t["url"], "site": "harbin", "title": wall, "extractor": "generic",
                                "clicks": t["clicks"],
                                "body": "可能原因：您提交的内容包含危险的攻击请求。如何解决：检查提交内容；普通网站访客，请联系网站管理员。"}
                               for t in victims])
            assert ar.counts()["articles"] == 1
        cli(*crawl_args(sf, db, ["harbin"]), check=True)
        missing, wrong = _audit(db, truth)
        assert len(missing) == 6 or any(wall in w for w in wrong)   # the damage, as the issue saw it
        dry = json.loads(cli("dedupe", "--recheck", "--dry-run", "--json", "--db", db, check=True).stdout)
        assert (dry["block_articles_removed"], dry["urls_requeued"]) == (1, 6)
        done = json.loads(cli("dedupe", "--recheck", "--json", "--db", db, check=True).stdout)
        assert (done["block_articles_removed"], done["urls_requeued"]) == (1, 6)
        with Archive(db) as ar:
            assert not list(ar.db.query("SELECT id FROM articles WHERE title = ?", [wall]))
            assert {r["url"] for r in ar.db.query("SELECT url FROM requeue")} == {t["url"] for t in victims}
        p = cli(*crawl_args(sf, db, ["harbin"]))
        assert p.returncode == ExitCode.OK, p.stderr[-2000:]
        assert _audit(db, truth) == ([], [])
        with Archive(db) as ar:
            assert list(ar.db.query("SELECT url FROM requeue")) == []
