"""Where links live on home and list pages, per template family (data, not code).

Each family is tried in order; the first that yields results wins, and the generic
rules in ``lists.py`` / ``home.py`` take over when none does.
"""

NAV = [
    "div.nav a", "div#navMenu a", "ul#navmenu a", "div.menu a", "div#nav a", "ul.nav a",
    "div.navbar a", "nav a",
]

# Labels that are never content channels.
NAV_SKIP = {"首页", "主页", "首 页", "网站首页", "返回首页", "Home", "home"}

FRIEND_LINK_TITLES = ("友情连接", "友情链接", "相关链接", "兄弟网站")
FRIEND_LINK_BLOCKS = ["div.flink", "div.friendlink", "div.links", "dl.tbox", "div.yqlj"]

LIST_FAMILIES = [
    {   # DedeCMS default list template
        "name": "dedecms",
        "item": "div.listbox ul.e2 li",
        "link": "a.title",
        "info": "span.info",
        "channel": "b a",
    },
    {   # DedeCMS variants / simple lists
        "name": "dedecms-simple",
        "item": "ul.e2 li, ul.d1 li, div.list ul li",
        "link": "a[href*='.htm']",
        "info": "span",
        "channel": "b a",
    },
]

PAGELIST = "div.dede_pages a[href], ul.pagelist a[href], div.pages a[href], div.page a[href], div.pagination a[href]"
NEXT_LABELS = ("下一页", "下页", "后页", "next", "Next", ">", "›", "»")
SITEMAP_LINKS = ("网站地图", "sitemap")
RSS_LINKS = ("RSS订阅", "RSS")
