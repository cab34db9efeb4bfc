"""Attachments and images inside the article body, with absolute URLs."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from portal_crawler.extract.selectors import ATTACHMENT_EXT
from portal_crawler.extract.text import clean, text_of

_EXT = tuple("." + e for e in ATTACHMENT_EXT)


def base_url(root, url: str | None) -> str | None:
    for b in root.iter("base"):
        href = (b.get("href") or "").strip()
        if href:
            return urljoin(url or "", href)
    return url


def absolute(base: str | None, href: str | None) -> str | None:
    href = (href or "").strip()
    if not href or href.startswith(("javascript:", "mailto:", "#", "data:", "tel:")):
        return None
    try:
        return urljoin(base, href) if base else href
    except ValueError:
        return None


def attachments(body_els, base: str | None) -> list[dict]:
    out, seen = [], set()
    for el in body_els:
        for a in el.iter("a"):
            u = absolute(base, a.get("href"))
            if not u:
                continue
            try:
                path = urlsplit(u).path.lower()
            except ValueError:
                continue
            if path.endswith(_EXT) and u not in seen:
                seen.add(u)
                out.append({"url": u, "text": text_of(a) or clean(a.get("title"))})
    return out


def images(body_els, base: str | None) -> list[dict]:
    out, seen = [], set()
    for el in body_els:
        for img in el.iter("img"):
            src = img.get("src") or img.get("data-src") or img.get("original")
            u = absolute(base, src)
            if u and u not in seen:
                seen.add(u)
                out.append({"url": u, "alt": clean(img.get("alt"))})
    return out
