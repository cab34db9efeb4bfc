"""Items of a coordinated crawl: workers relay them, the coordinator alone writes them."""
from __future__ import annotations

import asyncio
import json
import pickle
import time

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from portal_crawler.crawler.pipelines.archive import ArchivePipeline
from portal_crawler.scaleout import warcship
from portal_crawler.scaleout.node import reported
from portal_crawler.scaleout.state import SharedRun
from portal_crawler.scaleout.walks import merge_walks

# How long the coordinator waits, at its close, for live workers to report and leave
# (shipping WARC files through Redis takes a while: ~4 MB per chunk).
FINAL_WAIT = 600.0


class RelayPipeline:
    """Workers: each item goes to the coordinator through Redis (one archive writer)."""

    def __init__(self, crawler) -> None:
        self.shared = SharedRun.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        self.shared.relay(pickle.dumps(ItemAdapter(item).asdict(), protocol=pickle.HIGHEST_PROTOCOL))
        return item


class ScaleoutArchivePipeline(ArchivePipeline):
    """The coordinator's ArchivePipeline: also writes the items the workers relay, and
    records the workers' counts with the run."""

    PULL = 500

    def __init__(self, crawler):
        super().__init__(crawler)
        self.shared = SharedRun.for_crawler(crawler)

    def _closing_workers(self) -> list[str]:
        """Other processes still in ``:workers`` with a live heartbeat."""
        sh = self.shared
        now, dead = sh.now(), self.crawler.settings.getfloat("SCALEOUT_DEAD_AFTER")
        return [wid for wid, hb in sh.workers().items() if wid != sh.worker_id and now - hb["t"] <= dead]

    def _write_relayed(self, data: bytes) -> None:
        try:
            self.process_item(pickle.loads(data))
        except DropItem:
            pass

    def _pull(self) -> int:
        n = 0
        while (got := self.shared.take_items(self.PULL, self._write_relayed)):
            n += got
        return n

    def _drain(self) -> None:
        self._pull()
        super()._drain()

    async def close_spider(self, spider=None):
        sh, stats = self.shared, self.crawler.stats
        # Workers post their final counts (and ship their WARC files) as they close: wait
        # for every one still heartbeating, without blocking the event loop.
        deadline = time.monotonic() + FINAL_WAIT
        while self._closing_workers() and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        self._pull()
        shipped = await asyncio.to_thread(warcship.receive, sh, warcship.warc_folder(self.crawler.settings))
        stats.set_value("scaleout/warc_files_received", len(shipped))
        per_worker = {sh.worker_id: {"role": "coordinator", **_summary(reported(stats.get_stats()))}}
        for wid, raw in sh.server.hgetall(sh.key("final")).items():
            rec = json.loads(raw)
            for k, v in rec["stats"].items():
                stats.inc_value(k, v)
            per_worker[wid.decode()] = {"role": rec.get("role", "worker"), **_summary(rec["stats"]),
                                        **({"lost": True} if rec.get("lost") else {})}
        self.summary_extra = {"workers": per_worker}
        # Lists walked by workers count toward each channel's walk (scaleout/walks.py).
        spider = spider or self.crawler.spider
        merge_walks(spider.backfill, [json.loads(v) for v in sh.server.hvals(sh.key("walks"))])
        super().close_spider(spider)


def _summary(stats: dict) -> dict:
    return {"requests": int(stats.get("downloader/request_count", 0)),
            "articles": int(stats.get("item_scraped_count", 0)),
            "errors": int(stats.get("portal/errors", 0)),
            "warc_records": int(stats.get("warc/records", 0))}
