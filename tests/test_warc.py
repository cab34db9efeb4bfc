"""The WARC files are a complete crawl record that standard tools read as one:
linked request/response pairs, warcinfo, requests as sent, revisits for unchanged
re-checks, and a CDXJ index beside each file equal to cdxj-indexer's."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import E2E_SITES, cli, crawl_args
from warcio.archiveiterator import ArchiveIterator

from portal_crawler.crawler.extensions.warc import WarcFiles
from portal_crawler.store.paths import warc_dir
from portal_crawler.store import Archive, cdxj
from portal_crawler.store.warcread import payload_digest, read_record
from portal_crawler.urls import canonical_url

BIN = Path(sys.executable).parent
CONTACT = "mailto:archivist@example.org"


def _records(files):
    """Every record of the files: (file, warc headers dict, http headers, payload)."""
    out = []
    for f in files:
        with open(f, "rb") as fh:
            for rec in ArchiveIterator(fh):
                h = dict(rec.rec_headers.headers)
                out.append((f.name, h, rec.http_headers, rec.content_stream().read()))
    return out


def test_warc_is_a_complete_linked_crawl(replica_net, tmp_path):
    db = tmp_path / "a.db"
    cli(*crawl_args(replica_net.sites_path, db, E2E_SITES, "--contact", CONTACT), check=True)
    files = sorted(warc_dir(db).glob("*.warc.gz"))
    assert len(files) == 1
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, files)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    recs = _records(files)
    with Archive.open(db, readonly=True) as ar:
        run_id = ar.runs(1)[0]["id"]

    # One warcinfo first, naming software, operator, host, UA, robots policy, run.
    info_name, info, _, block = recs[0]
    assert info["WARC-Type"] == "warcinfo" and recs[0][1]["WARC-Filename"] == files[0].name
    fields = dict(l.split(": ", 1) for l in block.decode().strip().splitlines())
    from importlib.metadata import version
    assert fields["software"].startswith(f"portal-crawler/{version('portal-crawler')} ")
    assert fields["operator"] == CONTACT
    assert CONTACT in fields["http-header-user-agent"]
    assert fields["robots"] == "classic" and fields["format"] == "WARC File Format 1.1"
    assert fields["crawl-run-id"] == str(run_id) and fields["hostname"]
    assert sum(1 for r in recs if r[1]["WARC-Type"] == "warcinfo") == 1

    # (revisits too: the replica serves one image payload under many URLs, page resources)
    responses = {r[1]["WARC-Record-ID"]: r for r in recs if r[1]["WARC-Type"] in ("response", "revisit")}
    requests = [r for r in recs if r[1]["WARC-Type"] == "request"]
    assert len(responses) == len(requests) > 100
    for _, h, http, _ in recs[1:]:
        assert h["WARC-Warcinfo-ID"] == info["WARC-Record-ID"]
        assert h["WARC-IP-Address"] == "127.0.0.1"
        assert recs[0][0] and h["WARC-Date"].endswith("Z") and "." in h["WARC-Date"]  # WARC 1.1 precision
    for _, h, http, _ in requests:
        resp = responses[h["WARC-Concurrent-To"]]          # every request names its response
        assert resp[1]["WARC-Target-URI"] == h["WARC-Target-URI"] and resp[1]["WARC-Date"] == h["WARC-Date"]
        from urllib.parse import urlsplit
        u = urlsplit(h["WARC-Target-URI"])
        method, target, proto = f"{http.protocol} {http.statusline}".split(" ")
        assert (method, proto) == ("GET", "HTTP/1.1")
        assert target == (u.path or "/") + (f"?{u.query}" if u.query else "")       # origin-form
        assert http.get_header("Host") == u.netloc
        assert CONTACT in http.get_header("User-Agent")

    # The CDXJ beside the file equals cdxj-indexer's index of its captures.
    ours = cdxj.index_path(files[0]).read_text(encoding="utf-8").splitlines()
    theirs = subprocess.run([str(BIN / "cdxj-indexer"), str(files[0])], capture_output=True, text=True, check=True)
    want = sorted(l for l in theirs.stdout.splitlines() if json.loads(l.split(" ", 2)[2]).get("mime") != "warc/request"
                  and '"method"' not in l)
    assert ours == sorted(ours) and len(ours) == len(responses)
    strip = lambda l: (lambda k, t, d: (k, t, d["url"], d["digest"], d["offset"], d["length"], d["filename"], d.get("status")))(*cdxj.parse(l))
    assert [strip(l) for l in ours] == [strip(l) for l in want]

    # Every article row's capture pointer is a response in the index with its digest.
    index = {(d["filename"], int(d["offset"])): d for _, _, d in map(cdxj.parse, ours)}
    with Archive.open(db, readonly=True) as ar:
        rows = list(ar.db.query("SELECT url, warc_file, warc_offset, warc_refs FROM articles"))
    for row in rows:
        for ref in json.loads(row["warc_refs"]):
            d = index[tuple(ref)]
            cap = read_record(warc_dir(db), *ref)
            assert d["digest"] == cap.digest == payload_digest(cap.body)

    # `wacz create -d` reads the files as a crawl: every HTML page that referred to
    # another request is a page.
    # (cdxj-indexer pairs a request's Referer with a response record, not a revisit)
    referrers = {http.get_header("Referer") for _, h, http, _ in requests if http.get_header("Referer")
                 and responses[h["WARC-Concurrent-To"]][1]["WARC-Type"] == "response"}
    html = {r[1]["WARC-Target-URI"] for r in responses.values()
            if "html" in (r[2].get_header("Content-Type") or "")}
    out = tmp_path / "t.wacz"
    p = subprocess.run([str(BIN / "wacz"), "create", "-d", "-o", str(out), *map(str, files)],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    with zipfile.ZipFile(out) as z:
        pages = [json.loads(l) for l in z.read("pages/pages.jsonl").decode().splitlines()[1:]]
    assert {pg["url"] for pg in pages} == referrers & html and len(pages) > 20


def test_recheck_writes_revisits_for_unchanged_pages(replica_net, tmp_path):
    db = tmp_path / "a.db"
    cli(*crawl_args(replica_net.sites_path, db), check=True)
    first = sorted(warc_dir(db).glob("*.warc.gz"))
    # Unchanged network: every re-checked article page is a revisit.
    replica_net.reset_stats()
    cli(*crawl_args(replica_net.sites_path, db, E2E_SITES, "--refresh-days", "100000"), check=True)
    served = replica_net.stats()["sites"]
    pages = sum(served[s].get("article", 0) + served[s].get("article_page", 0) for s in E2E_SITES)
    recheck = sorted(set(warc_dir(db).glob("*.warc.gz")) - set(first))
    revisits = [h for _, h, _, _ in _records(recheck) if h["WARC-Type"] == "revisit"]
    profiles = [h["WARC-Profile"].rsplit("/", 1)[1] for h in revisits]
    assert profiles.count("identical-payload-digest") == pages > 100
    # ... and every file re-checked (crawler/files.py) answered 304: a server-not-modified
    # revisit each, of a URL the replica served a file at
    files = sum(served[s].get(k, 0) for s in E2E_SITES for k in ("attachment", "upload", "static"))
    assert profiles.count("server-not-modified") == files > 0
    assert len(profiles) == pages + files
    # What that saves: the re-check stores list pages and headers only (~37% here).
    assert recheck[0].stat().st_size < 0.5 * sum(f.stat().st_size for f in first)
    first = first + recheck
    replica_net.advance()                         # edits some articles, adds others
    truth = replica_net.truth()
    cli(*crawl_args(replica_net.sites_path, db, E2E_SITES, "--refresh-days", "100000"), check=True)
    second = sorted(set(warc_dir(db).glob("*.warc.gz")) - set(first))
    assert len(second) == 1
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, first + second)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    old = {}
    for _, h, _, body in _records(first):
        if h["WARC-Type"] == "response":
            old[h["WARC-Target-URI"]] = (h, body)
    new = {h["WARC-Target-URI"]: (h, body) for _, h, _, body in _records(second)
           if h["WARC-Type"] in ("response", "revisit")}
    edited = {canonical_url(t["url"]) for t in truth if t.get("edited_epoch") == 1}
    added = {canonical_url(t["url"]) for t in truth if t.get("epoch_added") == 1}
    kept = [t for t in truth if canonical_url(t["url"]) not in edited | added]
    revisits = 0
    for t in kept:                   # a re-checked page: a revisit exactly when its bytes are unchanged
        url = next(u for u in new if canonical_url(u) == canonical_url(t["url"]))
        h, body = new[url]
        oh, obody = old[url]
        if h["WARC-Type"] == "response":
            assert h["WARC-Payload-Digest"] != oh["WARC-Payload-Digest"] and body != obody
            continue
        assert h["WARC-Type"] == "revisit", url
        assert h["WARC-Refers-To"] == oh["WARC-Record-ID"] and h["WARC-Refers-To-Date"] == oh["WARC-Date"]
        assert h["WARC-Refers-To-Target-URI"] == url and h["WARC-Payload-Digest"] == oh["WARC-Payload-Digest"]
        assert h["WARC-Profile"].endswith("/revisit/identical-payload-digest") and body == b""
        revisits += 1
    for u in edited - added:                       # an edited article is stored again in full
        url = next(x for x in new if canonical_url(x) == u)
        h, body = new[url]
        assert h["WARC-Type"] == "response" and h["WARC-Payload-Digest"] != old[url][0]["WARC-Payload-Digest"]
    assert revisits > 0

    # Rows still point at full responses (never at a revisit), and the archive equals the truth.
    from portal_crawler.replica.oracle import compare_with_truth
    with Archive.open(db, readonly=True) as ar:
        report = compare_with_truth(ar, truth)
        assert report["ok"], report["problems"][:5]
        for row in ar.db.query("SELECT warc_refs FROM articles"):
            for ref in json.loads(row["warc_refs"]):
                assert read_record(warc_dir(db), *ref, body=False).rec_type == "response"


def test_warc_writer_needs_no_temp_file(tmp_path, monkeypatch):
    # warcio spools a payload to a temporary file when no length is given.
    from warcio.recordbuilder import RecordBuilder

    def no_temp():
        raise AssertionError("payload copied to a temporary file")
    monkeypatch.setattr(RecordBuilder, "_create_temp_file", staticmethod(no_temp))
    files = WarcFiles(tmp_path, "t")
    body = "中小企业".encode("gbk") * 100_000
    name, off = files.write("http://example.org/a.html", 200, [("Content-Type", "text/html; charset=gbk")], body,
                            [("User-Agent", "ua")], ip="127.0.0.1")
    files.close()
    cap = read_record(tmp_path, name, off)
    assert cap.body == body and cap.digest == payload_digest(body)
    assert cdxj.find(cdxj.index_path(tmp_path / name), cdxj.surt_key("http://example.org/a.html"))[0][1]["offset"] == str(off)


def test_cdxj_find_equals_a_scan(tmp_path):
    import random
    rnd = random.Random(3)
    lines = sorted(cdxj.line(f"org,example)/{rnd.randrange(50)}", f"2026{rnd.randrange(10**10):010d}",
                             {"url": "u", "offset": str(i)}) for i in range(400))
    p = tmp_path / "i.cdxj"
    p.write_text("".join(lines), encoding="utf-8")
    for k in range(-1, 52):
        key = f"org,example)/{k}"
        scan = [(t, d) for kk, t, d in map(cdxj.parse, lines) if kk == key]
        assert cdxj.find(p, key) == scan


def test_sort_file_in_bounded_runs_equals_one_sort(tmp_path, monkeypatch):
    """An index longer than SORT_RUN lines is sorted in runs merged from disk: the same
    file as sorting it whole, unkeyed lines keyed, no run file left behind."""
    import random
    rng = random.Random(7)
    lines = []
    for i in range(2_503):
        url = f"http://127.0.0.1:8000/a/{rng.randrange(400)}/{i}.html"
        ts = f"2026120{rng.randrange(1, 9)}{rng.randrange(10**8):08d}"
        fields = {"url": url, "offset": i * 1000, "length": 999, "filename": "x.warc.gz"}
        key = cdxj.surt_key(url) if i % 3 else cdxj.UNKEYED
        lines.append(cdxj.line(key, ts, fields))
    src = tmp_path / "x.cdxj.open"
    src.write_text("".join(lines), encoding="utf-8")
    whole = sorted(cdxj.line(cdxj.surt_key(cdxj.parse(ln)[2]["url"]), *cdxj.parse(ln)[1:]) for ln in lines)
    for run in (100, 2_503, 10_000):  # runs merged; exactly one full run; the whole file in one
        monkeypatch.setattr(cdxj, "SORT_RUN", run)
        cdxj.sort_file(src, tmp_path / "x.cdxj")
        assert (tmp_path / "x.cdxj").read_text(encoding="utf-8") == "".join(whole), run
        assert sorted(p.name for p in tmp_path.iterdir()) == ["x.cdxj", "x.cdxj.open"]
