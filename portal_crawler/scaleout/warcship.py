"""WARC captures of workers whose disk is not the coordinator's reach the archive.

Every process writes its WARC files itself (``<time>-<host>-<pid>-NNNNN.warc.gz`` and
the ``.cdxj`` index beside each); the archive's pointers name files, not paths. A worker
whose WARC folder IS the archive's (same machine, or a network mount of it) has nothing
to do. Any other worker **ships** its files through Redis as it closes: in chunks of
``CHUNK`` bytes (``:warc:NAME`` hash, idempotent on a retry) and one entry per file
in ``:warc_files`` (chunks, size, SHA-256), before it leaves ``:workers``. The
coordinator, which waits for every live worker to leave, then **receives** them into
the archive's WARC folder (checked against the SHA-256, written under a temporary name
and renamed) before it records the run.

Which case a worker is in is tested, not configured: the coordinator leaves a marker
file (``.scaleout-<coordinator id>``) in the archive's WARC folder for the run; a worker
that sees it in its own WARC folder shares that folder.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from portal_crawler.store import cdxj

logger = logging.getLogger(__name__)

CHUNK = 4 << 20


def warc_folder(settings) -> Path:
    """This process's WARC folder (``WARC_DIR``, else the archive's: ``store/paths.py``)."""
    from portal_crawler.store.paths import warc_dir
    return Path(settings.get("WARC_DIR") or warc_dir(settings.get("PORTAL_DB"))).resolve()


def marker(folder: Path, coordinator_id: str) -> Path:
    return Path(folder) / f".scaleout-{coordinator_id}"


def shares_folder(folder: Path, coordinator_id: str) -> bool:
    """Is ``folder`` (a worker's WARC folder) the archive's WARC folder of this run?"""
    return marker(folder, coordinator_id).exists()


def ship(shared, folder: Path, prefix: str) -> list[str]:
    """Put this process's WARC files (named ``prefix-*``) and their indexes into Redis."""
    names = []
    for warc in sorted(Path(folder).glob(f"{prefix}-*.warc.gz")):
        for path in (warc, cdxj.index_path(warc)):
            if path.exists():
                _ship_file(shared, path)
                names.append(path.name)
    return names


def _ship_file(shared, path: Path) -> None:
    key, digest, n = shared.key("warc", path.name), hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            shared.server.hset(key, str(n), chunk)
            digest.update(chunk)
            n += 1
    shared.server.hset(shared.key("warc_files"), path.name, json.dumps(
        {"chunks": n, "size": path.stat().st_size, "sha256": digest.hexdigest(), "from": shared.worker_id}))


def receive(shared, folder: Path) -> list[str]:
    """Write every shipped file into ``folder`` (the archive's WARC folder); returns their
    names. A file that does not match its SHA-256 stays in Redis and is logged."""
    folder = Path(folder)
    got = []
    for name, raw in shared.server.hgetall(shared.key("warc_files")).items():
        name, meta = name.decode(), json.loads(raw)
        if Path(name).name != name or name.startswith("."):
            logger.error("shipped WARC file with a bad name ignored: %r", name)
            continue
        key, digest = shared.key("warc", name), hashlib.sha256()
        tmp = folder / (name + ".part")
        with open(tmp, "wb") as fh:
            for i in range(meta["chunks"]):
                chunk = shared.server.hget(key, str(i)) or b""
                digest.update(chunk)
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        if digest.hexdigest() != meta["sha256"]:
            tmp.unlink()
            logger.error("shipped WARC file %s from %s does not match its SHA-256; left in Redis",
                         name, meta.get("from"))
            continue
        os.replace(tmp, folder / name)
        shared.server.hdel(shared.key("warc_files"), name)
        shared.server.delete(key)
        got.append(name)
    return sorted(got)
