"""Every command the program suggests runs as printed, from where the user is, without
an activated virtualenv (the quick start runs `.venv/bin/portal-crawler demo`)."""
from __future__ import annotations

import os
import subprocess
import sys

from portal_crawler.store import Archive


def _hints(cwd, db) -> list[str]:
    code = "from portal_crawler.cli.crawl import demo_hints; print('\\n'.join(demo_hints(%r)))" % str(db)
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # the virtualenv's bin/ is not on PATH
    p = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return p.stdout.splitlines()


def test_demo_hints_run_as_printed_without_an_activated_virtualenv(tmp_path):
    db = tmp_path / "demo.db"
    Archive.open(db, create=True).close()
    hints = _hints(tmp_path, "demo.db")
    assert hints and "search 疫情 --db demo.db" in hints[0], hints
    search = hints[0]
    p = subprocess.run(search, shell=True, cwd=tmp_path, env={**os.environ, "PATH": "/usr/bin:/bin"},
                       capture_output=True, text=True, timeout=120)
    # runs (not "command not found", 127) and answers: the archive is empty, no hits
    assert p.returncode == 0, (search, p.returncode, p.stderr)
    assert "0" in p.stdout and "Traceback" not in p.stderr
    for h in hints[1:]:
        if h.startswith("sqlite3 "):
            q = subprocess.run(h, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=60)
            assert q.returncode == 0, (h, q.stderr)
