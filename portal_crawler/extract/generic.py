"""Generic extractor for unknown layouts (news portals, government CMSes):
title here, body in density.py, metadata in byline.py."""
from __future__ import annotations

from portal_crawler.extract import fields as F
from portal_crawler.extract.byline import find_meta_fields
from portal_crawler.extract.labels import simplified_labels
from portal_crawler.extract.density import body_paragraphs, class_id, cut_tail, find_body, is_info_line
from portal_crawler.extract.dom import compile_selector, meta
from portal_crawler.extract.text import clean, raw_text, squash, text_of


def find_title(root, site_name=None):
    """(title, element or None)."""
    t = root.find(".//title")
    doc_title = clean(raw_text(t)) if t is not None else None
    target = squash(doc_title or "") or squash(meta(root, ["og:title", "ArticleTitle"]) or "")
    best, best_len = None, 0
    for el in root.iter("h1", "h2", "h3", "h4", "div", "td", "span", "p", "strong", "font", "b"):
        if el.tag in ("div", "td", "span", "p") and "title" not in class_id(el).lower():
            continue
        raw = raw_text(el)
        if len(raw) > 400 or len(raw.strip()) < 4:
            continue
        txt = clean(raw)
        if not txt or len(txt) > 120:
            continue
        sq = squash(txt)
        if len(sq) >= 4 and target and sq in target and len(sq) > best_len:
            best, best_len = el, len(sq)
    if best is not None and best_len >= 0.3 * len(target):
        return text_of(best), best
    for name in (["ArticleTitle", "og:title"]):
        v = meta(root, [name])
        if v:
            return v, None
    h1 = root.find(".//h1")
    if h1 is not None and text_of(h1):
        return text_of(h1), h1
    return F.strip_site_suffix(doc_title, site_name), None


# CRUMB-BLOCK: the element whose class/id names a breadcrumb (crumb, position,
# location, bread, place, 当前位置 pinyin dqwz/weizhi)
_CRUMB_XP = "|".join(f"//*[contains(@class,'{w}') or contains(@id,'{w}')]" for w in
                     ("crumb", "position", "location", "bread", "place", "dqwz", "weizhi", "nav_path"))


def find_breadcrumb(root) -> list[str]:
    """Crumbs of the first short breadcrumb block that has a separator (首页 > 新闻)."""
    for el in compile_selector(_CRUMB_XP)(root):
        raw = raw_text(el)
        if len(raw) > 400:
            continue
        txt = clean(raw) or ""
        if len(txt) > 120 or not any(sep in txt for sep in (">", "»", "›", "→", "＞")):
            continue
        crumbs = F.breadcrumb(txt)
        if len(crumbs) >= 2 and all(len(c) <= 30 for c in crumbs):
            return crumbs
    return []


def extract(root, url=None, site_name=None) -> dict:
    title, title_el = find_title(root, site_name)
    body_el, stats = find_body(root, title_el)
    paras = body_paragraphs(body_el, stats) if body_el is not None else []
    rec = {"title": title}
    rec.update(find_meta_fields(root, title, title_el, body_el, url, site_name))
    drop = rec.pop("_drop")
    if rec.get("_title"):
        title = rec["title"] = rec["_title"]
    rec.pop("_title", None)
    t = squash(title or "")
    # drop holds lines with their labels simplified (LABEL-TRADITIONAL): compare alike
    paras = cut_tail([p for p, s in zip(paras, map(simplified_labels, paras))
                      if s not in drop and not is_info_line(s)])
    # a leading copy of the title is not body text
    while paras and t and (squash(paras[0]) == t):
        paras = paras[1:]
    rec["body"] = "\n".join(paras) or None
    rec["description"] = meta(root, ["description"])
    crumbs = find_breadcrumb(root)
    rec["breadcrumb"] = " > ".join(crumbs) or None
    rec["channel"] = F.channel(crumbs, title)
    rec["_body_el"] = body_el
    return rec
