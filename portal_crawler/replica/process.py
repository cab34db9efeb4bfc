"""ReplicaProcess: run the replica server in a subprocess, for tests and benchmarks.

truth() is computed in this process from the same model (seed, sites, scale, epoch)
rather than shipped as JSON, which matters at 100k articles; truth(remote=True)
fetches the server's own /truth instead."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from portal_crawler.replica.model import Network
from portal_crawler.replica.sites import BY_KEY
from portal_crawler.replica.truth import truth as compute_truth


class ReplicaProcess:
    def __init__(self, seed: int = 7, sites: list[str] | None = None, scale="demo",
                 host: str = "127.0.0.1", epoch: int = 0, timeout: float = 20.0,
                 faults: dict | None = None):
        self.seed, self.sites, self.scale = seed, list(sites) if sites else None, scale
        self.faults = faults
        self.host, self.start_epoch, self.timeout = host, epoch, timeout
        self.proc: subprocess.Popen | None = None
        self.base_urls: dict[str, str] = {}
        self.control_url = ""
        self._net: Network | None = None

    # -- lifecycle
    def start(self) -> "ReplicaProcess":
        self._dir = tempfile.mkdtemp(prefix="replica-")
        ready = os.path.join(self._dir, "ready.json")
        self._err = open(os.path.join(self._dir, "stderr.log"), "w+b")
        scale = self.scale if isinstance(self.scale, str) else json.dumps(self.scale)
        cmd = [sys.executable, "-m", "portal_crawler.replica", "serve", "--seed", str(self.seed),
               "--sites", ",".join(self.sites or []), "--scale", scale, "--ready-file", ready,
               "--host", self.host, "--epoch", str(self.start_epoch)]
        if self.faults:
            cmd += ["--faults", json.dumps(self.faults)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._err)
        deadline = time.monotonic() + self.timeout
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                why = "exited" if self.proc.poll() is not None else f"not ready after {self.timeout}s"
                self._err.flush()
                self._err.seek(0)
                err = self._err.read().decode("utf-8", "replace")[-4000:]
                self.stop()
                raise RuntimeError(f"replica server {why} (rc={self.proc.returncode}); stderr:\n{err}")
            time.sleep(0.02)
        with open(ready, encoding="utf-8") as f:
            info = json.load(f)
        self.base_urls, self.control_url = info["sites"], info["control"]
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_err", None) and not self._err.closed:
            self._err.close()
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- control
    def _control(self, path: str):
        with urllib.request.urlopen(self.control_url + path.lstrip("/"), timeout=600) as r:
            return json.loads(r.read().decode("utf-8"))

    @property
    def epoch(self) -> int:
        return self._control("epoch")["epoch"]

    def advance(self) -> int:
        return self._control("advance")["epoch"]

    def stats(self, paths: bool = False) -> dict:
        return self._control("stats?paths=1" if paths else "stats")

    def disallow(self, prefix: str) -> list[str]:
        """Every site's robots.txt disallows ``prefix`` from now on (to all agents)."""
        from urllib.parse import quote
        return self._control("robots?disallow=" + quote(prefix))["disallow"]

    def revise(self, path: str) -> int:
        """Publish a new revision of the attachment at ``path`` (attachments.py); returns it."""
        from urllib.parse import quote
        return self._control("revise?path=" + quote(path))["revision"]

    def reset_stats(self):
        self._control("stats/reset")

    def set_faults(self, plan: dict | None) -> dict:
        """Switch the fault mode (faults.py) on with ``plan``, or off with None; returns
        the plan now in force, with the count of faults injected so far per kind."""
        from urllib.parse import quote
        self.faults = plan
        return self._control("faults?" + (f"set={quote(json.dumps(plan))}" if plan else "off=1"))

    def fault_stats(self) -> dict:
        return self._control("faults")

    def network(self) -> Network:
        """The model at the server's current epoch (same seed/sites/scale)."""
        if self._net is None:
            self._net = Network(self.seed, self.sites, self.scale)
            self._net.base_urls = dict(self.base_urls)
        self._net.set_epoch(self.epoch)
        return self._net

    def truth(self, remote: bool = False, sites: list[str] | None = None) -> list[dict]:
        if remote:
            q = "truth" + ("?" + "&".join(f"site={s}" for s in sites) if sites else "")
            return self._control(q)
        return compute_truth(self.network(), sites)

    def sites_file(self, path) -> str:
        import tomlkit
        doc = tomlkit.document()
        doc.add(tomlkit.comment("replica network sites (generated)"))
        sites = tomlkit.aot()
        for key, url in self.base_urls.items():
            s = BY_KEY[key]
            entry = tomlkit.table()
            entry.update({"key": key, "name": s.name, "short": s.short, "region": s.region,
                          "base_url": url, "engine": s.engine, "settings": {"home_label": s.home_label}})
            sites.append(entry)
        doc.append("sites", sites)
        with open(path, "w", encoding="utf-8") as f:
            f.write(tomlkit.dumps(doc))
        return str(path)
