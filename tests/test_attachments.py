"""Attachments (issue 25): the replica's files have known text; a crawl fetches each
once, records its capture, reads its text in a bounded child, and search finds it."""
from __future__ import annotations

import asyncio
import hashlib
import io
import sqlite3
import zipfile
from collections import Counter
from urllib.parse import urlsplit

import pytest

from portal_crawler import crawl
from portal_crawler.files.text import read_text
from portal_crawler.files.worker import TextWorker
from portal_crawler.replica import ReplicaProcess
from portal_crawler.replica import attachments as A
from portal_crawler.store import Archive
from portal_crawler.store.warcread import read_capture
from portal_crawler.store.paths import warc_dir

SEED, SITES = 2, ["zhejiang"]      # this tiny replica has a file of every kind (asserted below)


def _flat(s: str | None) -> str:
    return "".join((s or "").split())


def _paths(kind: str, n: int = 400) -> list[str]:
    return [p for i in range(n) for ext in ("pdf", "docx", "xlsx", "doc", "xls", "ofd", "wps", "zip")
            if A.spec(SEED, p := f"/uploads/soft/210101/1-210101{i:06d}0.{ext}").kind == kind]


def test_replica_files_are_real_documents_of_both_pdf_producers():
    cid, ttf = _paths("pdf_cid")[0], _paths("pdf_ttf")[0]
    a, b = A.content(SEED, cid), A.content(SEED, ttf)
    A._content.cache_clear()
    assert A.content(SEED, cid) == a                       # the same bytes every time
    assert b"/STSong-Light" in a and b"/FontFile2" not in a  # a CID font, not embedded
    assert b"/FontFile2" in b and b"/ToUnicode" in b        # an embedded TrueType subset
    for p in (cid, ttf):
        status, fmt, text = read_text(A.content(SEED, p), "pdf")
        assert (status, fmt) == ("ok", "pdf") and _flat(text) == _flat(A.spec(SEED, p).text)


@pytest.mark.parametrize("kind", ["docx", "xlsx", "doc", "xls", "ofd", "mislabelled"])
def test_office_text_equals_the_known_text(kind):
    for p in _paths(kind)[:3]:
        s = A.spec(SEED, p)
        if s.text is None:
            continue
        status, fmt, text = read_text(A.content(SEED, p), s.ext, s.content_type)
        assert status == "ok" and fmt in ("pdf", "docx", "xlsx", "doc", "xls", "ofd")
        if kind != "mislabelled":
            assert fmt == kind
        # PDF and OFD are fixed layouts: their line breaks are the page's, not paragraphs
        assert text.replace(" ", "") == s.text.replace(" ", "") if fmt not in ("pdf", "ofd") else _flat(text) == _flat(s.text)


def test_scan_is_marked_never_an_empty_text():
    p = _paths("pdf_scan")[0]
    assert read_text(A.content(SEED, p), "pdf") == ("no_text_layer", "pdf", None)
    for p in _paths("file")[:4]:     # WPS and zip: kept as files only
        assert read_text(A.content(SEED, p), p.rsplit(".", 1)[1]) == ("unsupported", p.rsplit(".", 1)[1], None)


def _ofd(lines: list[str]) -> bytes:
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("OFD.xml", f'<ofd:OFD {ns}><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>'
                              f'</ofd:DocBody></ofd:OFD>')
        z.writestr("Doc_0/Document.xml", f'<ofd:Document {ns}><ofd:Pages><ofd:Page ID="1" '
                                         f'BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>')
        objs = "".join(f'<ofd:TextObject ID="{i}"><ofd:TextCode X="0" Y="{i}">{t}</ofd:TextCode>'
                       f'</ofd:TextObject>' for i, t in enumerate(lines))
        z.writestr("Doc_0/Pages/Page_0/Content.xml",
                   f'<ofd:Page {ns}><ofd:Content><ofd:Layer>{objs}</ofd:Layer></ofd:Content></ofd:Page>')
    return buf.getvalue()


def test_legacy_files_are_genuine_and_read_by_content_not_link():
    """The replica's DOC is a Word 97 compound file ([MS-CFB] header, a WordDocument
    stream opening with the FIB's magic), its XLS a BIFF8 workbook xlrd opens; a
    legacy file under a wrong extension is still read by what its streams are."""
    import xlrd
    doc, xls = _paths("doc")[0], _paths("xls")[0]
    d, x = A.content(SEED, doc), A.content(SEED, xls)
    assert d[:8] == bytes.fromhex("D0CF11E0A1B11AE1") and x[:8] == d[:8]
    assert xlrd.open_workbook(file_contents=x).sheet_by_index(0).cell_value(0, 1) == "企业名称"
    # the FIB (wIdent 0xA5EC, nFib 0x00C1) at the start of the WordDocument stream (sector 2)
    assert d[512 * 3:512 * 3 + 4] == bytes.fromhex("ECA5C100")
    assert read_text(d, "xls")[:2] == ("ok", "doc") and read_text(x, "doc")[:2] == ("ok", "xls")
    assert read_text(d, "wps")[0] == "unsupported"     # a .wps link: kept as a file


def test_doc_files_are_word97_as_libreoffice_reads_and_writes_them(tmp_path):
    """An independent reader and writer of Word 97 (LibreOffice, Debian
    libreoffice-writer-nogui, which CI installs): it reads the replica's DOC to the known
    text, and the DOC it writes from it (its own FIB, pieces, styles) reads to the same text."""
    import shutil
    import subprocess
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (Debian libreoffice-writer-nogui) is needed: .ci/run installs it"
    p = _paths("doc")[0]
    s = A.spec(SEED, p)
    (tmp_path / "a.doc").write_bytes(A.content(SEED, p))
    import os
    # a UTF-8 locale: under "C" LibreOffice writes the Chinese of a .doc as "?"
    env = {**os.environ, "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    for target, out in (("txt:Text", "txt"), ('doc:MS Word 97', "lo")):
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                        "--convert-to", target, "--outdir", str(tmp_path / out), str(tmp_path / "a.doc")],
                       env=env, capture_output=True, timeout=180, check=True)
    assert _flat((tmp_path / "txt/a.txt").read_text("utf-8-sig")) == _flat(s.text)
    lo = (tmp_path / "lo/a.doc").read_bytes()
    assert lo != A.content(SEED, p) and read_text(lo, "doc")[:2] == ("ok", "doc")
    assert read_text(lo, "doc")[2].replace(" ", "") == s.text.replace(" ", "")


def test_ofd_text_layer_is_read():
    assert read_text(_ofd(["关于促进中小企业", "发展的通知。", "附件：名单"])) == \
        ("ok", "ofd", "关于促进中小企业发展的通知。\n附件：名单")
    # an OFD whose page would unpack to 300 MB is refused from its declared sizes
    assert read_text(_bomb(300, "ofd", "Doc_0/Pages/Page_0/Content.xml"), "ofd") == ("zip_bomb", "ofd", None)


def _bomb(mb: int, kind: str = "docx", member: str = "word/document.xml") -> bytes:
    """A DOCX (or another zip document of the replica) whose ``member`` unpacks to ``mb``
    MB (a few hundred KB packed)."""
    good = A.content(SEED, _paths(kind)[0])
    src = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename == member:
                with z.open(member, "w", force_zip64=True) as f:
                    chunk = b" " * (1 << 20)
                    for _ in range(mb):
                        f.write(chunk)
            else:
                z.writestr(info, src.read(info.filename))
    return out.getvalue()


def test_bounded_reader_time_memory_and_zip_bomb_each_get_a_status():
    docx = A.content(SEED, _paths("docx")[0])
    pdf = A.content(SEED, _paths("pdf_cid")[0])

    async def run():
        out = []
        w = TextWorker(timeout=30, memory_bytes=500 << 20)
        try:
            out.append(await w.read(_bomb(300), "docx"))   # refused before unpacking
            w.timeout = 0.01                              # no PDF is read in 10 ms
            out.append(await w.read(pdf, "pdf"))
            w.timeout = 30
            out.append(await w.read(docx, "docx"))        # a fresh child after the killed one
            # Under the zip-bomb guard (250 MB), but more than the child's address space
            # allows once unpacked and parsed: RLIMIT_AS stops it.
            out.append(await w.read(_bomb(250), "docx"))
            out.append(await w.read(docx, "docx"))        # and the next file is read
        finally:
            await w.aclose()
        return out
    bomb, slow, after, mem, after2 = asyncio.run(run())
    assert bomb["status"] == "zip_bomb"
    assert slow["status"] == "timeout"
    assert after["status"] == "ok" and after2["status"] == "ok"
    assert mem["status"] == "memory_limit" or mem["status"].startswith("error: reader exited"), mem


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("att")
    with ReplicaProcess(seed=SEED, sites=SITES, scale="tiny") as rep:
        rep.sites_file(tmp / "sites.toml")
        db = tmp / "a.db"
        r1 = crawl(db, SITES, sites_file=tmp / "sites.toml", delay=0, concurrency=4)
        first = rep.stats(paths=True)
        rep.reset_stats()
        r2 = crawl(db, SITES, sites_file=tmp / "sites.toml", delay=0, concurrency=4, refresh_days=100000)
        second = rep.stats(paths=True)
        yield {"db": db, "truth": rep.truth(), "first": first, "second": second, "r1": r1, "r2": r2}


def test_crawl_records_every_file_as_the_replica_serves_it(crawled):
    db = crawled["db"]
    assert crawled["r1"].exit_code == 0
    urls = {a["url"] for t in crawled["truth"] for a in t["attachments"]}
    kinds = Counter(A.spec(SEED, urlsplit(u).path).kind for u in urls)
    # every kind of answer, and every kind of document (the kept-as-file one here is
    # served under a lying Content-Type)
    docs = {A.spec(SEED, urlsplit(u).path).doc for u in urls}
    assert set(kinds) | docs == set(A.KINDS) | docs and set(A.KINDS) - {"mislabelled", "missing"} <= docs | set(kinds), \
        kinds
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    rows = con.execute("SELECT * FROM attachments").fetchall()
    assert {r["url"] for r in rows} == urls
    for r in rows:
        s = A.spec(SEED, urlsplit(r["url"]).path)
        exp = A.expected(SEED, s.path)
        got = {k: r[k] for k in ("fetch", "status", "text_status", "format", "size", "sha256")}
        assert got == {k: exp[k] for k in got}, (s.kind, r["url"], got, exp)
        assert _flat(r["body"]) == _flat(exp["text"]), (s.kind, r["url"])
        if s.kind == "huge":
            assert "attachment_maxsize" in r["reason"] and str(A.HUGE_SIZE) in r["reason"]
        if s.kind == "mislabelled":
            assert r["content_type"] == "text/html" and r["format"] != "html"
        if r["fetch"] == "ok":      # the capture holds the very bytes
            cap = read_capture(warc_dir(db), r["warc_file"], r["warc_offset"])
            assert hashlib.sha256(cap.body).hexdigest() == r["sha256"] and cap.url == r["url"]
    # Each file was asked for once, the 200 MB one never sent whole (Scrapy cancels
    # on the announced length: the crawl's bytes are far below it).
    asked = Counter({p: n for p, n in crawled["first"]["paths"]["zhejiang"].items() if p.startswith("/uploads/soft/")})
    assert asked and max(asked.values()) == 1
    assert crawled["r1"].stats.get("downloader/response_bytes", 0) < A.HUGE_SIZE / 10


def test_recrawl_rechecks_each_file_once_and_transfers_no_file_bytes(crawled):
    """The second crawl fetches every article again (--refresh-days): each archived file
    with a validator is asked for once, conditionally, and the replica's log shows not
    one body byte of a file sent; nothing else is asked for again."""
    assert crawled["r2"].exit_code == 0
    second = crawled["second"]
    again = {p: n for p, n in second["paths"].get("zhejiang", {}).items() if p.startswith("/uploads/soft/")}
    con = sqlite3.connect(crawled["db"])
    ok = {urlsplit(u).path for (u,) in con.execute("SELECT DISTINCT url FROM attachments WHERE fetch = 'ok' "
                                                   "AND etag IS NOT NULL")}
    assert ok and set(again) == ok and max(again.values()) == 1
    assert second["bytes"]["zhejiang"].get("attachment", 0) == 0
    assert crawled["first"]["bytes"]["zhejiang"]["attachment"] > 100_000
    assert second["status"]["304"] >= len(ok)
    assert con.execute("SELECT count(*) FROM attachments WHERE fetch IS NULL").fetchone()[0] == 0
    # Each re-check dated; the capture columns are the first crawl's (no new capture).
    assert con.execute("SELECT count(*) FROM attachments WHERE fetch = 'ok' AND checked_at IS NULL").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM attachment_captures").fetchone()[0] == 0
    # In the WARC: one server-not-modified revisit per re-check, pointing at the capture.
    from warcio.archiveiterator import ArchiveIterator
    refs = {}
    for w in sorted(warc_dir(crawled["db"]).glob("*.warc.gz")):
        with open(w, "rb") as fh:
            for rec in ArchiveIterator(fh):
                h = rec.rec_headers
                if h.get_header("WARC-Profile", "").endswith("/server-not-modified"):
                    refs[h.get_header("WARC-Target-URI")] = h.get_header("WARC-Refers-To-Target-URI")
    files = {u for (u,) in con.execute("SELECT DISTINCT url FROM attachments WHERE fetch = 'ok' AND etag IS NOT NULL")}
    assert files <= set(refs) and all(refs[u] == u for u in files)


def test_changed_file_is_captured_anew_and_its_new_words_found(tmp_path):
    """A file revised on the replica between two crawls: the second crawl's conditional
    request gets the new bytes; the archive holds both captures, the rows and search
    the new one's text."""
    with ReplicaProcess(seed=SEED, sites=SITES, scale="tiny") as rep:
        rep.sites_file(tmp_path / "sites.toml")
        db = tmp_path / "a.db"
        args = dict(sites_file=tmp_path / "sites.toml", delay=0, concurrency=4,
                    settings={"RESOURCES_ENABLED": False})
        assert crawl(db, SITES, **args).exit_code == 0
        with sqlite3.connect(db) as con:     # closed: a reader left open would keep its snapshot
            url, sha1, wf1, wo1 = con.execute("SELECT url, sha256, warc_file, warc_offset FROM attachments "
                                              "WHERE fetch = 'ok' AND format = 'docx' AND text_status = 'ok' "
                                              "ORDER BY url LIMIT 1").fetchone()
        con.close()
        path = urlsplit(url).path
        word = "勘误"
        with Archive.open(db, readonly=True) as ar:
            assert ar.search(f'"{word}"', in_="attachments").total == 0
        assert rep.revise(path) == 1
        rep.reset_stats()
        assert crawl(db, SITES, refresh_days=100000, **args).exit_code == 0
        log = rep.stats(paths=True)
    new = A.expected(SEED, path, 1)
    assert word in new["text"] and new["sha256"] != sha1
    # Only the revised file's bytes were sent again.
    assert log["paths"]["zhejiang"][path] == 1
    assert log["bytes"]["zhejiang"]["attachment"] == new["size"]
    con = sqlite3.connect(db)
    rows = con.execute("SELECT sha256, body, warc_file, warc_offset, checked_at FROM attachments WHERE url = ?",
                       (url,)).fetchall()
    assert rows and all(r[0] == new["sha256"] and _flat(r[1]) == _flat(new["text"]) for r in rows)
    old = con.execute("SELECT sha256, warc_file, warc_offset FROM attachment_captures WHERE url = ?", (url,)).fetchall()
    assert old == [(sha1, wf1, wo1)]
    # Both captures are in the WARC, each with its own bytes.
    first = read_capture(warc_dir(db), wf1, wo1)
    second = read_capture(warc_dir(db), rows[0][2], rows[0][3])
    assert hashlib.sha256(first.body).hexdigest() == sha1
    assert hashlib.sha256(second.body).hexdigest() == new["sha256"]
    with Archive.open(db, readonly=True) as ar:
        hits = ar.search(f'"{word}"', in_="attachments", limit=100)
    assert {h["id"] for h in hits} == {i for (i,) in con.execute("SELECT id FROM attachments WHERE url = ?", (url,))}
    # Nothing else changed: no other file has an earlier capture.
    assert con.execute("SELECT count(DISTINCT url) FROM attachment_captures").fetchone()[0] == 1


def test_search_in_attachments_equals_a_scan_and_names_the_article(crawled):
    con = sqlite3.connect(crawled["db"])
    rows = con.execute("SELECT f.id, f.text, f.body, a.url FROM attachments f JOIN articles a "
                       "ON a.id = f.article_id").fetchall()
    texts = [b for _, _, b, _ in rows if b]
    assert texts
    # words of 1, 2 and 4 characters taken from the files' text
    words = {texts[0][0], texts[0][3:5], texts[-1][10:14], "企业", "申报"}
    with Archive.open(crawled["db"], readonly=True) as ar:
        for w in words:
            res = ar.search(f'"{w}"', in_="attachments", limit=1000)
            scan = {i for i, t, b, _ in rows if w in (t or "") or w in (b or "")}
            assert {h["id"] for h in res} == scan and res.total == len(scan), w
            art = {i: u for i, _, _, u in rows}
            assert all(h["article_url"] == art[h["id"]] for h in res)


def test_exports_carry_each_attachments_capture_and_text(crawled, tmp_path):
    import json
    from portal_crawler.store.export import export
    out = tmp_path / "r.jsonl"
    with Archive.open(crawled["db"], readonly=True) as ar:
        export(ar, out, "jsonl", with_=("attachments",))
        export(ar, tmp_path / "r.csv", "csv", with_=("attachments",))
    got = {a["url"]: a for ln in out.read_text("utf-8").splitlines() for a in json.loads(ln)["attachments"]}
    con = sqlite3.connect(crawled["db"])
    con.row_factory = sqlite3.Row
    for r in con.execute("SELECT * FROM attachments"):
        for k in ("fetch", "status", "size", "sha256", "warc_file", "warc_offset", "text_status", "body"):
            assert got[r["url"]][k] == r[k], (k, r["url"])
    side = (tmp_path / "r.attachments.csv").read_text("utf-8")
    assert all(r[0] in side for r in con.execute("SELECT sha256 FROM attachments WHERE sha256 IS NOT NULL"))


def test_snapshot_holds_the_files_and_verify_catches_a_flipped_byte_in_one(crawled, tmp_path):
    import gzip
    import shutil
    import zlib
    from portal_crawler.snapshot import verify
    from portal_crawler.snapshot.package import snapshot
    from portal_crawler.store import cdxj
    src = crawled["db"]
    db = tmp_path / "a.db"
    shutil.copy(src, db)
    shutil.copytree(warc_dir(src), warc_dir(db))
    snapshot(db, tmp_path / "snap")
    con = sqlite3.connect(db)
    files = con.execute("SELECT url, sha256, warc_file, warc_offset FROM attachments WHERE fetch = 'ok'").fetchall()
    # The WACZ's index holds every file's capture; the bag and the archive verify.
    with zipfile.ZipFile(tmp_path / "snap/data/archive.wacz") as z:
        idx = gzip.decompress(z.read("indexes/index.cdx.gz")).decode("utf-8")
    assert all(u in idx for u, *_ in files)
    assert verify(tmp_path / "snap").ok and verify(db).ok
    rep = verify(db)
    assert rep.counts["pointers"] >= len(files) + con.execute("SELECT count(*) FROM articles").fetchone()[0]
    # Flip one byte of a file inside its capture (the gzip member stays sound).
    url, _, name, off = next(f for f in files if urlsplit(f[0]).path.endswith(".docx"))
    warc = warc_dir(db) / name
    raw = warc.read_bytes()
    length = next(int(d["length"]) for ln in (warc_dir(db) / (name[:-8] + ".cdxj")).read_text().splitlines()
                  if int((d := cdxj.parse(ln)[2])["offset"]) == off)
    member = bytearray(gzip.decompress(raw[off:off + length]))
    member[-100] ^= 0x20
    gz = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    warc.write_bytes(raw[:off] + gz.compress(bytes(member)) + gz.flush() + raw[off + length:])
    rep = verify(db)
    assert any(p.kind == "digest" and p.where == f"{name}:{off}" and url in p.detail for p in rep.problems), \
        [str(p) for p in rep.problems[:5]]


def test_page_resources_captured_once_identical_payloads_as_revisits(crawled):
    from portal_crawler.store.warcread import read_record
    con = sqlite3.connect(crawled["db"])
    rows = con.execute("SELECT url, fetch, sha256, warc_file, warc_offset, revisit FROM resources").fetchall()
    # Every image of the archived articles and the site's stylesheet are there.
    images = {i["url"] for t in crawled["truth"] for i in t["images"]}
    urls = {r[0] for r in rows}
    assert images and images <= urls and any(u.endswith(".css") for u in urls)
    assert all(r[1] == "ok" for r in rows)
    # Once each (the stylesheet is disallowed by the site's robots.txt: a page
    # requisite, fetched at the site's pace like a reader's browser loads it).
    paths = crawled["first"]["paths"]["zhejiang"]
    for u in urls:
        p = urlsplit(u).path
        assert paths.get(p) == 1, p
    # The replica serves one GIF for every image: the first is a response, the rest
    # revisit records pointing at it (and the rows point at the original response).
    imgs = [r for r in rows if r[0] in images]
    firsts = [r for r in imgs if not r[5]]
    assert len(firsts) == 1 and len(imgs) > 1
    for url, _, sha, wf, wo, revisit in imgs:
        assert (wf, wo) == (firsts[0][3], firsts[0][4])
        assert read_record(warc_dir(crawled["db"]), wf, wo).rec_type == "response"
    # ... and nothing of them is downloaded again by the next crawl (re-checked: 304s).
    again = [p for p in crawled["second"]["paths"].get("zhejiang", {}) if p.startswith(("/uploads/allimg/", "/templets/"))]
    assert set(again) == {urlsplit(u).path for u in urls}
    assert sum(crawled["second"]["bytes"]["zhejiang"].get(k, 0) for k in ("upload", "static")) == 0
    assert con.execute("SELECT count(*) FROM resources WHERE checked_at IS NULL").fetchone()[0] == 0


def test_capture_settings_turn_files_and_resources_off(tmp_path):
    with ReplicaProcess(seed=SEED, sites=SITES, scale="tiny") as rep:
        rep.sites_file(tmp_path / "sites.toml")
        r = crawl(tmp_path / "a.db", SITES, sites_file=tmp_path / "sites.toml", delay=0, concurrency=4,
                  settings={"RESOURCES_ENABLED": False, "ATTACHMENTS_ENABLED": False})
        paths = rep.stats(paths=True)["paths"]["zhejiang"]
    assert r.exit_code == 0 and r.articles["new"] > 50
    assert not [p for p in paths if p.startswith(("/uploads/", "/templets/"))]
    con = sqlite3.connect(tmp_path / "a.db")
    assert con.execute("SELECT count(*) FROM resources").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM attachments WHERE fetch IS NULL").fetchone()[0] > 10


def test_attachments_obey_robots_txt_page_resources_do_not(tmp_path):
    """Attachments are fetched under the site's robots.txt like its pages: a disallowed
    one is never asked for and is recorded as skipped, saying why. Page resources are
    page requisites a reader's browser loads with the page (RESOURCES_OBEY_ROBOTS
    False, as Heritrix and Browsertrix fetch them): still captured."""
    with ReplicaProcess(seed=SEED, sites=SITES, scale="tiny") as rep:
        rep.sites_file(tmp_path / "sites.toml")
        rep.disallow("/uploads/")
        r = crawl(tmp_path / "a.db", SITES, sites_file=tmp_path / "sites.toml", delay=0, concurrency=4)
        paths = rep.stats(paths=True)["paths"]["zhejiang"]
        truth = rep.truth()
    assert r.exit_code == 0
    assert not [p for p in paths if p.startswith("/uploads/soft/")]
    con = sqlite3.connect(tmp_path / "a.db")
    rows = con.execute("SELECT fetch, reason FROM attachments WHERE fetch IS NOT 'offsite'").fetchall()
    assert len(rows) == len({a["url"] for t in truth for a in t["attachments"]})
    assert rows and all(f == "skipped" and "robots" in (why or "").lower() for f, why in rows), rows[:3]
    images = {i["url"] for t in truth for i in t["images"]}
    got = {u for (u,) in con.execute("SELECT url FROM resources WHERE fetch = 'ok'")}
    assert images and images <= got and all(paths.get(urlsplit(u).path) == 1 for u in images)


def test_replica_validators_and_conditional_answers():
    """The replica's files carry ETag / Last-Modified; a request still matching either
    (If-None-Match decides when present, RFC 9110 13.1) is a 304 with no body; a new
    revision changes both and is sent whole."""
    import urllib.error
    import urllib.request
    with ReplicaProcess(seed=SEED, sites=SITES, scale="tiny") as rep:
        url = next(a["url"] for t in rep.truth() for a in t["attachments"]
                   if A.spec(SEED, urlsplit(a["url"]).path).kind == "docx")
        p = urlsplit(url).path

        def get(**headers):
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
                    return r.status, r.headers, r.read()
            except urllib.error.HTTPError as e:
                return e.code, e.headers, e.read()
        status, h, body = get()
        assert status == 200 and body == A.content(SEED, p) and h["ETag"] and h["Last-Modified"]
        assert get(**{"If-None-Match": h["ETag"]})[::2] == (304, b"")
        assert get(**{"If-Modified-Since": h["Last-Modified"]})[::2] == (304, b"")
        assert get(**{"If-None-Match": '"other"', "If-Modified-Since": h["Last-Modified"]})[0] == 200
        rep.revise(p)
        status, h2, body2 = get(**{"If-None-Match": h["ETag"], "If-Modified-Since": h["Last-Modified"]})
        assert status == 200 and body2 == A.content(SEED, p, 1) != body
        assert h2["ETag"] != h["ETag"] and h2["Last-Modified"] != h["Last-Modified"]
        bytes_sent = rep.stats()["bytes"]["zhejiang"]["attachment"]
    assert bytes_sent == len(body) * 2 + len(body2)      # the two 304s sent no body


def test_recheck_setting_off_never_asks_for_an_archived_file(tmp_path):
    with ReplicaProcess(seed=SEED, sites=SITES, scale="tiny") as rep:
        rep.sites_file(tmp_path / "sites.toml")
        args = dict(sites_file=tmp_path / "sites.toml", delay=0, concurrency=4, settings={"FILES_RECHECK": False})
        assert crawl(tmp_path / "a.db", SITES, **args).exit_code == 0
        rep.reset_stats()
        assert crawl(tmp_path / "a.db", SITES, refresh_days=100000, **args).exit_code == 0
        paths = rep.stats(paths=True)["paths"]["zhejiang"]
    assert paths and not [p for p in paths if p.startswith(("/uploads/", "/templets/"))]
