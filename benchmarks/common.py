"""Shared helpers: machine info, child processes with peak RSS, replica sites, table.

Every crawl runs in its own child (Scrapy's reactor starts once per process):
``run_child("benchmarks.bench_crawl:child_ours", args)`` starts
``python -m benchmarks.common MODULE:FUNC ARGS_JSON OUT_JSON`` and returns the
function's result dict with the peak memory of that child's own process tree.

Peak RSS is sampled from /proc (``TreeMemory``), never taken from ``ru_maxrss``: Linux
carries the *parent's* high-water mark into a child across fork/vfork + exec (the
signal struct's maxrss is set from the old mm at exec), so wait4's or the child's own
``RUSAGE_SELF`` figure is at least as large as the benchmark process that started it
(the 1,420 MB reported for every snapshot/verify child, issue #19). ``VmHWM`` in
/proc/PID/status belongs to the process's own address space, created fresh at exec.
"""
from __future__ import annotations

import importlib
import json
import os
import platform
import re
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


class TreeMemory:
    """Peak memory of one process and its descendants, sampled from /proc.

    ``sample()`` reads every process of the tree: VmHWM (the kernel's own high-water mark
    of that process's address space, so a spike between samples is not missed) and VmRSS
    (summed over the tree for the peak of the tree as a whole at one instant)."""

    def __init__(self, root: int):
        self.root = root
        self.hwm_kb: dict[int, int] = {}   # pid -> last VmHWM seen
        self.comm: dict[int, str] = {}     # pid -> its name (/proc/PID/comm, as ps shows it)
        self.tree_kb = 0                   # max over samples of sum(VmRSS) of the tree

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        names: dict[int, str] = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat", "rb") as f:
                        stat = f.read()
                except OSError:
                    continue
                close = stat.rindex(b")")                 # comm may hold spaces/parens
                ppid = int(stat[close + 2:].split()[1])
                children.setdefault(ppid, []).append(int(d))
                names[int(d)] = stat[stat.index(b"(") + 1:close].decode("utf-8", "replace")
        out, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, ()))
            if pid in names:  # a process names itself after it starts (spawn.name_process)
                self.comm[pid] = names[pid]
        return out

    def sample(self) -> None:
        total = 0
        for pid in self._tree():
            try:
                with open(f"/proc/{pid}/status", "rb") as f:
                    status = f.read()
            except OSError:
                continue  # exited between listing and reading
            m = re.search(rb"VmHWM:\s+(\d+)", status)
            r = re.search(rb"VmRSS:\s+(\d+)", status)
            if m:  # zombies have no memory lines
                self.hwm_kb[pid] = max(self.hwm_kb.get(pid, 0), int(m.group(1)))
                total += int(r.group(1))
        self.tree_kb = max(self.tree_kb, total)

    def figures(self) -> dict:
        """MB: the tree's peak (never below any one member's own peak), the root alone, and
        the largest descendant alone, and each process name's largest peak (``by_name``: a
        crawl's ``archive-writer`` and ``file-reader`` are told apart by name, not size)."""
        root = self.hwm_kb.get(self.root, 0)
        desc = max((v for k, v in self.hwm_kb.items() if k != self.root), default=0)
        tree = max(self.tree_kb, root, desc)
        by_name: dict[str, int] = {}
        for pid, kb in self.hwm_kb.items():
            if pid != self.root:
                name = self.comm.get(pid, "?")
                by_name[name] = max(by_name.get(name, 0), kb)
        return {"peak_rss_mb": round(tree / 1024, 1), "root_peak_rss_mb": round(root / 1024, 1),
                "descendant_peak_rss_mb": round(desc / 1024, 1) if desc else None,
                "peak_rss_mb_by_name": {k: round(v / 1024, 1) for k, v in sorted(by_name.items())}}


def run_measured(cmd: list[str], timeout: float = 3600, interval: float = 0.02, **popen) -> tuple[int, dict]:
    """Run ``cmd``; return its exit status and ``TreeMemory.figures()`` of its process tree."""
    proc = subprocess.Popen(cmd, **popen)
    mem = TreeMemory(proc.pid)
    deadline = time.monotonic() + timeout
    while True:
        mem.sample()  # before reaping: a reaped child's /proc entry is gone
        pid, status = os.waitpid(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, mem.figures()
        if time.monotonic() > deadline:
            proc.kill()
        time.sleep(interval)


def run_child(target: str, args: dict, timeout: float = 3600, root: Path | str = ROOT) -> dict:
    """Run ``target`` (``module:function``) in a fresh interpreter; adds the memory figures
    of its own process tree (``TreeMemory.figures``) and ``child_wall_s`` to its result.
    ``root``: the checkout whose code it runs (another one's, to compare two versions)."""
    with tempfile.TemporaryDirectory(prefix="bench-child-") as d:
        out = Path(d) / "out.json"
        log = Path(d) / "stderr.log"
        cmd = [sys.executable, "-m", "benchmarks.common", target, json.dumps(args), str(out)]
        t0 = time.monotonic()
        with open(log, "wb") as err:
            status, mem = run_measured(cmd, timeout, cwd=root, stdout=subprocess.DEVNULL, stderr=err)
        wall = time.monotonic() - t0
        if status != 0 or not out.exists():
            tail = log.read_text("utf-8", "replace")[-3000:]
            raise ChildFailed(f"{target} exited with status {status}:\n{tail}")
        res = json.loads(out.read_text("utf-8"))
    res.update(mem)
    res["child_wall_s"] = round(wall, 2)
    return res


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
