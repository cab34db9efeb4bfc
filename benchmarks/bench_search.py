"""Search at scale: a 1,000,000-article synthetic archive, our search vs a LIKE scan.

The archive has the real schema (store/schema.py) and index (store/fts.py); bodies
of ~550 characters mix the replica's clause grammar (real vocabulary, numbers,
percentages, store/replica textgen) with words drawn from a Zipf vocabulary of
30,000 two- to four-character words, as news text is: a few words are everywhere,
most are rare.  It is built once (rows in one executemany transaction, the FTS index
after the insert without incremental merging, then FTS5 'optimize') and cached in
~/.cache/portal-crawler/bench (PORTAL_CRAWLER_BENCH_CACHE overrides).

Queries: 1-character (common characters), 2- and 4-character words drawn uniformly
from the vocabulary (so the median query matches a realistic share of articles;
the p95 includes the most common words), 8-character strings cut from articles, and
a phrase with digits and punctuation ("同比增长12.5%", checked against the text).
Each search is what `portal-crawler search` does: the exact total, the best 20 by
relevance, snippets.  The baseline is the LIKE scan of the same rows
(`title LIKE '%w%' OR body LIKE '%w%'`); its counts must equal ours.
Keys: search_p50_ms_1m (the worse p50 of 2- and 4-character words; target <= 50),
search_speedup_vs_like (LIKE p50 / ours, the worse of the two; target >= 50).
Run: python -m benchmarks --only search [--quick]
"""
from __future__ import annotations

import os
import random
import re
import sqlite3
import statistics
import time
from pathlib import Path

import numpy as np

FORMAT = 1                        # bump when the corpus or the index format changes
FULL_N, QUICK_N = 1_000_000, 20_000
CLASSES = ("1-char", "2-char", "4-char", "8-char", "phrase")
TARGET_CLASSES = ("2-char", "4-char")


def cache_dir() -> Path:
    d = Path(os.environ.get("PORTAL_CRAWLER_BENCH_CACHE",
                            Path.home() / ".cache" / "portal-crawler" / "bench"))
    d.mkdir(parents=True, exist_ok=True)
    return d


class Corpus:
    """Deterministic articles: (id, url, url_key, site, channel, title, published_at, body)."""
    SITES = ("national", "harbin", "zhejiang", "hubei", "wuhan", "xiamen", "hunan", "shanghai",
             "guangdong", "sichuan", "jilin", "liaoning", "shandong", "henan", "hebei", "anhui",
             "jiangsu", "fujian", "jiangxi", "yunnan", "guizhou", "shaanxi", "gansu", "ningbo",
             "qingdao")
    CHANNELS = ("新闻动态", "通知公告", "政策文件", "工作动态", "媒体聚焦", "专题专栏")

    def __init__(self, seed: int = 5, vocab: int = 30_000):
        from portal_crawler.dedupe.synth import _CHARS
        self.seed = seed
        rng = np.random.default_rng(seed)
        chars = np.array(list(dict.fromkeys(_CHARS)))
        lens = rng.choice([2, 2, 2, 3, 4, 4], size=vocab)
        self.words = np.array(["".join(rng.choice(chars, n)) for n in lens])
        p = 1.0 / (np.arange(vocab) + 10.0)
        self.cdf = np.cumsum(p / p.sum())
        self.chars = chars
        seps = np.full(400, "", dtype=object)
        seps[5::6] = "，"
        seps[17::18] = "。"
        seps[53::54] = "。\n"
        self.seps = seps

    def batches(self, n: int, size: int = 5000):
        from portal_crawler.replica import textgen
        rng = np.random.default_rng(self.seed + 1)
        prng = random.Random(self.seed)
        t0 = 1420070400                                      # 2015-01-01
        for start in range(0, n, size):
            m = min(size, n - start)
            counts = rng.integers(120, 220, size=m)
            idx = np.searchsorted(self.cdf, rng.random(int(counts.sum())))
            words = self.words[np.minimum(idx, len(self.words) - 1)].tolist()
            stamps = rng.integers(t0, t0 + 10 * 365 * 86400, size=m)
            rows, pos = [], 0
            for j in range(m):
                k = int(counts[j])
                ws = words[pos:pos + k]
                pos += k
                body = "".join(w + s for w, s in zip(ws, self.seps[:k].tolist()))
                clauses = "，".join(textgen.clause(prng) for _ in range(3)) + "。"
                cut = body.find("。", len(body) // 2) + 1
                body = body[:cut] + clauses + body[cut:] + "。"
                aid = start + j + 1
                site = self.SITES[aid % 25]
                t = time.gmtime(int(stamps[j]))
                pub = time.strftime("%Y-%m-%dT%H:%M:00+08:00", t)
                url = f"http://{site}.example/a/{t.tm_year}/{aid}.html"
                rows.append((aid, url, url, site, self.CHANNELS[aid % 6],
                             textgen.unique_title(aid % 25, aid // 25 + 1), pub, body))
            yield rows


def build(n: int, seed: int = 5) -> tuple[Path, dict]:
    """The cached archive of n articles (built when missing) and how it was built."""
    import json
    path = cache_dir() / f"search-{n}-s{seed}-v{FORMAT}.db"
    info_path = path.with_suffix(".json")
    if path.exists() and info_path.exists():
        return path, {**json.loads(info_path.read_text()), "cached": True}
    from portal_crawler.store import Archive
    from portal_crawler.store.schema import connect
    tmp = path.with_suffix(".tmp.db")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    Archive(tmp).close()                                     # schema and migrations
    con = connect(str(tmp))
    con.execute("PRAGMA journal_mode=OFF")                   # a scratch file until renamed
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")
    t0 = time.perf_counter()
    con.execute("BEGIN")
    for rows in Corpus(seed).batches(n):
        con.executemany("INSERT INTO articles (id, url, url_key, site, channel, title, "
                        "published_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("COMMIT")
    t1 = time.perf_counter()
    size_rows = tmp.stat().st_size
    # A bulk load: FTS5's incremental merging (automerge) would merge the same data over
    # and over while the index grows; 'optimize' below merges it once (-25% at 100k).
    con.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 0)")
    con.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('crisismerge', 64)")
    con.execute("BEGIN")
    con.execute("INSERT INTO articles_fts (rowid, title, body) SELECT id, "
                "fts_index_text(title), fts_index_text(body) FROM articles")
    con.execute("COMMIT")
    t2 = time.perf_counter()
    con.execute("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')")
    t3 = time.perf_counter()
    for key, default in (("automerge", 4), ("crisismerge", 16)):  # the archive's own again
        con.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES (?, ?)", (key, default))
    text_bytes = con.execute("SELECT sum(length(CAST(title AS BLOB)) + "
                             "length(CAST(body AS BLOB))) FROM articles").fetchone()[0]
    chars = con.execute("SELECT sum(length(title) + length(body)) FROM articles").fetchone()[0]
    try:
        fts_bytes = con.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE "
                                "'articles_fts%'").fetchone()[0]
    except sqlite3.OperationalError:                         # no dbstat: file growth
        fts_bytes = tmp.stat().st_size - size_rows
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    os.replace(tmp, path)
    info = {"articles": n, "text_mb": round(text_bytes / 2**20, 1), "text_chars": chars,
            "index_mb": round(fts_bytes / 2**20, 1),
            "index_over_text": round(fts_bytes / text_bytes, 3),
            "build_rows_s": round(t1 - t0, 1), "build_fts_s": round(t2 - t1, 1),
            "build_optimize_s": round(t3 - t2, 1), "build_total_s": round(t3 - t0, 1),
            "db_mb": round(path.stat().st_size / 2**20, 1)}
    info_path.write_text(json.dumps(info))
    return path, {**info, "cached": False}


def queries(con, corpus: Corpus, per_class: int, seed: int = 9) -> dict[str, list[str]]:
    rng = random.Random(seed)
    words = corpus.words.tolist()
    two = [w for w in words if len(w) == 2]
    four = [w for w in words if len(w) == 4]
    n = con.execute("SELECT max(id) FROM articles").fetchone()[0]
    eight, phrase = [], []
    run8 = re.compile(r"[\u4e00-\u9fff]{8}")
    pct = re.compile(r"同比增长\d+\.\d%")
    while len(eight) < per_class or len(phrase) < per_class:
        body = con.execute("SELECT body FROM articles WHERE id = ?",
                           (rng.randint(1, n),)).fetchone()[0]
        runs = run8.findall(body)
        if runs and len(eight) < per_class:
            eight.append(rng.choice(runs))
        m = pct.search(body)
        if m and len(phrase) < per_class:
            phrase.append(f'"{m.group(0)}"')
    # one-character queries hit about half the archive each: fewer of them (info only)
    return {"1-char": rng.sample(corpus.chars.tolist(), max(5, per_class // 3)),
            "2-char": rng.sample(two, per_class), "4-char": rng.sample(four, per_class),
            "8-char": eight, "phrase": phrase}


def _pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def run(quick: bool = False) -> dict:
    from portal_crawler.store.schema import connect
    from portal_crawler.store.search import search
    n = QUICK_N if quick else FULL_N
    path, info = build(n)
    con = connect(str(path))
    con.execute("PRAGMA cache_size=-500000")
    qs = queries(con, Corpus(), 8 if quick else 30)
    for cls in CLASSES:                                       # warm the page cache
        for q in qs[cls]:
            search(con, q, limit=20)
    detail: dict = {"articles": n, **info, "classes": {}}
    for cls in CLASSES:
        times, totals = [], []
        for q in qs[cls]:
            t = time.perf_counter()
            res = search(con, q, limit=20)
            times.append((time.perf_counter() - t) * 1000)
            totals.append(res.total)
        detail["classes"][cls] = {"queries": len(times), "p50_ms": round(_pct(times, 50), 2),
                                  "p95_ms": round(_pct(times, 95), 2),
                                  "median_hits": int(statistics.median(totals)),
                                  "max_hits": max(totals)}
    like_n = 3 if quick else 5
    mismatches = []
    for cls in TARGET_CLASSES:
        times, ours = [], []
        for q in qs[cls][:like_n]:
            t = time.perf_counter()
            cnt = con.execute("SELECT count(*) FROM articles WHERE title LIKE ? OR body LIKE ?",
                              (f"%{q}%", f"%{q}%")).fetchone()[0]
            times.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            res = search(con, q, limit=20)
            ours.append((time.perf_counter() - t) * 1000)
            if res.total != cnt:
                mismatches.append({"query": q, "search": res.total, "like": cnt})
        c = detail["classes"][cls]
        c["like_p50_ms"] = round(statistics.median(times), 1)
        c["same_queries_p50_ms"] = round(statistics.median(ours), 2)
        c["speedup_vs_like"] = round(c["like_p50_ms"] / c["same_queries_p50_ms"], 1)
    con.close()
    detail["like_count_mismatches"] = mismatches
    cls = detail["classes"]
    return {"search_p50_ms_1m": max(cls[c]["p50_ms"] for c in TARGET_CLASSES),
            "search_speedup_vs_like": min(cls[c]["speedup_vs_like"] for c in TARGET_CLASSES),
            "search_detail": detail}


if __name__ == "__main__":
    import json
    import sys
    print(json.dumps(run("--quick" in sys.argv), indent=2, ensure_ascii=False))
