"""A throwaway Redis on loopback and a coordinated crawl of N worker processes, for the
scale-out tests, benchmarks and demo (``redis-server`` from the Debian package)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The Redis configuration a coordinated crawl needs (README "Scale-out", "Redis settings"):
# the append-only file, so that a restart keeps the queue, leases and relayed items
# (fsync every second; a clean shutdown writes everything), and no eviction, ever.
PERSISTENCE = ("--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction")


class RedisServer:
    """``redis-server`` on ``host`` (loopback by default) with append-only persistence in
    ``folder``; ``restart()`` stops it (it writes its AOF on the way out) and starts it again."""

    def __init__(self, folder: str | os.PathLike, port: int | None = None, host: str = "127.0.0.1",
                 password: str | None = None) -> None:
        """``password``: ``requirepass`` (needed off loopback: Redis's protected mode)."""
        self.folder = Path(folder)
        self.host = host
        self.password = password
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}{self.host}:{self.port}/0"

    def start(self) -> "RedisServer":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", self.host, "--save", "",
             *PERSISTENCE, "--dir", str(self.folder),
             *(("--requirepass", self.password) if self.password else ())],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2) as c:
                    auth = f"AUTH {self.password}\r\n".encode() if self.password else b""
                    c.sendall(auth + b"PING\r\n")
                    if c.recv(64).endswith(b"+PONG\r\n"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # a clean shutdown: the AOF is complete
            self.proc.wait(20)
        self.proc = None

    def restart(self, down: float = 0.0) -> None:
        self.stop()
        time.sleep(down)
        self.start()

    def used_memory(self) -> int:
        import redis
        return int(redis.Redis.from_url(self.url).info("memory")["used_memory"])

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def cli_cmd(*args) -> list[str]:
    return [sys.executable, "-m", "portal_crawler.cli", *map(str, args)]


class Cluster:
    """A coordinator (``crawl --redis``) and ``workers`` worker processes on one Redis."""

    def __init__(self, url: str, crawl_args: list, workers: int = 3, cwd=None, *,
                 worker_wrap: tuple = (), worker_args: tuple = ()) -> None:
        """``worker_wrap``: a command the workers run under (``ip netns exec NS``: another
        host); ``worker_args``: more ``worker`` options (``--warc-dir DIR``)."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.started = time.monotonic()
        self.coordinator = subprocess.Popen(cli_cmd(*crawl_args, "--redis", url), env=env, cwd=cwd,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.workers = [subprocess.Popen([*worker_wrap, *cli_cmd("worker", "--redis", url, *worker_args)],
                                         env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                        for _ in range(workers)]

    def wait(self, timeout: float = 300) -> dict:
        """Wait for every process; {'coordinator': (rc, out, err), 'workers': [...], 'elapsed': s}."""
        try:
            co = self.coordinator.communicate(timeout=timeout)
            res = {"coordinator": (self.coordinator.returncode, *co), "elapsed": time.monotonic() - self.started}
            res["workers"] = []
            for w in self.workers:
                o, e = w.communicate(timeout=60)
                res["workers"].append((w.returncode, o, e))
            return res
        finally:
            self.kill()

    def kill(self) -> None:
        for p in [self.coordinator, *self.workers]:
            if p.poll() is None:
                p.kill()
                p.wait()
