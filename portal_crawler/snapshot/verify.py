"""``verify``: is a snapshot, bag, WACZ or live archive still what it says it is?

Checks, naming every problem found:

- fixity: a bag's sha256/sha512 manifests (bagit), a WACZ's ``datapackage.json``
  digests and sizes; every WARC record's payload digest and every gzip member;
- capture pointers: every archive row's ``(warc_file, warc_offset)`` resolves to a
  ``response`` record whose payload digest is the one the index gives;
- the index covers every capture (response and revisit records), and every index
  entry points at a record with its URL and digest.

The joins run in a temporary SQLite file, so memory stays flat on any archive size.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import sqlite3
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr
from base64 import b32encode
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from portal_crawler.store import cdxj, warcscan
from portal_crawler.store.warcscan import Irregular

__all__ = ["Problem", "Report", "verify"]


@dataclass
class Problem:
    kind: str          # fixity | missing | corrupt | digest | pointer | index
    where: str
    detail: str
    # What it was checked against, outermost first: "bag" (the bag's manifests), "wacz"
    # (the WACZ's datapackage), "" (records, pointers, indexes inside).
    scope: str = ""

    def __str__(self) -> str:
        return printable(f"{self.kind}: {self.where}: {self.detail}")


def printable(text: str, limit: int = 300) -> str:
    """One line a terminal shows as it is: damaged files put arbitrary bytes into URLs
    and error messages; control characters (ESC...) become U+FFFD, and it is cut."""
    text = "".join(c if c.isprintable() else "\ufffd" for c in str(text))
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


# Outermost first: the first tier holding a problem is the cause; the rest follow from it.
_TIERS = (lambda p: p.scope == "bag", lambda p: p.scope == "wacz", lambda p: p.kind == "corrupt",
          lambda p: p.kind == "missing", lambda p: p.kind == "digest", lambda p: True)


@dataclass
class Report:
    path: str
    kind: str                      # bag | wacz | archive
    problems: list[Problem] = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def causes(self) -> tuple[list[Problem], list[Problem]]:
        """(the problems that say what is wrong, the ones that follow from them): a
        flipped byte in a bag file is one changed file, and then every record, pointer
        and index entry inside it that no longer reads."""
        for tier in _TIERS:
            roots = [p for p in self.problems if tier(p)]
            if roots:
                return roots, [p for p in self.problems if not tier(p)]
        return [], []

    def summary(self) -> str:
        """The first line of the verdict, in words: ``1 file changed:
        data/records.jsonl, sha256 mismatch``; ``ok`` when there is no problem."""
        roots, _ = self.causes()
        if not roots:
            return "ok"
        groups: dict[tuple[str, str], list[Problem]] = {}
        for p in roots:
            groups.setdefault((_what(p), _file(p)), []).append(p)
        by_what: dict[str, list[str]] = {}
        for (what, file), ps in groups.items():
            algos = sorted({m.group(1) for p in ps if (m := re.match(r"(sha\d+) ", p.detail))})
            note = f", {' and '.join(algos)} mismatch" if algos else (
                "" if what in ("changed", "missing", "added") else f" ({ps[0].detail})")
            by_what.setdefault(what, []).append(file + note)
        parts = []
        for what, items in by_what.items():
            n = len(items)
            noun = _NOUNS.get(what, ("problem", "problems"))[n != 1]
            parts.append(f"{n} {noun} {what}: " + "; ".join(items[:5]) + (f"; and {n - 5} more" if n > 5 else ""))
        return printable("; ".join(parts), limit=1000)

    def lines(self, verbose: bool = False) -> list[str]:
        """What ``portal-crawler verify`` prints: the summary, then the follow-on
        findings counted by kind (listed with ``verbose``), every line printable."""
        if self.ok:
            return []
        roots, follow = self.causes()
        out = [self.summary()]
        if verbose:
            out += [f"  {p}" for p in self.problems]
        elif follow:
            kinds: dict[str, int] = {}
            for p in follow:
                kinds[p.kind] = kinds.get(p.kind, 0) + 1
            out.append(f"{len(follow)} follow-on finding{'s' if len(follow) != 1 else ''} "
                       f"({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}); --verbose lists them")
        return out


_NOUNS = {"changed": ("file", "files"), "missing": ("file", "files"), "added": ("file", "files"),
          "damaged": ("file", "files"), "with a wrong payload digest": ("capture", "captures"),
          "pointing at no capture": ("row", "rows"), "not indexed": ("capture", "captures")}


def _what(p: Problem) -> str:
    if p.kind == "fixity":
        return "added" if "in no manifest" in p.detail or "not in datapackage" in p.detail else "changed"
    return {"missing": "missing", "corrupt": "damaged", "digest": "with a wrong payload digest",
            "pointer": "pointing at no capture", "index": "not indexed"}.get(p.kind, p.kind)


def _file(p: Problem) -> str:
    """The file a problem is in: ``X.warc.gz:1234`` -> ``X.warc.gz``."""
    return re.sub(r":\d+$", "", p.where)


def verify(path: str | Path) -> Report:
    """Verify a bag directory, a ``.wacz`` file or a live archive (its SQLite file)."""
    p = Path(path)
    if p.is_dir() and (p / "bagit.txt").exists():
        return _verify_bag(p)
    if p.is_file() and p.suffix == ".wacz":
        rep = Report(str(p), "wacz")
        with _Ledger() as led:
            _scan_wacz(p, led, rep, "")
            led.finish(rep)
        return rep
    if p.is_file():
        from portal_crawler.store.archive import ArchiveError, check_archive_file
        try:
            check_archive_file(p)
        except ArchiveError as e:
            raise VerifyInputError(f"cannot verify {p}: not a snapshot, bag, WACZ or archive ({e})") from None
        return _verify_live(p)
    if not p.exists():
        raise VerifyInputError(f"{p} is not a snapshot, bag, WACZ or archive: nothing is there")
    raise VerifyInputError(f"cannot verify {p}: not a snapshot, bag, WACZ or archive")


class VerifyInputError(FileNotFoundError):
    """The path is no snapshot, bag, WACZ or archive: bad input, not a finding."""


# -- the ledger: records, index entries and pointers, joined in SQL ---------------------
class _Ledger:
    def __enter__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="verify-")
        self.folder = Path(self.tmp.name)           # the ledger, and the scan workers' parts
        self.db = sqlite3.connect(self.folder / "ledger.db")
        self.db.executescript(f"""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE {warcscan.RECORDS};
            CREATE TABLE idx (file TEXT, off INTEGER, url TEXT, digest TEXT, capture INTEGER);
            CREATE TABLE ptr (file TEXT, off INTEGER, what TEXT);
            CREATE TABLE files (file TEXT PRIMARY KEY);
        """)
        self.started: dict[str, warcscan.Pieces] = {}   # WARC name -> its scan, begun early
        return self

    def __exit__(self, *exc):
        for pieces in self.started.values():         # begun, never needed (a damaged package)
            pieces.close()
        self.db.close()
        self.tmp.cleanup()

    def start_scans(self, wacz: Path) -> None:
        """Begin the scans of a WACZ's large stored WARCs now, so that the workers run
        while this thread reads the rest (pointers, index, other entries); ``_scan_lean``
        takes each up when the WACZ's checks reach its entry. A WACZ that does not open
        is left to ``_scan_wacz``, which names the problem."""
        n = warcscan.workers()
        if n < 2:
            return
        try:
            with zipfile.ZipFile(wacz) as z:
                infos = [i for i in z.infolist() if _warc_entry(i.filename) and warcscan.in_pieces(i.file_size)]
                spans = {i.filename: (_stored_at(wacz, i), i.file_size) for i in infos}
        except (zipfile.BadZipFile, OSError):
            return
        for entry, (span, size) in spans.items():
            if span is not None and _warc_entry(entry) not in self.started:
                self.started[_warc_entry(entry)] = warcscan.Pieces(span[0], span[1], size, _warc_entry(entry), self.folder, n)

    def finish(self, rep: Report) -> None:
        ex = self.db.execute
        ex("CREATE INDEX rec_at ON rec(file, off, type, actual, declared, url)")      # covering: the joins read no row
        ex("CREATE INDEX idx_at ON idx(file, off, digest, url, capture)")
        rep.counts.update({"records": ex("SELECT count(*) FROM rec").fetchone()[0],
                           "captures": ex("SELECT count(*) FROM rec WHERE type IN ('response', 'revisit')").fetchone()[0],
                           "index_entries": ex("SELECT count(*) FROM idx").fetchone()[0],
                           "pointers": ex("SELECT count(*) FROM ptr").fetchone()[0]})
        add = rep.problems.append
        for file, off, type_, url, declared, actual in ex(
                "SELECT file, off, type, url, declared, actual FROM rec WHERE actual IS NOT NULL AND declared != actual"):
            add(Problem("digest", f"{file}:{off}", f"{url}: payload digest {actual}, record declares {declared}"))
        for file, off, what in ex("SELECT p.file, p.off, p.what FROM ptr p WHERE p.file NOT IN (SELECT file FROM files)"):
            add(Problem("pointer", f"{file}:{off}", f"{what}: WARC file {file} is not there"))
        for file, off, what, type_ in ex(
                "SELECT p.file, p.off, p.what, r.type FROM ptr p JOIN files f ON f.file = p.file "
                "LEFT JOIN rec r ON r.file = p.file AND r.off = p.off WHERE r.type IS NULL OR r.type != 'response'"):
            add(Problem("pointer", f"{file}:{off}", f"{what}: " + (
                "no record starts there" if type_ is None else f"a {type_} record, not a response")))
        for file, off, what, url, ok in ex(
                "SELECT p.file, p.off, p.what, r.url, coalesce(i.digest = r.actual, 0) FROM ptr p "
                "JOIN rec r ON r.file = p.file AND r.off = p.off AND r.type = 'response' "
                "LEFT JOIN idx i ON i.file = p.file AND i.off = p.off WHERE NOT coalesce(i.digest = r.actual, 0)"):
            add(Problem("pointer", f"{file}:{off}", f"{what}: the index has no entry with the payload digest of {url}"))
        for file, off, url in ex(
                "SELECT r.file, r.off, r.url FROM rec r LEFT JOIN idx i ON i.file = r.file AND i.off = r.off "
                "WHERE r.type IN ('response', 'revisit') AND i.file IS NULL"):
            add(Problem("index", f"{file}:{off}", f"capture of {url} is not in the index"))
        for file, off, url, digest, rurl, rdig in ex(
                "SELECT i.file, i.off, i.url, i.digest, r.url, r.declared FROM idx i "
                "JOIN files f ON f.file = i.file LEFT JOIN rec r ON r.file = i.file AND r.off = i.off "
                "WHERE r.file IS NULL OR r.url != i.url OR (i.capture AND r.declared != i.digest)"):
            add(Problem("index", f"{file}:{off}", f"entry for {url} " + (
                "points at no record" if rurl is None else f"does not match the record there ({rurl}, {rdig})")))
        for (file,) in ex("SELECT DISTINCT i.file FROM idx i WHERE i.file NOT IN (SELECT file FROM files)"):
            add(Problem("missing", file, "the index names this WARC file, which is not there"))


def _scan_warc(fh, name: str, led: _Ledger, rep: Report, size: int) -> None:
    """Record every record of one WARC stream of ``size`` bytes with warcio; a
    corrupt or truncated file is a problem."""
    led.db.execute("INSERT OR IGNORE INTO files VALUES (?)", (name,))
    it = ArchiveIterator(fh)
    rows = []
    last = end = 0
    # warcio writes what it cannot decompress (a damaged gzip member: "Error -3 while
    # decompressing data: incorrect data check") and a record's overrun (with its raw
    # bytes) straight to stderr, and reads on: they become this file's findings instead,
    # counted and labelled like the others.
    said = io.StringIO()

    def heard(at: int) -> None:
        msgs = dict.fromkeys(" ".join(m.split()) for m in said.getvalue().split("WARNING:") if m.strip())
        said.seek(0)
        said.truncate()
        for msg in msgs:
            what = "does not decompress" if "decompress" in msg else "is damaged"
            rep.problems.append(Problem("corrupt", name, f"the record at {at} {what} (warcio: {msg})"))

    with redirect_stderr(said):
        try:
            for rec in it:
                h1, n = hashlib.sha1(), 0
                for block in iter(lambda: rec.raw_stream.read(1 << 16), b""):
                    h1.update(block)
                    n += len(block)
                actual = "sha1:" + b32encode(h1.digest()).decode("ascii") if rec.rec_type == "response" else None
                last = it.get_record_offset()     # after reading: it reads the rest of the record
                end = last + it.get_record_length()
                heard(last)
                want = rec.payload_length if rec.payload_length is not None and rec.payload_length >= 0 else n
                if n < want:
                    rep.problems.append(Problem("corrupt", name, f"the record at {last} ends after {n} of its "
                                                                 f"{want} payload bytes: truncated"))
                h = rec.rec_headers
                rows.append((name, last, rec.rec_type, h.get_header("WARC-Target-URI"),
                             h.get_header("WARC-Payload-Digest"), actual))
                if len(rows) >= 5000:
                    led.db.executemany("INSERT INTO rec VALUES (?, ?, ?, ?, ?, ?)", rows)
                    rows.clear()
            heard(end)
            if end != size:
                # warcio stops quietly at a cut gzip member: the records must fill the file.
                rep.problems.append(Problem("corrupt", name, f"bytes {end}-{size} after the last whole record "
                                                             f"(at {last}) are not a record: truncated or damaged"))
        except Exception as e:  # noqa: BLE001 - any read failure is this file's problem
            heard(last)
            why = str(e).split(", first line:")[0]      # warcio quotes the damaged bytes
            rep.problems.append(Problem("corrupt", name, f"unreadable after offset {last}: {type(e).__name__}: {why}"))
    led.db.executemany("INSERT INTO rec VALUES (?, ?, ?, ?, ?, ?)", rows)


# What ends a lean scan early: its own refusal, or the stream failing under it (a zip
# entry's CRC is checked when its last block is read, before the records in that block).
_NOT_LEAN = (Irregular, OSError, EOFError, zipfile.BadZipFile)


def _scan_lean(fh, name: str, led: _Ledger, size: int, span: tuple[Path, int] | None = None) -> None:
    """The lean scan (store/warcscan.py) of a whole stream, or _NOT_LEAN: then its rows
    are dropped, and the caller reads the stream again with warcio (``_scan_warc``),
    which names the damage; a sound file gives the same rows either way.

    ``span`` (file, offset): where the stream's bytes lie as they are in a file (a live
    WARC, a WACZ's stored entry): a large one is scanned there in pieces by worker
    processes (``warcscan.Pieces``) while this thread reads ``fh`` through, if it is
    hashed (the entry's sha256 and zip CRC need every byte)."""
    led.db.execute("INSERT OR IGNORE INTO files VALUES (?)", (name,))
    n = warcscan.workers()
    try:
        pieces = led.started.pop(name, None)
        if pieces is None and span is not None and n > 1 and warcscan.in_pieces(size):
            pieces = warcscan.Pieces(span[0], span[1], size, name, led.folder, n)
        if pieces is not None:
            try:
                if isinstance(fh, _Hashing):
                    fh.drain()
                parts = pieces.parts()
            finally:
                pieces.close()
            led.db.commit()                        # no ATTACH inside a transaction
            for part in parts:
                led.db.execute("ATTACH DATABASE ? AS part", (str(part),))
                led.db.execute("INSERT INTO rec SELECT * FROM part.rec")
                led.db.commit()
                led.db.execute("DETACH DATABASE part")
                part.unlink()
            return
        rows = []
        for r in warcscan.scan(fh, size):
            rows.append((name, r.offset, r.rec_type, r.url, r.declared, r.actual))
            if len(rows) >= 5000:
                led.db.executemany("INSERT INTO rec VALUES (?, ?, ?, ?, ?, ?)", rows)
                rows.clear()
    except BaseException:
        led.db.execute("DELETE FROM rec WHERE file = ?", (name,))
        raise
    led.db.executemany("INSERT INTO rec VALUES (?, ?, ?, ?, ?, ?)", rows)


def _add_index_lines(lines, led: _Ledger, prefix: str = "") -> None:
    rows = []
    for ln in lines:
        if not ln.strip():
            continue
        _, _, d = cdxj.parse(ln)
        capture = int("method" not in d and d.get("mime") != "warc/request")
        rows.append((prefix + d["filename"], int(d["offset"]), d.get("url"), d.get("digest"), capture))
        if len(rows) >= 5000:
            led.db.executemany("INSERT INTO idx VALUES (?, ?, ?, ?, ?)", rows)
            rows.clear()
    led.db.executemany("INSERT INTO idx VALUES (?, ?, ?, ?, ?)", rows)


def _add_pointers(conn: sqlite3.Connection, led: _Ledger, prefix: str = "", only: set[str] | None = None) -> int:
    """Every capture pointer the archive rows hold; returns those left to another package.
    SQLite reads the pages' JSON and writes each pointer's label, so that rows go from
    one database to the other without a Python step each (issue #19: that step was a
    quarter of the main thread's time on 100k articles)."""
    sources = ["SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), 'article ' || a.id || ' ('"
               " || ifnull(a.url, 'None') || ') page ' || (j.key + 1) FROM articles a, json_each(a.warc_refs) j"
               " WHERE a.warc_refs IS NOT NULL"]
    for table, label in (("article_urls", "copy"), ("article_versions", "version")):
        sources.append(f"SELECT warc_file, warc_offset, '{label} ' || id || ' (' || ifnull(url, 'None') || ')' "
                       f"FROM {table} WHERE warc_file IS NOT NULL")
    # Attachments (schema v6): each file's capture, whose payload digest the scan checks
    # (a flipped byte in a file is a digest problem naming its URL).
    if any(r[1] == "warc_file" for r in conn.execute("PRAGMA table_info(attachments)")):
        sources.append("SELECT warc_file, warc_offset, 'attachment ' || id || ' (' || ifnull(url, 'None') || ')' "
                       "FROM attachments WHERE warc_file IS NOT NULL")
        sources.append("SELECT warc_file, warc_offset, 'resource ' || ifnull(url, 'None') "
                       "FROM resources WHERE warc_file IS NOT NULL")
    elsewhere = 0

    def kept(rows):
        nonlocal elsewhere
        for file, off, what in rows:
            if only is not None and file not in only:
                elsewhere += 1
            else:
                yield prefix + file, off, what
    for sql in sources:
        rows = conn.execute(sql)
        led.db.executemany("INSERT INTO ptr VALUES (?, ?, ?)", rows if only is None and not prefix else kept(rows))
    return elsewhere


class _Hashing(io.RawIOBase):
    """Reads a stream while hashing it (fixity and WARC scan in one pass)."""

    def __init__(self, fh):
        self.fh, self.h, self.n = fh, hashlib.sha256(), 0

    def readable(self):
        return True

    def read(self, k=-1):
        data = self.fh.read(k)
        self.h.update(data)
        self.n += len(data)
        return data

    def readinto(self, b):
        data = self.fh.read(len(b))
        self.h.update(data)
        self.n += len(data)
        b[:len(data)] = data
        return len(data)

    def drain(self):
        for block in iter(lambda: self.fh.read(1 << 20), b""):
            self.h.update(block)
            self.n += len(block)


def _scan_wacz(path: Path, led: _Ledger, rep: Report, label: str) -> dict:
    """Fixity of every entry against datapackage.json, WARC records, index entries."""
    where = label or path.name
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        rep.problems.append(Problem("corrupt", where, f"not a readable zip: {e}", "wacz"))
        return {}
    with z:
        names = set(z.namelist())
        try:
            package = json.loads(z.read("datapackage.json"))
            digest = json.loads(z.read("datapackage-digest.json"))
        except (KeyError, ValueError, zipfile.BadZipFile) as e:
            rep.problems.append(Problem("missing", where, f"no readable datapackage.json / datapackage-digest.json: {e}", "wacz"))
            return {}
        # The index first, while the WARCs' scans run (``_Ledger.start_scans``); what it
        # finds is reported in its place, after the entries'.
        unread = []
        for name in sorted(n for n in names if n.startswith("indexes/") and n.endswith((".cdx.gz", ".cdxj.gz", ".cdxj"))):
            try:
                with z.open(name) as raw:
                    stream = gzip.open(raw, "rt", encoding="utf-8") if name.endswith(".gz") else io.TextIOWrapper(raw, "utf-8")
                    _add_index_lines(stream, led)
            except (OSError, EOFError, ValueError) as e:
                unread.append(Problem("corrupt", f"{where}/{name}", f"unreadable index: {e}", "wacz"))
        if digest.get("hash") != "sha256:" + hashlib.sha256(z.read("datapackage.json")).hexdigest():
            rep.problems.append(Problem("fixity", f"{where}/datapackage.json", "digest differs from datapackage-digest.json", "wacz"))
        listed = set()
        for res in package.get("resources", []):
            name = res["path"]
            listed.add(name)
            if name not in names:
                rep.problems.append(Problem("missing", f"{where}/{name}", "listed in datapackage.json, not in the WACZ", "wacz"))
                continue
            try:
                hr = None
                warc = _warc_entry(name)
                if warc:
                    try:
                        with z.open(name) as raw:
                            hr = _Hashing(raw)
                            _scan_lean(hr, warc, led, z.getinfo(name).file_size, _stored_at(path, z.getinfo(name)))
                            hr.drain()
                    except _NOT_LEAN:
                        hr = None             # read again below, as warcio reads it
                if hr is None:
                    with z.open(name) as raw:
                        hr = _Hashing(raw)
                        if warc:
                            _scan_warc(io.BufferedReader(hr, 1 << 16), warc, led, rep, z.getinfo(name).file_size)
                        hr.drain()
            except (zipfile.BadZipFile, OSError, EOFError) as e:
                rep.problems.append(Problem("corrupt", f"{where}/{name}", f"unreadable: {e}", "wacz"))
                continue
            algo, _, want = res.get("hash", "").partition(":")
            if algo == "sha256" and (hr.h.hexdigest() != want or hr.n != res.get("bytes")):
                rep.problems.append(Problem("fixity", f"{where}/{name}",
                                            f"sha256 {hr.h.hexdigest()} ({hr.n} bytes), datapackage.json says {want} ({res.get('bytes')} bytes)",
                                            "wacz"))
        for extra in sorted(names - listed - {"datapackage.json", "datapackage-digest.json"}):
            rep.problems.append(Problem("fixity", f"{where}/{extra}", "in the WACZ but not in datapackage.json", "wacz"))
        rep.problems += unread
        rep.counts["wacz_entries"] = len(names)
        return package


def _warc_entry(name: str) -> str | None:
    """The WARC file name a WACZ entry holds, or None."""
    return name[len("archive/"):] if name.startswith("archive/") and ".warc" in name else None


def _stored_at(path: Path, info: zipfile.ZipInfo) -> tuple[Path, int] | None:
    """(``path``, offset of the entry's bytes) when a zip entry is stored as it is (the
    WACZ's WARCs), so workers can read it in place; else None."""
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
        return None
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        head = fh.read(30)                    # the local header: its name and extra lengths
    if len(head) != 30 or head[:4] != b"PK\x03\x04":
        return None
    return path, info.header_offset + 30 + int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")


def _bag_fixity(p: Path, rep: Report) -> None:
    """Every file a manifest lists is there with its digests; nothing unlisted in data/;
    Payload-Oxum holds. (bagit's own validate stops at the first failed check.) A file's
    problems are the cause ("bag" scope); the Oxum follows from them."""
    listed: dict[str, dict[str, str]] = {}
    for man in sorted(p.glob("manifest-*.txt")) + sorted(p.glob("tagmanifest-*.txt")):
        algo = man.stem.split("-", 1)[1]
        for ln in man.read_text(encoding="utf-8").splitlines():
            if ln.strip():
                digest, path = ln.split(None, 1)
                listed.setdefault(path.strip(), {})[algo] = digest.lower()
    if not any(p.glob("manifest-*.txt")):
        rep.problems.append(Problem("missing", "manifest-sha256.txt", "the bag has no payload manifest", "bag"))
    for rel, digests in sorted(listed.items()):
        f = p / rel
        if not f.is_file():
            rep.problems.append(Problem("missing", rel, "listed in the manifest, not in the bag", "bag"))
            continue
        hashes = {a: hashlib.new(a) for a in digests}
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                for h in hashes.values():
                    h.update(block)
        for a, h in hashes.items():
            if h.hexdigest() != digests[a]:
                rep.problems.append(Problem("fixity", rel, f"{a} {h.hexdigest()}, the manifest says {digests[a]}", "bag"))
    payload = [q for q in (p / "data").rglob("*") if q.is_file()]
    for q in payload:
        if q.relative_to(p).as_posix() not in listed:
            rep.problems.append(Problem("fixity", q.relative_to(p).as_posix(), "in the bag's payload but in no manifest", "bag"))
    info = p / "bag-info.txt"
    oxum = next((l.split(":", 1)[1].strip() for l in info.read_text(encoding="utf-8").splitlines()
                 if l.startswith("Payload-Oxum:")), None) if info.exists() else None
    actual = f"{sum(q.stat().st_size for q in payload)}.{len(payload)}"
    if oxum and oxum != actual:
        rep.problems.append(Problem("fixity", "bag-info.txt", f"Payload-Oxum {oxum}, the payload is {actual}"))
    rep.counts["bag_files"] = len(listed)


def _bag_pointers(data: Path, info: dict, led: _Ledger) -> tuple[list[Problem], int | None]:
    """The package database's capture pointers into the ledger: (problems, pointers
    left to the snapshot an incremental package depends on)."""
    if not (data / "archive.sqlite").exists():
        return [Problem("missing", "data/archive.sqlite", "the package's database is not there")], None
    conn = sqlite3.connect(f"file:{(data / 'archive.sqlite').resolve()}?mode=ro", uri=True)
    try:
        # An incremental package holds only its own WARC files; pointers into the
        # snapshot it depends on are counted, not checked here.
        only = set(info["warc_files"]) if info.get("depends_on") else None
        return [], _add_pointers(conn, led, only=only)
    except sqlite3.DatabaseError as e:
        return [Problem("corrupt", "data/archive.sqlite", str(e))], None
    finally:
        conn.close()


def _verify_bag(p: Path) -> Report:
    rep = Report(str(p), "bag")
    # The bag's fixity (sha256 and sha512 of every file; hashlib lets go of the GIL)
    # runs on a second thread, and the WACZ's WARCs are scanned by worker processes,
    # while this thread reads the archive's pointers, the index and the other entries:
    # the same work as one after the other, on every core.
    fixity = Report(str(p), "bag")
    with ThreadPoolExecutor(1, thread_name_prefix="verify-fixity") as pool:
        hashed = pool.submit(_bag_fixity, p, fixity)
        data = p / "data"
        info = {}
        if (data / "snapshot.json").exists():
            info = json.loads((data / "snapshot.json").read_text(encoding="utf-8"))
        with _Ledger() as led:
            wacz = data / "archive.wacz"
            if wacz.exists():
                led.start_scans(wacz)       # its WARCs' workers run while this thread reads on
            later, elsewhere = _bag_pointers(data, info, led)     # reported after the WACZ's findings
            if wacz.exists():
                _scan_wacz(wacz, led, rep, "data/archive.wacz")
            elif info.get("warc_files"):
                rep.problems.append(Problem("missing", "data/archive.wacz", "the package's WACZ is not there"))
            if elsewhere is not None:
                rep.counts["pointers_elsewhere"] = elsewhere
            rep.problems += later
            led.finish(rep)
        hashed.result()
    rep.problems[:0] = fixity.problems          # the bag's findings first, as they are the outermost
    rep.counts = {**fixity.counts, **rep.counts}
    return rep


def _verify_live(db: Path) -> Report:
    from portal_crawler.store.archive import Archive, ArchiveError
    from portal_crawler.store.paths import ArchivePaths
    rep = Report(str(db), "archive")
    folder = ArchivePaths.of(db).warc_dir
    try:
        ar = Archive.open(db, readonly=True)
        conn = ar.conn
        conn.execute("SELECT count(*) FROM articles").fetchone()
    except (ArchiveError, sqlite3.DatabaseError) as e:
        rep.problems.append(Problem("corrupt", str(db), f"not a readable archive: {e}"))
        return rep
    with _Ledger() as led:
        for warc in sorted(folder.glob("*.warc.gz")) if folder.exists() else []:
            try:
                with open(warc, "rb") as fh:
                    _scan_lean(fh, warc.name, led, warc.stat().st_size, (warc, 0))
            except _NOT_LEAN:
                with open(warc, "rb") as fh:
                    _scan_warc(fh, warc.name, led, rep, warc.stat().st_size)
            idx = cdxj.index_path(warc)
            opened = warc.with_name(warc.name[:-len(".warc.gz")] + cdxj.OPEN_SUFFIX)
            for source in (idx, opened):
                if source.exists():
                    with open(source, encoding="utf-8") as fh:
                        _add_index_lines(fh, led)
            if not idx.exists() and not opened.exists():
                rep.problems.append(Problem("index", warc.name, f"no index {idx.name} beside it "
                                                                 "(`portal-crawler snapshot` builds it)"))
        for idx in sorted(folder.glob("*.cdxj")) if folder.exists() else []:
            if not idx.with_name(idx.name[:-len(".cdxj")] + ".warc.gz").exists():
                rep.problems.append(Problem("missing", idx.name[:-len(".cdxj")] + ".warc.gz",
                                            f"indexed by {idx.name}, not there"))
        _add_pointers(conn, led)
        ar.close()
        led.finish(rep)
    return rep
