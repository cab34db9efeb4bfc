"""The README's "Python API" section works as written: its code blocks run, in order,
in a fresh folder, and what they print is checked against the archive they built."""
from __future__ import annotations

import json
import re
import subprocess
import sys

from conftest import ROOT

from portal_crawler.replica.oracle import compare_with_truth
from portal_crawler.replica import ReplicaProcess
from portal_crawler.sites import registry
from portal_crawler.store import Archive


def _api_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_python_api_runs_as_written(tmp_path):
    blocks = _api_blocks()
    assert len(blocks) >= 3
    script = tmp_path / "readme_api.py"
    script.write_text("\n".join(blocks), encoding="utf-8")
    p = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    lines = p.stdout.splitlines()
    assert lines[0] == "0 finished", lines[:3]
    db = tmp_path / "data" / "api.db"
    # The same replica again (same seed: same articles) on new ports: its truth, with
    # the addresses the README's run used.
    used = registry.load(tmp_path / "replica-sites.toml")
    with ReplicaProcess(seed=7, sites=["harbin", "wuhan"], scale="tiny") as rep:
        text = json.dumps(rep.truth(), ensure_ascii=False)
        for key, base in rep.base_urls.items():
            text = text.replace(base, used.get(key).base_url)
    truth = json.loads(text)
    with Archive.open(db, readonly=True) as ar:
        report = compare_with_truth(ar, truth)
        hits = ar.search("中小企业", limit=5)
    assert report["ok"], report["problems"][:5]
    # the printed search hits are the archive's own
    assert [f"{h['published_at']} {h['site']} {h['title']}" for h in hits] == lines[3:3 + len(hits)]
    assert "api.db" in p.stdout and "api.warc" in p.stdout
