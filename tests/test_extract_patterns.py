"""One test per named pattern of docs/extraction-patterns.md, on small pages built here.

Each page is a generic layout (no DedeCMS/TRS markers), so the generic extractor and
the page classifier are what is tested.
"""
import pytest

from portal_crawler.extract import extract_page
from portal_crawler.extract import fields as F
from portal_crawler.extract.labels import BODY_BYLINE_RX, WRAPPED_LINE_RX

PARAS = [
    "10月21日，市中小企业服务中心召开企业座谈会，听取企业意见建议。",
    "会议指出，要进一步优化营商环境，帮助企业纾困解难，推动中小企业高质量发展。",
    "与会企业代表就融资、用工、市场开拓等问题进行了交流，相关部门现场作了回应。",
]
NAV = "".join(f"<li><a href='/c{i}/'>栏目{i}</a></li>" for i in range(8))


def page(title="企业座谈会召开", info="发布时间：2021-10-22 来源：市中小企业服务中心", paras=None,
         head="", crumb="", doc_title=None, side="") -> bytes:
    paras = PARAS if paras is None else paras
    body = "".join(f"<p>{p}</p>" for p in paras)
    html = (f"<html><head><meta charset='utf-8'><title>{doc_title or title + '_某市网'}</title>{head}"
            f"</head><body><ul class='nav'>{NAV}</ul>{crumb}<div class='main'><h1>{title}</h1>"
            f"<div class='meta'>{info}</div><div class='text'>{body}</div></div>{side}"
            f"<div class='footer'>版权所有 © 2021 某市中小企业服务中心</div></body></html>")
    return html.encode("utf-8")


def rec_of(html: bytes) -> dict:
    res = extract_page(html, url="http://example.cn/news/1.html")
    assert res.kind == "article", res.kind
    return res.record


# ---------- AUTH-BODY-BYLINE -------------------------------------------------------------
@pytest.mark.parametrize("line,author", [
    ("本报记者 王某 张某", "王某、张某"),
    ("本报记者 王小明", "王小明"),
    ("记者 王小明 通讯员 李四", "王小明"),
    ("文/张三", "张三"),
    ("（记者 赵敏）", "赵敏"),
    ("作者：王五", "王五"),
    ("澎湃新闻记者 段某某 廖某", "段某某、廖某"),
])
def test_body_byline_first_line(line, author):
    rec = rec_of(page(info="发布时间：2021-10-22", paras=[line] + PARAS))
    assert rec["author"] == author
    assert rec["body"].split("\n") == PARAS  # the byline line is not body text


@pytest.mark.parametrize("line,author", [("作者：王五", "王五"), ("（记者 赵敏 通讯员 钱七）", "赵敏"),
                                         ("文/张三", "张三")])
def test_body_byline_last_line(line, author):
    rec = rec_of(page(info="发布时间：2021-10-22", paras=PARAS + [line]))
    assert rec["author"] == author


def test_body_byline_in_a_dateline_keeps_the_sentence():
    first = "新华社北京10月1日电（记者 张三、李四）十月一日，首都各界举行座谈会，回顾发展历程。"
    rec = rec_of(page(info="发布时间：2021-10-22", paras=[first] + PARAS))
    assert rec["author"] == "张三、李四"
    assert rec["body"].split("\n") == [first] + PARAS


@pytest.mark.parametrize("sentence", ["记者了解到，这项工作已经全面展开，群众反映良好。",
                                      "他对记者说，企业的困难正在一件一件解决。"])
def test_a_sentence_about_reporters_is_no_byline(sentence):
    rec = rec_of(page(info="发布时间：2021-10-22", paras=[sentence] + PARAS))
    assert rec["author"] is None
    assert BODY_BYLINE_RX.search(sentence) is None


# ---------- LABEL-WRAPPED ----------------------------------------------------------------
@pytest.mark.parametrize("line,field,value", [
    ("【责任编辑：赵六】", "editor", "赵六"),
    ("[责任编辑:赵六]", "editor", "赵六"),
    ("（责编：周八）", "editor", "周八"),
    ("责编：周八", "editor", "周八"),
    ("（来源：新华社）", "source", "新华社"),
    ("【审核：刘继伟】", "reviewer", "刘继伟"),
])
def test_wrapped_label_lines(line, field, value):
    rec = rec_of(page(info="发布时间：2021-10-22", paras=PARAS + [line]))
    assert rec[field] == value
    assert rec["body"].split("\n") == PARAS
    assert WRAPPED_LINE_RX.match(line)


def test_plain_editor_in_brackets_is_the_editor_and_the_author():
    # AUTH-PLAIN-EDITOR: a plain 编辑 with no writer credited wrote the web piece
    rec = rec_of(page(info="发布时间：2021-10-22", paras=PARAS + ["[编辑:孙七]"]))
    assert (rec["editor"], rec["author"]) == ("孙七", "孙七")
    assert rec["body"].split("\n") == PARAS


def test_wrapped_label_with_a_sentence_is_body_text():
    line = "编辑：王某在会上说，这是一个很长的句子，讲的是正文内容。"
    assert WRAPPED_LINE_RX.match(line) is None


# ---------- CRUMB-TAIL, CRUMB-BLOCK ------------------------------------------------------
@pytest.mark.parametrize("tail", ["正文", "详情", "内容", "文章", "阅读", "正文内容"])
def test_breadcrumb_tail_that_is_not_a_channel(tail):
    crumb = f"<div class='position'>当前位置：<a href='/'>首页</a> &gt; <a href='/n/'>新闻中心</a> &gt; {tail}</div>"
    rec = rec_of(page(crumb=crumb))
    assert rec["breadcrumb"] == f"首页 > 新闻中心 > {tail}"
    assert rec["channel"] == "新闻中心"


def test_breadcrumb_tail_that_is_the_title():
    assert F.channel(["首页", "通知公告", "企业座谈会召开"], "企业座谈会召开") == "通知公告"
    assert F.channel(["首页", "正文"]) is None
    assert F.channel(["首页", "领导讲话"]) == "领导讲话"


# ---------- PUB-LABEL, PUB-MONTH, PUB-YEAR -----------------------------------------------
@pytest.mark.parametrize("info,value", [
    ("日期：1998年3月", "1998-03"),
    ("发布日期：2003-05", "2003-05"),
    ("发表于 2014-08-24 21:30", "2014-08-24T21:30:00+08:00"),
    ("发表于2014-08-24", "2014-08-24"),
    ("发布日期：2021-10-22 来源：市政府", "2021-10-22"),
    ("发文日期：2021年10月22日", "2021-10-22"),
    ("日期：2021-10-22", "2021-10-22"),
    ("更新时间：2021-10-22 08:19", "2021-10-22T08:19:00+08:00"),
])
def test_date_labels_and_precisions(info, value):
    assert rec_of(page(info=info))["published_at"] == value


# ---------- PUB-VISIBLE, PUB-REFINE ------------------------------------------------------
def test_visible_date_wins_over_a_meta_in_another_time_zone():
    # the meta is UTC without an offset: read as China time it is 8 hours early
    head = "<meta property='article:published_time' content='2021-10-22T00:19:33'>"
    rec = rec_of(page(info="2021-10-22 08:19 来源：新京报", head=head))
    assert rec["published_at"] == "2021-10-22T08:19:00+08:00"


def test_visible_date_wins_over_a_later_meta():
    head = "<meta property='article:published_time' content='2019-10-23T09:10:42+08:00'>"
    rec = rec_of(page(info="2019年10月23日 09:05 环球网", head=head))
    assert rec["published_at"] == "2019-10-23T09:05:00+08:00"


def test_meta_refines_an_agreeing_visible_date():
    head = "<meta property='article:published_time' content='2021-10-22T08:19:33+08:00'>"
    rec = rec_of(page(info="2021-10-22 08:19 来源：新京报", head=head))
    assert rec["published_at"] == "2021-10-22T08:19:33+08:00"


# ---------- NEVER-REFUSE, ERROR-PAGE -----------------------------------------------------
@pytest.mark.parametrize("words", ["已被删除", "无法找到", "出错了", "系统繁忙", "Error 404", "文档不存在",
                                   "页面不存在", "404 Not Found"])
def test_article_titled_with_error_words_is_extracted(words):
    title = f"网传“{words}”系谣言 官方回应"
    res = extract_page(page(title=title), url="http://example.cn/news/1.html")
    assert res.kind == "article"
    assert res.record["title"] == title
    assert res.record["body"].split("\n") == PARAS
    assert res.record["published_at"] == "2021-10-22"


def test_short_article_titled_with_error_words_is_extracted():
    res = extract_page(page(title="文档不存在", paras=[PARAS[0]]))
    assert res.kind == "article"
    assert res.record["body"] == PARAS[0]


def test_titled_dense_page_beside_a_dated_link_list_is_an_article():
    side = "<ul class='list'>" + "".join(
        f"<li><a href='/n/{i}.html'>其他新闻标题{i}</a><span>2021-10-{i:02d}</span></li>"
        for i in range(1, 13)) + "</ul>"
    res = extract_page(page(side=side))
    assert res.kind == "article"
    assert res.record["body"].split("\n") == PARAS


@pytest.mark.parametrize("html", [
    "<html><head><title>出错了</title></head><body><div class='nav'>首页 新闻 通知</div>"
    "<p>对不起，您访问的页面不存在或已被删除。</p><p><a href='/'>返回首页</a></p></body></html>",
    "<html><head><title>系统提示</title></head><body><h2>系统繁忙</h2><p>请稍后再试</p>"
    "<p>如有疑问请联系网站管理员，电话 12345678</p></body></html>",
])
def test_error_template_without_an_article_block_is_other(html):
    res = extract_page(html.encode("utf-8"))
    assert res.kind == "other" and res.record is None


# ---------- DEEP-NESTING -----------------------------------------------------------------
LONG = [f"第{i}段，企业座谈会在市中心召开，与会代表就融资、用工等问题进行了交流，相关部门现场回应。"
        for i in range(1, 9)]


@pytest.mark.parametrize("depth", [250, 300, 2100, 5000])
def test_deep_nesting_parses_whole(depth):
    body = "".join(f"<p>{p}</p>" for p in LONG)
    html = ("<html><head><title>深层嵌套的文章_某网</title></head><body><h1>深层嵌套的文章</h1>"
            "<div class='info'>发布时间：2021-10-22</div>"
            + "<div>" * depth + body + "</div>" * depth + "</body></html>")
    res = extract_page(html.encode("utf-8"))
    assert res.kind == "article"
    assert res.record["body"].split("\n") == LONG
    assert res.record["published_at"] == "2021-10-22"


@pytest.mark.parametrize("depth", [250, 5000])
def test_each_paragraph_deeper_than_the_last(depth):
    step = depth // len(LONG)
    html = "<html><head><title>逐层嵌套_某网</title></head><body><h1>逐层嵌套</h1>"
    for p in LONG:
        html += "<div>" * step + f"<p>{p}</p>"
    html += "</div>" * (step * len(LONG)) + "</body></html>"
    res = extract_page(html.encode("utf-8"))
    assert res.kind == "article"
    assert res.record["body"].split("\n") == LONG


@pytest.mark.parametrize("tag,depth", [("span", 1500), ("font", 3000), ("b", 2040)])
def test_deep_inline_nesting_inside_a_paragraph(tag, depth):
    first = f"<p>{('<' + tag + '>') * depth}{LONG[0]}{('</' + tag + '>') * depth}</p>"
    rest = "".join(f"<p>{p}</p>" for p in LONG[1:])
    html = (f"<html><head><title>内联嵌套_某网</title></head><body><h1>内联嵌套</h1>"
            f"<div class='content'>{first}{rest}</div></body></html>")
    res = extract_page(html.encode("utf-8"))
    assert res.kind == "article"
    assert res.record["body"].split("\n") == LONG


# ---------- `parse` on a real article with error words in its title -----------------------
def test_cli_parse_extracts_and_reports_the_kind(tmp_path):
    import json

    from conftest import cli
    title = "系统繁忙？12345热线回应：出错了已修复"
    f = tmp_path / "page.html"
    f.write_bytes(page(title=title))
    p = cli("parse", f)
    assert p.returncode == 0, p.stderr
    assert "kind: article (generic extractor)" in p.stderr
    rec = json.loads(p.stdout)
    assert rec["title"] == title and rec["body"].split("\n") == PARAS


def test_one_label_vocabulary():
    """Every module reads labels from labels.py (issue 9 item 4): no second list."""
    from portal_crawler.extract import dates, density, detect, labels, selectors, template
    assert dates._LABEL is labels.DATE_LABEL_RX
    assert density._LABEL_START is labels.INFO_START_RX
    assert template._EDITOR_LINE is labels.WRAPPED_LINE_RX
    assert detect._ERROR.pattern == labels.alternation(labels.ERROR_MESSAGES)
    assert not hasattr(selectors, "LABELS")
    # longest token first: 责任编辑 is never read as 编辑, 发布时间 never as 时间
    from portal_crawler.extract.dom import parse_labelled
    assert parse_labelled("发布时间：2021-10-22 责任编辑：王芳") == {"published": "2021-10-22", "editor": "王芳"}


def test_body_media_picture_page_is_an_article():
    """BODY-MEDIA: a template page whose content block is one picture (the last page of
    a multi-page article, a scanned notice) is an article with its image, not "other"."""
    import re
    from pathlib import Path
    from portal_crawler.extract import extract_page
    html = (Path(__file__).parent / "fixtures" / "extract" / "dedecms_v56_article.html").read_text("utf-8")
    start = html.index('<div class="content">')
    end = html.index("</table>", start)
    picture = ('<div class="content">\n<table width=\'100%\'>\n<tr><td>\n'
               '<p style="text-align: center;"><img src="/uploads/allimg/211028/1.jpg" alt="试点工作" /></p>\n'
               '</td></tr>\n')
    page = html[:start] + picture + html[end:]
    assert not re.search(r"[\u4e00-\u9fff]{6,}", page[start:start + len(picture)])  # no text in the block
    res = extract_page(page.encode("utf-8"), "http://example.org/a/x/2021/1028/377_3.html")
    assert res.kind == "article"
    assert [i["url"] for i in res.record["images"]] == ["http://example.org/uploads/allimg/211028/1.jpg"]
