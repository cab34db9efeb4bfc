"""Per-site politeness at send time, several sites at once (crawl/pacing.py).

Two loopback sites with different delays are crawled together. Each server logs when a
request arrives (on loopback, that is when it was sent). The slower site's floor must
hold even though the other site's delay is far smaller: before the pacing handler, the
global AutoThrottle minimum could speed a slow site up to the fast one's delay.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli
from loopback import LoopbackSite

ARTICLE = (Path(__file__).parent / "fixtures" / "extract" / "dedecms_v56_article.html").read_bytes()
N_ARTICLES = 14
HTML = "text/html; charset=utf-8"
JITTER = 0.04  # s: arrival stamps vs send times on a loaded 2-core machine


def _page(body: str) -> bytes:
    return f"<html><head><meta charset='utf-8'><title>测试站</title></head><body>{body}</body></html>".encode()


class PagedSite(LoopbackSite):
    """Home -> one channel list -> N articles."""

    def route(self, path):
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nDisallow: /plus/count.php\n"
        if path == "/":
            return 200, HTML, _page("<div class='nav'><a href='/'>首页</a><a href='/a/news/'>新闻栏目</a></div>")
        if path == "/a/news/":
            items = "".join(f"<li><a class='title' href='/a/news/2021/1022/{i}.html'>第{i}篇文章标题</a>"
                            f"<span class='info'>日期：2021-10-22 08:19:00 点击：{i}</span></li>"
                            for i in range(1, N_ARTICLES + 1))
            return 200, HTML, _page(f"<div class='listbox'><ul class='e2'>{items}</ul></div>")
        if path.startswith("/a/news/") and path.endswith(".html"):
            return 200, HTML, ARTICLE
        return 404, HTML, b"not found"

    def min_gap(self) -> float:
        ts = sorted(t for t, _, _ in self.log)
        return min(b - a for a, b in zip(ts, ts[1:]))



@pytest.fixture
def two_sites():
    a, b = PagedSite(), PagedSite()
    yield a, b
    a.close()
    b.close()


@pytest.mark.parametrize("adaptive", ["true", "false"])
def test_each_site_keeps_its_own_floor_at_send_time(two_sites, tmp_path, adaptive):
    fast, slow = two_sites
    delays = {"fast": 0.1, "slow": 0.35}
    f = tmp_path / "s.toml"
    f.write_text("".join(
        f'[[sites]]\nkey = "{k}"\nname = "测试站{k}"\nbase_url = "{s.base}"\n'
        f'[sites.settings]\ndownload_delay = {delays[k]}\nconcurrency = 2\nrandomize_delay = true\n'
        f'adaptive_delay = {adaptive}\n'
        for k, s in (("fast", fast), ("slow", slow))), encoding="utf-8")
    db = tmp_path / "a.db"
    cli("crawl", "--sites-file", f, "--site", "fast", "--site", "slow", "--db", db, "--no-progress",
        "--set", "CONCURRENT_REQUESTS=64", check=True)
    for s in (fast, slow):
        paths = [p for _, p, _ in s.log]
        assert sum(p.endswith(".html") and "/2021/" in p for p in paths) == N_ARTICLES, paths
    # Both floors hold at send time: the slow site is never paced at the fast one's delay,
    # and concurrency 2 never lets two sends of one site go out together. The server stamps
    # arrivals, which a loaded machine's scheduler can bunch by some ms (JITTER); a
    # floor lost would show gaps near 0 (two sends together) or near the fast delay.
    assert slow.min_gap() >= delays["slow"] - JITTER, slow.min_gap()
    assert fast.min_gap() >= delays["fast"] - JITTER, fast.min_gap()
