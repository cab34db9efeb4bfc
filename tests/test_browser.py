"""A real browser on `portal-crawler serve`: Playwright drives Debian's chromium
(`apt-get install chromium fonts-wqy-microhei`, as .ci/run does; Playwright's own
browser download is not available here) over the demo archive."""
from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import RUN_DIR

# Debian's chromium, found on PATH (PORTAL_CRAWLER_CHROMIUM names another binary).
CHROMIUM = os.environ.get("PORTAL_CRAWLER_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM or not Path(CHROMIUM).exists(),
                                reason="no chromium on PATH (apt-get install chromium, as .ci/run does)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_archive):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "portal_crawler.cli", "serve", "--db", str(demo_archive),
                             "--port", str(port)], cwd=RUN_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stderr.read().decode())
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_page()
        yield pg
        browser.close()


def _truth(db, word):
    con = sqlite3.connect(db)
    try:
        return sum(1 for t, b in con.execute("SELECT title, body FROM articles")
                   if word in (t or "") or word in (b or ""))
    finally:
        con.close()


@pytest.mark.parametrize("word", ["中小企业", "疫情"])
def test_search_box_counts_equal_the_truth(server, page, demo_archive, word):
    page.goto(f"{server}/demo/articles")
    box = page.locator('input[name="_search"]')
    box.fill(word)
    box.press("Enter")
    page.wait_for_url(re.compile(r".*_search=.*"))
    heading = page.locator("h3").first.inner_text()
    m = re.match(r"([\d,]+) rows? where search matches", heading)
    assert m, heading
    truth = _truth(demo_archive, word)
    assert truth > 0 and int(m.group(1).replace(",", "")) == truth
    # the rows shown contain the word, in the title or the (truncated) body
    first = page.locator("table.rows-and-columns tbody tr").first
    assert first.is_visible()


def test_canned_query_and_chart(server, page, demo_archive):
    page.goto(f"{server}/demo")
    page.get_by_role("link", name="Articles per site per month").click()
    page.wait_for_url(re.compile(r".*/demo/articles_per_site_per_month.*"))
    con = sqlite3.connect(demo_archive)
    want = con.execute("SELECT count(*) FROM (SELECT 1 FROM articles WHERE published_at IS NOT NULL "
                       "GROUP BY substr(published_at, 1, 7), site)").fetchone()[0]
    sites = [r[0] for r in con.execute("SELECT DISTINCT site FROM articles")]
    con.close()
    assert page.locator("table.rows-and-columns tbody tr").count() == want
    page.goto(f"{server}/-/chart")
    lines = page.locator("svg polyline.site")
    assert lines.count() == len(sites) == 5
    box = page.locator("svg").bounding_box()
    assert box["width"] > 500 and box["height"] > 200            # drawn, without any script


def test_capture_opens_sandboxed(server, page, demo_archive):
    con = sqlite3.connect(demo_archive)
    aid, title = con.execute("SELECT id, title FROM articles WHERE warc_file IS NOT NULL LIMIT 1").fetchone()
    con.close()
    page.goto(f"{server}/demo/articles/{aid}")
    with page.expect_navigation() as nav:
        page.locator(f'a[href="/-/capture/article/{aid}"]').first.click()
    resp = nav.value
    assert resp.status == 200 and resp.headers["content-security-policy"] == "sandbox"
    assert title in page.locator("body").inner_text()
