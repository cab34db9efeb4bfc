"""Snapshot and verify: throughput against plain ``zip`` and ``sha256sum`` of the same
files, and peak memory from a small to a large archive.

The archives are synthetic (a 100k-article crawl alone takes ~13 minutes): WARC
files written by the crawler's own writer (``crawler.warc.WarcFiles``: response +
request + CDXJ per article, ~6 KB HTML pages) and archive rows that point at them,
in a database made by the archive's own schema. Snapshot and verify each run in a
child process, for their own peak RSS.

- snapshot ratio = seconds of ``zip -q -r`` over the archive's files (db + WARC
  folder) / seconds of ``portal-crawler snapshot`` (higher is better; 1 = as fast;
  target >= 0.6). zip deflates everything at its default level 6 and writes one
  file; the snapshot writes ~1.9x the bytes (WACZ with the WARCs stored as they are,
  its index and pages, a consistent SQLite copy, the record export, the bag) and
  hashes all of it with sha256 and sha512;
- verify ratio = seconds of ``sha256sum`` over the bag's files / seconds of
  ``verify`` of the bag (target >= 0.5), which hashes every file with sha256 and
  sha512 (on a second thread), every WACZ entry with sha256, decompresses every WARC
  record and sha1-hashes every payload (in worker processes, one per core), and joins
  records, index and pointers;
- the same two as CPU seconds (``*_cpu_ratio``: info; steadier on a shared machine;
  verify's include its workers');
- memory growth = peak RSS at the large size / at the small size.
"""
from __future__ import annotations

import json
import random
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks import common

SIZES = {"quick": (500, 2000), "full": (10_000, 100_000)}


def build_archive(n: int, work: Path) -> Path:
    """A synthetic archive of ``n`` articles, one capture each; returns the db path."""
    from portal_crawler.crawler.extensions.warc import WarcFiles
    from portal_crawler.store.paths import warc_dir
    from portal_crawler.store.schema import connect, migrate
    rnd = random.Random(n)
    cjk = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    paras = ["".join(rnd.choice(cjk) for _ in range(rnd.randrange(80, 220))) for _ in range(400)]
    db = work / "a.db"
    conn = connect(str(db))
    migrate(conn)
    files = WarcFiles(warc_dir(db), "synthetic")
    now = "2026-01-01T00:00:00+00:00"
    rows, urls = [], []
    conn.execute("BEGIN")
    for i in range(1, n + 1):
        url = f"http://sme{i % 25}.example.cn/a/news/{2020 + i % 5}/{i}.html"
        title = f"第{i}号 " + paras[i % 400][:20]
        body = "\n".join(paras[(i * 7 + k) % 400] for k in range(6))
        html = (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>'
                + "".join(f"<p>{p}</p>" for p in body.split("\n")) + "</body></html>").encode("utf-8")
        name, off = files.write(url, 200, [("Content-Type", "text/html; charset=utf-8")], html,
                                [("User-Agent", "bench")], ip="127.0.0.1")
        pub = f"{2020 + i % 5}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        rows.append((i, url, url, f"sme{i % 25}", "新闻", title, pub, body, name, off, json.dumps([[name, off]]), now, now, now))
        urls.append((i, url, url, f"sme{i % 25}", title, pub, now, now, name, off))
        if len(rows) >= 5000:
            _flush(conn, rows, urls)
    _flush(conn, rows, urls)
    conn.execute("INSERT INTO crawl_runs (id, started_at, finished_at, sites, finish_reason) "
                 "VALUES (1, ?, ?, '[]', 'finished')", (now, now))
    conn.execute("COMMIT")
    conn.close()
    files.close()
    return db


def _flush(conn, rows, urls):
    conn.executemany("INSERT INTO articles (id, url, url_key, site, channel, title, published_at, body, warc_file, "
                     "warc_offset, warc_refs, first_seen, last_seen, updated_at) VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO article_urls (article_id, url, url_key, site, title, published_at, first_seen, "
                     "last_seen, is_canonical, warc_file, warc_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)", urls)
    rows.clear()
    urls.clear()


def child_snapshot(args: dict) -> dict:
    from portal_crawler.snapshot import snapshot
    t0, c0 = time.perf_counter(), time.process_time()
    res = snapshot(args["db"], args["out"])
    return {"seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "bytes": res.bytes}


def _cpu() -> float:
    """CPU seconds of this process and of its children it has waited for (verify's
    scan workers)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def child_verify(args: dict) -> dict:
    from portal_crawler.snapshot import verify
    t0, c0 = time.perf_counter(), _cpu()
    rep = verify(args["path"])
    return {"seconds": time.perf_counter() - t0, "cpu_s": _cpu() - c0,
            "problems": len(rep.problems), "counts": rep.counts}


def _timed(cmd, cwd) -> tuple[float, float]:
    """Wall and CPU seconds of one command (its CPU: the children's usage before and
    after it, the only child running then)."""
    def used():
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime
    t0, c0 = time.perf_counter(), used()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0, used() - c0


def _size(paths) -> int:
    return sum(p.stat().st_size for root in paths for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file())


def measure(n: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"bench-snapshot-{n}-"))
    try:
        t0 = time.perf_counter()
        db = build_archive(n, work)
        built = time.perf_counter() - t0
        inputs = [db, db.with_name("a.warc")]
        snap = common.run_child("benchmarks.bench_snapshot:child_snapshot", {"db": str(db), "out": str(work / "snap")})
        zip_s, zip_cpu = _timed(["zip", "-q", "-r", str(work / "plain.zip"), "a.db", "a.warc"], work)
        ver = common.run_child("benchmarks.bench_snapshot:child_verify", {"path": str(work / "snap")})
        bag_files = sorted(str(p) for p in (work / "snap").rglob("*") if p.is_file())
        sha_s, sha_cpu = _timed(["sha256sum", *bag_files], work)
        if ver["problems"]:
            raise RuntimeError(f"verify found {ver['problems']} problems in a fresh snapshot")
        return {"articles": n, "build_s": round(built, 1), "input_mb": round(_size(inputs) / 1e6, 1),
                "package_mb": round(snap["bytes"] / 1e6, 1), "zip_mb": round((work / "plain.zip").stat().st_size / 1e6, 1),
                "snapshot_s": round(snap["seconds"], 2), "zip_s": round(zip_s, 2),
                "verify_s": round(ver["seconds"], 2), "sha256sum_s": round(sha_s, 2),
                "snapshot_cpu_s": round(snap["cpu_s"], 2), "zip_cpu_s": round(zip_cpu, 2),
                "verify_cpu_s": round(ver["cpu_s"], 2), "sha256sum_cpu_s": round(sha_cpu, 2),
                "snapshot_peak_rss_mb": snap["peak_rss_mb"], "verify_peak_rss_mb": ver["peak_rss_mb"],
                "captures_verified": ver["counts"].get("captures")}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def revisit_saving(quick: bool) -> dict:
    """A re-check crawl (``--refresh-days``) of an unchanged replica: WARC bytes written
    with revisit records / what full responses would have taken (from the indexes:
    each revisit's length against its original's)."""
    from benchmarks.bench_crawl import crawl_ours
    from portal_crawler.store.paths import warc_dir
    from portal_crawler.store import cdxj
    sites, scale = (["harbin", "zhejiang", "xiamen"], "tiny") if quick else (None, "demo")
    work = Path(tempfile.mkdtemp(prefix="bench-revisit-"))
    try:
        with common.replica(7, sites, scale) as rep:
            keys = list(rep.base_urls)
            crawl_ours(rep, keys, work, "r")
            before = set(warc_dir(work / "r.db").glob("*.warc.gz"))
            t = crawl_ours(rep, keys, work, "r", spider_args={"refresh_days": 100000})
        folder = warc_dir(work / "r.db")
        second = sorted(set(folder.glob("*.warc.gz")) - before)
        original = {}
        for f in before:
            for ln in cdxj.index_path(f).read_text(encoding="utf-8").splitlines():
                _, _, d = cdxj.parse(ln)
                original[d["url"]] = int(d["length"])
        written = sum(f.stat().st_size for f in second)
        saved, revisits, lines = 0, 0, 0
        for f in second:
            for ln in cdxj.index_path(f).read_text(encoding="utf-8").splitlines():
                _, _, d = cdxj.parse(ln)
                lines += 1
                if d.get("mime") == "warc/revisit":
                    revisits += 1
                    saved += original[d["url"]] - int(d["length"])
        return {"revisit_bytes_ratio": common.ratio(written, written + saved),
                "revisit_detail": {"sites": len(keys), "scale": scale, "recheck_pages": t["pages"],
                                   "captures": lines, "revisits": revisits, "warc_bytes_written": written,
                                   "warc_bytes_without_revisits": written + saved}}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(quick: bool) -> dict:
    small, large = SIZES["quick" if quick else "full"]
    points = [measure(small), measure(large)]
    lo, hi = points
    return {
        **revisit_saving(quick),
        "snapshot_zip_ratio": common.ratio(hi["zip_s"], hi["snapshot_s"]),
        "verify_sha256sum_ratio": common.ratio(hi["sha256sum_s"], hi["verify_s"]),
        # CPU seconds too: verify hashes the bag on a second thread (wall < CPU), zip
        # and sha256sum use one core; and CPU time is steadier on a shared machine.
        "snapshot_zip_cpu_ratio": common.ratio(hi["zip_cpu_s"], hi["snapshot_cpu_s"]),
        "verify_sha256sum_cpu_ratio": common.ratio(hi["sha256sum_cpu_s"], hi["verify_cpu_s"]),
        "snapshot_rss_growth_ratio": common.ratio(hi["snapshot_peak_rss_mb"], lo["snapshot_peak_rss_mb"]),
        "verify_rss_growth_ratio": common.ratio(hi["verify_peak_rss_mb"], lo["verify_peak_rss_mb"]),
        "snapshot_detail": points,
    }


if __name__ == "__main__":
    import sys
    print(json.dumps(run("--quick" in sys.argv), indent=2))
