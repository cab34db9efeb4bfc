"""A real browser on `portal-crawler serve`: Playwright drives Debian's chromium
(`apt-get install chromium fonts-wqy-microhei`, as .ci/run does; Playwright's own
browser download is not available here) over the demo archive, at 1400x1000.

Screenshots go to the test's tmp_path and are copied to /tmp/ui-shots/ to be looked at."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import RUN_DIR

# Debian's chromium, found on PATH (PORTAL_CRAWLER_CHROMIUM names another binary).
CHROMIUM = os.environ.get("PORTAL_CRAWLER_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}
SHOTS = Path(tempfile.gettempdir()) / "ui-shots"     # kept after the run, to look at
# Queries the parser rejects, one of each kind (store/search.py's QueryError).
BAD_QUERIES = ['"统筹', "OR", "-疫情", "()", "(企业", "企业)", "企业 OR", '""', "--企业", "*",
               "body:title:x"]

pytestmark = pytest.mark.skipif(not CHROMIUM or not Path(CHROMIUM).exists(),
                                reason="no chromium on PATH (apt-get install chromium, as .ci/run does)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(str):
    """The server's base URL; `.log()` is what it wrote to stdout and stderr so far."""
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace")


@pytest.fixture(scope="module")
def server(demo_archive, tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("serve-log") / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "portal_crawler.cli", "serve", "--db",
                                 str(demo_archive), "--port", str(port)], cwd=RUN_DIR,
                                stdout=out, stderr=subprocess.STDOUT)
    base = Server(f"http://127.0.0.1:{port}")
    base.log_path = log
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(base.log())
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
        pg = browser.new_page(viewport=VIEWPORT)
        yield pg
        browser.close()


def _shot(page, tmp_path, name):
    """A screenshot in tmp_path, copied to /tmp/ui-shots/ to be looked at."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)
    return path


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


def _archive_search(db, q, sort):
    from portal_crawler.store import Archive
    with Archive.open(db, readonly=True) as ar:
        return ar.search(q, sort=sort, limit=20)


def test_articles_table_reads_at_1400(server, page, demo_archive, tmp_path):
    """The analyst's columns first, the title at least 30 Chinese characters wide,
    rows a few lines tall, the URL shortened but a link to itself."""
    page.goto(f"{server}/demo/articles")
    heads = page.locator("table.rows-and-columns thead th").all_inner_texts()
    assert [h.split()[0] for h in heads[:5]] == ["title", "site", "channel", "published_at", "source"]
    _shot(page, tmp_path, "articles-table-top")
    rows = page.locator("table.rows-and-columns tbody tr")
    rows.first.scroll_into_view_if_needed()
    _shot(page, tmp_path, "articles-table-rows")
    # 30 characters of the title cell's own font, measured in the cell
    cell_w, chars_w = page.locator("td.col-title").first.evaluate(
        """td => { const s = document.createElement('span'); s.textContent = '中'.repeat(30);
                  s.style.whiteSpace = 'nowrap'; td.appendChild(s);
                  const w = s.getBoundingClientRect().width; s.remove();
                  return [td.getBoundingClientRect().width, w]; }""")
    assert chars_w > 30 * 8 and cell_w >= chars_w, (cell_w, chars_w)
    heights = rows.evaluate_all("trs => trs.map(tr => tr.getBoundingClientRect().height)")
    assert len(heights) == 50 and max(heights) <= 200, heights          # was ~700 px
    assert page.locator("td.col-title").first.bounding_box()["x"] < 100  # first on screen
    # the first row against the archive: title links to the row page, url to itself
    first = rows.first
    aid = int(first.locator("td.col-id").inner_text())
    con = sqlite3.connect(demo_archive)
    url, url_key, title = con.execute("SELECT url, url_key, title FROM articles WHERE id = ?",
                                      [aid]).fetchone()
    con.close()
    assert first.locator("td.col-title").inner_text() == title
    assert first.locator("td.col-title a").get_attribute("href") == f"/demo/articles/{aid}"
    link = first.locator("td.col-url a")
    assert link.get_attribute("href") == url and link.get_attribute("title") == url
    assert len(link.inner_text()) < len(url) and first.locator("td.col-url").bounding_box()["width"] < 320
    key = first.locator("td.col-url_key")        # whole when short, else on hover
    short = key.locator("[title]")
    assert (short.get_attribute("title") if short.count() else key.inner_text()) == url_key


def test_search_ranks_by_relevance_or_date_with_marked_snippets(server, page, demo_archive, tmp_path):
    q = "中小企业"
    page.goto(f"{server}/")
    page.get_by_role("link", name="Search the articles").click()
    box = page.locator('input[name="q"]')
    box.fill(q)
    box.press("Enter")
    page.wait_for_url(re.compile(r".*/-/search\?.*q=.*"))
    for sort in ("relevance", "date"):
        if sort == "date":
            page.get_by_role("link", name="by date").click()
            page.wait_for_url(re.compile(r".*sort=date.*"))
        want = _archive_search(demo_archive, q, sort)
        hits = page.locator("ol.search-hits li.hit")
        ids = [int(i) for i in hits.evaluate_all("els => els.map(e => e.dataset.id)")]
        assert ids == [h["id"] for h in want] and len(ids) == 20, sort   # the API's order
        total = re.match(r"([\d,]+) articles match", page.locator("h3.search-total").inner_text())
        assert int(total.group(1).replace(",", "")) == want.total
        for li, h in zip(hits.all(), want):
            snippet_marks = li.locator(".hit-snippet mark").all_inner_texts()
            title_marks = li.locator(".hit-title mark").all_inner_texts()
            assert set(snippet_marks + title_marks) == {q}, (h["id"], snippet_marks, title_marks)
            assert bool(snippet_marks) == (h["snippet_hit"] is not None)
            assert bool(title_marks) == (q in h["title"])
        _shot(page, tmp_path, f"search-{sort}")
    # the table view's search marks the words too, and links to the ranked list
    page.goto(f"{server}/demo/articles?_search={q}")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == 50
    for tr in rows.all():
        marks = tr.locator("td.col-title mark, td.col-body mark").all_inner_texts()
        assert marks and set(marks) == {q}
    assert page.get_by_role("link", name="These results ranked by relevance, with snippets").count() == 1
    _shot(page, tmp_path, "articles-table-search")


def test_bad_queries_show_the_form_and_one_line(server, page, tmp_path):
    """Every kind of bad query: the search page and the table page keep their form
    with the query in it and say what is wrong in one line; the API answers 400;
    the server logs no traceback (for anything these tests did)."""
    from urllib.error import HTTPError
    from urllib.parse import quote

    def one_line(loc):
        text = loc.inner_text().strip()
        assert text.startswith("invalid search") and "\n" not in text, text
        assert loc.bounding_box()["height"] < 60
        return text

    for i, q in enumerate(BAD_QUERIES):
        resp = page.goto(f"{server}/-/search?q={quote(q)}")
        assert resp.status == 400
        assert page.locator('form input[name="q"]').input_value() == q
        msg = one_line(page.locator(".search-error"))
        assert page.locator("li.hit").count() == 0
        if i == 0:
            _shot(page, tmp_path, "search-bad-query")
        resp = page.goto(f"{server}/demo/articles?_search={quote(q)}")
        assert resp.status == 200
        assert page.locator('form input[name="_search"]').input_value() == q
        assert one_line(page.locator(".search-error")) == msg
        assert page.locator("table.rows-and-columns tbody tr").count() == 0
        if i == 0:
            _shot(page, tmp_path, "articles-table-bad-query")
        with pytest.raises(HTTPError) as e:
            urllib.request.urlopen(f"{server}/demo/articles.json?_search={quote(q)}", timeout=30)
        assert e.value.code == 400 and json.loads(e.value.read())["error"] == msg
    log = server.log()
    assert "Traceback" not in log and "Error" not in log, log[-3000:]


def test_article_page_lists_fields_one_a_line(server, page, demo_archive, tmp_path):
    """An article's own page: one field a line (name, then value), the long body
    wrapped within the window, the URL whole."""
    con = sqlite3.connect(demo_archive)
    aid, url, body = con.execute("SELECT id, url, body FROM articles ORDER BY length(body) DESC "
                                 "LIMIT 1").fetchone()
    con.close()
    page.goto(f"{server}/demo/articles/{aid}")
    cells = {c: page.locator(f"td.col-{c}").bounding_box() for c in ("title", "site", "body", "url")}
    assert len({round(b["x"]) for b in cells.values()}) == 1          # stacked, not side by side
    assert cells["title"]["y"] < cells["site"]["y"] < cells["body"]["y"] < cells["url"]["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    assert page.locator("td.col-url").inner_text().strip().endswith(url)
    assert page.locator("td.col-body").inner_text().strip().endswith(body.strip()[-20:])
    _shot(page, tmp_path, "article-page")
