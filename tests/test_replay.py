"""Replay: articles archived by the demo replay offline from the snapshot's WACZ in
pywb, with their original bytes and encoding (GBK and UTF-8 sites).

pywb pins an old redis client, so it lives in its own virtual environment:
``$PORTAL_PYWB_VENV`` or ``~/.cache/portal-crawler/pywb-venv``, built from PyPI when
absent (the ``pywb_bin`` fixture, conftest.py)."""
from __future__ import annotations

import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from conftest import cli

from portal_crawler.store.paths import warc_dir
from portal_crawler.store.warcread import read_record

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.status, dict(r.headers), r.read()


def test_demo_articles_replay_offline_from_the_snapshot(pywb_bin, tmp_path):
    db = tmp_path / "demo.db"
    cli("demo", "--db", db, timeout=900, check=True)          # stops its replica when done
    cli("snapshot", tmp_path / "snap", "--db", db, check=True)
    con = sqlite3.connect(db)
    arts = con.execute("SELECT site, url, title, warc_file, warc_offset FROM articles "
                       "WHERE id IN (SELECT min(id) FROM articles GROUP BY site)").fetchall()
    con.close()
    assert len(arts) == 5

    work = tmp_path / "pywb"
    work.mkdir()
    for args in (["init", "coll"], ["add", "--unpack-wacz", "coll", str(tmp_path / "snap/data/archive.wacz")]):
        subprocess.run([str(pywb_bin / "wb-manager"), *args], cwd=work, check=True, capture_output=True, timeout=300)
    port = _free_port()
    proc = subprocess.Popen([str(pywb_bin / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=work,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "wayback did not start"
                time.sleep(0.2)
        gbk = 0
        for site, url, title, wfile, woff in arts:
            cap = read_record(warc_dir(db), wfile, woff)
            with pytest.raises(urllib.error.URLError):          # offline: the site is gone
                _get(cap.url)
            ts = "".join(c for c in cap.date if c.isdigit())[:14]
            status, headers, body = _get(f"http://127.0.0.1:{port}/coll/{ts}id_/{cap.url}")
            assert status == 200 and body == cap.body, (site, cap.url)      # the original bytes
            assert headers["Content-Type"] == cap.headers["content-type"]
            assert headers["Memento-Datetime"]
            if b"charset=gb2312" in body[:600]:
                gbk += 1
                assert title.encode("gbk") in body                          # ... in the original encoding
            else:
                assert title.encode("utf-8") in body
            # The rewritten replay page shows the article too.
            status, headers, page = _get(f"http://127.0.0.1:{port}/coll/{ts}mp_/{cap.url}")
            charset = "gbk" if b"charset=gb2312" in page[:2000] else "utf-8"
            assert status == 200 and title in page.decode(charset, "replace")
        assert gbk >= 1                                      # harbin is a GBK site
    finally:
        proc.terminate()
        proc.wait(30)
