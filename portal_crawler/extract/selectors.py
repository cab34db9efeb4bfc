"""Selector and label data for the template families (data, not code).

Each field maps to a list of selectors tried in order; a selector starting with
``/`` or ``(`` is XPath, anything else CSS.  ``template.py`` applies them.
"""

# The label vocabulary (时间/来源/作者/编辑…) lives in labels.py, one definition.

DEDECMS = {
    "title": ["div.viewbox div.title h2", "div.title h2", "div.title h1", "div.viewbox h2",
              "div.arcbox h1", "div.article h1"],
    "info": ["div.viewbox div.info", "div.info", "div.arcbox div.info"],
    "breadcrumb": ["div.place", "div.position", "div.crumb"],
    "description": ["div.viewbox div.intro", "div.intro"],
    "body": ["div.viewbox div.content table td", "div.content table td",
             "div.viewbox div.content", "div.content", "div.arcbox div.content"],
    # the article container: where credit lines beside the content block are looked for
    "article": ["div.viewbox", "div.arcbox", "div.article"],
    "pagelist": ["div.dede_pages ul.pagelist a", "ul.pagelist a", "div.pages a"],
    "pagelist_current": ["div.dede_pages ul.pagelist li.thisclass", "ul.pagelist li.thisclass"],
}

TRS = {
    "title_meta": ["ArticleTitle", "articletitle", "title"],
    "date_meta": ["PubDate", "pubdate", "publishdate", "firstpublishedtime"],
    "source_meta": ["ContentSource", "contentsource", "source"],
    "author_meta": ["Author", "author"],
    "description_meta": ["Description", "description"],
    "title": ["div.article h1", "div.title h1", "h1", "div.title", "td.title"],
    "info": ["div.info", "div.article-info", "div.xxgk_info", "div.pages-date", "div.date",
             "div.source", "p.info"],
    "breadcrumb": ["div.position", "div.crumb", "div.bread", "div.location", "div.place",
                   "div.dqwz"],
    "description": [],
    "body": ["div.TRS_Editor", "div.trs_editor", "div.TRS_UEDITOR", "div.trs_paper_default",
             "div.view.TRS_UEDITOR", "div#zoom", "div.article-con"],
    "article": ["div.article", "div.content", "div.main", "div.con"],
    "pagelist": [],
    "pagelist_current": [],
}

# Substrings of the raw HTML that must occur before the marker XPaths are worth running.
MARKER_HINTS = {
    "dedecms": ["viewbox", "dede_pages", "count.php"],
    "trs": ["TRS_", "ArticleTitle"],
}

# Markers used by detect.py to choose a family (XPath, cheap existence tests).
MARKERS = {
    "dedecms": ["//div[contains(concat(' ',normalize-space(@class),' '),' viewbox ')]",
                "//div[contains(concat(' ',normalize-space(@class),' '),' dede_pages ')]",
                "//script[contains(@src,'/plus/count.php')]"],
    "trs": ["//div[contains(concat(' ',normalize-space(@class),' '),' TRS_Editor ')]",
            "//meta[@name='ArticleTitle']", "//div[contains(@class,'TRS_UEDITOR')]"],
}

# Lines dropped from a template body (the DedeCMS editor line is parsed first).
BODY_DROP_LINES = [
    r"^(上一篇|下一篇)\s*[:：]",
    r"^【?\s*(打印|关闭|打印本页|关闭窗口|返回顶部)\s*】?(\s*【?\s*(打印|关闭|打印本页|关闭窗口|返回顶部)\s*】?)*$",
]

# Attachment extensions (links in the body).
ATTACHMENT_EXT = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "ofd", "zip", "rar", "ppt", "pptx")
