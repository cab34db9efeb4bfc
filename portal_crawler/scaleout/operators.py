"""What an operator sees of a coordinated crawl (``portal-crawler workers --redis URL``).

A process that stops heartbeating (killed, frozen, cut off) is shown with a growing
``last_heartbeat_s``; once that passes ``SCALEOUT_DEAD_AFTER`` (6 s) the coordinator,
at its next check, returns the process's leased requests to the queue and drops it from
this list: within ``SCALEOUT_DEAD_AFTER`` + ``RETURN_SLACK_S`` seconds of its last
heartbeat (tested in tests/test_scaleout.py).
"""
from __future__ import annotations

from portal_crawler.scaleout.state import SharedRun, connect

# The coordinator checks every SCALEOUT_TICK (0.25 s); its event loop may be late by
# what one callback costs on a loaded machine. This is the bound the README states.
RETURN_SLACK_S = 2.0


def live_workers(redis_url: str, prefix: str | None = None) -> dict:
    """``{"queued": N, "stop": reason or None, "workers": [{id, role, host, leases,
    last_heartbeat_s, requests}]}`` (the coordinator first). ``ScaleoutError`` for a wrong
    or unreachable URL."""
    from portal_crawler.crawler import settings
    sh = SharedRun(connect(redis_url), prefix or settings.SCALEOUT_PREFIX, "operator", "operator")
    now = sh.now()
    rows = [{"id": wid, "role": hb.get("role"), "host": hb.get("host"), "leases": hb["leases"],
             "last_heartbeat_s": round(now - hb["t"], 2),
             "requests": int(hb.get("stats", {}).get("downloader/request_count", 0))}
            for wid, hb in sh.workers().items()]
    rows.sort(key=lambda r: (r["role"] != "coordinator", r["id"]))
    return {"queued": int(sh.server.zcard(sh.key("requests"))), "stop": sh.stopped(), "workers": rows}
