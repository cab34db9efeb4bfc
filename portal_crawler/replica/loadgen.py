"""Measure replica throughput: N keep-alive connections fetching a URL list.

python -m portal_crawler.replica.loadgen --seed 7 --scale bench --sites harbin -c 32 -n 20000
(starts its own replica; asyncio client with raw sockets so the client is cheap)."""
from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit


async def _worker(host, port, paths, counts):
    r, w = await asyncio.open_connection(host, port)
    for p in paths:
        w.write(f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        head = await r.readuntil(b"\r\n\r\n")
        n = int(head.split(b"Content-Length: ", 1)[1].split(b"\r\n", 1)[0])
        await r.readexactly(n)
        counts[head[9:12].decode()] = counts.get(head[9:12].decode(), 0) + 1
    w.close()


async def run(urls: list[str], conc: int) -> dict:
    counts: dict = {}
    t = time.perf_counter()
    by_origin: dict = {}
    for x in urls:
        by_origin.setdefault(urlsplit(x).netloc, []).append(x)
    tasks = []
    per = max(1, conc // len(by_origin))
    for group in by_origin.values():
        for chunk in (group[i::per] for i in range(per)):
            if chunk:
                u = urlsplit(chunk[0])
                paths = [urlsplit(x)._replace(scheme="", netloc="").geturl() for x in chunk]
                tasks.append(_worker(u.hostname, u.port, paths, counts))
    await asyncio.gather(*tasks)
    dt = time.perf_counter() - t
    return {"requests": len(urls), "seconds": round(dt, 3), "req_per_s": round(len(urls) / dt),
            "status": counts}


def _cpu_seconds(pid: int) -> float:
    import os
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def main(argv=None):
    from portal_crawler.replica.process import ReplicaProcess
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sites", default="harbin")
    ap.add_argument("--scale", default="bench")
    ap.add_argument("-c", type=int, default=32)
    ap.add_argument("-n", type=int, default=20000)
    a = ap.parse_args(argv)
    scale = json.loads(a.scale) if a.scale.startswith("{") else a.scale
    t = time.perf_counter()
    with ReplicaProcess(a.seed, [s for s in a.sites.split(",") if s] or None, scale) as rep:
        startup = time.perf_counter() - t
        urls = [r["url"] for r in rep.truth()][: a.n]
        cpu0 = _cpu_seconds(rep.proc.pid)
        res = asyncio.run(run(urls, a.c))
        cpu = _cpu_seconds(rep.proc.pid) - cpu0
        # requests per second of server CPU: robust to a busy machine
        res["server_cpu_s"] = round(cpu, 2)
        res["req_per_cpu_s"] = round(len(urls) / cpu) if cpu else None
        res["startup_s"] = round(startup, 2)
        res["server_stats"] = rep.stats()["total"]
        print(json.dumps(res))


if __name__ == "__main__":
    main()
