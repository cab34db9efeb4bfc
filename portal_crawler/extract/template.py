"""One data-driven extractor: applies a selector set (selectors.DEDECMS, .TRS, or a
site's overrides) to a parsed page.  Families differ only in their data."""
from __future__ import annotations

import re

from portal_crawler.extract import fields as F
from portal_crawler.extract.credits import credit_row, credited_editors, credits_after, names_editors, split_row, split_tail
from portal_crawler.extract.rules import current as rules
from portal_crawler.extract.dates import refine_day
from portal_crawler.extract.dom import first, meta, parse_labelled, select
from portal_crawler.extract.labels import CLOSE, OPEN, WRAPPED_LINE_RX
from portal_crawler.extract.selectors import BODY_DROP_LINES
from portal_crawler.extract.text import clean, page_lines, paragraphs, raw_text, text_of

_DROP = [re.compile(p) for p in BODY_DROP_LINES]
_EDITOR_LINE = WRAPPED_LINE_RX  # (责任编辑:王芳 审核:刘继伟) 【责编：X】 …


def _sel(sset: dict, key: str) -> list[str]:
    return list(sset.get(key) or [])


def body_lines(el) -> tuple[list[str], dict]:
    """Body paragraphs with credit lines parsed out (the DedeCMS editor line, a
    `（来源：…）` line, EDITOR-LINE, EDITOR-TAIL) and noise lines dropped."""
    paras, extra = [], {}
    lines = paragraphs(el)
    for i, p in enumerate(lines):
        got = credit_row(p)
        if got is not None:
            for k, v in got.items():
                extra.setdefault(k, v)
            continue
        if _EDITOR_LINE.match(p):
            for k, v in parse_labelled(p.strip(OPEN + CLOSE)).items():
                extra.setdefault(k, v)
            continue
        if any(rx.search(p) for rx in _DROP):
            continue
        if i >= len(lines) - 3:     # EDITOR-TAIL: only the block's last lines end with credits
            p, got = split_tail(p)
            for k, v in got.items():
                extra.setdefault(k, v)
            if not p:
                continue
        paras.append(p)
    return paras, extra


def apply(root, sset: dict, site_name: str | None = None) -> dict:
    """Fields found with the selector set; missing ones are None.  Also returns
    the body element under key "_body_el" for links and checks."""
    rec: dict = {}
    # a family's title meta (TRS ArticleTitle) is authoritative where present
    title = meta(root, sset["title_meta"]) if sset.get("title_meta") else None
    if not title:
        el = first(root, _sel(sset, "title"))
        title = text_of(el) if el is not None else None
    if not title:
        t = root.find(".//title")
        title = F.strip_site_suffix(raw_text(t) if t is not None else None, site_name)
    rec["title"] = title

    info = first(root, _sel(sset, "info"))
    # EDITOR-CREDIT: credits in the info row (编辑/赵磊) are read apart first, so a
    # credit's separator never ends up inside the author's value
    info_text, row_credits = split_row(_info_text(info)) if info is not None else (None, {})
    labelled = parse_labelled(info_text) if info_text else {}
    for k, v in row_credits.items():
        labelled.setdefault(k, v)
    # metas first where the family has them (TRS), then the info line
    pd = None
    if sset.get("date_meta"):
        pd = F.parse_any_date(meta(root, sset["date_meta"]))
    if pd is None and labelled.get("published"):
        pd = F.parse_any_date(labelled["published"])
    if pd is None and info is not None:
        pd = F.parse_any_date(_info_text(info))
    if pd is not None and pd.precision == "date" and rules().refine_from_page:
        pd = refine_day(pd, page_lines(root))
    rec.update(F.date_fields(pd))
    src = meta(root, sset["source_meta"]) if sset.get("source_meta") else None
    rec["source"] = F.source(src or labelled.get("source"))
    au = meta(root, sset["author_meta"]) if sset.get("author_meta") else None
    rec["author"] = F.person(au or labelled.get("author"))
    rec["editor"] = F.person(labelled.get("editor"))
    rec["reviewer"] = F.person(labelled.get("reviewer"))

    crumb_el = first(root, _sel(sset, "breadcrumb"))
    crumbs = F.breadcrumb(text_of(crumb_el)) if crumb_el is not None else []
    rec["breadcrumb"] = " > ".join(crumbs) or None
    rec["channel"] = F.channel(crumbs, rec["title"])

    desc_el = first(root, _sel(sset, "description"))
    rec["description"] = text_of(desc_el) if desc_el is not None else None
    if not rec["description"]:
        rec["description"] = meta(root, list(sset.get("description_meta") or []) + ["description"])

    body_el = first(root, _sel(sset, "body"))
    if body_el is not None and not isinstance(body_el, str):
        paras, extra = body_lines(body_el)
        if not rec.get("editor") and not extra.get("editor"):
            # EDITOR-AFTER: a credit line beside or after the content block
            extra.update({k: v for k, v in credits_after(body_el, _scope(root, sset, body_el)).items()
                          if not extra.get(k)})
        for k in ("editor", "reviewer", "author", "source"):
            if not rec.get(k) and extra.get(k):
                rec[k] = F.person(extra[k]) if k != "source" else F.source(extra[k])
        rec["body"] = "\n".join(paras) or None
    else:
        body_el, rec["body"] = None, None
    if au and rules().meta_editor_guard and rec["author"] == F.person(au):
        # AUTH-META-EDITOR: the author meta is the editor's CMS account (青网新闻张某 with
        # 责任编辑：张某).  On a portal template the Author meta is the writer's field: the
        # bare name of a writer who also edits (李某 with 【责任编辑：李某】) stays
        eds = credited_editors(page_lines(root))
        eds.add("".join((rec.get("editor") or "").split()))
        if names_editors(au, eds) and "".join(au.split()) not in eds:
            rec["author"] = F.person(labelled.get("author"))
    rec["_body_el"] = body_el
    return rec


def _scope(root, sset: dict, body_el):
    """The article container around the content block (the family's "article"
    selectors), else the block's grandparent below <body>."""
    el = first(root, _sel(sset, "article"))
    if el is not None and not isinstance(el, str) and el in body_el.iterancestors():
        return el
    el = body_el
    for _ in range(2):
        up = el.getparent()
        if up is None or up.tag in ("body", "html"):
            break
        el = up
    return el


def _info_text(el) -> str | None:
    # inline <small> labels are glued to values; keep a space between text nodes
    if el is None:
        return None
    return clean(" ".join(t for t in el.itertext() if t and t.strip()))


def apply_overrides(root, rec: dict, overrides: dict | None, site_name=None) -> bool:
    """Per-site {field: selector} on top of ``rec``; True if any field came from them."""
    if not overrides:
        return False
    used = False
    for field, sel in overrides.items():
        found = select(root, sel) if isinstance(sel, str) else []
        if not found:
            continue
        node = found[0]
        if field == "body":
            if isinstance(node, str):
                continue
            paras, extra = body_lines(node)
            if paras:
                rec["body"], rec["_body_el"], used = "\n".join(paras), node, True
            continue
        txt = clean(node) if isinstance(node, str) else text_of(node)
        if not txt:
            continue
        if field in ("published", "published_at", "date"):
            pd = F.parse_any_date(txt)
            if pd is not None:
                rec.update(F.date_fields(pd))
                used = True
        elif field == "breadcrumb":
            crumbs = F.breadcrumb(txt)
            if crumbs:
                rec["breadcrumb"], used = " > ".join(crumbs), True
                rec["channel"] = F.channel(crumbs, rec.get("title")) or rec.get("channel")
        elif field in ("source", "author", "editor", "reviewer"):
            lab = parse_labelled(txt)
            val = lab.get(field) or (txt if not lab else None)
            val = F.source(val) if field == "source" else F.person(val)
            if val:
                rec[field], used = val, True
        elif field in ("title", "description", "channel"):
            rec[field], used = txt, True
    return used
