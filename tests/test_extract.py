"""Extraction layer: seed page field by field, TRS, multi-page, list/error pages."""
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal_crawler.extract import extract_page, merge_pages

FIX = Path(__file__).parent / "fixtures" / "extract"
SEED_URL = "http://www.hrbsme.example.cn/a/lingdaojianghua/2021/1022/1057.html"
HARBIN = SimpleNamespace(key="harbin", name="中国中小企业哈尔滨网", selectors={}, engine="auto")


def seed_html() -> str:
    return (FIX / "dedecms_v56_article.html").read_text("utf-8")


def seed_expected() -> dict:
    return json.loads((FIX / "dedecms_v56_article.expected.json").read_text("utf-8"))


def seed_variants():
    html = seed_html()
    return {
        "gbk-declared-gb2312": (html.encode("gbk"), None),
        "gbk-header-gbk": (html.encode("gbk"), "text/html; charset=GBK"),
        "utf8": (html.replace("charset=gb2312", "charset=utf-8").encode("utf-8"), None),
        "utf8-declared-gb2312": (html.encode("utf-8"), None),
    }


@pytest.mark.parametrize("variant", list(seed_variants()))
@pytest.mark.parametrize("site", [None, HARBIN])
def test_seed_page_fields(variant, site):
    body, ctype = seed_variants()[variant]
    res = extract_page(body, url=SEED_URL, content_type=ctype, site=site)
    exp = seed_expected()
    assert res.kind == "article"
    rec = res.record
    assert rec["title"] == exp["title"]
    assert rec["published_at"] == "2021-10-22T08:19:00+08:00"
    assert rec["published_raw"] == "2021-10-22 08:19"
    assert rec["date_flag"] is None
    assert rec["source"] == "哈尔滨日报"
    assert rec["author"] is None          # "作者:." is a placeholder
    assert rec["editor"] == "王芳"
    assert rec["reviewer"] == "刘继伟"
    assert rec["channel"] == "领导讲话"
    assert rec["breadcrumb"] == "首页 > 领导讲话"
    assert rec["description"] == exp["description"]
    assert rec["body"] == exp["body"]
    assert "孙喆" in rec["body"]          # GBK-only character survives decoding
    assert "\ufffd" not in res.text
    assert rec["pages"] == 1 and res.page_urls == [] and res.page_no == 1
    assert rec["extractor"] == "dedecms"
    assert rec["url"] == SEED_URL
    assert rec["site"] == (site.key if site else None)
    assert set(rec) >= {"clicks", "attachments", "images"}


def test_seed_body_excludes_noise():
    rec = extract_page(seed_html().encode("gbk"), url=SEED_URL).record
    for noise in ("责任编辑", "上一篇", "友情连接", "Powered", "推荐内容", "分隔线", "当前位置"):
        assert noise not in rec["body"]


def test_title_from_title_tag_minus_site_name():
    html = re.sub(r"<h2>.*?</h2>", "<h2></h2>", seed_html(), flags=re.S)
    rec = extract_page(html.encode("utf-8"), url=SEED_URL, site=HARBIN).record
    assert rec["title"] == seed_expected()["title"]


# ---------- multi-page ------------------------------------------------------------------
def dede_page(k: int, n: int, paras: list[str]) -> bytes:
    """Page k of an n-page article (built from the seed fixture)."""
    html = seed_html()
    title = seed_expected()["title"]
    if k > 1:
        html = html.replace(f"<h2>{title}</h2>", f"<h2>{title}({k})</h2>")
        html = html.replace(f"<title>{title}_", f"<title>{title}({k})_")
    body = "\n".join(f"<p>\u3000\u3000{p}</p>" for p in paras)
    html = re.sub(r"(<td>\n).*?(\(责任编辑)", lambda m: m.group(1) + body + "\n" + m.group(2),
                  html, flags=re.S)
    items = [f"<li><a>共{n}页: </a></li>"]
    items.append("<li><a href='#'>上一页</a></li>" if k == 1 else
                 f"<li><a href='{'1057' if k == 2 else f'1057_{k-1}'}.html'>上一页</a></li>")
    for i in range(1, n + 1):
        href = "1057.html" if i == 1 else f"1057_{i}.html"
        items.append(f"<li class=\"thisclass\"><a href='#'>{i}</a></li>" if i == k else
                     f"<li><a href='{href}'>{i}</a></li>")
    if k < n:
        items.append(f"<li><a href='1057_{k+1}.html'>下一页</a></li>")
    html = html.replace('<ul class="pagelist">\n        </ul>',
                        '<ul class="pagelist">' + "".join(items) + "</ul>")
    return html.encode("gbk")


def test_multipage_links_and_merge():
    base = "http://www.hrbsme.example.cn/a/lingdaojianghua/2021/1022/"
    pages = {1: ["第一页第一段。", "第一页第二段。"], 2: ["第二页内容。"], 3: ["第三页内容。"]}
    urls = {1: base + "1057.html", 2: base + "1057_2.html", 3: base + "1057_3.html"}
    results = [extract_page(dede_page(k, 3, pages[k]), url=urls[k]) for k in (1, 2, 3)]
    r1, r2, r3 = results
    assert r1.page_urls == [urls[2], urls[3]]
    assert (r1.page_no, r2.page_no, r3.page_no) == (1, 2, 3)
    assert r2.record["title"] == seed_expected()["title"]  # "(2)" stripped
    assert r1.record["pages"] == 3
    merged = merge_pages([r3, r1, r2])
    assert merged["body"] == "\n".join(pages[1] + pages[2] + pages[3])
    assert merged["pages"] == 3
    assert merged["title"] == seed_expected()["title"]
    assert merged["editor"] == "王芳"


def test_multipage_without_url_uses_thisclass():
    r = extract_page(dede_page(2, 3, ["第二页内容。"]))
    assert r.page_no == 2
    assert r.record["title"] == seed_expected()["title"]


# ---------- TRS, attachments, images ------------------------------------------------------
TRS_URL = "http://gxt.example.gov.cn/tzgg/202110/t20211022_123456.html"


def test_trs_article():
    res = extract_page((FIX / "trs_article.html").read_bytes(), url=TRS_URL)
    assert res.kind == "article"
    rec = res.record
    assert rec["extractor"] == "trs"
    assert rec["title"] == "关于开展2021年度中小企业服务券申领工作的通知"
    assert rec["published_at"] == "2021-10-22T09:30:00+08:00"
    assert rec["source"] == "中小企业处"
    assert rec["author"] == "李明"
    assert rec["breadcrumb"] == "首页 > 通知公告"
    assert rec["body"].split("\n")[0] == "各市（州）工业和信息化主管部门："
    assert "分享到" not in rec["body"] and "版权所有" not in rec["body"]


def test_attachments_and_images_absolute():
    rec = extract_page((FIX / "trs_article.html").read_bytes(), url=TRS_URL).record
    assert rec["attachments"] == [
        {"url": "http://gxt.example.gov.cn/tzgg/202110/P020211022/shenling.docx",
         "text": "服务券申领表.docx"},
        {"url": "http://gxt.example.gov.cn/pdf/zhinan.pdf", "text": "申领指南"},
    ]
    assert rec["images"] == [
        {"url": "http://gxt.example.gov.cn/tzgg/202110/W020211022/tu1.png", "alt": "申领流程图"}]


def test_engine_forced_and_overrides():
    site = SimpleNamespace(key="x", name="某省工业和信息化厅", engine="auto",
                           selectors={"source": "//div[@class='info']", "author": "div.share"})
    rec = extract_page((FIX / "trs_article.html").read_bytes(), url=TRS_URL, site=site).record
    assert rec["extractor"] == "override"
    assert rec["source"] == "中小企业处"


def test_generic_fallback_on_unknown_layout():
    html = """<html><head><meta charset="utf-8"><title>企业座谈会召开 - 某市中小企业服务中心</title></head>
    <body><div class="nav"><a href="/">首页</a> <a href="/a">新闻</a> <a href="/b">通知</a></div>
    <div class="main"><h1>企业座谈会召开</h1>
    <div class="meta">发布时间：2021年10月22日 来源：市中小企业服务中心 作者：张三 责任编辑：李四</div>
    <div class="text"><p>10月21日，市中小企业服务中心召开企业座谈会，听取企业意见建议。</p>
    <p>会议指出，要进一步优化营商环境，帮助企业纾困解难，推动中小企业高质量发展。</p>
    <p>与会企业代表就融资、用工、市场开拓等问题进行了交流，相关部门现场作了回应。</p></div>
    <div class="related"><h3>相关新闻</h3><ul><li><a href="/1">新闻一</a></li><li><a href="/2">新闻二</a></li><li><a href="/3">新闻三</a></li></ul></div>
    </div><div class="footer">版权所有 © 2021 某市中小企业服务中心</div></body></html>"""
    res = extract_page(html.encode("utf-8"), url="http://example.cn/news/2021/1022/1.html")
    assert res.kind == "article"
    rec = res.record
    assert rec["extractor"] == "generic"
    assert rec["title"] == "企业座谈会召开"
    assert rec["published_at"] == "2021-10-22"
    assert rec["source"] == "市中小企业服务中心"
    assert rec["author"] == "张三"
    assert rec["editor"] == "李四"
    assert rec["body"].split("\n") == [
        "10月21日，市中小企业服务中心召开企业座谈会，听取企业意见建议。",
        "会议指出，要进一步优化营商环境，帮助企业纾困解难，推动中小企业高质量发展。",
        "与会企业代表就融资、用工、市场开拓等问题进行了交流，相关部门现场作了回应。"]


# ---------- non-articles ------------------------------------------------------------------
def test_list_page_is_not_article():
    res = extract_page((FIX / "dedecms_list.html").read_bytes(),
                       url="http://www.hrbsme.example.cn/a/lingdaojianghua/")
    assert res.kind == "list" and res.record is None


@pytest.mark.parametrize("body", [
    b" Request Error! ",
    b"<html><body><h1>404 Not Found</h1><hr>nginx</body></html>",
    b"<html><head><title>404</title></head><body>\xe9\xa1\xb5\xe9\x9d\xa2\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8</body></html>",
    b"", b"\x00\x01\x02garbage\xff\xfe", b"<html><body><p>short</p></body></html>",
    b"<html><head><title>x</title></head><body><div class='viewbox'><div class='title'><h2>t",
])
def test_error_and_garbage_pages(body):
    res = extract_page(body)
    assert res.kind == "other" and res.record is None


def test_home_page_is_not_article():
    items = "".join(f"<li><a href='/a/x/2021/10{i:02d}/{i}.html'>新闻标题{i}</a><span>2021-10-{i:02d}</span></li>"
                    for i in range(1, 21))
    html = f"<html><head><title>中国中小企业哈尔滨网</title></head><body><ul>{items}</ul></body></html>"
    assert extract_page(html.encode("utf-8"), url="http://x.cn/").kind in ("list", "other")


def test_list_page_with_a_content_block_is_still_a_list():
    html = (FIX / "dedecms_list.html").read_text("utf-8").replace(
        '<div class="listbox">',
        '<div class="content"><table><tr><td>栏目介绍：领导讲话栏目发布领导讲话。</td></tr></table></div>'
        '<div class="listbox">')
    assert extract_page(html.encode("utf-8")).kind == "list"


def test_body_override_xpath():
    site = SimpleNamespace(key="harbin", name="中国中小企业哈尔滨网", engine="dedecms",
                           selectors={"body": "//div[@class='intro']"})
    rec = extract_page(seed_html().encode("gbk"), url=SEED_URL, site=site).record
    assert rec["extractor"] == "override"
    assert rec["body"] == seed_expected()["description"]
