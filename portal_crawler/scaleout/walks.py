"""Backfill walks across processes: lists walked by workers count toward a channel's walk.

A channel's list pages and the articles they name are fetched by whichever process
pops them, so each process holds part of every walk (``crawler/backfill.py``): the
pages it read (with the article keys each still waits for) and the article keys it
handed on. Each worker posts its part to ``:walks`` as it closes; the coordinator
merges every part into its own spider's walks before it reports the run's backfill state,
then a page is covered when every key it waits for was handed on by ANY process.

A worker that was lost (killed) posts nothing: the pages it read stay uncovered, so
the stored frontier stands where this run cannot prove coverage (never a gap).
"""
from __future__ import annotations

from portal_crawler.crawler.backfill import Backfill

# ChannelWalk fields a merge keeps: the lowest depth where a process saw the event.
_FIRST = ("met_prior_at", "end_depth", "stopped_known_at")


def walk_state(frontier: Backfill) -> dict:
    """This process's part of every walk, JSON-ready."""
    walks = []
    for w in frontier.walks.values():
        walks.append({
            "site": w.site, "channel_url": w.channel_url, "channel": w.channel,
            "head_keys": w.head_keys, "head_date": w.head_date, "jumped": w.jumped,
            "list_requests": w.list_requests, "bridged": sorted(w.bridged),
            **{k: getattr(w, k) for k in _FIRST},
            "pages": {str(d): {"url": p.url, "pending": sorted(p.pending), "skipped": p.skipped,
                               "dates": p.dates} for d, p in w.pages.items()},
        })
    return {"walks": walks, "done": sorted(frontier.done_keys)}


def merge_walks(frontier: Backfill, parts: list[dict]) -> None:
    """Merge other processes' parts (``walk_state``) into ``frontier``, in place."""
    done = set(frontier.done_keys)
    for part in parts:
        done.update(part["done"])
        for d in part["walks"]:
            w = frontier.walk(d["site"], d["channel_url"], d["channel"])
            if d["head_keys"] and not w.head_keys:  # read by the process that read page 1
                w.head_keys, w.head_date = list(d["head_keys"]), d["head_date"]
            w.jumped = w.jumped or d["jumped"]
            w.list_requests += d["list_requests"]
            w.bridged.update(d["bridged"])
            for k in _FIRST:
                seen = [x for x in (getattr(w, k), d[k]) if x is not None]
                setattr(w, k, min(seen) if seen else None)
            for depth, p in d["pages"].items():
                st = w.page(int(depth), p["url"])
                st.pending.update(p["pending"])
                st.skipped = st.skipped or p["skipped"]
                st.dates.extend(x for x in p["dates"] if x not in st.dates)
    for key in done:  # handed on by some process: no page waits for it any more
        frontier.done(key)
    for w in frontier.walks.values():  # (merged pages are not in the coordinator's waiting lists)
        for st in w.pages.values():
            st.pending -= done
