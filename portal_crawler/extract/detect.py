"""Choose the template family, run it, check it, fall back to generic; classify pages."""
from __future__ import annotations

import re

from portal_crawler.extract import byline, generic, template
from portal_crawler.extract.dom import compile_selector, select
from portal_crawler.extract.labels import ERROR_MESSAGES, alternation
from portal_crawler.extract.rules import current as rules
from portal_crawler.extract.selectors import DEDECMS, MARKER_HINTS, MARKERS, TRS
from portal_crawler.extract.text import raw_text, squash
from portal_crawler.extract.dates import YEAR

FAMILIES = {"dedecms": DEDECMS, "trs": TRS}
# error messages, only read on short pages without a dense text block (ERROR-PAGE)
_ERROR = re.compile(alternation(ERROR_MESSAGES), re.I)
_DATE_IN = re.compile(YEAR + r"[-/.年]\d{1,2}[-/.月]\d{1,2}|\d{1,2}-\d{1,2}")
_SENTENCE_END = re.compile(r"[，。！？；]")
# (substrings the page must hold for the XPath to match, XPath): the substring test
# first, since each XPath walks the whole tree (an article's own pager says pagelist).
_LIST_MARKERS = [(("listbox", "e2"),
                  "//div[contains(concat(' ',normalize-space(@class),' '),' listbox ')]//ul[contains(@class,'e2')]"),
                 (("pagelist", "list_"), "//ul[contains(@class,'pagelist')]//a[contains(@href,'list_')]"),
                 (("pageinfo",), "//*[contains(@class,'pageinfo')]")]


def family(root, html: str | None = None) -> str | None:
    for name, xps in MARKERS.items():
        if html is not None and not any(h in html for h in MARKER_HINTS.get(name, ())):
            continue  # substring test first: each XPath walks the whole tree
        if any(compile_selector(x)(root) for x in xps):
            return name
    return None


def _ok(rec: dict) -> bool:
    if not rec.get("title"):
        return False
    if rec.get("body") and len(squash(rec["body"])) >= 2:
        return True
    return _media_only(rec)


def _media_only(rec: dict) -> bool:
    """BODY-MEDIA: the template's content block holds pictures or documents and no text
    (a picture page of a multi-page article, a notice that is one scanned image)."""
    el = rec.get("_body_el")
    return el is not None and (el.find(".//img") is not None or el.find(".//a[@href]") is not None)


def extract_fields(root, url=None, site=None, html=None) -> tuple[dict, str]:
    """(record fields, extractor name)."""
    name = getattr(site, "name", None)
    engine = (getattr(site, "engine", None) or "auto").lower()
    fam = engine if engine in FAMILIES else family(root, html)
    rec, used = None, "generic"
    if fam in FAMILIES:
        rec = template.apply(root, FAMILIES[fam], name)
        used = fam
        if not _ok(rec):
            rec = None
        else:
            _fill_from_generic(root, rec, url, name)
    if rec is None:
        rec, used = generic.extract(root, url, name), "generic"
    if template.apply_overrides(root, rec, getattr(site, "selectors", None), name):
        used = "override"
    return rec, used


def _fill_from_generic(root, rec, url, site_name):
    """A template found title+body but missed a date/source/author: look around."""
    if rec.get("published_at") and rec.get("source") and not rec.get("author"):
        # AUTH-TEMPLATE-BYLINE: an editor credited is no writer: a template page naming
        # only its editor still has its text's byline read (中青网记者 X 来源：…), and a
        # person's name found there is the writer.  Date and source are in hand, so only
        # the byline lines are read (the whole generic search cost this page twice)
        if rec.get("editor") and rules().template_byline:
            a = byline.byline_author(root, rec.get("title"), rec.get("_body_el"))
            if _writer_beside_editor(a, rec):
                rec["author"] = a
            return
    if rec.get("published_at") and rec.get("source") and (rec.get("author") or rec.get("editor")):
        return
    g = byline.find_meta_fields(root, rec.get("title"), None, rec.get("_body_el"), url, site_name)
    for k in ("source", "author", "editor", "reviewer"):
        if not rec.get(k) and g.get(k):
            if k == "author" and not _writer_beside_editor(g[k], rec):
                continue
            rec[k] = g[k]
    if not rec.get("published_at") and g.get("published_at"):
        for k in ("published_at", "published_raw", "date_flag"):
            rec[k] = g[k]


def _writer_beside_editor(a, rec) -> bool:
    """EDITOR-NOT-AUTHOR: on a template page a name the page credits as editor or
    reviewer is not taken for the writer (the generic AUTH-PLAIN-EDITOR reading is for
    pages with no 作者 field at all); AUTH-TEMPLATE-BYLINE: beside an editor, only a
    person's name (AUTH-PERSON-SHAPE)."""
    if not a or a in (rec.get("editor"), rec.get("reviewer")):
        return False
    return not rec.get("editor") or byline.person_like(a)


def page_kind(root, rec: dict | None, used: str, html: str | None = None) -> str:
    """"article" | "list" | "other", by structure, never by words in the title.

    NEVER-REFUSE: a page with a title and a dense text block is an article, whatever
    its title says (a real article may be titled 已被删除 or Error 404).  ERROR-PAGE:
    an error page is recognised by its structure: no dense text block, little text,
    and an error message in it (the status code is the crawler's business).
    """
    body = squash(rec.get("body") or "") if rec else ""
    # The page's whole text (a join of every text node: a fifth of classifying an
    # article) is only needed when the extracted body is short: the body is part of it.
    all_text = None if len(body) >= 30 else _all_text(root)
    if all_text is not None and len(all_text) < 30:
        return "other"
    # list markers first: a list template may also carry a div.content
    if any(select(root, x) for hints, x in _LIST_MARKERS if html is None or all(h in html for h in hints)):
        return "list"
    if used in ("dedecms", "trs", "override") and rec and rec.get("body"):
        return "article"
    if used in ("dedecms", "trs", "override") and rec and rec.get("title") and _media_only(rec):
        return "article"  # BODY-MEDIA
    titled = bool(rec and rec.get("title"))
    if titled and len(body) >= 2000:
        return "article"  # no list page carries that much running text
    clauses = len(_SENTENCE_END.findall(body))
    dense = len(body) >= _DENSE_CHARS and clauses >= _DENSE_CLAUSES
    if not dense:
        # the error message is read outside the title: a title is the publisher's words
        all_text = _all_text(root) if all_text is None else all_text
        msg = all_text.replace(squash(rec.get("title") or ""), "") if titled else all_text
        if len(all_text) < 400 and _ERROR.search(msg):
            return "other"
        return "list" if _dated_links(root) >= 5 else "other"
    # a list page's "body" is its list: dated rows inside the block, not beside it
    body_el = rec.get("_body_el")
    if body_el is not None and _dated_links(body_el) >= 8 and (len(body) < 200 or clauses < 3):
        return "list"
    return "article" if titled else "other"


def _all_text(root) -> str:
    body_el = root.find("body")
    raw = raw_text(body_el) if body_el is not None else ""
    return squash(raw) if len(raw) < 4000 else raw  # only small sizes matter


# a dense text block: this many characters with this many clause marks
_DENSE_CHARS, _DENSE_CLAUSES = 30, 2


def _dated_links(root) -> int:
    """Rows (li/tr/dd) holding a link and a date: the shape of a list page."""
    n = 0
    for row in root.iter("li", "tr", "dd", "p"):
        if row.find(".//a") is None:
            continue
        t = raw_text(row)
        if len(t) < 200 and _DATE_IN.search(t):
            n += 1
    return n
