"""Extraction in a worker process (crawler/extractor.py): the same records as in the
crawler's process, a lost worker loses no page, and ``auto`` starts a worker only when
extraction holds the crawl back."""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
import urllib.request

import pytest
from conftest import E2E_SITES, cli, crawl_args

from portal_crawler import crawl
from portal_crawler.crawler import extractor as ex
from portal_crawler.crawler.extractor import Extractor, processes_setting
from portal_crawler.extract import extract_page
from portal_crawler.replica.oracle import compare_with_truth
from portal_crawler.sites import registry
from portal_crawler.store import Archive


def _pages(rep, n=12):
    """(url, bytes, site) of the replica's first n articles, fetched over loopback."""
    sites = {s.key: s for s in registry.load(rep.sites_path).select(E2E_SITES)}
    out = []
    for art in rep.truth()[:n]:
        with urllib.request.urlopen(art["url"], timeout=10) as r:
            out.append((art["url"], r.read(), sites[art["site"]]))
    return out, sites


def _inline(body, url, site):
    res = extract_page(body, url, None, site)
    return res.kind, res.record, res.page_urls, res.page_no


def _run(coro):
    return asyncio.run(coro)


def test_crawl_with_an_extraction_worker_equals_the_truth(replica_net, tmp_path):
    db = tmp_path / "w.db"
    res = crawl(db, E2E_SITES, sites_file=replica_net.sites_path, delay=0, concurrency=8,
                settings={"EXTRACT_PROCESSES": 1})
    assert res.exit_code == 0, res.summary()
    with Archive.open(db, readonly=True) as ar:
        report = compare_with_truth(ar, replica_net.truth())
        n = ar.db.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert report["ok"], report["problems"][:5]
    # every archived article went through the worker (multi-page ones once a page)
    assert res.stats.get("extract/processes") == 1
    assert res.stats.get("extract/worker_pages", 0) >= n > 0


def test_a_worker_gives_the_records_of_inline_extraction(replica_net):
    pages, sites = _pages(replica_net)
    e = Extractor(sites, 1)
    e.open()
    try:
        async def go():
            return [await e.extract(b, u, None, s) for u, b, s in pages]
        got = _run(go())
    finally:
        e.close()
    assert [(r.kind, r.record, r.page_urls, r.page_no) for r in got] == [_inline(b, u, s) for u, b, s in pages]
    assert all(r.text == "" for r in got)  # the decoded page is not sent back


def test_a_killed_worker_loses_no_page(replica_net):
    pages, sites = _pages(replica_net)
    e = Extractor(sites, 1)
    e.open()
    try:
        async def go():
            first = await e.extract(pages[0][1], pages[0][0], None, pages[0][2])
            workers = multiprocessing.active_children()
            assert len(workers) == 1
            os.kill(workers[0].pid, signal.SIGKILL)
            workers[0].join(10)
            rest = [await e.extract(b, u, None, s) for u, b, s in pages[1:]]
            return [first] + rest
        got = _run(go())
    finally:
        e.close()
    assert e.pool is None  # extraction went on in this process
    assert [(r.kind, r.record) for r in got] == [_inline(b, u, s)[:2] for u, b, s in pages]


def test_auto_starts_a_worker_only_when_extraction_holds_the_crawl_back(replica_net, monkeypatch):
    pages, sites = _pages(replica_net, n=4)
    monkeypatch.setattr(ex, "AUTO_WINDOW", 8)

    async def go(e, pause):
        out = []
        for i in range(24):
            u, b, s = pages[i % len(pages)]
            out.append(await e.extract(b, u, None, s))
            if pause:
                await asyncio.sleep(pause)  # a polite crawl: waiting, not extracting
        return out

    busy = Extractor(sites, None, cpu_count=2)
    try:
        got = _run(go(busy, 0))
        assert busy.pool is not None  # started after the first window
        assert [(r.kind, r.record) for r in got] == [_inline(b, u, s)[:2] for u, b, s in (pages * 6)]
    finally:
        busy.close()
    polite = Extractor(sites, None, cpu_count=2)
    _run(go(polite, 0.05))
    assert polite.pool is None
    one_core = Extractor(sites, None, cpu_count=1)
    _run(go(one_core, 0))
    assert one_core.pool is None


@pytest.mark.parametrize("value, want", [("auto", None), (None, None), ("0", 0), (2, 2), (" AUTO ", None)])
def test_extract_processes_setting(value, want):
    assert processes_setting(value) == want


def test_a_bad_extract_processes_value_is_a_usage_error(replica_net, tmp_path):
    db = tmp_path / "bad.db"
    p = cli(*crawl_args(replica_net.sites_path, db), "--set", "EXTRACT_PROCESSES=two")
    assert p.returncode == 2
    assert "EXTRACT_PROCESSES must be 'auto' or a number >= 0, not 'two'" in p.stderr
    assert not db.exists()  # nothing started, nothing written
    for bad in ("-1", "1.5"):
        with pytest.raises(ValueError):
            processes_setting(bad)
