"""Editor / reviewer credits (issue 21): each named form (EDITOR-LINE, EDITOR-TAIL,
EDITOR-CREDIT, EDITOR-AFTER in docs/extraction-patterns.md) on small pages, then every
replica variant (form x place x template) extracted and compared with the truth, on
the DEV sites and seed the rules were written against and on the HELD-OUT sites
(forms and places no DEV site prints) at another seed."""
from collections import Counter
from types import SimpleNamespace

import pytest

from portal_crawler.extract import extract_page, merge_pages
from portal_crawler.extract.credits import credit_line, split_row, split_tail
from portal_crawler.replica import credits as C
from portal_crawler.replica import dede, trs
from portal_crawler.replica.model import Network
from portal_crawler.replica.sites import (EDITOR_DEV_FORMS, EDITOR_DEV_PLACES, EDITOR_FORMS,
                                          EDITOR_HELDOUT_SITES, EDITOR_PLACES, SITES)
from portal_crawler.replica.truth import record

# ---------- the named forms ----------------------------------------------------------------
LINES = [
    ("(责任编辑:王芳)", {"editor": "王芳"}),
    ("(责任编辑:王芳 审核:刘继伟)", {"editor": "王芳", "reviewer": "刘继伟"}),
    ("（责任编辑：王芳）", {"editor": "王芳"}),
    ("（责任编辑:王芳）", {"editor": "王芳"}),
    ("【责任编辑：欧阳明】", {"editor": "欧阳明"}),
    ("[编辑:王芳]", {"editor": "王芳"}),
    ("责编：王芳", {"editor": "王芳"}),
    ("编辑/王芳", {"editor": "王芳"}),
    ("编辑：王芳 审核：刘继伟", {"editor": "王芳", "reviewer": "刘继伟"}),
    ("【责任编辑：王芳 校对：张伟】", {"editor": "王芳"}),     # 校对 is no field
    ("责编：王芳审核：刘继伟", {"editor": "王芳", "reviewer": "刘继伟"}),  # no space between credits
    ("责任编辑：王芳、张伟", {"editor": "王芳、张伟"}),
    ("审核：刘继伟", {"reviewer": "刘继伟"}),
]


@pytest.mark.parametrize("line,want", LINES)
def test_editor_line_forms(line, want):
    assert credit_line(line) == want


@pytest.mark.parametrize("line", [
    "编辑：王某在会上说，这是一个很长的句子，讲的是正文内容。",
    "本报编辑部召开座谈会。",
    "（来源：新华社）",
    "审核工作已经全面完成",
])
def test_sentences_are_no_editor_line(line):
    assert not credit_line(line)


@pytest.mark.parametrize("para,text,want", [
    ("会议取得实效。(责任编辑:王芳)", "会议取得实效。", {"editor": "王芳"}),
    ("会议取得实效。（责任编辑：王芳 审核：刘继伟）", "会议取得实效。", {"editor": "王芳", "reviewer": "刘继伟"}),
    ("会议取得实效。责编：王芳", "会议取得实效。", {"editor": "王芳"}),
    ("会议取得实效。 编辑/王芳", "会议取得实效。", {"editor": "王芳"}),
    ("（本文转自新华社）编辑：王芳", "（本文转自新华社）", {"editor": "王芳"}),
    ("会议取得实效【编辑：王芳】", "会议取得实效", {"editor": "王芳"}),
])
def test_editor_tail_is_cut_from_the_paragraph(para, text, want):
    assert split_tail(para) == (text, want)


@pytest.mark.parametrize("para", [
    "公司招聘编辑/设计人员若干名，待遇从优。",
    "他担任责任编辑多年，编辑：出版了很多书籍，深受好评。",
    "会议由市工信局审核通过",
])
def test_no_editor_tail_in_running_text(para):
    assert split_tail(para) == (para, {})


def test_credits_in_an_info_row_are_read_apart_from_the_author():
    rest, got = split_row("时间:2021-10-22 来源:本站 作者:陈静 编辑/赵磊 审核/刘继伟 点击:")
    assert got == {"editor": "赵磊", "reviewer": "刘继伟"}
    assert "赵磊" not in rest and "陈静" in rest


# ---------- template pages, each place ---------------------------------------------------------
PARAS = ["10月21日，市中小企业服务中心召开企业座谈会，听取企业意见建议。",
         "会议指出，要进一步优化营商环境，帮助企业纾困解难，推动中小企业高质量发展。"]


def dede_page(info_extra="", cell_tail="", last_para_tail="", after_table="", beside="") -> bytes:
    ps = [f"<p>　　{p}</p>" for p in PARAS]
    ps[-1] = ps[-1][:-4] + last_para_tail + "</p>"
    return (
        "<html><head><meta charset='utf-8'><title>企业座谈会召开_某网</title></head><body>"
        "<div class='place'>当前位置: <a href='/'>首页</a> > <a href='/a/x/'>新闻动态</a> > </div>"
        "<div class='viewbox'><div class='title'><h2>企业座谈会召开</h2></div>"
        f"<div class='info'><small>时间:</small>2021-10-22 08:19<small>来源:</small>本站 "
        f"<small>作者:</small>陈静 {info_extra}<small>点击:</small>"
        "<script src='/plus/count.php?view=yes&aid=1&mid=1'></script>次</div>"
        f"<div class='content'><table><tr><td>{''.join(ps)}{cell_tail}</td></tr></table>{after_table}</div>"
        f"{beside}<div class='dede_pages'><ul class='pagelist'></ul></div>"
        "<div class='handle'><ul><li>上一篇：没有了</li><li>下一篇：没有了</li></ul></div></div>"
        "</body></html>").encode("utf-8")


@pytest.mark.parametrize("kw", [
    {"cell_tail": "\n(责任编辑:王芳 审核:刘继伟)"},
    {"cell_tail": "<p style='text-align:right'>【责任编辑：王芳 审核：刘继伟】</p>"},
    {"last_para_tail": "（责任编辑:王芳 审核:刘继伟）"},
    {"last_para_tail": "编辑/王芳 审核/刘继伟"},
    {"after_table": "<p>[编辑:王芳 审核:刘继伟 校对:张伟]</p>"},
    {"beside": "<div class='zrbj'>责编：王芳 审核：刘继伟</div>"},
    {"info_extra": "<small>编辑/</small>王芳 <small>审核/</small>刘继伟 "},
    {"info_extra": "<small>责任编辑：</small>王芳 <small>审核：</small>刘继伟 "},
], ids=["cell", "own-para", "para-end", "para-end-bare", "after-table", "sibling-div", "byline-slash",
        "byline"])
def test_template_editor_every_place(kw):
    rec = extract_page(dede_page(**kw), url="http://127.0.0.1:1/a/x/2021/1022/1.html").record
    assert (rec["extractor"], rec["editor"], rec["reviewer"], rec["author"]) == \
        ("dedecms", "王芳", "刘继伟", "陈静")
    assert rec["body"].split("\n") == PARAS


# ---------- every replica variant, DEV and HELD-OUT -----------------------------------------
SCALE = {"channels": 2, "articles_per_channel": 12}
FIELDS = ("editor", "reviewer", "author", "body")


def replica_accuracy(seed: int, keys) -> tuple[dict, list]:
    """{(engine, form, place): [right, total]} of the editor over the sites ``keys``
    (pages rendered in process), and every wrong field."""
    net = Network(seed, None, SCALE)
    per: dict = {}
    wrong = []
    for s in (s for s in SITES if s.key in keys):
        m = net.sites[s.key]
        site = SimpleNamespace(key=s.key, name=s.name, selectors={}, engine="auto")
        for aid in range(1, m.n + 1):
            t = record(net, s.key, aid)
            a = net.article(s.key, aid)
            cr = C.credit_of(net, m, aid, a.editor, a.reviewer, aid == m.seed_aid)
            pages = ([trs.article(net, m, aid)] if s.engine == "trs" else
                     [dede.article(net, m, aid, k, False) for k in range(1, a.npages + 1)])
            rec = merge_pages([extract_page(h.encode(s.charset, "xmlcharrefreplace"), url=t["url"], site=site)
                               for h in pages])
            st = per.setdefault((s.engine, cr.form, cr.place), [0, 0])
            st[0] += rec.get("editor") == t["editor"]
            st[1] += 1
            wrong += [(s.key, aid, cr.form, cr.place, f, t[f], rec.get(f)) for f in FIELDS if rec.get(f) != t[f]]
    return per, wrong


DEV = {s.key for s in SITES} - EDITOR_HELDOUT_SITES


@pytest.mark.parametrize("seed,keys,forms,places", [
    (7, DEV, EDITOR_DEV_FORMS, EDITOR_DEV_PLACES),
    (11, EDITOR_HELDOUT_SITES, tuple(EDITOR_FORMS), EDITOR_PLACES),
], ids=["dev-sites-seed7", "heldout-sites-seed11"])
def test_editor_right_on_every_replica_variant(seed, keys, forms, places):
    per, wrong = replica_accuracy(seed, keys)
    # the variants are there: every form and every place on both templates
    used = Counter()
    for eng, form, place in per:
        used[(eng, "form", form)] += 1
        used[(eng, "place", place)] += 1
    for eng in ("dedecms", "trs"):
        assert {f for (e, k, f) in used if e == eng and k == "form"} == set(forms)
        assert {p for (e, k, p) in used if e == eng and k == "place"} == set(places)
    assert not wrong, f"{len(wrong)} wrong, e.g. {wrong[:5]}"


def test_heldout_sites_print_forms_and_places_no_dev_site_prints():
    assert set(EDITOR_FORMS) - set(EDITOR_DEV_FORMS) and set(EDITOR_PLACES) - set(EDITOR_DEV_PLACES)
    engines = {s.engine for s in SITES if s.key in EDITOR_HELDOUT_SITES}
    assert engines == {"dedecms", "trs"}
    assert {s.charset for s in SITES if s.key in EDITOR_HELDOUT_SITES} == {"gbk", "utf-8"}
    assert any(s.v57 for s in SITES if s.key in EDITOR_HELDOUT_SITES)


def test_a_credit_after_a_button_label_is_no_body_text():
    from portal_crawler.extract.credits import credit_row
    assert credit_row("【纠错】 责任编辑： 尹世杰") == {"editor": "尹世杰"}
    assert credit_row("他说，这件事已经交给责任编辑：王芳") is None
