"""`export`: JSONL, CSV and Parquet records equal the archive's rows and the
replica's truth; filters select what they say; bad input is one line, exit 2."""
from __future__ import annotations

import csv
import json
import sqlite3

import pytest
from archived import crawl_twice
from conftest import cli

from portal_crawler.urls import canonical_url

SIDES = {"copies": "article_urls", "versions": "article_versions", "attachments": "attachments", "images": "images"}
JSON_COLS = {"warc_refs", "changed_fields", "attachments", "images", "authors"}  # JSON text in the archive


@pytest.fixture(scope="module")
def arc(tmp_path_factory):
    a = crawl_twice(tmp_path_factory.mktemp("export"))
    con = sqlite3.connect(a["db"])
    con.row_factory = sqlite3.Row
    a["rows"] = [dict(r) for r in con.execute("SELECT * FROM articles ORDER BY id")]
    a["side"] = {name: [dict(r) for r in con.execute(f"SELECT * FROM {t} ORDER BY article_id, rowid")]
                 for name, t in SIDES.items()}
    a["runs"] = [dict(r) for r in con.execute("SELECT * FROM crawl_runs ORDER BY id")]
    con.close()
    return a


def _nested(row):
    return {k: (json.loads(v) if k in JSON_COLS and isinstance(v, str) else v) for k, v in row.items()}


def _export(arc, *args):
    p = cli("export", "--db", arc["db"], *args)
    assert p.returncode == 0, p.stderr
    return p


def test_jsonl_equals_rows_and_truth(arc, tmp_path):
    out = tmp_path / "r.jsonl"
    _export(arc, "-o", out, "--with", "copies,versions", "--with", "attachments,images")
    recs = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    assert len(recs) == len(arc["rows"]) > 40
    for rec, row in zip(recs, arc["rows"]):
        nested = {k: rec[k] for k in SIDES}
        assert {k: v for k, v in rec.items() if k not in SIDES} == _nested(row)
        for name in SIDES:
            assert nested[name] == [_nested(r) for r in arc["side"][name] if r["article_id"] == row["id"]]
    # ... and the truth: every article as the replica served it (after its edits).
    truth = {canonical_url(t["url"]): t for t in arc["truth"]}
    assert {canonical_url(c["url"]) for r in recs for c in r["copies"]} == set(truth)
    for r in recs:
        t = truth[r["url"]]
        assert (r["title"], r["body"], r["published_at"], r["source"], r["author"]) == \
               (t["title"], t["body"], t["published_at"], t["source"], t["author"])
        # the derived fields (issue 21): authors as a JSON list, kind, page type
        assert (r["authors"], r["author_kind"], r["page_type"]) == (t["authors"], t["author_kind"], t["page_type"])
        assert [a["url"] for a in r["attachments"]] == [a["url"] for a in t["attachments"]]
        assert [i["url"] for i in r["images"]] == [i["url"] for i in t["images"]]
    assert sum(len(r["versions"]) for r in recs) > 0        # the edits left versions
    # stdout gives the same bytes as a file.
    plain = tmp_path / "plain.jsonl"
    _export(arc, "-o", plain)
    assert _export(arc).stdout == plain.read_text(encoding="utf-8")


def test_csv_with_bom_and_side_tables(arc, tmp_path):
    out = tmp_path / "r.csv"
    _export(arc, "-o", out, "--bom", "--with", "copies,versions")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not (tmp_path / "r.versions.csv").read_bytes().startswith(b"\xef\xbb\xbf\xef")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        got = list(csv.DictReader(fh))
    as_text = lambda row: {k: "" if v is None else str(v) for k, v in row.items()}
    assert got == [as_text(r) for r in arc["rows"]]
    for name in ("copies", "versions"):
        with open(tmp_path / f"r.{name}.csv", encoding="utf-8-sig", newline="") as fh:
            assert list(csv.DictReader(fh)) == [as_text(r) for r in arc["side"][name]]
    plain = tmp_path / "p.csv"
    _export(arc, "-o", plain)
    assert plain.read_bytes() == raw[3:]


def test_parquet_typed_and_equal(arc, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="the parquet extra (in the test extra) is not installed")
    import pyarrow as pa
    out = tmp_path / "r.parquet"
    _export(arc, "-o", out, "--with", "copies,images")
    t = pq.read_table(out)
    assert t.to_pylist() == arc["rows"]
    assert t.schema.field("id").type == pa.int64() and t.schema.field("title").type == pa.string()
    # A column NULL in every row keeps its declared type.
    nulls = [c for c in arc["rows"][0] if all(r[c] is None for r in arc["rows"])]
    assert nulls and all(t.schema.field(c).type != pa.null() for c in nulls)
    assert pq.read_table(tmp_path / "r.copies.parquet").to_pylist() == arc["side"]["copies"]
    assert pq.read_table(tmp_path / "r.images.parquet").to_pylist() == arc["side"]["images"]
    assert pq.read_table(tmp_path / "r.copies.parquet").schema.field("similarity").type == pa.float64()


def test_filters_select_what_they_say(arc, tmp_path):
    rows = arc["rows"]

    def ids(*args):
        return [json.loads(l)["id"] for l in _export(arc, *args).stdout.splitlines()]
    assert ids("--site", "harbin", "--site", "wuhan") == [r["id"] for r in rows if r["site"] in ("harbin", "wuhan")]
    ch = rows[0]["channel"]
    assert ids("--channel", ch) == [r["id"] for r in rows if r["channel"] == ch]
    assert ids("--since", "2020-01-01", "--until", "2020-12-31") == \
        [r["id"] for r in rows if r["published_at"] and "2020-01-01" <= r["published_at"][:10] <= "2020-12-31"]
    # --changed-since: exactly the records the second crawl added or changed.
    first, second = arc["runs"]
    added = {canonical_url(t["url"]) for t in arc["truth"] if t.get("epoch_added") == 1}
    edited = {canonical_url(t["url"]) for t in arc["truth"] if t.get("edited_epoch") == 1}
    con = sqlite3.connect(arc["db"])
    want = {aid for aid, url, canonical in con.execute("SELECT article_id, url, is_canonical FROM article_urls")
            if url in added or (url in edited and canonical)}
    con.close()
    got = ids("--changed-since", str(first["id"]))
    assert set(got) == want and len(want) > 5
    assert ids("--changed-since", second["started_at"]) == got
    assert ids("--changed-since", str(second["id"])) == []


@pytest.mark.parametrize("args, msg", [
    (["--changed-since", "999"], "no crawl run"),
    (["--changed-since", "yesterday-ish"], "neither a run id"),
    (["--with", "friends"], "choose from"),
    (["--format", "csv", "--with", "copies"], "give an output file"),
    (["--since", "soon"], "is not a date"),
])
def test_bad_input_is_one_line_exit_2(arc, args, msg):
    p = cli("export", "--db", arc["db"], *args)
    assert p.returncode == 2 and msg in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_missing_archive_is_an_error(tmp_path):
    p = cli("export", "--db", tmp_path / "typo.db")
    assert p.returncode == 2 and "no archive" in p.stderr
    assert not (tmp_path / "typo.db").exists()
