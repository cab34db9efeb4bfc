"""Link discovery on hand-written pages of each template family."""
from parsel import Selector

from portal_crawler.discover import friend_links, nav_channels, parse_list
from portal_crawler.discover.feeds import rss_items, sitemap_channels

BASE = "http://127.0.0.1:8001/"

DEDE_LIST = """<html><body>
<div class="nav"><a href="/">首页</a><a href="/a/xinwendongtai/">新闻动态</a><a href="/a/lingdaojianghua/">领导讲话</a></div>
<div class="listbox"><ul class="e2">
<li><b>[<a href='/a/xinwendongtai/gongzuodongtai/'>工作动态</a>]</b><a href='/a/xinwendongtai/2021/1022/12.html' class='title'>第一篇文章标题</a>
<span class='info'><small>日期：</small>2021-10-22 08:19:00 <small>点击：</small>57 <small>好评：</small>0</span><p class='intro'>简介</p></li>
<li><a href='/a/xinwendongtai/2021/1021/11.html' class='title'>第二篇文章标题</a>
<span class='info'><small>日期：</small>2021-10-21 09:00:00 <small>点击：</small>3 <small>好评：</small>0</span></li>
</ul></div>
<div class="dede_pages"><ul class="pagelist">
<li><a>首页</a></li><li class="thisclass"><a>1</a></li><li><a href='list_12_2.html'>2</a></li>
<li><a href='list_12_3.html'>3</a></li><li><a href='list_12_2.html'>下一页</a></li><li><a href='list_12_9.html'>末页</a></li>
<span class="pageinfo">共 <strong>9</strong>页<strong>85</strong>条</span></ul></div>
</body></html>"""


def test_dedecms_static_list():
    url = BASE + "a/xinwendongtai/"
    page = parse_list(Selector(text=DEDE_LIST), url, DEDE_LIST)
    assert page.family == "dedecms"
    assert [e.url for e in page.entries] == [BASE + "a/xinwendongtai/2021/1022/12.html",
                                             BASE + "a/xinwendongtai/2021/1021/11.html"]
    assert page.entries[0].clicks == 57 and page.entries[0].date == "2021-10-22 08:19:00"
    assert page.entries[0].channel == "工作动态"
    assert page.page_no == 1 and page.total_pages == 9
    assert page.next_url == BASE + "a/xinwendongtai/list_12_2.html"
    assert page.page_urls[9] == BASE + "a/xinwendongtai/list_12_9.html" and len(page.page_urls) == 9


def test_dedecms_static_list_middle_page():
    url = BASE + "a/xinwendongtai/list_12_3.html"
    page = parse_list(Selector(text=DEDE_LIST), url, DEDE_LIST)
    assert page.page_no == 3 and page.next_url == BASE + "a/xinwendongtai/list_12_4.html"


def test_dynamic_list_pagination():
    html = DEDE_LIST.replace("list_12_2.html", "/plus/list.php?tid=12&TotalResult=85&PageNo=2").replace(
        "list_12_3.html", "/plus/list.php?tid=12&TotalResult=85&PageNo=3").replace(
        "list_12_9.html", "/plus/list.php?tid=12&TotalResult=85&PageNo=9")
    url = BASE + "plus/list.php?tid=12&TotalResult=85&PageNo=2"
    page = parse_list(Selector(text=html), url, html)
    assert page.page_no == 2
    assert "PageNo=3" in page.next_url and "tid=12" in page.next_url
    assert len(page.page_urls) == 9


def test_script_built_pagination_trs():
    html = """<html><body><ul class="list">
<li><a href="./202110/t20211022_123456.html">政府文件标题一</a><span>2021-10-22</span></li>
<li><a href="./202110/t20211021_123455.html">政府文件标题二</a><span>2021-10-21</span></li>
<li><a href="./202110/t20211020_123454.html">政府文件标题三</a><span>2021-10-20</span></li>
</ul><script>createPageHTML(5, 1, "index", "html");</script></body></html>"""
    url = BASE + "xwdt/index_1.html"
    page = parse_list(Selector(text=html), url, html)
    assert page.family == "generic"
    assert [e.url for e in page.entries][0] == BASE + "xwdt/202110/t20211022_123456.html"
    assert len(page.entries) == 3
    assert page.page_no == 2 and page.total_pages == 5
    assert page.page_urls[1] == BASE + "xwdt/index.html"
    assert page.next_url == BASE + "xwdt/index_2.html"


def test_generic_list_ignores_undated_links():
    html = """<div id="menu"><a href="/a/">栏目一</a><a href="/b/">栏目二</a></div><table>
<tr><td><a href="/news/2021/1022/1.html">第一条新闻标题</a></td><td>[2021-10-22]</td></tr>
<tr><td><a href="/news/2021/1021/2.html">第二条新闻标题</a></td><td>[2021-10-21]</td></tr></table>
<div><a href="/news/hot.html">热点新闻很重要</a></div>"""
    page = parse_list(Selector(text=html), BASE + "news/", html)
    assert [e.url for e in page.entries] == [BASE + "news/2021/1022/1.html", BASE + "news/2021/1021/2.html"]
    assert page.next_url is None


def test_nav_and_friend_links():
    html = DEDE_LIST.replace("</body>", """<div class="flink"><strong>友情连接</strong> <a href="#">所有链接</a>
<ul><li><a href="http://127.0.0.1:8002/" target="_blank">总站</a></li><li><a href="http://127.0.0.1:8003/">浙江</a></li></ul></div></body>""")
    sel = Selector(text=html)
    assert nav_channels(sel, BASE) == [{"name": "新闻动态", "url": BASE + "a/xinwendongtai/"},
                                       {"name": "领导讲话", "url": BASE + "a/lingdaojianghua/"}]
    assert friend_links(sel, BASE) == [{"label": "总站", "url": "http://127.0.0.1:8002/"},
                                       {"label": "浙江", "url": "http://127.0.0.1:8003/"}]


def test_friend_links_by_title_when_block_unknown():
    html = """<div><h3>友情连接</h3><p><a href="http://a.example/">总站</a> <a href="http://b.example/">浙江</a>
<a href="http://c.example/">湖北</a></p></div>"""
    labels = [l["label"] for l in friend_links(Selector(text=html), BASE)]
    assert labels == ["总站", "浙江", "湖北"]


def test_rss_and_sitemap():
    xml = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><language>zh-cn</language>
<item><title>标题</title><link>http://127.0.0.1:8001/a/x/2021/1022/5.html</link><pubDate>2021-10-22</pubDate><author>秩名</author></item>
</channel></rss>"""
    assert rss_items(xml, BASE) == [{"url": BASE + "a/x/2021/1022/5.html", "title": "标题", "date": "2021-10-22"}]
    html = """<div class="linkbox"><h3><a href="/a/xinwendongtai/">新闻动态</a></h3><ul><li><a href="/a/xinwendongtai/gzdt/">工作动态</a></li></ul></div>
<div class="linkbox"><h3><a href="/a/lingdaojianghua/">领导讲话</a></h3></div>"""
    assert [c["name"] for c in sitemap_channels(Selector(text=html), BASE)] == ["新闻动态", "工作动态", "领导讲话"]


def test_rss_with_gbk_declaration_decoded_text():
    xml = '<?xml version="1.0" encoding="gb2312"?><rss version="2.0"><channel><item><title>孙喆讲话</title>' \
          '<link>/a/x/2021/1022/7.html</link><pubDate>2021-10-22</pubDate></item></channel></rss>'
    assert rss_items(xml, BASE)[0]["title"] == "孙喆讲话"


def test_compiled_selectors_and_text_equal_parsels():
    """parse_list runs its selectors compiled once on lxml elements (parsel compiles a
    query at every call): the nodes and the text they give are parsel's own."""
    from pathlib import Path
    from portal_crawler.discover import lists, selectors as S
    pages = [DEDE_LIST] + [p.read_text("utf-8", "replace")
                           for p in sorted(Path(__file__).parent.joinpath("fixtures").rglob("*.htm*"))]
    queries = [q for fam in S.LIST_FAMILIES for q in (fam["item"], fam["link"], fam["info"], fam["channel"])]
    checked = 0
    for html in pages:
        sel = Selector(text=html)
        for q in queries + [S.PAGELIST, "li", "p", "div"]:
            ours = lists._xp(q)(sel.root)
            assert ours == [s.root for s in sel.css(q)]
            for node, s in zip(ours, sel.css(q)):
                assert lists._text(node) == " ".join("".join(s.css("::text").getall()).split())
                checked += 1
    assert checked > 100
