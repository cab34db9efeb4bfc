"""Ground truth: the record a correct extractor reads from each rendered article."""
from __future__ import annotations

from portal_crawler.replica.links import article_path, base_url, trs_docid, view_path
from portal_crawler.replica.model import Network
from portal_crawler.replica.vocab import NOTICE_CHANNELS


def urljoin(base: str, path: str) -> str:
    """All replica paths are root-relative: plain concatenation (urllib's is slow)."""
    return base.rstrip("/") + path


def record(net: Network, key: str, aid: int) -> dict:
    m = net.sites[key]
    a = net.article(key, aid)
    base = base_url(net, key)
    url = urljoin(base, article_path(m, aid))
    trs = m.info.engine == "trs"
    chain, t = [], a.tid
    while t:
        chain.insert(0, m.channels[t].name)
        t = m.channels[t].parent
    body = []
    for p in a.paras:
        txt = p[1] if p[0] == "t" else (p[1] + p[3] if p[0] == "att" else "")
        txt = txt.strip(" \u3000\xa0\t\r\n")
        if txt:
            body.append(txt)
    group, origin = net.group_of(key, aid)
    author = a.author if a.author not in (None, ".", "-") else None
    names = list(a.authors) if a.authors else ([author] if author else [])
    kind = None if not names else "organisation" if a.author_org else "person"
    reprint = a.title.endswith("（转载）") or any(p[0] == "t" and p[1].startswith("（本文转自") for p in a.paras)
    ptype = "notice" if a.tid and m.channels[a.tid].name in NOTICE_CHANNELS else "reprint" if reprint else "news"
    raw = a.time.strftime("%Y-%m-%d %H:%M") if trs else a.published_raw
    pub = (a.time.strftime("%Y-%m-%dT%H:%M:00+08:00") if trs else a.published_at)
    return {
        "url": url, "site": key, "title": a.title, "published_at": pub,
        "published_raw": raw, "date_flag": None, "source": a.source,
        "author": "、".join(names) or None, "authors": names, "author_kind": kind, "page_type": ptype,
        "editor": a.editor, "reviewer": a.reviewer,   # both printed by the editor line (credits.py)
        "channel": chain[-1], "breadcrumb": " > ".join([m.info.home_label] + chain),
        "description": a.description, "body": "\n".join(body),
        "clicks": None if trs else a.clicks, "pages": a.npages,
        "attachments": [{"url": urljoin(base, p[2]), "text": p[3]} for p in a.paras if p[0] == "att"],
        "images": [{"url": urljoin(base, p[1]), "alt": p[2] or None} for p in a.paras if p[0] == "img"],
        "extractor": "trs" if trs else "dedecms",
        "aid": trs_docid(aid) if trs else aid, "group": group, "origin": origin,
        "series": net.series_of(key, aid),
        "alt_urls": [] if trs else [urljoin(base, view_path(aid)),
                                    urljoin(base, f"/plus/view-{aid}-1.html")],
        "epoch_added": m.epoch_of(aid), "edited_epoch": a.edited_epoch,
    }


def truth(net: Network, sites: list[str] | None = None) -> list[dict]:
    out = []
    for key in net.served:
        if sites and key not in sites:
            continue
        for aid in range(1, net.sites[key].n + 1):
            out.append(record(net, key, aid))
    return out
