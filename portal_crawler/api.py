"""The documented Python API in one place: ``Archive`` with every verb an analyst or
an archivist uses, and ``crawl`` (README "Python API"; the CLI is a thin layer over it).

``store.Archive`` is the storage layer (open, write, read, search, export, reparse,
recheck); this ``Archive`` adds the verbs of the later stages (``snapshot``, ``verify``)
so that a user opens an archive one way and calls methods on it, while ``store`` never
imports the stages after it::

    from portal_crawler import Archive
    with Archive.open("data/portal.db", readonly=True) as ar:
        ar.search("中小企业"); ar.export("out.jsonl"); ar.snapshot("snap"); ar.verify()
"""
from __future__ import annotations

from portal_crawler.store import archive as _store

__all__ = ["Archive", "parse_page"]


class Archive(_store.Archive):
    """An archive (``Archive.open(path, readonly=True)`` to read; ``create=True`` to make
    one). Every method works on a read-only archive except ``reparse`` and ``recheck``."""

    def snapshot(self, out_dir, *, since_snapshot: bool = False, organization: str = "", contact: str = "",
                 description: str = "", sites_file=None):
        """Write a verifiable package of this archive to the new folder ``out_dir``
        (BagIt bag: WACZ, SQLite copy, records; snapshot/package.py); returns its
        ``SnapshotResult`` (snapshot_id, articles, pages, bytes, recorded_in, ...)."""
        from portal_crawler.snapshot import snapshot
        return snapshot(self.path, out_dir, since_snapshot=since_snapshot, organization=organization,
                        contact=contact, description=description, sites_file=sites_file)

    def verify(self):
        """Check this archive and its WARC files: fixity, capture pointers, index
        (snapshot/verify.py); returns a ``Report`` (``ok``, ``counts``, ``problems``,
        ``summary()``)."""
        from portal_crawler.snapshot import verify
        return verify(self.path)


def parse_page(body: bytes, url: str | None = None, content_type: str | None = None, registry=None):
    """The record of one saved page, as ``portal-crawler parse`` prints it: the
    extractor's ``PageResult`` (``kind``: article, list, ...; ``page_type``) whose
    ``record`` is the article's record, or for any other HTML page its best record
    (None only for a page with nothing to read), with ``url`` (canonical) and ``site``
    (the registry's site at that host, whose selectors were used; ``registry`` defaults
    to the network's)."""
    from urllib.parse import urlsplit

    from portal_crawler.extract import extract_page
    from portal_crawler.urls import canonical_url
    site = None
    if url:
        if registry is None:
            from portal_crawler.sites import registry as _registry
            registry = _registry.load()
        host = urlsplit(url).netloc.lower()
        site = next((s for s in registry.sites.values() if s.configured and s.netloc == host), None)
    res = extract_page(body, url, content_type, site)
    best = res.record or res.best
    res.record = None if best is None else {**best, "url": canonical_url(url) if url else None,
                                            "site": site.key if site else None}
    return res
