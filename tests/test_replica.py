"""The replica network: real server on loopback, checked against its own truth and
against the reference facts (docs/design.md section 3, shared/reference)."""
from __future__ import annotations

import json
import re
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import pytest

from conftest import SHARED

from portal_crawler.replica import Network, ReplicaProcess
from portal_crawler.replica.textgen import seed_article_data
from portal_crawler.replica.truth import truth as compute_truth

SITES = ["national", "harbin", "zhejiang", "wuhan", "xiamen"]   # GBK x2, UTF-8, dynamic, TRS
REF = SHARED / "reference" / "000_79f33a9bea4d3795.txt"   # the real page the seed article copies
WS = " \u3000\xa0\t\r\n"


@pytest.fixture(scope="module")
def rep():
    with ReplicaProcess(seed=7, sites=SITES, scale="tiny") as r:
        yield r


@pytest.fixture(scope="module")
def truth(rep):
    return rep.truth()


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def page(url: str, charset: str):
    status, headers, body = get(url)
    assert status == 200, url
    return lxml.html.fromstring(body.decode(charset))


def charset_of(site: str) -> str:
    return "gb18030" if site in ("national", "harbin") else "utf-8"


def text(el) -> str:
    return "".join(el.itertext()).strip(WS)


# -- a small reference extractor: what a correct extractor must read --------------

def read_dede(url: str, site: str, rep) -> dict:
    doc = page(url, charset_of(site))
    title = text(doc.cssselect("div.viewbox div.title h2")[0])
    info = text(doc.cssselect("div.viewbox div.info")[0])
    m = re.match(r"时间:(\S+(?: \d\d:\d\d(?::\d\d)?)?)来源:(.*?) (?:作者:(.*?) )?(?:(?:责任编辑|责编|编辑|审核|校对)[:：/]\S+ )*点击:", info)
    intro = doc.cssselect("div.viewbox div.intro")
    desc = text(intro[0]) if intro else (doc.xpath("//meta[@name='description']/@content")[0] or None)
    crumbs = [text(a) for a in doc.cssselect("div.place a")]
    ed, rv = credits(text(doc.cssselect("div.viewbox")[0]))
    pages, seen = [doc], {url}
    for href in doc.xpath("//div[@class='dede_pages']//a/@href"):
        u = urljoin(url, href)
        if href.endswith(".html") and u not in seen:
            seen.add(u)
            pages.append(page(u, charset_of(site)))
    body, images, atts = [], [], []
    for p in pages:
        td = p.cssselect("div.content tr td")[0]
        for para in td.xpath("./p"):
            t = CREDIT_TAIL.sub("", text(para)).strip(WS)
            if t:
                body.append(t)
            for img in para.xpath(".//img"):
                images.append({"url": urljoin(url, img.get("src")), "alt": img.get("alt") or None})
            for a in para.xpath(".//a"):
                atts.append({"url": urljoin(url, a.get("href")), "text": text(a)})
    author = m.group(3)
    return {"title": title, "published_raw": m.group(1), "source": m.group(2),
            "author": None if author in (None, ".") else joined(author),
            "editor": ed, "reviewer": rv, "description": desc,
            "breadcrumb": " > ".join(crumbs), "channel": crumbs[-1], "body": "\n".join(body),
            "images": images, "attachments": atts, "pages": len(pages)}


def read_trs(url: str) -> dict:
    doc = page(url, "utf-8")
    meta = lambda n: doc.xpath(f"//meta[@name='{n}']/@content")[0] or None
    body = [CREDIT_TAIL.sub("", text(p)).strip(WS) for p in doc.cssselect("div.TRS_Editor p")]
    crumbs = [text(a) for a in doc.cssselect("div.position a")]
    ed, rv = credits(text(doc.cssselect("div.article")[0]))
    return {"title": meta("ArticleTitle"), "published_raw": meta("PubDate"),
            "source": meta("ContentSource"), "author": joined(meta("Author")),
            "description": meta("Description"), "body": "\n".join(b for b in body if b),
            "breadcrumb": " > ".join(crumbs), "channel": crumbs[-1], "editor": ed, "reviewer": rv}


# The replica's editor-line forms (replica/sites.py EDITOR_FORMS), read the simple way:
# the label, a separator, a name of the replica's name list (2-3 characters).
_CREDIT = r"[(（【\[]?(?:责任编辑|责编|编辑)[:：/]"
_NAME = r"(\w{2,3}?)(?=$|[\s)）】\]]|审核|校对|点击)"
CREDIT_TAIL = re.compile(_CREDIT + r".*$")


def joined(author: str | None) -> str | None:
    """The page's author names (王芳 张伟 / 王芳，张伟) as the record shows them: 王芳、张伟."""
    return "、".join(re.split(r"[\s、，]+", author)) if author else author


def credits(page_text: str) -> tuple[str | None, str | None]:
    ed = re.search(_CREDIT + _NAME, page_text)
    rv = re.search(r"审核[:：/]" + _NAME, page_text)
    return (ed.group(1) if ed else None), (rv.group(1) if rv else None)


# -- tests --------------------------------------------------------------------------

def test_truth_is_deterministic_and_complete(rep, truth):
    a = Network(7, SITES, "tiny")
    a.base_urls = dict(rep.base_urls)
    assert compute_truth(a) == truth
    b = Network(8, SITES, "tiny")
    b.base_urls = dict(rep.base_urls)
    assert [t["title"] for t in compute_truth(b)] != [t["title"] for t in truth]
    assert rep.truth(remote=True) == json.loads(json.dumps(truth, ensure_ascii=False))
    keys = {"url", "site", "title", "published_at", "published_raw", "date_flag", "source", "author",
            "editor", "reviewer", "channel", "breadcrumb", "description", "body", "clicks", "pages",
            "attachments", "images", "extractor", "aid", "group", "origin", "alt_urls",
            "epoch_added", "edited_epoch", "series", "authors", "author_kind", "page_type"}
    assert all(set(t) == keys for t in truth)
    assert {t["site"] for t in truth} == set(SITES)
    for s in SITES:      # titles unique per site, but for templated series (a recurring
        # meeting keeps its title; two training series may train on one topic)
        titles = [t["title"] for t in truth if t["site"] == s and not t["group"] and not t["series"]]
        assert len(titles) == len(set(titles))
    series = {}
    for t in truth:
        if t["series"]:
            series.setdefault(t["series"], []).append(t)
    assert len(series) >= 6 and all(3 <= len(m) <= 5 for m in series.values())
    # membership comes from the seed
    assert ({(t["site"], t["aid"]) for t in compute_truth(b) if t["series"]}
            != {(t["site"], t["aid"]) for t in truth if t["series"]})
    assert all(t["body"] and "" not in t["body"].split("\n") for t in truth)


def test_every_truth_record_matches_its_page(rep, truth):
    for t in truth:
        if t["extractor"] == "trs":
            got = read_trs(t["url"])
        else:
            got = read_dede(t["url"], t["site"], rep)
            assert got["pages"] == t["pages"]
            assert got["images"] == t["images"] and got["attachments"] == t["attachments"]
        for f, v in got.items():
            if f in t and f not in ("images", "attachments", "pages"):
                assert v == t[f], (t["url"], f)


def test_gbk_sites_bytes_meta_and_header(rep):
    for site in ("harbin", "national"):
        status, headers, body = get(rep.base_urls[site])
        assert headers["Content-Type"] == "text/html"
        assert b'charset=gb2312' in body[:400]
        body.decode("gb18030")
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
    status, headers, body = get(rep.base_urls["zhejiang"])
    assert b"charset=utf-8" in body[:400]
    body.decode("utf-8")


def test_seed_article_served_verbatim(rep, truth):
    seed = seed_article_data()
    t = next(t for t in truth if t["title"] == seed["title"])
    assert t["site"] == "harbin" and t["channel"] == "领导讲话"
    assert t["url"].startswith(rep.base_urls["harbin"] + "a/lingdaojianghua/2021/")
    status, headers, raw = get(t["url"])
    html = raw.decode("gb18030")
    assert "孙喆" in html and "孙喆".encode("gbk") in raw
    assert ("<small>时间:</small>2021-10-22 08:19<small>来源:</small>哈尔滨日报 <small>作者:</small>. "
            f'<small>点击:</small><script src="/plus/count.php?view=yes&aid={t["aid"]}&mid=1"></script>次') in html
    assert f"<title>{seed['title']}_中国中小企业哈尔滨网</title>" in html
    assert "(责任编辑:王芳 审核:刘继伟)" in html
    doc = lxml.html.fromstring(html)
    paras = [text(p) for p in doc.cssselect("div.content td p") if text(p)]
    assert paras == seed["paragraphs"]
    assert t["published_at"] == "2021-10-22T08:19:00+08:00" and t["author"] is None


@pytest.mark.skipif(not REF.is_file(), reason=f"the reference page {REF} is not beside the repository "
                                              "(../shared/reference/; CI runs from a checkout that has it)")
def test_seed_article_equals_the_reference_page(rep, truth):
    seed = seed_article_data()
    t = next(t for t in truth if t["title"] == seed["title"])
    doc = lxml.html.fromstring(get(t["url"])[2].decode("gb18030"))
    paras = [text(p) for p in doc.cssselect("div.content td p") if text(p)]
    lines = REF.read_text(encoding="utf-8").split("\n")
    ref = [ln.strip(WS) for ln in lines[25:] if ln.strip(WS) and "责任编辑" not in ln][:len(paras)]
    assert paras and paras == ref
    assert text(doc.cssselect("div.intro")[0]) == lines[24].strip()


def _walk_list(start: str, charset: str) -> list[str]:
    """Follow 下一页 from a channel's first page; every article link, in order."""
    seen_pages, links, url = set(), [], start
    while url and url not in seen_pages:
        seen_pages.add(url)
        doc = page(url, charset)
        links += [urljoin(url, a.get("href")) for a in doc.cssselect("div.listbox ul.e2 li a.title")]
        nxt = [a.get("href") for a in doc.cssselect("ul.pagelist a") if text(a) == "下一页"]
        url = urljoin(url, nxt[0]) if nxt else None
    return links


def test_pagination_covers_each_channel_exactly_once(rep, truth):
    net = rep.network()
    for site in ("harbin", "wuhan", "zhejiang"):
        m = net.sites[site]
        for tid, ch in m.channels.items():
            names = {ch.name} | {m.channels[c].name for c in ch.children}
            want = [t["url"] for t in truth if t["site"] == site and t["channel"] in names]
            start = urljoin(rep.base_urls[site], f"/plus/list.php?tid={tid}" if site == "wuhan" else ch.path)
            got = _walk_list(start, charset_of(site))
            assert len(got) == len(set(got)) and set(got) == set(want), (site, ch.name)
            if site == "wuhan":
                html = get(start)[2].decode("utf-8")
                assert f"/plus/list.php?tid={tid}&TotalResult={len(want)}&PageNo=2" in html


def test_list_markup_and_subchannel_items(rep, truth):
    base = rep.base_urls["harbin"]
    first = get(urljoin(base, "/a/xinwendongtai/"))[2]
    assert first == get(urljoin(base, "/a/xinwendongtai/index.html"))[2] == get(urljoin(base, "/a/xinwendongtai/list_1_1.html"))[2]
    html = first.decode("gb18030")
    assert "<li>首页</li>" in html and 'class="thisclass">1</li>' in html
    assert "<a href='list_1_2.html'>下一页</a>" in html and "name='sldd'" in html
    assert re.search(r'<span class="pageinfo">共 <strong>5</strong>页<strong>50</strong>条</span>', html)
    assert "[<b><a href='/a/xinwendongtai/gongzuodongtai/'>工作动态</a></b>]" in html
    assert re.search(r"<small>日期：</small>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d<small>点击：</small>\d+", html)
    sub = [t for t in truth if t["site"] == "harbin" and t["channel"] == "工作动态"][0]
    assert sub["breadcrumb"] == "首页 > 新闻动态 > 工作动态"
    assert "/a/xinwendongtai/gongzuodongtai/" in sub["url"]
    assert get(urljoin(base, "/a/xinwendongtai/list_1_6.html"))[0] == 404


def test_multipage_and_dynamic_forms(rep, truth):
    multi = [t for t in truth if t["pages"] > 1 and t["extractor"] == "dedecms"]
    assert multi
    t = multi[0]
    cs = charset_of(t["site"])
    for k in range(2, t["pages"] + 1):
        doc = page(t["url"].replace(".html", f"_{k}.html"), cs)
        assert text(doc.cssselect("div.title h2")[0]) == f"{t['title']}({k})"
        assert f"共{t['pages']}页" in text(doc.cssselect("ul.pagelist")[0])
    assert get(t["url"].replace(".html", f"_{t['pages'] + 1}.html"))[0] == 404
    static = get(t["url"])[2]
    for alt in t["alt_urls"]:
        body = get(alt)[2]
        h2 = lambda b: text(lxml.html.fromstring(b.decode(cs)).cssselect("div.title h2")[0])
        assert h2(body) == h2(static) == t["title"]
    base = rep.base_urls[t["site"]]
    assert get(urljoin(base, "/plus/view.php?aid=99999"))[2] == b" Request Error! "
    assert get(urljoin(base, f"/plus/view.php?aid={t['aid']}&pageno=2"))[0] == 200
    assert get(urljoin(base, "/no/such/page.html"))[0] == 404
    single = next(x for x in truth if x["site"] == t["site"] and x["pages"] == 1)
    assert '<ul class="pagelist"></ul>' in get(single["url"])[2].decode(cs)


def test_count_php_and_robots(rep, truth):
    t = next(x for x in truth if x["site"] == "harbin")
    base = rep.base_urls["harbin"]
    assert get(urljoin(base, f"/plus/count.php?view=yes&aid={t['aid']}&mid=1"))[2] == \
        f"document.write('{t['clicks']}');".encode()
    robots = get(urljoin(base, "/robots.txt"))[2].decode()
    assert "User-agent: *" in robots and "Disallow: /plus/count.php" in robots
    assert "Disallow: /templets" in robots and "view.php" not in robots and "list.php" not in robots


def test_rss_and_sitemap(rep, truth):
    base = rep.base_urls["harbin"]
    rssmap = get(urljoin(base, "/data/rssmap.html"))[2].decode("gb18030")
    feeds = re.findall(r"/data/rss/(\d+)\.xml", rssmap)
    assert feeds
    root = lxml.etree.fromstring(get(urljoin(base, f"/data/rss/{feeds[0]}.xml"))[2])
    assert root.findtext("channel/language") == "zh-cn"
    items = root.findall("channel/item")
    assert 0 < len(items) <= 50
    urls = {t["url"]: t for t in truth}
    for it in items:
        t = urls[it.findtext("link")]
        assert it.findtext("pubDate") == t["published_at"][:10]
        assert joined(it.findtext("author")) in (t["author"] or "秩名", ".")     # '.' is a writer too
    sm = lxml.html.fromstring(get(urljoin(base, "/data/sitemap.html"))[2].decode("gb18030"))
    model = rep.network().sites["harbin"]
    top = [c.name for c in model.channels.values() if not c.parent]
    assert len(top) >= 2 and [text(a) for a in sm.cssselect("div.linkbox h3 a")] == top


def test_home_friend_links_and_nav(rep):
    doc = page(rep.base_urls["harbin"], "gb18030")
    labels = [text(a) for a in doc.cssselect("div.flink ul a")]
    assert labels[:3] == ["总站", "黑龙江", "浙江"] and labels[-1] == "湖南" and len(labels) == 24
    hrefs = {text(a): a.get("href") for a in doc.cssselect("div.flink ul a")}
    assert hrefs["浙江"] == rep.base_urls["zhejiang"] and hrefs["总站"] == rep.base_urls["national"]
    assert len(set(hrefs.values())) == 24                     # unserved: distinct dead ports
    nav = [a.get("href") for a in doc.cssselect("div.nav a")]
    assert "/a/lingdaojianghua/" in nav
    html = get(rep.base_urls["harbin"])[2].decode("gb18030")
    assert "【<a" in html and "Powered by" in html and "DedeCMS" in html
    zj = page(rep.base_urls["zhejiang"], "utf-8")
    assert "哈尔滨" in [text(a) for a in zj.cssselect("div.flink ul a")]


def test_trs_site(rep, truth):
    base = rep.base_urls["xiamen"]
    net = rep.network()
    ch = next(iter(net.sites["xiamen"].channels.values()))
    html = get(urljoin(base, ch.path))[2].decode("utf-8")
    m = re.search(r'createPageHTML\((\d+), 0, "index", "html"\)', html)
    assert m and int(m.group(1)) >= 2
    assert "index_1.html" not in re.sub(r"<script.*?</script>", "", html, flags=re.S)
    links = set()
    for k in range(int(m.group(1))):
        u = urljoin(base, ch.path + ("index.html" if k == 0 else f"index_{k}.html"))
        h = get(u)[2].decode("utf-8")
        links |= {urljoin(u, x) for x in re.findall(r'href="(\./\d{6}/t\d{8}_\d+\.html)"', h)}
    want = {t["url"] for t in truth if t["site"] == "xiamen" and t["channel"] == ch.name}
    assert links == want
    assert get(urljoin(base, ch.path + f"index_{m.group(1)}.html"))[0] == 404


def test_repost_groups_and_exact_duplicates(truth):
    groups: dict[str, list] = {}
    for t in truth:
        if t["group"]:
            groups.setdefault(t["group"], []).append(t)
    cross = [g for g in groups.values() if len({t["site"] for t in g}) > 1]
    assert cross, "repost groups across sites"
    for g in groups.values():
        assert len(g) >= 2 and sum(t["origin"] for t in g) <= 1
    for g in cross:
        origin = [t for t in g if t["origin"]]
        for t in g:
            if origin and not t["origin"]:
                assert t["published_at"][:10] >= origin[0]["published_at"][:10]
                assert t["body"] != origin[0]["body"] or t["source"] != origin[0]["source"] \
                    or t["title"] != origin[0]["title"]
    dups = [g for g in groups.values() if len({t["site"] for t in g}) == 1]
    assert dups
    for g in dups:
        a, b = g
        assert a["url"] != b["url"] and a["body"] == b["body"] and a["title"] == b["title"]


def test_stats_count_and_reset(rep):
    rep.reset_stats()
    get(rep.base_urls["harbin"])
    get(urljoin(rep.base_urls["harbin"], "/robots.txt"))
    st = rep.stats(paths=True)
    assert st["total"] == 2 and st["sites"]["harbin"] == {"home": 1, "robots": 1}
    assert st["paths"]["harbin"]["/robots.txt"] == 1
    rep.reset_stats()
    assert rep.stats()["total"] == 0


def test_sites_file(rep, tmp_path):
    p = tmp_path / "sites.toml"
    rep.sites_file(p)
    data = tomllib.loads(p.read_text(encoding="utf-8"))
    assert {s["key"]: s["base_url"] for s in data["sites"]} == rep.base_urls
    assert next(s for s in data["sites"] if s["key"] == "harbin")["short"] == "哈尔滨"


def test_advance_adds_at_list_heads_and_edits(tmp_path):
    with ReplicaProcess(seed=3, sites=["harbin"], scale="tiny") as rep:
        before = rep.truth()
        head = _walk_list(urljoin(rep.base_urls["harbin"], "/a/xinwendongtai/"), "gb18030")[0]
        assert rep.advance() == 1
        after = rep.truth()
        assert len(after) > len(before)
        added = [t for t in after if t["epoch_added"] == 1]
        edited = [t for t in after if t["edited_epoch"] == 1]
        assert added and edited
        old = {t["url"]: t for t in before}
        for t in edited:
            assert (t["title"], t["body"]) != (old[t["url"]]["title"], old[t["url"]]["body"])
        net = rep.network()
        m = net.sites["harbin"]
        for tid, ch in m.channels.items():
            names = {ch.name} | {m.channels[c].name for c in ch.children}
            urls = {t["url"] for t in added if t["channel"] in names}
            first = _walk_list(urljoin(rep.base_urls["harbin"], ch.path), "gb18030")
            assert set(first[:len(urls)]) == urls                # new articles head the lists
        assert head in _walk_list(urljoin(rep.base_urls["harbin"], "/a/xinwendongtai/"), "gb18030")
        assert rep.truth(remote=True) == json.loads(json.dumps(after, ensure_ascii=False))


def test_start_failure_reports_stderr():
    with pytest.raises(RuntimeError, match="unknown site"):
        ReplicaProcess(seed=1, sites=["nosuchsite"], scale="tiny").start()
