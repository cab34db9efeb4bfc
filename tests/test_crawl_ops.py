"""Operating the crawler: resume after a kill, site discovery, one site from its home URL."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

from conftest import cli, crawl_args, archived_count, RUN_DIR

from portal_crawler.sites import registry
from portal_crawler.store import Archive
from portal_crawler.replica.oracle import compare_with_truth


def test_killed_crawl_resumes_with_every_article_once(replica_net, tmp_path):
    db = tmp_path / "a.db"
    truth = replica_net.truth()
    # Slow enough to be killed mid-run: one request at a time, small delay, small batches.
    args = crawl_args(replica_net.sites_path, db)
    args[args.index("--delay") + 1] = "0.02"
    args[args.index("--concurrency") + 1] = "1"
    args += ["--set", "ARCHIVE_BATCH_SIZE=5"]
    p = subprocess.Popen([sys.executable, "-m", "portal_crawler.cli", *map(str, args)], cwd=RUN_DIR,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while archived_count(db) < 15 and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.1)
    assert p.poll() is None, "the crawl ended before it could be killed; make the replica bigger"
    p.send_signal(signal.SIGKILL)
    p.wait()
    partial = archived_count(db)
    assert 0 < partial
    cli(*crawl_args(replica_net.sites_path, db), "--resume", check=True)
    with Archive(db) as ar:
        report = compare_with_truth(ar, truth)
        assert report["ok"], report["problems"][:10]
        dup_urls = list(ar.db.query("SELECT url, count(*) n FROM article_urls GROUP BY url HAVING n > 1"))
        assert dup_urls == []


def test_sites_discover_fills_a_sites_file_that_crawls(replica_net, tmp_path):
    target = tmp_path / "mine.toml"
    home = replica_net.base_urls["harbin"]
    p = cli("sites", "discover", home, "--sites-file", target, check=True)
    reg = registry.load(target)
    for key, url in replica_net.base_urls.items():
        assert reg.get(key).base_url == url, (key, p.stdout)
    # Every sibling named in the friend links is placed, served or not.
    assert sum(1 for s in reg.sites.values() if s.configured) == 25
    listing = cli("sites", "--sites-file", target, "--db", tmp_path / "none.db", check=True).stdout
    assert "not configured" not in listing
    db = tmp_path / "a.db"
    cli("crawl", "--sites-file", target, "--site", "wuhan", "--db", db, "--delay", "0", "--no-progress", check=True)
    truth = [t for t in replica_net.truth() if t["site"] == "wuhan"]
    with Archive(db) as ar:
        assert ar.db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(
            {t.get("group") or t["url"] for t in truth})


def test_trs_site_archived_completely_from_home_url(replica_net, tmp_path):
    f = tmp_path / "trs.toml"
    f.write_text(f'[[sites]]\nkey = "gov"\nname = "某市政府网站"\nbase_url = "{replica_net.base_urls["xiamen"]}"\n',
                 encoding="utf-8")
    db = tmp_path / "a.db"
    cli("crawl", "--sites-file", f, "--site", "gov", "--db", db, "--delay", "0", "--concurrency", "8",
        "--no-progress", check=True)
    truth = [dict(t, site="gov") for t in replica_net.truth() if t["site"] == "xiamen"]
    with Archive(db) as ar:
        report = compare_with_truth(ar, truth)
    assert report["ok"], report["problems"][:10]
    assert report["matched"] >= 20


def test_sites_discover_keeps_the_users_comments_and_settings(replica_net, tmp_path):
    target = tmp_path / "mine.toml"
    target.write_text('# my network, crawled nightly\n[defaults]\ndownload_delay = 2.0  # be gentle\n\n'
                      '[[sites]]\nkey = "harbin"\nname = "中国中小企业哈尔滨网"\n'
                      '# harbin is slow at night\n[sites.settings]\nconcurrency = 1\n', encoding="utf-8")
    cli("sites", "discover", replica_net.base_urls["harbin"], "--sites-file", target, check=True)
    text = target.read_text("utf-8")
    for kept in ("# my network, crawled nightly", "# be gentle", "# harbin is slow at night"):
        assert kept in text, text
    reg = registry.load(target)
    assert reg.get("harbin").base_url == replica_net.base_urls["harbin"]
    assert reg.get("harbin").setting("concurrency") == 1 and reg.get("harbin").setting("download_delay") == 2.0


def test_progress_adds_up_and_new_rises_while_the_crawl_runs(replica_net, tmp_path):
    """Issue 24 item 7: articles are committed on time as well as on count (the default
    batch of 200 is more than this crawl's articles, yet the archive grows during the
    run), and the live view's header is the sum of its table."""
    import json
    import re

    from rich.console import Console

    from portal_crawler.crawler.extensions.progress import site_table, headline

    db, summary = tmp_path / "a.db", tmp_path / "s.json"
    args = crawl_args(replica_net.sites_path, db, ["harbin", "zhejiang"], "--summary-json", summary)
    args[args.index("--delay") + 1] = "0.05"
    args[args.index("--concurrency") + 1] = "1"
    p = subprocess.Popen([sys.executable, "-m", "portal_crawler.cli", *map(str, args)], cwd=RUN_DIR,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = []
    while p.poll() is None:
        seen.append(archived_count(db))
        time.sleep(0.2)
    assert p.returncode == 0
    final = archived_count(db)
    assert final < 200 and any(0 < n < final for n in seen), (final, seen[-20:])

    s = json.loads(summary.read_text("utf-8"))
    stats = {f"site/{site}/{k}": v for site, d in s["per_site"].items() for k, v in d.items()}
    sites = list(s["per_site"])
    con = Console(width=200, record=True)
    con.print(site_table(stats, sites, headline(stats, sites)))
    text = con.export_text()
    head = re.search(r"crawling: (\d+) requests, (\d+) articles \((\d+) new\), (\d+) errors", text)
    rows = [list(map(int, m.groups())) for m in re.finditer(r"│ \w+\s+│\s+(\d+) │\s+(\d+) │\s+(\d+) │\s+(\d+) │\s+(\d+) │", text)]
    assert head and len(rows) == 2, text
    sums = [sum(c) for c in zip(*rows)]
    assert [int(x) for x in head.groups()] == [sums[0], sums[2], sums[3], sums[4]], text
    assert sums[3] == final == s["articles"]["new"]       # "new" on screen = rows in the archive
    assert sums[0] == s["requests"] - 2                   # every request but the two robots.txt
