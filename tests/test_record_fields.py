"""The record fields derived from the author and the page (issue 21): authors (AUTH-LIST),
author_kind (AUTH-ORG), page_type (PAGE-NOTICE, PAGE-REPRINT); stored by migration v6,
filled for old rows from their stored columns; exported; equal to the replica's truth."""
import json
import sqlite3

import pytest

from portal_crawler import Archive
from portal_crawler.extract.fields import authorship, page_type
from portal_crawler.record import AUTHOR_KINDS, PAGE_TYPES, RECORD_KEYS
from portal_crawler.store import schema


@pytest.mark.parametrize("author,display,names,kind", [
    ("王芳", "王芳", ["王芳"], "person"),
    ("王芳 张伟", "王芳、张伟", ["王芳", "张伟"], "person"),
    ("王芳、张伟", "王芳、张伟", ["王芳", "张伟"], "person"),
    ("王芳，张伟", "王芳、张伟", ["王芳", "张伟"], "person"),
    ("王芳, 张伟 ", "王芳、张伟", ["王芳", "张伟"], "person"),
    ("John Smith", "John Smith", ["John Smith"], "person"),
    ("李文科", "李文科", ["李文科"], "person"),               # a person's name ending in 科
    ("市工信局", "市工信局", ["市工信局"], "organisation"),
    ("市政府", "市政府", ["市政府"], "organisation"),
    ("省工业和信息化厅", "省工业和信息化厅", ["省工业和信息化厅"], "organisation"),
    ("市发展改革委", "市发展改革委", ["市发展改革委"], "organisation"),
    ("市中小企业服务中心", "市中小企业服务中心", ["市中小企业服务中心"], "organisation"),
    ("本网", "本网", ["本网"], "organisation"),
    ("新华社", "新华社", ["新华社"], "organisation"),
    ("市工信局、市财政局", "市工信局、市财政局", ["市工信局", "市财政局"], "organisation"),
    (".", None, [], None),
    ("佚名", None, [], None),
    (None, None, [], None),
])
def test_authorship(author, display, names, kind):
    assert authorship(author) == {"author": display, "authors": names, "author_kind": kind}
    assert kind is None or kind in AUTHOR_KINDS


@pytest.mark.parametrize("channel,title,body,want", [
    ("通知公告", "关于开展培训的通知", "正文", "notice"),
    ("政策文件", "实施细则", "正文", "notice"),
    ("工作动态", "企业座谈会召开（转载）", "正文", "reprint"),
    ("工作动态", "企业座谈会召开", "正文。\n（本文转自哈尔滨日报）", "reprint"),
    ("工作动态", "企业座谈会召开", "转自新华社：正文。", "reprint"),
    ("工作动态", "关于转发省厅文件的通知", "正文说到转载的规定。", "news"),
    (None, "企业座谈会召开", "正文", "news"),
])
def test_page_type_of_template_pages(channel, title, body, want):
    assert page_type(channel, title, body) == want and want in PAGE_TYPES


def test_record_has_the_fields():
    assert {"authors", "author_kind", "page_type"} <= set(RECORD_KEYS)


def test_migration_fills_old_rows_from_their_columns(tmp_path):
    db = tmp_path / "old.db"
    conn = schema.connect(str(db))
    for version, script in enumerate(schema.MIGRATIONS[:5], 1):    # an archive as v5 wrote it
        for stmt in schema._split(script):
            conn.execute(stmt)
        conn.execute(f"PRAGMA user_version = {version}")
    rows = [("http://a/1.html", "王芳 张伟", "工作动态", "dedecms", "标题一", "正文"),
            ("http://a/2.html", "市工信局", "通知公告", "trs", "通知", "正文"),
            ("http://a/3.html", None, "工作动态", "dedecms", "标题（转载）", "正文"),
            ("http://a/4.html", "本网", None, "generic", "标题", "正文")]
    conn.executemany("INSERT INTO articles (url, author, channel, extractor, title, body) "
                     "VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.close()
    with Archive.open(db, create=True) as ar:
        assert ar.schema_version == len(schema.MIGRATIONS) >= 6   # migrated to the latest, past v6
    got = sqlite3.connect(db).execute(
        "SELECT url, author, authors, author_kind, page_type FROM articles ORDER BY url").fetchall()
    assert [(u, a, json.loads(n), k, p) for u, a, n, k, p in got] == [
        ("http://a/1.html", "王芳 张伟", ["王芳", "张伟"], "person", "news"),
        ("http://a/2.html", "市工信局", ["市工信局"], "organisation", "notice"),
        ("http://a/3.html", None, [], None, "reprint"),
        ("http://a/4.html", "本网", ["本网"], "organisation", None),    # generic: its own page types
    ]


def test_written_rows_carry_the_fields(tmp_path):
    base = dict(site="harbin", title="企业座谈会召开", published_at="2021-10-22T08:19:00+08:00",
                published_raw="2021-10-22 08:19", date_flag=None, source="本站", editor=None,
                reviewer=None, channel="通知公告", breadcrumb="首页 > 通知公告", description=None,
                body="会议指出，要进一步优化营商环境。" * 5, clicks=1, pages=1, attachments=[], images=[],
                extractor="dedecms", fetched_at="2021-10-22T00:00:00+00:00")
    item = dict(base, url="http://127.0.0.1:1/a/x/2021/1022/1.html", author="市工信局",
                authors=["市工信局"], author_kind="organisation", page_type="notice")
    with Archive(tmp_path / "a.db") as ar:
        ar.write_articles([item])
        row = ar.conn.execute("SELECT authors, author_kind, page_type FROM articles").fetchone()
    assert (json.loads(row[0]), row[1], row[2]) == (["市工信局"], "organisation", "notice")


def test_archive_contract_words_record_columns_from_the_record():
    """store/contract.py takes each record column's description from record.py's field
    docs (the one definition), adding only how the archive stores it."""
    from portal_crawler.record import FIELD_DOCS
    from portal_crawler.store.contract import TABLES
    for table in ("articles", "article_versions"):
        cols = TABLES[table][1]
        shared = set(cols) & set(RECORD_KEYS)
        assert {"title", "body", "source", "published_at"} <= shared, table
        for name in shared:
            assert FIELD_DOCS[name].replace("None", "NULL") in cols[name], (table, name)
