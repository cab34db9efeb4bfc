"""RSS feeds and the DedeCMS sitemap page as extra sources of links."""
from __future__ import annotations

import re
from urllib.parse import urljoin

from parsel import Selector


def rss_items(xml: str, base_url: str) -> list[dict]:
    """Items of an RSS 2.0 feed: [{'url', 'title', 'date'}], newest first as given."""
    # The text is already decoded: a declaration naming gb2312 would mislead the parser.
    sel = Selector(text=re.sub(r"^\s*<\?xml[^>]*\?>", "", xml), type="xml")
    out = []
    for item in sel.xpath("//item"):
        link = (item.xpath("string(link)").get() or "").strip()
        if link:
            out.append({"url": urljoin(base_url, link), "title": item.xpath("string(title)").get(),
                        "date": (item.xpath("string(pubDate)").get() or "").strip() or None})
    return out


def sitemap_channels(sel: Selector, base_url: str) -> list[dict]:
    """Channels of /data/sitemap.html: div.linkbox h3 a (and the sub-channel links)."""
    out, seen = [], set()
    for a in sel.css("div.linkbox h3 a[href], div.linkbox ul a[href], div.linkbox li a[href]"):
        url = urljoin(base_url, a.attrib["href"])
        if url not in seen:
            seen.add(url)
            out.append({"name": " ".join("".join(a.css("::text").getall()).split()), "url": url})
    return out


def rss_feeds(sel: Selector, base_url: str) -> list[str]:
    """Feed URLs listed on /data/rssmap.html or linked from a page."""
    urls = [urljoin(base_url, h) for h in sel.css("a::attr(href)").getall() if h.endswith(".xml")]
    urls += [urljoin(base_url, h) for h in sel.css("link[type='application/rss+xml']::attr(href)").getall()]
    return list(dict.fromkeys(urls))
