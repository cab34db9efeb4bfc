"""store.warcrecord writes warcio's bytes: every record type the crawl writes is built
both ways (ours, and warcio's WARCWriter as the crawler used it before) with the same
record ID and date and compared byte for byte; a file WarcFiles wrote reads back with
warcio, its digests checking, and its CDXJ lines equal the index built from the file."""
from __future__ import annotations

import gzip
import io
import subprocess
import sys

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from portal_crawler.crawler.extensions.warc import WarcFiles
from portal_crawler.store import cdxj, warcrecord
from portal_crawler.store.warcread import Capture, payload_digest, read_record

RID, RID2 = "<urn:uuid:11111111-2222-4333-8444-555555555555>", "<urn:uuid:66666666-7777-4888-8999-aaaaaaaaaaaa>"
DATE = "2026-12-07T22:30:01.123456Z"
URL = "http://127.0.0.1:8000/news/2026/12/art_1.html?a=1&b=%E4%B8%AD"
BODY = "<html><head><meta charset=gb2312></head><body>中小企业 ".encode("gb18030") * 200
HEADERS = [("Content-Type", "text/html; charset=gb2312"), ("Server", "replica"), ("Date", "Mon, 07 Dec 2026")]
COMMON = [("WARC-Warcinfo-ID", RID2), ("WARC-IP-Address", "127.0.0.1")]


def _warcio(ids, build) -> bytes:
    """What warcio writes for ``build(writer)``, its IDs taken from ``ids`` in turn."""
    it = iter(ids)
    orig_id, orig_date = RecordBuilder._make_warc_id, RecordBuilder._make_warc_date
    RecordBuilder._make_warc_id = classmethod(lambda cls: next(it))
    RecordBuilder._make_warc_date = classmethod(lambda cls, use_micros=False: DATE)
    try:
        buf = io.BytesIO()
        w = WARCWriter(buf, gzip=False, warc_version="1.1")
        w.write_record(build(w))
        return buf.getvalue()
    finally:
        RecordBuilder._make_warc_id, RecordBuilder._make_warc_date = orig_id, orig_date


def _ours(rec: warcrecord.Record) -> bytes:
    return b"".join(rec.parts)


def _http(status_line, headers, body_len):
    return StatusAndHeaders(status_line, headers + [("Content-Length", str(body_len))], protocol="HTTP/1.1")


@pytest.mark.parametrize("headers", [HEADERS, [], HEADERS + [  # warcio %-encodes these two
    ("X-Name", "caf\xe9"), ("Content-Disposition", 'attachment; filename="\xe9t\xe9.pdf"')]])
def test_response_record_is_warcios(headers):
    http = warcrecord.http_block("HTTP/1.1 200 OK", headers + [("Content-Length", str(len(BODY)))])
    ours = _ours(warcrecord.response(URL, http, BODY, payload_digest(BODY), list(COMMON), RID, DATE))
    theirs = _warcio([RID], lambda w: w.create_warc_record(
        URL, "response", payload=io.BytesIO(BODY), length=len(BODY), http_headers=_http("200 OK", headers, len(BODY)),
        warc_headers_dict={**dict(COMMON), "WARC-Payload-Digest": payload_digest(BODY)}))
    assert ours == theirs


def test_header_warcio_cannot_encode_is_kept_escaped():
    """warcio raises on this one (non-ASCII outside ``=value``); the capture is still
    written, the character %-encoded."""
    block = warcrecord.http_block("HTTP/1.1 200 OK", [("X-Name", "caf\xe9; a=b")])
    assert block == b"HTTP/1.1 200 OK\r\nX-Name: caf%C3%A9; a=b\r\n\r\n"
    with pytest.raises(UnicodeEncodeError):
        _http("200 OK", [("X-Name", "caf\xe9; a=b")], 0).to_ascii_bytes()


@pytest.mark.parametrize("status, profile", [(200, warcrecord.IDENTICAL_PAYLOAD_PROFILE),
                                             (304, warcrecord.NOT_MODIFIED_PROFILE)])
def test_revisit_record_is_warcios(status, profile):
    orig = Capture("http://127.0.0.1:8000/img/a.png", 200, {}, b"", "2026-12-01T01:02:03.5Z",
                   "<urn:uuid:00000000-0000-4000-8000-000000000001>", payload_digest(b"png"))
    reason = "OK" if status == 200 else "Not Modified"
    http = warcrecord.http_block(f"HTTP/1.1 {status} {reason}", HEADERS + [("Content-Length", "3")])
    ours = _ours(warcrecord.revisit(URL, http, profile=profile, refers_to_uri=orig.url, refers_to_date=orig.date,
                                    refers_to=orig.record_id, payload_digest=orig.digest, common=list(COMMON),
                                    rid=RID, date=DATE))

    def build(w):
        rec = w.create_revisit_record(URL, orig.digest, orig.url, orig.date, http_headers=_http(
            f"{status} {reason}", HEADERS, 3), warc_headers_dict=dict(COMMON))
        if status == 304:
            rec.rec_headers.replace_header("WARC-Profile", profile)
        rec.rec_headers.add_header("WARC-Refers-To", orig.record_id)
        return rec
    assert ours == _warcio([RID], build)


def test_request_and_warcinfo_records_are_warcios():
    req_headers = [("Host", "127.0.0.1:8000"), ("User-Agent", "portal-crawler/1 (+mailto:a@b.c)"),
                   ("Accept-Encoding", "gzip, deflate")]
    http = warcrecord.http_block("GET /news/art_1.html?a=1 HTTP/1.1", req_headers)
    ours = _ours(warcrecord.request(URL, http, concurrent_to=RID, common=list(COMMON), rid=RID2, date=DATE))
    theirs = _warcio([RID2], lambda w: w.create_warc_record(
        URL, "request", payload=io.BytesIO(b""), length=0,
        http_headers=StatusAndHeaders("GET /news/art_1.html?a=1 HTTP/1.1", req_headers, is_http_request=True),
        warc_headers_dict={**dict(COMMON), "WARC-Date": DATE, "WARC-Concurrent-To": RID}))
    assert ours == theirs
    info = {"software": "portal-crawler/1", "operator": None, "crawl-run-id": 7, "robots": "classic",
            "isPartOf": "运行 7"}
    ours = _ours(warcrecord.warcinfo("x-00001.warc.gz", info, RID, DATE))
    assert ours == _warcio([RID], lambda w: w.create_warcinfo_record("x-00001.warc.gz", info))


def test_warcfiles_output_reads_back_with_warcio(tmp_path):
    files = WarcFiles(tmp_path, "t", info={"software": "t"})
    p1 = files.write(URL, 200, HEADERS, BODY, [("User-Agent", "ua")], ip="127.0.0.1")
    first = read_record(tmp_path, *p1, body=False)
    p2 = files.write(URL, 200, HEADERS, BODY, [("User-Agent", "ua")], ip="127.0.0.1", original=first,
                     original_ref=p1)
    p3 = files.write(URL + "x", 404, [("Content-Type", "text/plain")], b"gone", [("User-Agent", "ua")])
    files.close()
    assert p2 == p1 and p3 != p1
    warc = tmp_path / files.name
    assert subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(warc)],
                          capture_output=True, text=True).returncode == 0
    with open(warc, "rb") as fh:
        recs = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                for r in ArchiveIterator(fh, check_digests=True)]
    assert [r[0] for r in recs] == ["warcinfo", "response", "request", "revisit", "request", "response", "request"]
    assert recs[1][2] == BODY and recs[5][2] == b"gone" and recs[3][2] == b""
    assert read_record(tmp_path, *p3).body == b"gone" and read_record(tmp_path, *p3).status == 404
    # one gzip member per record: the file is a plain multi-member gzip
    assert gzip.decompress(warc.read_bytes()).count(b"WARC/1.1\r\n") == 7
    # the index written while writing equals the one built from the file
    assert cdxj.index_path(warc).read_text().splitlines() == sorted(
        l.rstrip("\n") for l in cdxj.index_warc(warc))
