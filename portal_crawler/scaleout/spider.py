"""The portal spider on a shared run: only the coordinator seeds it and publishes the run."""
from __future__ import annotations

import dataclasses

from portal_crawler.crawler.spider import PortalSpider
from portal_crawler.crawler.stopping import StopRequested
from portal_crawler.scaleout import warcship
from portal_crawler.scaleout.node import SHARED_SETTINGS
from portal_crawler.scaleout.state import LEASE, SharedCounter, SharedRun

# PORTAL_RUN_ARGS entries that are not spider arguments.
_NOT_SPIDER_ARGS = ("sites", "resume")


class ScaleoutSpider(PortalSpider):
    """``PortalSpider`` whose requests go through the shared queue (``PORTAL_SPIDER``)."""

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        sh = SharedRun.for_crawler(crawler)
        spider.shared = sh  # (spider.backfill is the backfill state: crawler/backfill.py)
        spider.seeded = sh.role != "coordinator"
        if sh.role == "coordinator":
            s = crawler.settings
            if s.getbool("SCALEOUT_RESUME"):
                # --resume: keep the queue and dupefilter of the interrupted run; what its
                # processes held goes back into the queue; its ending is forgotten.
                for wid in sh.server.hkeys(sh.key("workers")):
                    sh.requeue(wid.decode())
                sh.server.delete(sh.key("workers"), sh.key("stop"), sh.key("final"), sh.key("config"),
                                 sh.key("walks"))
            else:
                sh.clear()
            f = spider.files   # before the config: a worker reads both once it sees the config
            sh.publish_files({"known_files": sorted(f.seen), "known_resources": sorted(f.seen_resources),
                              "recheck": f.recheck})
            run_args = s.getdict("PORTAL_RUN_ARGS")
            folder = warcship.warc_folder(s)
            folder.mkdir(parents=True, exist_ok=True)
            warcship.marker(folder, sh.worker_id).touch()  # workers that see it share the folder
            sh.publish({
                "coordinator": sh.worker_id,
                "db": str(s.get("PORTAL_DB")),
                "warc_dir": str(folder),
                "sites": [dataclasses.asdict(x) for x in spider.sites.values()],
                "spider_args": {**{k: v for k, v in run_args.items() if k not in _NOT_SPIDER_ARGS},
                                "full_lists": spider.full_lists},
                "backfill": list(spider.backfill.stored.values()),  # the archive's rows, for every worker
                "settings": {k: s.get(k) for k in SHARED_SETTINGS if s.get(k) is not None},
            }, spider.known)
        if spider.max_articles is not None:
            spider.scheduled = SharedCounter(sh.server, sh.key("scheduled"))
        return spider

    async def start(self):
        if self.shared.role == "coordinator":
            async for request in super().start():
                yield request
        self.seeded = True  # every seed is in the queue (the engine pushed each as it came)

    def on_error(self, failure):
        if failure.check(StopRequested):
            # Not sent (or cancelled) because this process stops: the request is not
            # done, so its lease stays and goes back to the queue as the process leaves.
            return super().on_error(failure)
        try:
            return super().on_error(failure)
        finally:
            self.shared.release(failure.request.meta.get(LEASE))

    # A file request the stop refused keeps its lease and goes back to the queue for
    # another process, which carries the article on (crawler/files.py: off here).
    files_sent_on_stop = False

    def claim_file(self, url: str) -> bool:
        """An attachment or page resource is fetched by one process of the run: the
        first to add its canonical URL to the run's shared set."""
        return bool(self.shared.server.sadd(self.shared.key("files"), url))

    def file_failed(self, failure):
        """An attachment or page resource that failed (crawler/files.py): its errback
        carries the article on (the next file, or the item); the lease goes once that is out."""
        try:
            yield from super().file_failed(failure)
        finally:
            self.shared.release(failure.request.meta.get(LEASE))
