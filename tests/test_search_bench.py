"""The search benchmark at its quick size: it runs, and our counts equal LIKE's."""
from __future__ import annotations

import pytest


@pytest.mark.slow
def test_quick_search_benchmark(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_CRAWLER_BENCH_CACHE", str(tmp_path))
    from benchmarks import bench_search
    res = bench_search.run(quick=True)
    d = res["search_detail"]
    assert d["articles"] == bench_search.QUICK_N and not d["cached"]
    assert d["like_count_mismatches"] == []
    assert set(d["classes"]) == set(bench_search.CLASSES)
    for c in d["classes"].values():
        assert c["queries"] > 0 and 0 < c["p50_ms"] <= c["p95_ms"]
    assert res["search_p50_ms_1m"] > 0 and res["search_speedup_vs_like"] > 1
    assert 0 < d["index_over_text"] < 5 and d["build_total_s"] > 0
    again = bench_search.build(bench_search.QUICK_N)[1]             # cached, not rebuilt
    assert again["cached"] and again["index_mb"] == d["index_mb"]
