"""Every article page of a small replica, extracted and compared with rep.truth()
field by field."""
import urllib.request

import pytest

from portal_crawler import replica
from portal_crawler.extract import extract_page, merge_pages
from portal_crawler.record import RECORD_KEYS

# The extractor's fields: the record but what the crawl adds (url, site, clicks).
FIELDS = tuple(k for k in RECORD_KEYS if k not in ("url", "site", "clicks"))


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read(), r.headers.get("Content-Type")


def _site(key):
    from types import SimpleNamespace
    try:
        from portal_crawler.replica.sites import BY_KEY
        s = BY_KEY[key]
        return SimpleNamespace(key=key, name=s.name, selectors={}, engine="auto")
    except Exception:  # the replica's site table is not ours: fall back to the key only
        return SimpleNamespace(key=key, name=None, selectors={}, engine="auto")


@pytest.fixture(scope="module")
def extracted():
    scale = {"channels": 2, "articles_per_channel": 4}
    with replica.ReplicaProcess(seed=7, sites=None, scale=scale) as rep:
        out = []
        homes = [extract_page(_get(u)[0], url=u).kind for u in rep.base_urls.values()]
        for art in rep.truth():
            site = _site(art["site"])
            body, ctype = _get(art["url"])
            first = extract_page(body, url=art["url"], content_type=ctype, site=site)
            results = [first]
            for u in first.page_urls:
                b, ct = _get(u)
                results.append(extract_page(b, url=u, content_type=ct, site=site))
            out.append((art, first, merge_pages(results)))
        return out, homes


def test_replica_home_pages_are_not_articles(extracted):
    assert set(extracted[1]) <= {"list", "other"}


def test_replica_covers_the_variants(extracted):
    extracted = extracted[0]
    used = {rec.get("extractor") for _, _, rec in extracted}
    assert {"dedecms", "trs"} <= used
    assert len({a["site"] for a, _, _ in extracted}) == 25


def test_every_replica_article_is_an_article(extracted):
    extracted = extracted[0]
    bad = [a["url"] for a, first, _ in extracted if first.kind != "article"]
    assert not bad, bad[:5]


@pytest.mark.parametrize("field", FIELDS)
def test_replica_field(extracted, field):
    extracted = extracted[0]
    wrong = [(a["url"], a.get(field), rec.get(field)) for a, _, rec in extracted
             if field in a and rec.get(field) != a[field]]
    assert not wrong, f"{len(wrong)}/{len(extracted)} wrong, e.g. {wrong[:3]}"
