"""Replay check (issue 25): `portal-crawler qa` opens a sample of a snapshot's articles
in headless Chromium (Debian's chromium, through Playwright) from the live replica and
from pywb's replay of the WACZ; every page must show the same text (match 1.0) and the
same picture (SSIM >= 0.95). Without page resources the replay is unstyled: the same
check then fails it."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import cli

from portal_crawler import crawl
from portal_crawler.replica import ReplicaProcess
from portal_crawler.snapshot.package import snapshot
from portal_crawler.snapshot.qa import replay_qa, spread_sample, ssim, text_match

CHROMIUM = os.environ.get("PORTAL_CRAWLER_CHROMIUM", "/usr/bin/chromium")


def test_the_sample_spreads_over_sites_whatever_the_order_of_pages_jsonl():
    pages = [{"url": f"http://127.0.0.1:{port}/a/{i}.html"} for port in (1001, 1002, 1003)
             for i in range(10 if port == 1001 else 3)]
    one = spread_sample(pages, 6, seed=0)
    assert len(one) == 6 and len({d["url"] for d in one}) == 6
    hosts = [d["url"].split("/")[2] for d in one]
    assert {h: hosts.count(h) for h in set(hosts)} == {"127.0.0.1:1001": 2, "127.0.0.1:1002": 2,
                                                      "127.0.0.1:1003": 2}
    assert spread_sample(list(reversed(pages)), 6, seed=0) == one          # order-independent
    assert len(spread_sample(pages, 100)) == len(pages)                    # never more than there are
    hosts = [d["url"].split("/")[2] for d in spread_sample(pages, 2, seed=3)]
    assert len(set(hosts)) == 2                                             # 2 picks: 2 sites




@pytest.mark.slow
def test_text_match_and_ssim_measure_what_they_say():
    assert text_match("中小企业  发展\n", "中小企业 发展") == 1.0
    assert 0.5 < text_match("中小企业发展", "中小企业进展") < 1.0
    from PIL import Image, ImageDraw
    import io

    def png(shift: int) -> bytes:
        img = Image.new("L", (200, 100), 255)
        ImageDraw.Draw(img).rectangle((20 + shift, 20, 120 + shift, 60), fill=0)
        b = io.BytesIO()
        img.save(b, format="PNG")
        return b.getvalue()
    assert ssim(png(0), png(0)) == 1.0
    assert ssim(png(0), png(8)) < 0.95


@pytest.mark.slow
def test_snapshot_replays_as_the_live_site_and_an_unstyled_one_does_not(pywb_bin, tmp_path):
    assert Path(CHROMIUM).exists(), f"no chromium at {CHROMIUM} (.ci/run installs it)"
    sites = ["zhejiang", "xiamen"]           # DedeCMS (stylesheet, images) and TRS
    with ReplicaProcess(seed=2, sites=sites, scale="tiny") as rep:
        rep.sites_file(tmp_path / "sites.toml")
        for name, on in (("full", True), ("bare", False)):
            r = crawl(tmp_path / f"{name}.db", sites, sites_file=tmp_path / "sites.toml", delay=0,
                      settings={"RESOURCES_ENABLED": on})
            assert r.exit_code == 0
            snapshot(tmp_path / f"{name}.db", tmp_path / f"snap-{name}")
        p = cli("qa", tmp_path / "snap-full", "--sample", "6", "--pywb", pywb_bin, "--chromium", CHROMIUM,
                "--screenshots", tmp_path / "shots", "--format", "json", timeout=900)
        assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
        rep_full = json.loads(p.stdout)
        bare = replay_qa(tmp_path / "snap-bare", sample=6, pywb=pywb_bin, chromium=CHROMIUM)
    pages = rep_full["pages"]
    assert len(pages) == 6 and {p["url"].split("/")[2] for p in pages} == {u.split("/")[2] for u in rep.base_urls.values()}
    for pg in pages:
        assert pg["error"] is None and pg["text_match"] == 1.0 and pg["similarity"] >= 0.95, pg
        assert Path(pg["live_png"]).stat().st_size > 1000 and Path(pg["replay_png"]).stat().st_size > 1000
    # Without its stylesheet a DedeCMS page replays with the same text but another look.
    dede = [q for q in bare.pages if "/a/" in q.url]
    assert dede and all(q.text_match == 1.0 and q.similarity < 0.95 for q in dede), bare.pages
    assert not bare.ok
