"""Home pages: the nav bar's channels, the friend-link block, sitemap/RSS links."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from parsel import Selector

from portal_crawler.discover import selectors as S


def _same_site(url: str, base: str) -> bool:
    return urlsplit(url).netloc.lower() == urlsplit(base).netloc.lower()


def _text(a) -> str:
    return " ".join("".join(a.css("::text").getall()).split())


def _is_channel_url(url: str, base: str) -> bool:
    parts = urlsplit(url)
    path = parts.path or "/"
    if not _same_site(url, base) or path in ("/", "/index.html", "/index.htm") and not parts.query:
        return False
    if "/plus/list.php" in path and "tid=" in parts.query:
        return True
    return path.endswith("/") or path.rsplit("/", 1)[-1].startswith(("index", "list_"))


def nav_channels(sel: Selector, base_url: str) -> list[dict]:
    """Channels of the nav bar, in order: [{'name': 领导讲话, 'url': absolute}]."""
    def collect(anchors):
        out, seen = [], set()
        for a in anchors:
            href = a.attrib.get("href", "").strip()
            name = _text(a)
            if not href or href.startswith(("javascript:", "#", "mailto:")) or not name or name in S.NAV_SKIP:
                continue
            url = urljoin(base_url, href)
            if url not in seen and _is_channel_url(url, base_url):
                seen.add(url)
                out.append({"name": name, "url": url})
        return out

    for css in S.NAV:
        found = collect(sel.css(css))
        if len(found) >= 2:
            return found
    # Generic rule: short same-site links to directories anywhere on the page.
    return [c for c in collect(sel.css("a[href]")) if len(c["name"]) <= 12]


def friend_links(sel: Selector, base_url: str) -> list[dict]:
    """Links of the friend-link block (友情连接): [{'label', 'url'}], external included."""
    anchors = []
    for css in S.FRIEND_LINK_BLOCKS:
        anchors = sel.css(f"{css} a[href]")
        if anchors:
            break
    if not anchors:
        # The block is whatever element follows/contains the 友情连接 title.
        for title in S.FRIEND_LINK_TITLES:
            node = sel.xpath(f"//*[contains(normalize-space(text()), '{title}')]")
            for n in node[:3]:
                for up in ("..", "../..", "../../.."):
                    anchors = [a for a in n.xpath(f"{up}//a[@href]") if _text(a) not in ("所有链接", "申请加入")]
                    if len(anchors) >= 3:
                        break
                if len(anchors) >= 3:
                    break
            if anchors:
                break
    out = []
    for a in anchors:
        label = _text(a)
        href = a.attrib.get("href", "").strip()
        if label and href and label not in ("所有链接", "申请加入") and not href.startswith("javascript:"):
            out.append({"label": label, "url": urljoin(base_url, href)})
    # A <select> of sibling sites is the other common form.
    for opt in sel.css("select option[value]"):
        v = opt.attrib["value"].strip()
        if v.startswith("http"):
            out.append({"label": _text(opt), "url": v})
    return out


def special_links(sel: Selector, base_url: str) -> dict:
    """Sitemap and RSS index links named in the header, if any."""
    found = {}
    for a in sel.css("a[href]"):
        label = _text(a)
        href = urljoin(base_url, a.attrib["href"])
        if "sitemap" not in found and any(k in label for k in S.SITEMAP_LINKS):
            found["sitemap"] = href
        elif "rss" not in found and any(k in label for k in S.RSS_LINKS):
            found["rss"] = href
    return found
