"""Export the archive's records as JSONL, CSV or Parquet, streaming.

The record is the ``articles`` row as the schema defines it (README "Archive
schema"); the columns are read from the database, not restated here. ``with_`` adds
the side tables ``copies`` (article_urls), ``versions`` (article_versions),
``attachments`` and ``images``: nested in each JSONL record, or as side tables
beside a CSV / Parquet file (``out.csv`` -> ``out.copies.csv``, ...).

Rows are read with one cursor per table, all ordered by article id, and joined as
they stream (a merge join), so memory stays flat whatever the archive's size.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

from portal_crawler.store.records import LIST_COLS

__all__ = ["SIDE_TABLES", "FORMATS", "Filters", "ExportError", "export", "iter_records"]

FORMATS = ("jsonl", "csv", "parquet")
# name in the export -> (table, its article key column)
SIDE_TABLES = {"copies": ("article_urls", "article_id"), "versions": ("article_versions", "article_id"),
               "attachments": ("attachments", "article_id"), "images": ("images", "article_id")}
# Columns the schema documents as JSON text: nested values in JSONL.
JSON_COLUMNS = {"warc_refs", "changed_fields", "attachments", "images", *LIST_COLS}
_ARROW = {"INTEGER": "int64", "REAL": "float64", "TEXT": "string", "BLOB": "binary"}
PARQUET_ROWS = 10_000          # rows per Parquet row group (bounds memory)


class ExportError(ValueError):
    """Bad export input (unknown run, unreadable timestamp, impossible output)."""


@dataclass
class Filters:
    sites: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    since: str | None = None          # published on or after (date or datetime)
    until: str | None = None          # published on or before
    changed_since: str | None = None  # a crawl run id or an ISO timestamp
    min_id: int | None = None         # articles with id > min_id (incremental snapshots)


def columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """(name, declared type) of a table's columns, in order."""
    return [(r[1], (r[2] or "TEXT").upper()) for r in conn.execute(f"PRAGMA table_info({table})")]


def _changed_since(conn, value: str) -> str:
    """The UTC timestamp from which a change counts, from a run id or a timestamp."""
    if value.isdigit():
        run = conn.execute("SELECT id FROM crawl_runs WHERE id = ?", (int(value),)).fetchone()
        if run is None:
            raise ExportError(f"--changed-since {value}: no crawl run with that id")
        nxt = conn.execute("SELECT min(started_at) FROM crawl_runs WHERE id > ?", (int(value),)).fetchone()[0]
        return nxt or "9999"            # no later run: nothing changed since
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ExportError(f"--changed-since {value!r} is neither a run id nor an ISO date/time") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def _where(conn, f: Filters) -> tuple[str, list]:
    conds, params = [], []
    if f.sites:
        conds.append(f"a.site IN ({', '.join('?' * len(f.sites))})")
        params += f.sites
    if f.channels:
        conds.append(f"a.channel IN ({', '.join('?' * len(f.channels))})")
        params += f.channels
    if f.since:
        conds.append("substr(a.published_at, 1, ?) >= ?")
        params += [len(f.since), f.since]
    if f.until:
        conds.append("substr(a.published_at, 1, ?) <= ?")
        params += [len(f.until), f.until]
    if f.changed_since:
        t = _changed_since(conn, f.changed_since)
        # Changed: the record is new or edited, or it gained a copy (a new URL).
        conds.append("(a.updated_at >= ? OR a.id IN (SELECT article_id FROM article_urls WHERE first_seen >= ?))")
        params += [t, t]
    if f.min_id is not None:
        conds.append("a.id > ?")
        params.append(f.min_id)
    return (" WHERE " + " AND ".join(conds)) if conds else "", params


def _rows(conn, sql: str, params) -> Iterator[dict]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    for row in cur:
        yield dict(zip(names, row))


def iter_records(conn: sqlite3.Connection, filters: Filters | None = None,
                 with_: tuple[str, ...] = ()) -> Iterator[tuple[dict, dict[str, list[dict]]]]:
    """(article row, {side table: its rows}) for each selected article, by id."""
    where, params = _where(conn, filters or Filters())
    main = _rows(conn, f"SELECT a.* FROM articles a{where} ORDER BY a.id", params)
    sides = {}
    for name in with_:
        table, key = SIDE_TABLES[name]
        order = ", t.version" if name == "versions" else ""
        sides[name] = _peekable(_rows(conn, f"SELECT t.* FROM {table} t WHERE t.{key} IN "
                                            f"(SELECT a.id FROM articles a{where}) ORDER BY t.{key}{order}, t.rowid",
                                      params))
    for art in main:
        out = {}
        for name, it in sides.items():
            key = SIDE_TABLES[name][1]
            got = []
            while it.head is not None and it.head[key] == art["id"]:
                got.append(it.pop())
            out[name] = got
        yield art, out


class _peekable:
    def __init__(self, it):
        self.it = it
        self.head = next(it, None)

    def pop(self):
        h, self.head = self.head, next(self.it, None)
        return h


def _nest(row: dict) -> dict:
    for k in JSON_COLUMNS & row.keys():
        if isinstance(row[k], str):
            try:
                row[k] = json.loads(row[k])
            except ValueError:
                pass
    return row


def side_path(out: Path, name: str) -> Path:
    """``records.csv`` -> ``records.copies.csv``."""
    return out.with_name(f"{out.stem}.{name}{out.suffix}")


def export(source, out: str | os.PathLike | IO[bytes] | None,
           fmt: str = "jsonl", *, filters: Filters | None = None, with_: tuple[str, ...] = (),
           bom: bool = False) -> dict:
    """Write the selected records of ``source`` (an open ``Archive``, or a connection;
    users call ``Archive.open(path, readonly=True).export(...)``) to
    ``out`` (a path, a binary stream, or None for stdout); returns {"articles": n,
    <side table>: n, "files": [paths written]}."""
    conn = getattr(source, "conn", source)      # an open Archive, or its connection
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    bad = [w for w in with_ if w not in SIDE_TABLES]
    if bad:
        raise ExportError(f"--with {bad[0]!r}: choose from {', '.join(SIDE_TABLES)}")
    stream = out is None or hasattr(out, "write")
    if stream and with_ and fmt != "jsonl":
        raise ExportError(f"--with writes side tables beside a {fmt} file: give an output file, not stdout")
    counts = {"articles": 0, **{w: 0 for w in with_}, "files": []}
    records = iter_records(conn, filters, tuple(with_))
    if fmt == "jsonl":
        fh, close = _open_out(out)
        try:
            w = io.TextIOWrapper(fh, encoding="utf-8", newline="\n", write_through=False)
            for art, sides in records:
                rec = _nest(art)
                for name, rows in sides.items():
                    rec[name] = [_nest(r) for r in rows]
                    counts[name] += len(rows)
                w.write(json.dumps(rec, ensure_ascii=False) + "\n")
                counts["articles"] += 1
            w.flush()
            w.detach()
        finally:
            close()
    else:
        tables = {"articles": columns(conn, "articles"),
                  **{w: columns(conn, SIDE_TABLES[w][0]) for w in with_}}
        writers = {}
        base = None if stream else Path(out)
        try:
            for name, cols in tables.items():
                target = out if stream else (base if name == "articles" else side_path(base, name))
                writers[name] = (_CsvTable if fmt == "csv" else _ParquetTable)(target, cols, bom=bom)
                if not stream:
                    counts["files"].append(str(target))
            for art, sides in records:
                writers["articles"].add(art)
                counts["articles"] += 1
                for name, rows in sides.items():
                    for r in rows:
                        writers[name].add(r)
                    counts[name] += len(rows)
        finally:
            for wr in writers.values():
                wr.close()
    if fmt == "jsonl" and not stream:
        counts["files"].append(str(out))
    return counts


def _open_out(out):
    if out is None:
        return sys.stdout.buffer, lambda: sys.stdout.buffer.flush()
    if hasattr(out, "write"):
        return out, lambda: out.flush()
    fh = open(out, "wb")
    return fh, fh.close


class _CsvTable:
    def __init__(self, target, cols, bom=False):
        self.fh, self._close = _open_out(target)
        self.text = io.TextIOWrapper(self.fh, encoding="utf-8-sig" if bom else "utf-8", newline="")
        self.names = [c for c, _ in cols]
        self.w = csv.writer(self.text)
        self.w.writerow(self.names)

    def add(self, row: dict) -> None:
        self.w.writerow([row.get(c) for c in self.names])

    def close(self) -> None:
        self.text.flush()
        self.text.detach()
        self._close()


class _ParquetTable:
    """Row groups of PARQUET_ROWS rows, with the schema from the declared column types
    (an all-NULL column would otherwise become type null)."""

    def __init__(self, target, cols, bom=False):
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise ExportError("Parquet needs pyarrow: pip install 'portal-crawler[parquet]'") from None
        self.pa = pa
        self.schema = pa.schema([(c, getattr(pa, _ARROW.get(t, "string"))()) for c, t in cols])
        self.names = [c for c, _ in cols]
        self.sink, self._close = _open_out(target) if hasattr(target, "write") or target is None else (str(target), lambda: None)
        self.w = pq.ParquetWriter(self.sink, self.schema, compression="zstd")
        self.buf: list[dict] = []

    def add(self, row: dict) -> None:
        self.buf.append(row)
        if len(self.buf) >= PARQUET_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.buf:
            self.w.write_table(self.pa.Table.from_pylist(self.buf, schema=self.schema))
            self.buf = []

    def close(self) -> None:
        self._flush()
        self.w.close()
        self._close()
