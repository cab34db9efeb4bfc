"""Extraction layer: response bytes -> article record (docs/design.md sections 1-2).

    extract_page(body, url=None, content_type=None, site=None) -> PageResult
    merge_pages(results) -> dict
"""
from __future__ import annotations

from dataclasses import dataclass, field

from portal_crawler.extract import fields as F
from portal_crawler.extract import links
from portal_crawler.extract.byline import page_type_of
from portal_crawler.extract.detect import FAMILIES, extract_fields, page_kind
from portal_crawler.extract.dom import parse
from portal_crawler.extract.encoding import decode_html
from portal_crawler.extract.pages import page_info
from portal_crawler.extract.text import forget_page_lines

__all__ = ["PageResult", "extract_page", "merge_pages", "RECORD_KEYS"]

from portal_crawler.record import RECORD_KEYS  # noqa: E402,F401  (one definition of the record)


@dataclass
class PageResult:
    kind: str = "other"
    record: dict | None = None
    page_urls: list = field(default_factory=list)
    page_no: int = 1
    encoding: str = "utf-8"
    text: str = ""
    # "news" | "notice" | "blog" | "forum" | "reprint" (KIND-*), None when not known
    page_type: str | None = None
    # the best record for ANY parsed HTML page, article or not (``record`` stays None
    # unless kind == "article": the crawl archives articles only); `parse` prints it
    best: dict | None = None


def extract_page(body: bytes, url: str | None = None, content_type: str | None = None,
                 site=None) -> PageResult:
    """Never raises: anything unexpected yields kind "other"."""
    try:
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        text, codec = decode_html(body or b"", content_type)
    except Exception:
        return PageResult()
    res = PageResult(encoding=codec, text=text)
    try:
        _extract(res, url, site)
    except Exception:  # noqa: BLE001 - contract: garbage in, "other" out
        res.kind, res.record, res.page_urls, res.page_no = "other", None, [], 1
    finally:
        forget_page_lines()
    return res


def _extract(res: PageResult, url, site) -> None:
    root = parse(res.text)
    if root is None:
        return
    rec, used = extract_fields(root, url, site, res.text)
    kind = page_kind(root, rec, used, res.text)
    res.kind = kind
    if not rec.get("page_type"):
        # a portal template page is read by its channel and title (PAGE-*), any other by
        # the page's own words (KIND-*)
        rec["page_type"] = (F.page_type(rec.get("channel"), rec.get("title"), rec.get("body"))
                            if used in _TEMPLATE else page_type_of(root, rec.get("title"), url))
    res.page_type = rec["page_type"]
    if kind == "article":
        _build(res, root, rec, used, url, site)
        return
    try:  # a best guess for pages that are not articles (`parse` prints it): never fatal
        _build(res, root, rec, used, url, site)
    except Exception:  # noqa: BLE001 - the page's kind stands; it just has no best record
        res.best = None


def _build(res: PageResult, root, rec: dict, used: str, url, site) -> None:
    kind = res.kind
    base = links.base_url(root, url)
    sset = FAMILIES.get(used, FAMILIES["dedecms"])
    if "pagelist" not in res.text and "pageno" not in res.text.lower() and used != "override":
        page_no, others, total = _page_from_url(url), [], None
    else:
        page_no, others, total = page_info(root, sset.get("pagelist") or FAMILIES["dedecms"]["pagelist"],
                                       url, base, sset.get("pagelist_current") or ())
    total = total or page_no
    if kind == "article":
        res.page_no, res.page_urls = page_no, others
    body_el = rec.pop("_body_el", None)
    els = [body_el] if body_el is not None else []
    out = {k: None for k in RECORD_KEYS}
    out.update({k: v for k, v in rec.items() if k in RECORD_KEYS})
    out["title"] = F.strip_page_suffix(out["title"], page_no)
    out["url"] = url
    out["site"] = getattr(site, "key", None)
    out["pages"] = total
    out["attachments"] = links.attachments(els, base)
    out["images"] = links.images(els, base)
    out["extractor"] = used
    if out["date_flag"] is None and out["published_at"] is None:
        out["date_flag"] = "missing"
    out = _finish(out)
    res.best = out
    res.page_type = out.get("page_type") or res.page_type
    if kind == "article":
        res.record = out


# extractors that read a portal template: their page type is the PAGE-* reading of the
# record (the generic extractor sets its own)
_TEMPLATE = ("dedecms", "trs", "override")


def _finish(rec: dict) -> dict:
    """The derived fields, from the record's own fields: author / authors / author_kind
    (fields.authorship, the one derivation) and, on template pages, page_type."""
    rec.update(F.authorship(rec.get("author")))
    if rec.get("extractor") in _TEMPLATE:
        rec["page_type"] = F.page_type(rec.get("channel"), rec.get("title"), rec.get("body"))
    return rec


def _page_from_url(url) -> int:
    from portal_crawler.extract.pages import _key
    k = _key(url) if url else None
    return k[1] if k else 1


def merge_pages(results: list[PageResult]) -> dict:
    """One record from the pages of an article (any order in, page order out)."""
    arts = sorted((r for r in results if r is not None and r.record), key=lambda r: r.page_no)
    if not arts:
        return {}
    first = dict(arts[0].record)
    if arts[0].page_no != 1:
        first["title"] = F.strip_page_suffix(first.get("title"), arts[0].page_no)
    bodies = [r.record.get("body") for r in arts if r.record.get("body")]
    first["body"] = "\n".join(bodies) or None
    for key in ("attachments", "images"):
        seen, merged = set(), []
        for r in arts:
            for item in r.record.get(key) or []:
                if item["url"] not in seen:
                    seen.add(item["url"])
                    merged.append(item)
        first[key] = merged
    # metadata missing on page 1 (rare) is taken from a later page
    for r in arts[1:]:
        for k in ("published_at", "published_raw", "source", "author", "editor", "reviewer",
                  "channel", "breadcrumb", "description"):
            if first.get(k) is None and r.record.get(k) is not None:
                first[k] = r.record[k]
                if k == "published_at":
                    first["date_flag"] = r.record.get("date_flag")
    first["pages"] = max([len(arts)] + [r.record.get("pages") or 1 for r in arts])
    return _finish(first)
