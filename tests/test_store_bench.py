"""The storage and dedupe benchmarks run (tiny sizes; real numbers: run them directly)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))


def test_bench_storage_smoke():
    import bench_storage
    res = bench_storage.main(n=60, batch=25)
    assert res["n"] == 60 and res["storage_ratio"] > 0 and res["archive_mb"] > 0


def test_bench_dedupe_path_smoke():
    import bench_dedupe
    bodies, labels = bench_dedupe.make_bodies(400)
    owners = bench_dedupe.dedupe(bodies, batch=64)
    from portal_crawler.dedupe.synth import pair_precision_recall
    assert pair_precision_recall(labels, owners) == (1.0, 1.0)
