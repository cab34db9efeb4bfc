"""Shared helpers: machine info, child processes with peak RSS, replica sites, table.

Every crawl runs in its own child (Scrapy's reactor starts once per process):
``run_child("benchmarks.bench_crawl:child_ours", args)`` starts
``python -m benchmarks.common MODULE:FUNC ARGS_JSON OUT_JSON``, reaps it with
``os.wait4`` for that child's own peak RSS, and returns the function's result dict.
"""
from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ChildFailed(RuntimeError):
    pass


def machine() -> dict:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import scrapy
        scrapy_v = scrapy.__version__
    except ImportError:
        scrapy_v = None
    return {"cpu_count": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "scrapy": scrapy_v, "platform": platform.platform()}


def run_child(target: str, args: dict, timeout: float = 3600) -> dict:
    """Run ``target`` (``module:function``) in a fresh interpreter; adds ``peak_rss_mb``
    (the child's own ru_maxrss) and ``child_wall_s`` to its result."""
    with tempfile.TemporaryDirectory(prefix="bench-child-") as d:
        out = Path(d) / "out.json"
        log = Path(d) / "stderr.log"
        cmd = [sys.executable, "-m", "benchmarks.common", target, json.dumps(args), str(out)]
        t0 = time.monotonic()
        with open(log, "wb") as err:
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
            status, rusage = _wait4(proc, timeout)
        wall = time.monotonic() - t0
        if status != 0 or not out.exists():
            tail = log.read_text("utf-8", "replace")[-3000:]
            raise ChildFailed(f"{target} exited with status {status}:\n{tail}")
        res = json.loads(out.read_text("utf-8"))
    res["peak_rss_mb"] = round(rusage.ru_maxrss / 1024, 1)  # Linux: KiB
    res["child_wall_s"] = round(wall, 2)
    return res


def _wait4(proc: subprocess.Popen, timeout: float):
    # wait4 gives this child's rusage alone (RUSAGE_CHILDREN would sum all children).
    deadline = time.monotonic() + timeout
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, rusage
        if time.monotonic() > deadline:
            proc.kill()
        time.sleep(0.05)


def replica(seed: int, sites, scale):
    from portal_crawler.replica import ReplicaProcess  # lazy: owned by another module
    return ReplicaProcess(seed=seed, sites=sites, scale=scale, timeout=120)


def article_count(rep) -> int:
    """Articles served, from the model (truth() would render every article)."""
    net = rep.network()
    return sum(net.sites[k].n for k in net.served)


def load_sites(sites_file: str, keys: list[str], **settings):
    """Registry Site objects for ``keys`` from a replica sites file, settings overridden."""
    from portal_crawler.sites import registry
    sites = registry.load(sites_file).select(keys)
    for s in sites:
        s.settings.update(settings)
    return sites


def ratio(a, b):
    return round(a / b, 4) if a is not None and b else None


def fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def print_table(rows: list[dict], info: dict, title: str) -> None:
    from rich.console import Console
    from rich.table import Table
    t = Table(title=title, caption=(f"{info['cpu_count']} x {info['cpu_model']}; Python {info['python']}; "
                                    f"Scrapy {info['scrapy']}"))
    for c in ("metric", "ours", "baseline", "ratio", "target", "met?"):
        t.add_column(c, justify="left" if c in ("metric", "target") else "right")
    for r in rows:
        met = r.get("met")
        t.add_row(r["metric"], fmt(r.get("ours")), fmt(r.get("baseline")), fmt(r.get("ratio")), r.get("target", ""),
                  "-" if met is None else ("yes" if met else "[red]NO[/red]"))
    Console(width=max(120, Console().width)).print(t)  # no tty in CI: avoid 80-column wrapping


def _child_main(argv: list[str]) -> None:
    target, args, out = argv
    mod, func = target.split(":")
    res = getattr(importlib.import_module(mod), func)(json.loads(args))
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(res, f)
    os.replace(tmp, out)


if __name__ == "__main__":
    _child_main(sys.argv[1:])
