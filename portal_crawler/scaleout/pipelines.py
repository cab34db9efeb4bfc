"""Items of a coordinated crawl: workers relay them, the coordinator alone writes them."""
from __future__ import annotations

import asyncio
import json
import pickle
import time

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from portal_crawler.crawler.pipelines.archive import ArchivePipeline
from portal_crawler.scaleout.node import reported
from portal_crawler.scaleout.state import SharedRun
from portal_crawler.scaleout.walks import merge_walks

# How long the coordinator waits, at its close, for the workers' final reports.
FINAL_WAIT = 30.0


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
        # Workers post their final counts as they close; wait a little for the last ones
        # (without blocking the event loop: their heartbeats and ours go on).
        deadline = time.monotonic() + FINAL_WAIT
        while sh.server.hlen(sh.key("workers")) > 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        self._pull()
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
