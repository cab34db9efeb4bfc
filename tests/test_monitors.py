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
        # Back-off comes at the 5th blocked answer (half the window blocked); the requests
        # in flight then (2 per site) were sent before it; the pause at the 9th leaves
        # at least two sends made under the backed-off delay.
        _set_site(sf, "harbin", block_pause_after=9)
        p = cli(*crawl_args(sf, db, sites, "--summary-json", summary, "--set", "BLOCK_BACKOFF_MIN_DELAY=0.2"))
        assert p.returncode == ExitCode.FINDINGS, p.stderr[-2000:]
        s = json.loads(summary.read_text("utf-8"))
        h = s["per_site"]["harbin"]
        served = rep.fault_stats()["site_requests"]["harbin"]
        arrivals = rep.stats(paths=True)["arrivals"]["harbin"]
        # Paused: not one request reached the site after the pause (the replica's count).
        assert h["paused"] == 1 and served == h["paused_after_sends"] == len(arrivals)
        # Backed off before: the last sends (made after the back-off) reached it at least
        # the back-off delay apart (less a margin for the loopback's jitter).
        assert h["backoff_delay"] >= 0.2
        gaps = [b - a for a, b in zip(arrivals[-3:], arrivals[-2:])]
        assert min(gaps) >= 0.75 * 0.2, gaps
        assert h["blocked/rate_limit"] >= 9 and h["not_fetched_paused"] > 0
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
        assert hist[0]["source"] == hist[0]["records"] and hist[2]["source"] <= hist[2]["records"] // 4


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


# -- the monitors' rules on a hand-made history (no crawl) ---------------------------------

def _run_with(ar, day: int, n: int, **fields) -> int:
    """A finished run on 2030-01-<day> archiving ``n`` new harbin records."""
    from portal_crawler.store.records import now_iso  # noqa: F401  (the format the archive writes)
    run = ar.start_run(sites=["harbin"])
    at = f"2030-01-{day:02d}T00:00:00+00:00"
    ar.conn.execute("UPDATE crawl_runs SET started_at = ? WHERE id = ?", (at, run))
    recs = [{"url": f"http://h.example/a/{day}/{i}.html", "site": "harbin", "channel": "工作动态",
             "title": f"第{day}天的第{i}条消息", "published_at": "2030-01-01", "source": "本网",
             "body": f"正文{day}-{i}。" + "内容" * 40, "fetched_at": at, **fields} for i in range(n)]
    ar.write_articles(recs, run)
    ar.finish_run(run, {"per_site": {}}, "finished")
    return run


def _config(**over):
    from portal_crawler.crawler import settings
    return {**settings.MONITORS, **over}


def test_no_new_articles_only_where_history_always_had_some(tmp_path):
    from portal_crawler.crawler.monitors import assess_run
    with Archive.open(tmp_path / "a.db", create=True) as ar:
        cfg = {"harbin": _config()}
        for day in (1, 2, 3):
            assert assess_run(ar, _run_with(ar, day, 6), {}, cfg) == []
        run = _run_with(ar, 4, 0)
        (f,) = assess_run(ar, run, {}, cfg)
        assert f.kind == "no_new_articles" and "(6, 6, 6)" in f.message
        assert assess_run(ar, _run_with(ar, 5, 0), {}, cfg) == []      # history now has a run without


def test_coverage_fall_against_history_not_noise(tmp_path):
    from portal_crawler.crawler.monitors import assess_run
    with Archive.open(tmp_path / "a.db", create=True) as ar:
        cfg = {"harbin": _config()}
        assert assess_run(ar, _run_with(ar, 1, 12), {}, cfg) == []
        found = assess_run(ar, _run_with(ar, 2, 12, source=None), {}, cfg)
        assert {(f.kind, f.field, f.channel) for f in found} == {("coverage", "source", None),
                                                                  ("coverage", "source", "工作动态")}
        with Archive(tmp_path / "a.db") as again:
            stored = json.loads(again.runs(1)[0]["findings"])
        assert [f["message"] for f in stored] == [f.message for f in found]
        # Too few records to judge: nothing.
        assert assess_run(ar, _run_with(ar, 3, 4, source=None), {}, cfg) == []


def test_blocked_finding_from_run_stats():
    from portal_crawler.crawler.monitors import _blocked
    cfg = _config()
    d = {"responses": {"200": 30}, "blocked/rate_limit": 20, "paused": 1, "paused_after_sends": 50,
         "not_fetched_paused": 7}
    (f,) = _blocked("harbin", d, cfg)
    assert f.kind == "blocked" and "20 of 50 answers blocked (rate_limit 20)" in f.message and "paused" in f.message
    assert _blocked("harbin", {"responses": {"200": 30}}, cfg) == []
    assert _blocked("harbin", {"responses": {"200": 30}, "blocked/firewall": 3}, _config(blocked_share=0.5)) == []


def test_monitor_thresholds_in_sites_file_checked_and_merged(tmp_path):
    from portal_crawler.crawler.monitors import monitor_config
    from portal_crawler.sites import registry
    f = tmp_path / "s.toml"
    f.write_text('[defaults.monitors]\ncoverage_drop = 0.5\nmin_coverage = { source = 0.8 }\n'
                 '[[sites]]\nkey = "harbin"\nbase_url = "http://127.0.0.1:1/"\n'
                 '[sites.settings.monitors]\nmin_new_articles = 20\n', "utf-8")
    site = registry.load(f).get("harbin")
    cfg = monitor_config(site, _config())
    assert (cfg["coverage_drop"], cfg["min_new_articles"], cfg["history_runs"]) == (0.5, 20, 5)
    assert cfg["min_coverage"] == {"title": 0.9, "published_at": 0.9, "body": 0.9, "source": 0.8}
    for bad, word in (("coverage_drop = 2", "coverage_drop must be between 0 and 1"),
                      ("coverge_drop = 0.2", "unknown key 'coverge_drop'"),
                      ("min_coverage = { sauce = 0.2 }", "unknown key 'sauce'")):
        f.write_text(f"[defaults.monitors]\n{bad}\n", "utf-8")
        p = cli("sites", "--sites-file", f)
        assert p.returncode == 2 and word in p.stderr and p.stderr.count("\n") == 1, p.stderr
