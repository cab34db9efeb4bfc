"""Smoke run of the benchmark suite at tiny size: every figure is there and sane.

No timing thresholds here (machines are noisy); the targets live in the benchmark
table. A figure may be null while the piece it measures is not measurable yet.
"""
from __future__ import annotations

import json
import math
import subprocess

import sys

import pytest
from conftest import ROOT

KEYS = ("crawl_ratio", "crawl_pages_per_s", "extract_speedup_vs_trafilatura", "storage_ratio",
        "recrawl_request_ratio", "polite_wall_ratio", "rss_growth_ratio", "search_p50_ms_1m",
        "search_speedup_vs_like", "scaleout_speedup_2w", "scaleout_min_gap_ratio")


@pytest.mark.slow
def test_quick_suite_reports_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    p = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert "met?" in p.stdout  # the table was printed
    f = json.loads(out.read_text("utf-8"))
    for k in KEYS:
        assert k in f, k
        v = f[k]
        # every figure is measured, even at smoke size: a number, finite, and positive
        # (the re-crawl ratio can be 0: an unchanged site may need no request at all)
        assert isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v), (k, v)
        assert v >= 0 if k == "recrawl_request_ratio" else v > 0, (k, v)
    m = f["machine"]
    assert m["cpu_count"] >= 1 and m["python"] and m["scrapy"]
    # a crawl that ran fetched pages; ratios of requests are fractions
    if f["crawl_pages_per_s"] is not None:
        assert f["crawl_ratio"] is not None and 0 < f["crawl_ratio"] < 10
    if f["recrawl_request_ratio"] is not None:
        d = f["recrawl_detail"]
        assert 0 <= f["recrawl_request_ratio"] <= 1
        assert d["new_found"] <= d["new_articles_k"]
    if f["polite_wall_ratio"] is not None:
        assert f["polite_detail"]["wall_alone_s"] > 0
    if f["scaleout_speedup_2w"] is not None:
        d = f["scaleout_detail"]
        # what the coordinator counted across processes is what the replica served
        assert all(r["requests"] == r["served"] for r in d["runs"] + [d["polite"]]), d
        assert d["redis_memory"]["bytes_per_queued_request"] > 0
    if f["rss_growth_ratio"] is not None:
        assert all(r["peak_rss_mb"] > 10 for r in f["rss_detail"])
