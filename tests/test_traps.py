"""Crawler traps (issue 14, finding 4): every crawl ends by itself within its limits,
records the limit it hit, and still archives the site's real articles.

One replica site with every trap mounted beside its real channels (replica/traps.py)
is crawled once from its home page; each test checks one trap against the server's
request log and the run's ``crawl_runs`` row.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import cli, RUN_DIR

from portal_crawler.replica.oracle import FIELDS, compare_with_truth
from portal_crawler.replica.sites import BY_KEY
from portal_crawler.replica.traps import TrapSite
from portal_crawler.store import Archive

LIMITS = {"download_maxsize": 24 * 1024 * 1024, "download_warnsize": 1024 * 1024, "max_list_pages": 12,
          "max_article_pages": 10, "max_links_per_page": 30, "max_stale_list_pages": 3}


def sites_file(path, trap: TrapSite, **limits) -> str:
    s = BY_KEY[trap.key]
    lines = ["[[sites]]", f'key = "{trap.key}"', f'name = "{s.name}"', f'base_url = "{trap.base_url}"',
             "", "[sites.settings]", f'home_label = "{s.home_label}"']
    lines += [f"{k} = {v}" for k, v in limits.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def trapped(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("traps")
    with TrapSite("harbin") as trap:
        f = sites_file(tmp / "sites.toml", trap, **LIMITS)
        db = tmp / "a.db"
        started = time.monotonic()
        p = cli("crawl", "--sites-file", f, "--site", "harbin", "--db", db, "--delay", "0", "--concurrency", "8",
                "--no-progress", timeout=600)
        elapsed = time.monotonic() - started
        with Archive(db) as ar:
            run = ar.runs(1)[0]
            # Trap lists re-list real articles without their click counts.
            report = compare_with_truth(ar, trap.truth(), fields=tuple(f for f in FIELDS if f != "clicks"))
            long_art = ar.db.execute("SELECT pages FROM articles WHERE url LIKE '%/trap/art/9.html'").fetchall()
        yield {"trap": trap, "proc": p, "run": run, "per_site": json.loads(run["per_site"])["harbin"],
               "report": report, "long_art": long_art, "elapsed": elapsed}


def _hits(r, name):
    return r["per_site"].get(f"limits/{name}", 0)


def test_trap_crawl_ends_and_archives_the_real_articles(trapped):
    p, report = trapped["proc"], trapped["report"]
    assert p.returncode == 0, p.stderr[-3000:]
    assert trapped["run"]["finish_reason"] == "finished"
    # Every real article, field by field; the one extra row is the 5,000-page article.
    assert report["matched"] == report["expected"] > 60
    assert report["problems"] == ["1 archived articles the truth does not have"]
    assert trapped["run"]["requests"] < 400
    assert "warning: harbin: limit" in p.stderr


def test_next_page_chain_that_is_not_list_n_ends(trapped):
    trap = trapped["trap"]
    assert trap.hits("/trap/chain/") == LIMITS["max_stale_list_pages"] + 1     # p1 + 3 pages adding nothing
    assert _hits(trapped, "list_no_new_urls") >= 1


def test_calendar_that_never_gets_older_ends(trapped):
    assert trapped["trap"].hits("/trap/calendar/") == LIMITS["max_stale_list_pages"] + 1
    assert _hits(trapped, "list_not_older") == 1


def test_ever_deeper_directories_end_at_the_list_page_limit(trapped):
    assert trapped["trap"].hits("/trap/deep/") == LIMITS["max_list_pages"]
    assert _hits(trapped, "max_list_pages") == 1
    assert any("/trap/deep/" in u for u in trapped["per_site"]["limit_urls/max_list_pages"])


def test_page_count_claim_is_walked_page_by_page(trapped):
    trap = trapped["trap"]
    # 共1000000页: pages 1-3 are real, 4-6 repeat page 3 and end the walk; the claimed
    # last page is never asked for (no fan-out).
    assert trap.hits("/trap/claim/") == 3 + LIMITS["max_stale_list_pages"]
    assert trap.hits("/trap/claim/list_900_1000000.html") == 0
    assert trap.hits("/trap/claim/list_900_7.html") == 0


def test_five_thousand_page_article_is_cut_at_the_article_page_limit(trapped):
    assert trapped["trap"].hits("/trap/art/") == LIMITS["max_article_pages"]
    assert trapped["long_art"] == [(LIMITS["max_article_pages"],)]
    assert _hits(trapped, "max_article_pages") == 1


def test_page_of_100k_links_takes_the_first_n(trapped):
    trap = trapped["trap"]
    assert trap.hits("/trap/links/") == 1 and trap.hits("/trap/links/x") == 0
    assert _hits(trapped, "max_links_per_page") == 1


def test_oversized_endless_and_bomb_responses_are_dropped_at_the_size_limit(trapped):
    trap = trapped["trap"]
    for f in ("big", "stream", "bomb"):
        assert trap.hits(f"/trap/sizes/{f}.html") == 1, f      # dropped, not retried
    assert _hits(trapped, "download_maxsize") == 3
    urls = trapped["per_site"]["limit_urls/download_maxsize"]
    assert sorted(u.rsplit("/", 1)[1] for u in urls) == ["big.html", "bomb.html", "stream.html"]


def test_sigint_stops_a_trapped_crawl_promptly(tmp_path):
    with TrapSite("harbin", traps=("deep",)) as trap:
        f = sites_file(tmp_path / "sites.toml", trap, max_list_pages=100000)
        db = tmp_path / "a.db"
        args = ["crawl", "--sites-file", f, "--site", "harbin", "--db", db, "--delay", "0.2", "--concurrency", "1",
                "--no-progress"]
        p = subprocess.Popen([sys.executable, "-m", "portal_crawler.cli", *map(str, args)], cwd=RUN_DIR,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"},
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while trap.hits("/trap/deep/") < 2 and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.1)
        assert p.poll() is None
        p.send_signal(signal.SIGINT)
        sent = time.monotonic()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            raise AssertionError("the crawl did not stop within 30 s of SIGINT") from None
        stopped_after = time.monotonic() - sent
        deep_at_stop = trap.hits("/trap/deep/")
    assert p.returncode == 4, p.stderr.read()[-2000:]
    assert stopped_after < 15 and deep_at_stop < 100   # measured: ~4 s on two shared cores
    with Archive(db) as ar:
        assert ar.runs(1)[0]["finish_reason"] == "shutdown"
