"""``snapshot``: one self-describing package of the archive, as a BagIt bag.

Layout (``OUT/`` is an RFC 8493 bag; sha256 and sha512 manifests)::

    bagit.txt, bag-info.txt, manifest-*.txt, tagmanifest-*.txt
    data/archive.wacz      WARCs + CDXJ index + pages (url, date, title, text) + datapackage.json
    data/archive.sqlite    consistent copy of the SQLite archive (backup API)
    data/records.jsonl     the record export, with copies, versions, attachments, images
    data/crawl_runs.jsonl  the crawl runs the package covers
    data/sites.toml        the sites file the crawls used
    data/snapshot.json     what the package holds and what it depends on
    data/README.txt        what each file is, how to replay it

The same archive state gives a byte-identical package: every time written inside is
the end of the latest crawl run covered, zip entries are sorted. The package is
built under a temporary name beside OUT and renamed at the end, so an interrupted
snapshot never looks complete. ``since_snapshot`` packages only the WARC files and
records added since the last snapshot recorded in ``<db stem>.snapshots/snapshots.jsonl``,
and names that snapshot as what it depends on.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from portal_crawler.store.paths import ArchivePaths
from portal_crawler.store import cdxj
from portal_crawler.store.archive import Archive
from portal_crawler.store.export import Filters, export
from portal_crawler.snapshot.wacz import create_wacz, write_pages

__all__ = ["snapshot", "SnapshotError", "snapshots_log", "SnapshotResult"]

PAYLOAD = ("archive.wacz", "archive.sqlite", "records.jsonl", "crawl_runs.jsonl", "sites.toml",
           "snapshot.json", "README.txt")


class SnapshotError(ValueError):
    """Bad snapshot input (existing output, no archive, nothing to snapshot)."""


@dataclass
class SnapshotResult:
    path: Path
    snapshot_id: str
    articles: int
    pages: int
    warc_files: list[str]
    bytes: int
    depends_on: str | None
    recorded_in: Path | None = None   # the log naming it (the fallback log on read-only media)


def snapshots_log(db: str | os.PathLike) -> Path:
    """Where an archive records its snapshots (one JSON line each)."""
    return ArchivePaths.of(db).snapshots / "snapshots.jsonl"


def fallback_log(db: str | os.PathLike) -> Path:
    """Where snapshots of an archive on read-only media are recorded (its own folder
    cannot take the line): the user's state folder, one log per archive path."""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    key = hashlib.sha256(str(Path(db).resolve()).encode("utf-8")).hexdigest()[:16]
    return state / "portal-crawler" / "snapshots" / f"{Path(db).stem}-{key}.jsonl"


def last_snapshot(db) -> dict | None:
    """The newest recorded snapshot of ``db``, from its log or the fallback log."""
    found = []
    for log in (snapshots_log(db), fallback_log(db)):
        if log.is_file():
            lines = [l for l in log.read_text(encoding="utf-8").splitlines() if l.strip()]
            if lines:
                found.append(json.loads(lines[-1]))
    return max(found, key=lambda e: e.get("recorded_at") or "", default=None)


def _record(db: Path, entry: dict) -> Path:
    """Append the snapshot to the archive's log; on read-only media to the fallback log
    (so that ``--since-snapshot`` finds it). Returns the log written."""
    entry = {**entry, "recorded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")}
    for log in (snapshots_log(db), fallback_log(db)):
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            return log
        except OSError as e:
            last = e
    raise SnapshotError(f"the snapshot in {entry['path']} is complete, but could not be recorded "
                        f"(--since-snapshot will not know it): {last.strerror or last}")


def _warcs(folder: Path, work: Path) -> dict[str, Path]:
    """name -> file to package: finished WARC files as they are; a file a crawl is still
    writing as a copy of its whole records so far (every capture the database copy,
    taken before, points at is in it)."""
    out = {}
    for p in sorted(folder.glob("*.warc.gz")):
        if not p.with_name(p.name[:-len(".warc.gz")] + cdxj.OPEN_SUFFIX).exists():
            try:
                cdxj.ensure_index(p)  # files written before indexes were kept get theirs now
            except OSError:           # read-only media: the package's WACZ has its own index
                pass
            out[p.name] = p
            continue
        size = p.stat().st_size
        copy = work / "open" / p.name
        copy.parent.mkdir(exist_ok=True)
        with open(p, "rb") as src, open(copy, "wb") as dst:
            shutil.copyfileobj(_Limited(src, size), dst)
        end = _whole_records(copy)
        if end:
            os.truncate(copy, end)
            out[p.name] = copy
    return out


class _Limited:
    def __init__(self, fh, n):
        self.fh, self.n = fh, n

    def read(self, k=-1):
        k = self.n if k < 0 else min(k, self.n)
        data = self.fh.read(k)
        self.n -= len(data)
        return data


def _whole_records(path: Path) -> int:
    """Where the last complete record of a WARC file ends (a crawl may be mid-write)."""
    from warcio.archiveiterator import ArchiveIterator
    end = 0
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        try:
            for rec in it:
                n = sum(len(b) for b in iter(lambda: rec.raw_stream.read(1 << 16), b""))
                off, length = it.get_record_offset(), it.get_record_length()
                if rec.payload_length is not None and 0 <= rec.payload_length != n:
                    break
                end = off + length
        except Exception:  # noqa: BLE001 - a partly written member ends the usable part
            pass
    return end


def _backup(db: Path, dst: Path) -> None:
    out = sqlite3.connect(dst)
    try:
        with Archive.open(db, readonly=True) as src:
            src.conn.backup(out)      # one consistent state, even while a crawl writes
        out.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        out.close()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def snapshot(db: str | os.PathLike, out: str | os.PathLike, *, since_snapshot: bool = False,
             organization: str = "", contact: str = "", description: str = "",
             sites_file: str | os.PathLike | None = None) -> SnapshotResult:
    """Write a snapshot package of archive ``db`` to the new directory ``out``."""
    db, out = Path(db), Path(out)
    if not db.is_file():
        raise SnapshotError(f"no archive at {db}")
    if out.exists():
        raise SnapshotError(f"{out} exists: a snapshot goes to a new directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        result = _build(db, tmp, out, since_snapshot=since_snapshot, organization=organization,
                        contact=contact, description=description, sites_file=sites_file)
        os.replace(tmp, out)          # complete, or not there at all
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    recorded = _record(db, result.pop("log"))
    return SnapshotResult(path=out, recorded_in=recorded, **result)


def _build(db: Path, tmp: Path, out: Path, *, since_snapshot, organization, contact, description,
           sites_file) -> dict:
    import bagit
    previous = last_snapshot(db) if since_snapshot else None
    if since_snapshot and previous is None:
        raise SnapshotError(f"--since-snapshot: no earlier snapshot of {db} is recorded")
    work = tmp / ".work"
    work.mkdir()
    # 1. The database first: every capture its rows point at is then already written.
    _backup(db, tmp / "archive.sqlite")
    conn = sqlite3.connect(f"file:{(tmp / 'archive.sqlite').resolve()}?mode=ro", uri=True)
    try:
        cur = conn.execute("SELECT * FROM crawl_runs ORDER BY id")
        cols = [d[0] for d in cur.description]
        runs = [dict(zip(cols, r)) for r in cur]
        if not runs:
            raise SnapshotError(f"{db} has no crawl run to snapshot")
        # The package is dated by the archive's state: the last run's end (its start
        # while it is still running), never the clock, so it is reproducible.
        stamp = dt.datetime.fromisoformat(max(r["finished_at"] or r["started_at"] for r in runs))
        folder = ArchivePaths.of(db).warc_dir
        available = _warcs(folder, work) if folder.exists() else {}
        sizes = {n: p.stat().st_size for n, p in available.items()}
        prev_files = previous["warc_files"] if previous else {}
        # A file is new, or grew since it was packaged (a crawl was writing it then).
        warcs = [p for n, p in available.items() if prev_files.get(n) != sizes[n]]
        prev_max = previous["max_article_id"] if previous else None
        prev_runs = set(previous["runs"]) if previous else set()
        covered = [r for r in runs if r["id"] not in prev_runs]
        if since_snapshot and not warcs and not covered:
            raise SnapshotError("nothing new since the last snapshot")
        max_id = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]

        # 2. Records: all, or those new or changed since the last snapshot.
        # Changed since: from the start of the first run the last snapshot did not cover.
        filters = Filters(changed_since=str(max(prev_runs))) if prev_runs else Filters()
        counts = export(conn, tmp / "records.jsonl", "jsonl", filters=filters,
                        with_=("copies", "versions", "attachments", "images"))
        with open(tmp / "crawl_runs.jsonl", "w", encoding="utf-8", newline="\n") as fh:
            for r in covered:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        pub = conn.execute("SELECT min(published_at), max(published_at) FROM articles"
                           + (" WHERE id > ?" if previous else ""), [prev_max] if previous else []).fetchone()

        # 3. The WACZ: the WARCs, their index, a page per article.
        names = {p.name for p in warcs}
        pages = 0
        if warcs:
            pages = write_pages(conn, {p.name: p.parent for p in warcs}, work / "pages.jsonl")
            create_wacz(warcs, work / "pages.jsonl", tmp / "archive.wacz",
                        title=f"portal-crawler archive {db.name}",
                        description=description or "Captures of the 中国中小企业XX网 SME portal network",
                        created=stamp)
    finally:
        conn.close()

    sites = Path(sites_file) if sites_file else _default_sites_file(db)
    shutil.copyfile(sites, tmp / "sites.toml")
    snap_id = f"{db.stem}-{stamp.astimezone(dt.timezone.utc).strftime('%Y%m%dT%H%M%SZ')}" + (
        "-incremental" if previous else "")
    run_ids = [r["id"] for r in covered]
    depends = (f"{previous['id']} (sha256 of its manifest-sha256.txt {previous['manifest_sha256']})"
               if previous else None)
    info = {
        "id": snap_id, "format": "portal-crawler snapshot 1", "archive": db.name,
        "created_from_state": stamp.isoformat(), "incremental": bool(previous), "depends_on": depends,
        "runs": run_ids, "warc_files": sorted(names),
        "articles": counts["articles"], "pages": pages,
        "published_range": list(pub), "capture_range": [runs[0]["started_at"], stamp.isoformat()] if not previous
        else [covered[0]["started_at"] if covered else None, stamp.isoformat()],
    }
    (tmp / "snapshot.json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (tmp / "README.txt").write_text(_readme(info), encoding="utf-8")
    shutil.rmtree(work)

    # 4. The bag. Bagging-Date is the archive state's date, not today's: reproducible.
    bag_info = {
        "Source-Organization": organization or "portal-crawler user",
        "Contact-Email" if "@" in contact else "Contact-Name": contact.removeprefix("mailto:") or "unknown",
        "External-Description": description or (
            "Web archive of the 中国中小企业XX网 SME portal network made by portal-crawler: "
            "WACZ (WARC captures, CDXJ index, pages), SQLite archive, record export."),
        "External-Identifier": snap_id,
        "Bagging-Date": stamp.astimezone(dt.timezone.utc).date().isoformat(),
        "Crawl-Runs": ", ".join(map(str, run_ids)) or "none",
        "Capture-Date-Range": " / ".join(x or "" for x in info["capture_range"]),
        "Published-Date-Range": " / ".join(x or "" for x in info["published_range"]),
        "Bag-Group-Identifier": db.stem,
    }
    if depends:
        bag_info["Depends-On"] = depends
    cwd = os.getcwd()
    try:
        bagit.make_bag(str(tmp), bag_info, processes=1, checksums=["sha256", "sha512"])
    finally:
        os.chdir(cwd)                 # make_bag changes directory and may not return
    for tm in tmp.glob("tagmanifest-*.txt"):   # bagit lists tag files in directory order
        lines = sorted(tm.read_text(encoding="utf-8").splitlines())
        tm.write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    log = {"id": snap_id, "path": str(out.resolve()), "archive_state": stamp.isoformat(),
           # Only finished runs count as packaged: one still running goes in the next one too.
           "runs": sorted(prev_runs | {r["id"] for r in covered if r["finished_at"]}), "warc_files": {**prev_files, **{n: sizes[n] for n in names}},
           "max_article_id": max_id, "incremental": bool(previous), "depends_on": previous["id"] if previous else None,
           "manifest_sha256": _sha256(tmp / "manifest-sha256.txt")}
    return {"snapshot_id": snap_id, "articles": counts["articles"], "pages": pages,
            "warc_files": sorted(names), "bytes": size, "depends_on": depends, "log": log}


def _default_sites_file(db: Path) -> Path:
    """The sites file beside the archive (the demo writes ``<stem>-sites.toml``), one in
    the working directory, or the packaged registry."""
    for p in (db.with_name(db.stem + "-sites.toml"), Path("sites.toml")):
        if p.is_file():
            return p
    from portal_crawler.sites import registry
    return Path(registry.__file__).with_name("sites.toml")


def _readme(info: dict) -> str:
    dep = f"\nThis is an incremental snapshot: it holds only what was added since {info['depends_on']}.\n" \
        if info["depends_on"] else ""
    return f"""portal-crawler snapshot {info['id']}
{dep}
archive.wacz       Web archive (WACZ 1.1.1): archive/*.warc.gz are the raw HTTP captures
                   (WARC 1.1, request + response, revisits for unchanged re-checks);
                   indexes/ the CDXJ index; pages/pages.jsonl one page per article
                   (URL, capture date, title, text); datapackage.json the digests.
                   Open it in ReplayWeb.page (https://replayweb.page, "Choose File")
                   or in pywb:  wb-manager init coll && wb-manager add coll archive.wacz
                   (or add the WARCs) && wayback, then http://localhost:8080/coll/<URL>.
archive.sqlite     The SQLite archive (schema: portal-crawler docs/schema.md):
                   articles, article_urls (copies), article_versions, attachments,
                   images, crawl_runs. Each article's warc_file/warc_offset names its
                   capture inside archive.wacz (archive/<warc_file>, byte offset).
records.jsonl      The records as JSON lines (portal-crawler export --with
                   copies,versions,attachments,images).
crawl_runs.jsonl   The crawl runs this snapshot covers: {', '.join(map(str, info['runs'])) or 'none'}.
sites.toml         The sites file of the crawls.
snapshot.json      What this package holds, the date ranges, what it depends on.

Check it: bagit.py --validate <bag>   or   portal-crawler verify <bag>
"""
