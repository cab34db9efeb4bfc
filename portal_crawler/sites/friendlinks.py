"""``sites discover``: one home page's friend links -> every sibling's address.

The friend-link block (友情连接) of any site links to all its siblings under their
short names (浙江, 总站, ...) or full names (中国中小企业浙江网); each is recorded against
the registry entry it names, in the user's sites file (created or updated in place).
"""
from __future__ import annotations

from pathlib import Path

import tomlkit
from urllib.parse import urlsplit

from parsel import Selector

from portal_crawler.sites import registry
from portal_crawler.discover import friend_links
from portal_crawler.extract.encoding import decode_html
from portal_crawler.sites.tomlfile import load_doc, set_site


def _root(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}/"


def discover_sites(body: bytes, content_type: str | None, url: str, target: str | Path) -> dict:
    target = Path(target)
    reg = registry.load(target if target.exists() else None)
    doc = load_doc(target)
    text, _ = decode_html(body, content_type)
    sel = Selector(text=text)
    links = friend_links(sel, url)
    found: list[tuple[registry.Site, str]] = []
    unplaced = []
    for link in links:
        site = reg.by_label(link["label"])
        if site is None:
            unplaced.append((link["label"], link["url"]))
        else:
            found.append((site, _root(link["url"])))
    # The page's own site: its <title> names it.
    title = " ".join(sel.css("title::text").getall()).strip()
    own = next((s for s in reg.sites.values() if s.name and s.name in title and s.name != "中国中小企业网"), None)
    own = own or (reg.by_label(title.split("_")[-1].strip()) if title else None)
    if own is not None and all(s.key != own.key for s, _ in found):
        found.append((own, _root(url)))
    matched, added = [], []
    for site, addr in found:
        if site.base_url == addr:
            matched.append((site.key, addr))
        else:
            added.append((site.key, addr))
        known = any(s.get("key") == site.key for s in doc.get("sites", []))
        set_site(doc, site.key, {"base_url": addr} if known else
                 {"name": site.name, "short": site.short, "region": site.region, "base_url": addr})
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(tomlkit.dumps(doc), encoding="utf-8")
    return {"links": len(links), "matched": matched, "added": added, "unplaced": unplaced}
