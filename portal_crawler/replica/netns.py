"""Two "hosts" on one machine for the scale-out test and benchmark: two network
namespaces joined by a veth pair on a private /30, made and removed by the caller
(root and ``ip netns``); nothing else is ever contacted.

``TwoHosts`` names both with a unique suffix; ``inside(ns)`` runs this thread inside a
namespace (``setns``), so that processes it starts live there too; ``wrap(ns)`` is the
command prefix that starts one process in a namespace. ``crawl_on_two_hosts`` runs the
coordinator, Redis and the replica on host A and the workers on host B.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import random
import shutil
import subprocess
import uuid
from pathlib import Path

CLONE_NEWNET = 0x40000000


def _ip(*args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def why_not() -> str | None:
    """Why two namespaces cannot be made here (None: they can)."""
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is not installed"
    probe = f"so-probe-{uuid.uuid4().hex[:6]}"
    p = _ip("netns", "add", probe, check=False)
    if p.returncode != 0:
        return f"`ip netns add` is not permitted here ({p.stderr.strip() or p.returncode}): needs root"
    _ip("netns", "del", probe, check=False)
    return None


class TwoHosts:
    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:6]
        self.a, self.b = f"so{tag}a", f"so{tag}b"          # namespace names
        self.veth_a, self.veth_b = f"vso{tag}a", f"vso{tag}b"
        # A private /30 (10.200.0.0-10.254.255.252): .1 host A, .2 host B.
        net = random.randrange(200, 255) << 16 | random.randrange(0, 256) << 8 | random.randrange(0, 64) << 2
        self.addr_a = f"10.{net >> 16}.{(net >> 8) & 255}.{(net & 255) + 1}"
        self.addr_b = f"10.{net >> 16}.{(net >> 8) & 255}.{(net & 255) + 2}"

    def __enter__(self) -> "TwoHosts":
        try:
            _ip("netns", "add", self.a)
            _ip("netns", "add", self.b)
            _ip("link", "add", self.veth_a, "type", "veth", "peer", "name", self.veth_b)
            _ip("link", "set", self.veth_a, "netns", self.a)
            _ip("link", "set", self.veth_b, "netns", self.b)
            for ns, dev, addr in ((self.a, self.veth_a, self.addr_a), (self.b, self.veth_b, self.addr_b)):
                _ip("-n", ns, "addr", "add", f"{addr}/30", "dev", dev)
                _ip("-n", ns, "link", "set", dev, "up")
                _ip("-n", ns, "link", "set", "lo", "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for ns in (self.a, self.b):  # deleting a namespace deletes its end of the veth pair (both ends)
            _ip("netns", "del", ns, check=False)
        _ip("link", "del", self.veth_a, check=False)

    @staticmethod
    def wrap(ns: str) -> tuple:
        return ("ip", "netns", "exec", ns)

    @contextlib.contextmanager
    def inside(self, ns: str):
        """This thread (and every process it starts) in namespace ``ns``, then back."""
        libc = ctypes.CDLL(None, use_errno=True)
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        try:
            if libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns into {ns}")
            try:
                yield
            finally:
                if libc.setns(home, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns back to the test's namespace")
        finally:
            os.close(target)
            os.close(home)


def crawl_on_two_hosts(work: Path, sites: list[str], scale, delay: float, workers: int = 2,
                       seed: int = 11, timeout: float = 900) -> dict:
    """One coordinated crawl: Redis (with a password: it listens beyond loopback), the
    replica and the coordinator on host A, ``workers`` workers on host B writing their
    WARC files to ``work/host-b-warc`` (not the archive's folder). Returns the processes'
    results, the replica's truth and request arrival times, the pace book's send log."""
    from portal_crawler.replica import ReplicaProcess
    from portal_crawler.replica.redis_server import Cluster, RedisServer
    db, far = work / "shared.db", work / "host-b-warc"
    work.mkdir(parents=True, exist_ok=True)
    with TwoHosts() as hosts, hosts.inside(hosts.a):
        with RedisServer(work / "redis", host=hosts.addr_a, password=uuid.uuid4().hex) as srv, \
                ReplicaProcess(seed=seed, sites=sites, scale=scale, host=hosts.addr_a) as rep:
            args = ["crawl", "--sites-file", rep.sites_file(work / "sites.toml"), "--db", db, "--delay", str(delay),
                    "--concurrency", "1", "--no-progress", "--set", "PACING_LOG_SENDS=true",
                    "--set", "PACING_ADAPTIVE=false"]
            for s in sites:
                args += ["--site", s]
            res = Cluster(srv.url, args, workers=workers, worker_wrap=hosts.wrap(hosts.b),
                          worker_args=("--warc-dir", far)).wait(timeout=timeout)
            import redis
            from portal_crawler.scaleout.pacebook import RedisPaceBook
            return {**res, "db": db, "worker_warc": far, "addr_a": hosts.addr_a, "base_urls": dict(rep.base_urls),
                    "truth": rep.truth(), "arrivals": rep.stats(paths=True)["arrivals"],
                    "sends": RedisPaceBook(redis.Redis.from_url(srv.url), "portal").send_log()}


def min_arrival_gap(arrivals: dict[str, list[float]]) -> dict[str, float]:
    """Each site's smallest gap between two requests, as the replica saw them arrive."""
    return {s: min(b - a for a, b in zip(ts, ts[1:])) for s, ts in arrivals.items() if len(ts) > 1}
