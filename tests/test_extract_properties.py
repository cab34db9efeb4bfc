"""Property tests: extract_page never raises, never returns a future date."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from portal_crawler.extract import extract_page

SEED = (Path(__file__).parent / "fixtures" / "extract" / "dedecms_v56_article.html").read_text("utf-8")
TAGS = ["<div class='viewbox'>", "</div>", "<p>", "</p>", "<table><tr><td>", "</td></tr></table>",
        "<div class='content'>", "<div class='info'><small>时间:</small>", "<h2>", "</h2>", "<br>",
        "<a href='1057_2.html'>", "</a>", "<script>", "</script>", "<ul class='pagelist'>",
        "发布时间：", "2099-01-01 10:00", "2021-10-22", "1970-01-01", "来源：", "作者：", "(责任编辑:",
        "<img src='x.png'>", "<a href='f.pdf'>附件</a>", "<?xml version='1.0'?>", "<!--", "-->", "\x00"]
html_soup = st.lists(st.one_of(st.sampled_from(TAGS), st.text(max_size=30)), max_size=60).map("".join)


def _check(res):
    assert res.kind in ("article", "list", "other")
    if res.record:
        v = res.record["published_at"]
        if v:
            limit = (datetime.now(timezone(timedelta(hours=8))) + timedelta(days=1)).isoformat()
            assert v[:10] <= limit[:10]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(b):
    _check(extract_page(b))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_soup, st.sampled_from(["utf-8", "gbk"]))
def test_html_soup(s, enc):
    _check(extract_page(s.encode(enc, "ignore"), url="http://x.cn/a/b/2021/1022/1.html"))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=len(SEED)))
def test_truncated_seed(n):
    _check(extract_page(SEED[:n].encode("gbk"), url="http://x.cn/a/b/2021/1022/1057.html"))


def test_future_date_is_flagged():
    html = SEED.replace("2021-10-22 08:19", "2099-10-22 08:19").encode("utf-8")
    rec = extract_page(html).record
    assert rec["published_at"] is None and rec["date_flag"] == "future"


def test_deep_nesting():
    html = "<div>" * 5000 + "<p>深层嵌套的文字内容，测试不会溢出。</p>" + "</div>" * 5000
    _check(extract_page(html.encode("utf-8")))
