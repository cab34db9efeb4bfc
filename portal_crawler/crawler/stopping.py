"""Stopping a crawl on SIGINT / SIGTERM: at once, losing nothing downloaded, never a hang.

* First signal: "stopping" is printed at once; no request waiting for its turn is sent
  any more (the download handler refuses it: ``StopRequested``); what is on the wire
  finishes; its articles are committed by the writer; the crawl ends with finish
  reason ``shutdown`` (exit ``ExitCode.UNFINISHED``). If that takes longer than
  ``STOP_TIMEOUT`` seconds, the stop is forced.
* Second signal (or the timeout): forced. Downloads on the wire are cancelled, the
  writer is given ``STOP_FORCE_TIMEOUT`` seconds to commit what reached it, then the
  reactor stops.
* Whatever the reactor does, a watchdog thread ends the process
  ``STOP_FORCE_TIMEOUT + 1`` s after the forced stop began: a blocked event loop can
  delay an exit, never prevent it. The writer process then commits what it was sent
  by itself (``pipelines/writer.py``: it exits when its crawler is gone).

Components learn of a stop through two Scrapy signals sent on the crawler's signal
manager: ``crawl_stopping`` and ``crawl_force_stop`` (handlers take no arguments).
"""
from __future__ import annotations

import os
import signal
import sys
import threading

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

crawl_stopping = object()     # first SIGINT/SIGTERM: send nothing new, finish, commit
crawl_force_stop = object()   # second signal or STOP_TIMEOUT: cancel downloads, end now
# An item that a stop leaves without a callback to yield it (an article whose file request
# was still in the scheduler): sent as this signal (Scrapy's documented custom signals)
# with ``item=``; the archive pipeline stores it like any other.
item_at_stop = object()

__all__ = ["crawl_stopping", "crawl_force_stop", "item_at_stop", "StopRequested", "Stopper"]


class StopRequested(IgnoreRequest):
    """A request not sent (or cancelled on the wire) because the crawl is stopping."""


class Stopper:
    """Handles SIGINT and SIGTERM for one ``CrawlerProcess`` (installed by
    ``runner.run_crawler``, which starts the process without Scrapy's own handlers)."""

    def __init__(self, process, crawler, exit_code: int):
        s = crawler.settings
        self.process = process
        self.crawler = crawler
        self.exit_code = exit_code
        self.timeout = s.getfloat("STOP_TIMEOUT")
        self.force_timeout = s.getfloat("STOP_FORCE_TIMEOUT")
        self.signals = 0
        self.stopping = False
        self.forced = False
        self.done = threading.Event()
        self.engine_started = False
        self._old = {}
        crawler.signals.connect(self._engine_started, signal=signals.engine_started)

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return   # only the main thread may set handlers: a program's own thread keeps its own
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old[sig] = signal.signal(sig, self._on_signal)

    def uninstall(self) -> None:
        self.done.set()
        for sig, old in self._old.items():
            signal.signal(sig, old)

    # -- in the signal handler: only os.write and callFromThread (the interrupted code
    # may be in the middle of writing to the same stream, or of the event loop)
    def _on_signal(self, signum, _frame) -> None:
        if "twisted.internet.reactor" not in sys.modules:
            # Not reached (installed after the reactor; importing it here would install
            # the wrong one): nothing was fetched, end at once.
            os.write(2, b"stopping: nothing was fetched yet\n")
            os._exit(self.exit_code)
        from twisted.internet import reactor
        self.signals += 1
        if self.signals == 1:
            os.write(2, b"stopping: finishing the downloads on the wire and saving them "
                        b"(press Ctrl-C again to stop at once)\n")
            reactor.callFromThread(self._stop)
            threading.Thread(target=self._watch, name="stop-watchdog", daemon=True).start()
        elif self.signals == 2:
            os.write(2, b"stopping at once: saving what reached the archive writer\n")
            reactor.callFromThread(self._force)

    def _watch(self) -> None:
        """Force the stop after STOP_TIMEOUT; end the process if even that hangs."""
        from twisted.internet import reactor
        if self.done.wait(self.timeout):
            return
        reactor.callFromThread(self._force)
        if self.done.wait(self.force_timeout + 1.0):
            return
        os.write(2, b"stopping: the crawl did not end in time; exiting now\n")
        os._exit(self.exit_code)

    # -- on the reactor
    def _engine_started(self) -> None:
        self.engine_started = True
        if self.stopping:
            # A signal while the crawl was starting. Crawler.stop would do nothing here
            # (the engine is not "running" until this signal returns); the engine's own
            # stop, called during engine_started, ends the start (Scrapy issue 6916).
            from scrapy.utils.defer import deferred_from_coro
            deferred_from_coro(self.crawler.engine.stop_async())

    def _stop(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        self.crawler.signals.send_catch_log(signal=crawl_stopping)
        # The documented graceful stop: the engine closes the spider (reason "shutdown").
        # Before the engine runs, Crawler.stop would only mark the crawler and the
        # engine, once started, would never end: the stop waits for engine_started.
        if self.engine_started:
            self.process.stop()

    def _force(self) -> None:
        self._stop()
        if self.forced:
            return
        self.forced = True
        # Downloads on the wire are cancelled and the pipeline gives the writer its last
        # STOP_FORCE_TIMEOUT s: the graceful close already under way ends at once.
        self.crawler.signals.send_catch_log(signal=crawl_force_stop)
