"""The archive writer: a process of its own that owns the SQLite archive for one run.

Dedup hashing, MinHash and full-text indexing are CPU work in Python; in their own
process they use the second core instead of slowing the crawl. The crawler side
(``pipelines/archive.py``) sends it batches and reads back counts.
"""
from __future__ import annotations

import os
import time
from collections import defaultdict

from portal_crawler.crawler.extensions.drift import site_profile
from portal_crawler.spawn import name_process
from portal_crawler.store import Archive


def _write_grouped(archive, batch: list[dict]) -> list[tuple[str, dict]]:
    by_site = defaultdict(list)
    for it in batch:
        by_site[it["site"]].append(it)
    return [(site, archive.write_articles(items)) for site, items in by_site.items()]


WRITER_NAME = "archive-writer"  # the process's name in ps / top (and the benchmarks' figures)
TERM_GRACE = 30.0   # s a writer told to stop (SIGTERM) waits for its crawler's "finish"
PARENT_POLL = 0.5   # s between checks that the crawler is still alive


def writer_main(path, sites, run_args, inbox, outbox, parent_pid=None, busy_timeout=None,
                term_grace=TERM_GRACE, stall: float = 0.0) -> None:
    """The archive writer process: owns the SQLite archive for one run.

    Messages in order: ("write", batch) -> ("counts", [(site, counts)]); ("sync",) ->
    ("synced",); ("finish", summary, reason) -> ("finished", peak_rss_mb). If the archive
    cannot be opened or written (another program's write lock outlasting the busy
    timeout, a full disk, a corrupt file) it says ("failed", one-line reason) and exits
    at once: the crawler stops the crawl.

    It ignores SIGINT (Ctrl-C reaches the whole process group; the crawler shuts down
    gracefully and says "finish"). SIGTERM gives the crawler TERM_GRACE seconds to say
    "finish" (``term_grace``), then the writer exits. It exits by itself, after writing what it was sent,
    as soon as its crawler is gone, however the crawler died: ``parent_pid`` is the
    crawler's pid taken before the writer started, so a crawler killed before the writer
    even ran is noticed too.

    ``stall`` (setting ``ARCHIVE_WRITER_STALL``, a test knob): seconds to sleep before
    the first write, as a writer held up by a slow disk or another program's lock is.
    """
    import queue
    import signal
    import sqlite3
    import sys
    from portal_crawler.store.schema import BUSY_TIMEOUT, describe
    name_process(WRITER_NAME)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    terminated: list[float] = []
    signal.signal(signal.SIGTERM, lambda *_: terminated.append(time.monotonic()))
    parent_pid = parent_pid or os.getppid()

    def crawler_alive() -> bool:
        return os.getppid() == parent_pid

    archive = run_id = None

    def fail(e: BaseException) -> None:
        reason = describe(path, e) if isinstance(e, (sqlite3.Error, OSError)) else \
            f"archive writer failed: {type(e).__name__}: {e}"
        if not isinstance(e, (sqlite3.Error, OSError)):
            import traceback
            traceback.print_exc()
        try:
            outbox.put(("failed", reason))
            if archive is not None and run_id is not None:
                # Best effort, quickly: the run row says why it ended (not possible on a
                # full disk or while the other program still holds its lock).
                archive.conn.execute("PRAGMA busy_timeout=1000")
                archive.finish_run(run_id, None, "archive_error")
        except Exception:  # noqa: BLE001 - the reason is already on its way
            pass
        finally:
            if archive is not None:
                try:
                    archive.close()
                except Exception:  # noqa: BLE001
                    pass
            outbox.close()
            outbox.join_thread()
            sys.exit(1)

    try:
        archive = Archive(path, busy_timeout=busy_timeout or BUSY_TIMEOUT)
        run_id = archive.start_run(sites=sites, args=run_args)
        outbox.put(("opened", run_id, {k: site_profile(archive.db, k) for k in sites}))
    except Exception as e:  # noqa: BLE001 - any failure to open ends the crawl, with its reason
        fail(e)
    while True:
        try:
            msg = inbox.get(timeout=PARENT_POLL)
        except queue.Empty:
            gone = not crawler_alive()
            if gone or (terminated and time.monotonic() - terminated[0] > term_grace):
                # The crawler died (or will not finish): everything sent is written.
                archive.close()
                return
            continue
        try:
            if msg[0] == "write":
                if stall:
                    time.sleep(stall)
                    stall = 0.0
                outbox.put(("counts", _write_grouped(archive, msg[1])))
            elif msg[0] == "sync":
                outbox.put(("synced",))
            elif msg[0] == "finish":
                archive.finish_run(run_id, msg[1], msg[2])
                archive.close()
                import resource
                outbox.put(("finished", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024))
                return
        except Exception as e:  # noqa: BLE001
            fail(e)
