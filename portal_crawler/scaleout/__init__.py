"""Scale-out: one crawl on many processes and machines through a shared Redis
(the ``scaleout`` extra: redis, scrapy-redis; docs/design.md section 9).

``coordinate`` (``portal_crawler.crawl(..., redis=URL)``) runs the coordinator,
``work`` (``portal_crawler.work(URL)``) a worker, ``live_workers`` lists the processes
of a run (``portal-crawler workers --redis URL``). The crawl core never imports this
package: it is wired in by settings (dotted class paths, ``node.node_settings``).
"""
from __future__ import annotations

__all__ = ["coordinate", "work", "live_workers", "ScaleoutError"]


def __getattr__(name):
    # Lazy: `import portal_crawler.scaleout` does not import Scrapy or redis.
    if name == "coordinate":
        from portal_crawler.scaleout.coordinator import coordinate
        return coordinate
    if name == "work":
        from portal_crawler.scaleout.worker import work
        return work
    if name == "live_workers":
        from portal_crawler.scaleout.operators import live_workers
        return live_workers
    if name == "ScaleoutError":
        from portal_crawler.scaleout.state import ScaleoutError
        return ScaleoutError
    raise AttributeError(name)
