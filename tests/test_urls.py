"""URL canonicalisation and identity keys (design.md section 5)."""
import pytest
from hypothesis import given, settings, strategies as st

from portal_crawler.urls import canonical_url, identity_key, is_same_site

H = "http://hrb.example.cn"

CANON = [
    ("https://www.hrb.example.cn/a/x/2021/1022/123.html", f"{H}/a/x/2021/1022/123.html"),
    ("HTTP://HRB.Example.CN:80/a/x/", f"{H}/a/x/"),
    ("https://hrb.example.cn:443/a/", f"{H}/a/"),
    ("http://hrb.example.cn:8080/a/", "http://hrb.example.cn:8080/a/"),
    ("http://hrb.example.cn/a/x/123.html#top", f"{H}/a/x/123.html"),
    (f"{H}/a/x/?utm_source=wx&b=2&a=1&spm=3&from=timeline", f"{H}/a/x/?a=1&b=2"),
    (f"{H}/a/x/index.html", f"{H}/a/x/"),
    (f"{H}/a/x/index.htm", f"{H}/a/x/"),
    (f"{H}/default.html", f"{H}/"),
    (f"{H}/a/x/2021/1022/123_3.html", f"{H}/a/x/2021/1022/123.html"),
    (f"{H}/a/x/list_12_2.html", f"{H}/a/x/list_12_2.html"),
    (f"{H}/plus/view.php?aid=123&pageno=2", f"{H}/plus/view.php?aid=123"),
    (f"{H}/plus/list.php?tid=12&PageNo=2", f"{H}/plus/list.php?PageNo=2&tid=12"),
    (f"{H}/a/x/?fbclid=1&gclid=2&share=3&utm_medium=x", f"{H}/a/x/"),
    ("http://127.0.0.1:8001/a/", "http://127.0.0.1:8001/a/"),
    (f"  {H}  ", f"{H}/"),
    ("mailto:a@b.cn", "mailto:a@b.cn"),
    ("javascript:void(0)", "javascript:void(0)"),
    ("/a/x/", "/a/x/"),
    ("", ""),
]


@pytest.mark.parametrize("url,want", CANON)
def test_canonical_table(url, want):
    assert canonical_url(url) == want


@pytest.mark.parametrize("url", [
    f"{H}/a/lingdaojianghua/2021/1022/123.html",
    "https://www.hrb.example.cn/a/lingdaojianghua/2021/1022/123_2.html",
    f"{H}/plus/view.php?aid=123",
    f"{H}/plus/view.php?pageno=3&aid=123",
    f"{H}/plus/view-123-1.html",
    f"{H}/plus/view-123-2.html",
    f"{H}/news/2022/0101/123.html?utm_source=x",
])
def test_identity_dedecms_forms(url):
    assert identity_key(url) == "hrb.example.cn/aid:123"


def test_identity_keeps_port_and_other_urls():
    assert identity_key("http://127.0.0.1:8001/plus/view.php?aid=7") == "127.0.0.1:8001/aid:7"
    assert identity_key("http://127.0.0.1:8002/plus/view.php?aid=7") == "127.0.0.1:8002/aid:7"
    trs = "http://gov.example.cn/xw/202110/t20211022_123456.html"
    assert identity_key(trs) == trs
    assert identity_key(f"{H}/a/x/list_12_2.html") == f"{H}/a/x/list_12_2.html"


def test_is_same_site():
    assert is_same_site("https://www.hrb.example.cn/a/", "http://hrb.example.cn/")
    assert not is_same_site("http://zj.example.cn/a/", "http://hrb.example.cn/")
    assert not is_same_site("http://127.0.0.1:8002/", "http://127.0.0.1:8001/")
    assert not is_same_site("/relative", "http://hrb.example.cn/")


url_ish = st.one_of(
    st.text(),
    st.builds(lambda a, b, c: a + b + c,
              st.sampled_from(["http://", "https://", "HTTP://www.", "https://WWW.", ""]),
              st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
              st.text(max_size=30)),
    st.builds(lambda h, p, q: f"http://{h}/{p}?{q}",
              st.from_regex(r"[a-z0-9.\-]{1,12}(:[0-9]{1,5})?", fullmatch=True),
              st.text(max_size=20), st.text(max_size=20)),
)


@settings(max_examples=600, deadline=None)
@given(url_ish)
def test_canonical_idempotent_and_total(s):
    c = canonical_url(s)
    assert isinstance(c, str)
    assert canonical_url(c) == c
    k = identity_key(s)
    assert isinstance(k, str)
    assert identity_key(c) == k


@pytest.mark.parametrize("a,b", [
    ("http://example.org/a/%e4%b8%ad.html", "http://example.org/a/%E4%B8%AD.html"),     # escape case
    ("http://example.org/a/./b/../c.html", "http://example.org/a/c.html"),              # dot segments
    ("http://例子.中国/a/1.html", "http://xn--fsqu00a.xn--fiqs8s/a/1.html"),             # IDN host
    ("http://example.org/a/中.html", "http://example.org/a/%E4%B8%AD.html"),            # raw non-ASCII
])
def test_w3lib_normalisations_make_aliases_equal(a, b):
    assert canonical_url(a) == canonical_url(b)
    assert identity_key(a) == identity_key(b)
