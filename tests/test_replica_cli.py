"""`portal-crawler replica serve`: a user can start the replica and crawl what it serves."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from conftest import cli, RUN_DIR

from portal_crawler.sites import registry


def test_replica_serve_writes_a_sites_file_that_crawls(tmp_path):
    sites_file = tmp_path / "replica.toml"
    p = subprocess.Popen([sys.executable, "-m", "portal_crawler", "replica", "serve", "--sites", "wuhan",
                          "--scale", "tiny", "--write-sites-file", str(sites_file)],
                         cwd=RUN_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not sites_file.exists() and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.1)
        assert sites_file.exists(), p.stderr.read() if p.poll() is not None else "no sites file"
        site = registry.load(sites_file).get("wuhan")
        assert site.base_url.startswith("http://127.0.0.1:")
        db = tmp_path / "a.db"
        r = cli("crawl", "--sites-file", sites_file, "--all", "--db", db, "--delay", "0", "--no-progress",
                "--summary-json", tmp_path / "s.json", check=True)
        summary = json.loads((tmp_path / "s.json").read_text("utf-8"))
        assert summary["exit_code"] == 0 and summary["sites"] == ["wuhan"]
        assert summary["articles"]["new"] > 0 and summary["requests"] > summary["articles"]["new"], r.stdout
    finally:
        p.send_signal(signal.SIGINT)
        p.wait(30)
    assert p.returncode == 0


def test_replica_serve_rejects_an_unknown_site():
    p = cli("replica", "serve", "--sites", "atlantis")
    assert p.returncode == 2 and "atlantis" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_replica_serve_stops_on_sigint_even_when_started_with_sigint_ignored(tmp_path):
    """A command started in the background of a script inherits SIGINT ignored; Python then
    never raises KeyboardInterrupt. `replica serve` must still stop on SIGINT (and take its
    server child with it)."""
    sites_file = tmp_path / "replica.toml"
    p = subprocess.Popen([sys.executable, "-m", "portal_crawler", "replica", "serve", "--sites", "wuhan",
                          "--scale", "tiny", "--write-sites-file", str(sites_file)],
                         cwd=RUN_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        deadline = time.monotonic() + 60
        while not sites_file.exists() and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.1)
        assert sites_file.exists(), p.stderr.read() if p.poll() is not None else "no sites file"
        base = registry.load(sites_file).get("wuhan").base_url
        p.send_signal(signal.SIGINT)
        assert p.wait(20) == 0
        import urllib.error
        import urllib.request
        try:                                    # the server child is gone too
            urllib.request.urlopen(base, timeout=5)
            served = True
        except (urllib.error.URLError, OSError):
            served = False
        assert not served
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
