"""Attachments and page resources (issue 25), ratios measured in one run:

* attachment text: character F1 (multiset of non-space characters) of our text against
  the replica's known text, per format (both PDF producers, DOCX, XLSX, DOC, XLS, OFD);
* PDF reading ms per MB: ours (pdfminer.six, in the bounded child) against poppler's
  ``pdftotext`` on the same files (both as one process per file, the way each runs);
* crawl pages/s with capture (attachments + resources) on / off, the same replica,
  runs alternated;
* bytes fetched by an unchanged re-crawl / the first crawl, with capture on;
* file body bytes (attachments, images, stylesheets) the replica sent to a re-crawl that
  fetches every article again (``refresh_days``: each archived file re-checked with a
  conditional request) / those it sent to the first crawl (target 0: all 304s).
"""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks import common

SIZES = {"quick": (["zhejiang"], "tiny", 2), "full": (["zhejiang", "harbin", "xiamen", "wuhan"], "demo", 40)}
SEED = 2


def f1(got: str | None, want: str) -> float:
    a = Counter(c for c in (got or "") if not c.isspace())
    b = Counter(c for c in want if not c.isspace())
    tp = sum((a & b).values())
    return 2 * tp / (sum(a.values()) + sum(b.values())) if a or b else 1.0


def _files(per_kind: int) -> dict[str, list[str]]:
    from portal_crawler.replica import attachments as A
    out: dict[str, list[str]] = {k: [] for k in ("pdf_cid", "pdf_ttf", "docx", "xlsx", "doc", "xls", "ofd")}
    i = 0
    while any(len(v) < per_kind for v in out.values()) and i < 100_000:
        for ext in ("pdf", "docx", "xlsx", "doc", "xls", "ofd"):
            p = f"/uploads/soft/210101/1-210101{i:06d}0.{ext}"
            k = A.spec(SEED, p).kind
            if k in out and len(out[k]) < per_kind:
                out[k].append(p)
        i += 1
    return out


def text_quality(per_kind: int) -> dict:
    from portal_crawler.files.worker import TextWorker
    from portal_crawler.replica import attachments as A
    files = _files(per_kind)
    res: dict = {}

    async def read_all():
        w = TextWorker(timeout=120)
        try:
            for kind, paths in files.items():
                scores, t, mb = [], 0.0, 0.0
                for p in paths:
                    data = A.content(SEED, p)
                    t0 = time.perf_counter()
                    got = await w.read(data, p.rsplit(".", 1)[-1])
                    t += time.perf_counter() - t0
                    mb += len(data) / 1e6
                    scores.append(f1(got["text"], A.spec(SEED, p).text))
                res[kind] = {"files": len(paths), "f1_min": round(min(scores), 4),
                             "f1_mean": round(sum(scores) / len(scores), 4), "ms_per_mb": round(1000 * t / mb, 1),
                             "mb": round(mb, 3)}
        finally:
            await w.aclose()
    asyncio.run(read_all())
    # pdftotext (poppler) on the same PDFs, one process a file as it is used; ours per
    # file in a fresh child too, so both pay a process start.
    pdfs = files["pdf_cid"] + files["pdf_ttf"]
    tool = shutil.which("pdftotext")
    t_ours = t_tool = mb = 0.0
    tool_f1 = []
    for p in pdfs:
        data = A.content(SEED, p)
        mb += len(data) / 1e6
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "portal_crawler.files.text"],
                       input=(f'{{"ext": "pdf", "size": {len(data)}}}\n').encode() + data,
                       capture_output=True, check=True)
        t_ours += time.perf_counter() - t0
        if tool:
            t0 = time.perf_counter()
            out = subprocess.run([tool, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True).stdout
            t_tool += time.perf_counter() - t0
            tool_f1.append(f1(out.decode("utf-8", "replace"), A.spec(SEED, p).text))
    res["pdf_vs_pdftotext"] = {
        "files": len(pdfs), "ours_ms_per_mb": round(1000 * t_ours / mb, 1),
        "pdftotext_ms_per_mb": round(1000 * t_tool / mb, 1) if tool else None,
        "ratio": round(t_ours / t_tool, 2) if tool and t_tool else None,
        "pdftotext_f1_min": round(min(tool_f1), 4) if tool_f1 else None}
    return res


def child(args: dict) -> dict:
    from portal_crawler import crawl
    sites = common.load_sites(args["sites_file"], args["keys"], download_delay=0, concurrency=4,
                              randomize_delay=False)
    t0 = time.monotonic()
    st = crawl(args["db"], sites, settings={"PACING_ADAPTIVE": False, **args["settings"]},
               refresh_days=args.get("refresh_days")).stats
    return {"elapsed_s": time.monotonic() - t0, "responses": st.get("downloader/response_count", 0),
            "articles": st.get("archive/new", 0) + st.get("archive/duplicate", 0),
            "bytes": st.get("downloader/response_bytes", 0), "requests": st.get("downloader/request_count", 0)}


def crawls(keys, scale, rounds: int = 2) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-attach-"))
    out: dict = {"on": [], "off": []}
    try:
        with common.replica(SEED, keys, scale) as rep:
            sf = rep.sites_file(work / "sites.toml")
            for rnd in range(rounds):
                for mode in ("off", "on") if rnd == 0 else ("on", "off"):
                    on = mode == "on"
                    rep.reset_stats()
                    r = common.run_child("benchmarks.bench_attach:child", {
                        "sites_file": str(sf), "keys": keys, "db": str(work / f"{mode}{rnd}.db"),
                        "settings": {"ATTACHMENTS_ENABLED": on, "RESOURCES_ENABLED": on}})
                    r["articles_per_s"] = round(r["articles"] / r["elapsed_s"], 2)
                    r["file_body_bytes"] = _file_bytes(rep.stats())
                    out[mode].append(r)
            again = common.run_child("benchmarks.bench_attach:child", {
                "sites_file": str(sf), "keys": keys, "db": str(work / "on0.db"),
                "settings": {"ATTACHMENTS_ENABLED": True, "RESOURCES_ENABLED": True}})
            rep.reset_stats()
            refresh = common.run_child("benchmarks.bench_attach:child", {
                "sites_file": str(sf), "keys": keys, "db": str(work / "on0.db"), "refresh_days": 100000,
                "settings": {"ATTACHMENTS_ENABLED": True, "RESOURCES_ENABLED": True}})
            refresh["file_body_bytes"] = _file_bytes(rep.stats())
            off_again = common.run_child("benchmarks.bench_attach:child", {
                "sites_file": str(sf), "keys": keys, "db": str(work / "off0.db"),
                "settings": {"ATTACHMENTS_ENABLED": False, "RESOURCES_ENABLED": False}})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    best = {m: max(r["articles_per_s"] for r in out[m]) for m in out}
    first = out["on"][0]
    return {"runs": out, "articles_per_s_on": best["on"], "articles_per_s_off": best["off"],
            "capture_ratio": round(best["on"] / best["off"], 3),
            "first_bytes": first["bytes"], "recrawl_bytes": again["bytes"],
            "recrawl_bytes_ratio": round(again["bytes"] / first["bytes"], 4),
            "recrawl_bytes_off": off_again["bytes"], "first_bytes_off": out["off"][0]["bytes"],
            "recrawl_bytes_ratio_off": round(off_again["bytes"] / out["off"][0]["bytes"], 4),
            "refresh_file_bytes": refresh["file_body_bytes"], "first_file_bytes": first["file_body_bytes"],
            "refresh_file_bytes_ratio": round(refresh["file_body_bytes"] / first["file_body_bytes"], 4),
            "refresh_requests": refresh["requests"]}


def _file_bytes(stats: dict) -> int:
    """Body bytes of files (attachments, images, stylesheets) the replica sent, all sites."""
    return sum(n for kinds in stats.get("bytes", {}).values() for k, n in kinds.items()
               if k in ("attachment", "upload", "static"))


def run(quick: bool) -> dict:
    keys, scale, per_kind = SIZES["quick" if quick else "full"]
    q = text_quality(per_kind)
    c = crawls(keys, scale, rounds=1 if quick else 2)
    f1_min = min(v["f1_min"] for k, v in q.items() if k != "pdf_vs_pdftotext")
    return {"attach_text_f1_min": f1_min, "attach_pdf_vs_pdftotext": q["pdf_vs_pdftotext"]["ratio"],
            "capture_pages_ratio": c["capture_ratio"], "capture_recrawl_bytes_ratio": c["recrawl_bytes_ratio"],
            "capture_refresh_file_bytes_ratio": c["refresh_file_bytes_ratio"],
            "attach_detail": {"text": q, "crawl": c, "sites": keys, "scale": scale}}
