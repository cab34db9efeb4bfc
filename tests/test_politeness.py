"""Politeness on a purpose-built loopback site: robots.txt obeyed, 5xx retried with
backoff, no request outside the configured sites, an honest User-Agent."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli
from loopback import LoopbackSite

from portal_crawler.store import Archive

ARTICLE = (Path(__file__).parent / "fixtures" / "extract" / "dedecms_v56_article.html").read_bytes()


def _page(body: str) -> bytes:
    return f"<html><head><meta charset='utf-8'><title>测试站</title></head><body>{body}</body></html>".encode()


class Site(LoopbackSite):
    def __init__(self):
        super().__init__()
        self.fail_left = {"/a/open/2021/1022/2.html": 2}
        self.offsite = None

    def route(self, path):
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nDisallow: /a/secret/\nDisallow: /plus/count.php\n"
        if path == "/":
            return 200, "text/html", _page(
                "<div class='nav'><a href='/'>首页</a><a href='/a/open/'>公开栏目</a><a href='/a/secret/'>内部栏目</a></div>"
                f"<div class='flink'><a href='{self.offsite}'>浙江</a></div>")
        if path in ("/a/open/", "/a/secret/"):
            d = path.strip("/").split("/")[1]
            items = "".join(f"<li><a class='title' href='/a/{d}/2021/1022/{i}.html'>第{i}篇文章标题</a>"
                            f"<span class='info'>日期：2021-10-22 08:19:00 点击：{i}</span></li>" for i in (1, 2, 3))
            external = f"<li><a class='title' href='{self.offsite}a/x/2021/1022/9.html'>外站文章标题</a></li>"
            return 200, "text/html", _page(f"<div class='listbox'><ul class='e2'>{items}{external}</ul></div>")
        if path.startswith("/a/") and path.endswith(".html"):
            if self.fail_left.get(path, 0) > 0:
                self.fail_left[path] -= 1
                return 503, "text/html", b"busy"
            return 200, "text/html; charset=utf-8", ARTICLE
        return 404, "text/html", b"not found"



@pytest.fixture
def sites():
    a, b = Site(), Site()
    a.offsite = b.base
    b.offsite = a.base
    yield a, b
    a.close()
    b.close()


def test_robots_retries_offsite_and_user_agent(sites, tmp_path):
    a, other = sites
    f = tmp_path / "s.toml"
    f.write_text(f'[[sites]]\nkey = "t"\nname = "测试站"\nbase_url = "{a.base}"\n'
                 f'[sites.settings]\nrandomize_delay = false\n', encoding="utf-8")
    db = tmp_path / "a.db"
    cli("crawl", "--sites-file", f, "--site", "t", "--db", db, "--delay", "0.2", "--concurrency", "1",
        "--no-progress", "--contact", "mailto:ops@example.org", "--set", "RETRY_BACKOFF_BASE=0.3", check=True)
    paths = [p for _, p, _ in a.log]
    assert not [p for p in paths if p.startswith("/a/secret/")], paths      # robots.txt obeyed
    assert other.log == []                                                   # never off-site
    assert paths.count("/a/open/2021/1022/2.html") == 3                      # 503, 503, then 200
    assert all("portal-crawler" in ua and "mailto:ops@example.org" in ua for _, _, ua in a.log)
    # The backoff waited between the retries of the failing page.
    t = [ts for ts, p, _ in a.log if p == "/a/open/2021/1022/2.html"]
    assert t[1] - t[0] >= 0.15 and t[2] - t[1] >= 0.3
    # The site's delay held between any two requests after robots.txt.
    times = [ts for ts, p, _ in a.log if p != "/robots.txt"]
    assert min(b - a_ for a_, b in zip(times, times[1:])) >= 0.18
    with Archive(db) as ar:
        assert {r["url"].rsplit("/", 1)[1] for r in ar.db.query("SELECT url FROM article_urls")} == {"1.html", "2.html", "3.html"}
