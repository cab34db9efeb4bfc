"""AutoThrottle that respects each site's own delay.

Scrapy's AutoThrottle clamps every slot between one global minimum and maximum, so a
site configured slower than DOWNLOAD_DELAY could be sped up to it. Here a slot's floor
is its own configured delay (DOWNLOAD_SLOTS), never less.
"""
from __future__ import annotations

from scrapy.extensions.throttle import AutoThrottle


class SiteAutoThrottle(AutoThrottle):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.site_floor = {k: float(v.get("delay", 0)) for k, v in crawler.settings.getdict("DOWNLOAD_SLOTS").items()}
        self._current_key = None

    def _response_downloaded(self, response, request, spider=None):
        self._current_key = request.meta.get("download_slot")
        try:
            super()._response_downloaded(response, request, spider)
        finally:
            self._current_key = None

    def _adjust_delay(self, slot, latency, response) -> None:
        super()._adjust_delay(slot, latency, response)
        floor = self.site_floor.get(self._current_key)
        if floor is not None and slot.delay < floor:
            slot.delay = floor
