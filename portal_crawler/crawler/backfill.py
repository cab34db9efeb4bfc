"""The backfill frontier: which list pages of a channel hold only archived articles.

A channel's list is walked from its head (page 1, newest first). The archive keeps,
per site and channel (table ``list_frontier``), the head a walk began at (the first
entries of page 1 then), how many pages from that head were covered (every entry
archived), and whether the walk reached the last page (``complete``).

A crawl walks each channel page by page:
- until it meets the stored head again (one of its keys, or an entry dated before
  it), it keeps paging whatever it finds: articles between the current head and the
  stored one may be missing (a capped, filtered or killed run);
- once there, a complete channel stops at known articles (``--overlap`` more pages);
  an incomplete one jumps past where the stored walk ended (page
  ``pages + max(P - 2, 0) + 1``, P being the page the stored head is on now: new
  articles only push old ones back) and walks on towards the end.

At the end of a run (after its last article batch, in the same queue) each walk
reports a new frontier only when every page from its head up to where it met the
stored head, or to the list's end, was covered in this run; otherwise the stored
frontier stands. So caps (``--max-articles``), filters (``--since``), failed
requests and kills can delay completion, never make a gap permanent.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from portal_crawler.crawler.keyset import KeySet

# The head of a walk: the last entries of its page 1 (a pinned 置顶 entry stays at the
# top of page 1 for ever, so the first ones would be met again at once), and the date
# of the last one: an entry dated before it lies in that walk too (if the keys were
# deleted since).
HEAD_KEYS = 5


@dataclass
class PageState:
    url: str
    pending: set[str] = field(default_factory=set)   # article keys not archived yet
    skipped: bool = False    # an entry was left out (cap, --since, request budget)
    dates: list[str] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return not self.pending and not self.skipped


@dataclass
class ChannelWalk:
    site: str
    channel_url: str
    channel: str | None
    prior: dict | None                       # the stored frontier row, if any
    head_keys: list[str] = field(default_factory=list)
    head_date: str | None = None
    pages: dict[int, PageState] = field(default_factory=dict)   # depth -> state
    bridged: set[int] = field(default_factory=set)   # depths covered by the prior walk
    met_prior_at: int | None = None          # depth where the stored head was met
    end_depth: int | None = None             # depth of the list's last page, when read
    stopped_known_at: int | None = None      # complete channel: stopped at known articles
    list_requests: int = 0
    seen: KeySet = field(default_factory=KeySet)   # every entry key of this walk (8 bytes each)
    oldest: str | None = None                # oldest list date so far
    stale_new: int = 0                       # pages in a row without a new URL
    stale_age: int = 0                       # dated pages in a row not older than before
    jumped: bool = False

    # -- reading pages -----------------------------------------------------------
    def page(self, depth: int, url: str) -> PageState:
        st = self.pages.get(depth)
        if st is None:
            st = self.pages[depth] = PageState(url)
        return st

    def is_prior_head(self, key: str, date: str | None) -> bool:
        p = self.prior
        if not p or self.met_prior_at is not None:
            return False
        if key in (p.get("head_keys") or ()):
            return True
        hd = p.get("head_date")
        return bool(hd and date and date[:10] < hd[:10])

    def staleness(self, keys: list[str], dates: list[str]) -> tuple[int, int]:
        """Count this page towards the trap rules; (pages without new URLs, pages not older)."""
        new = [k for k in keys if k not in self.seen]
        self.seen.update(keys)
        self.stale_new = 0 if new else self.stale_new + 1
        if dates:
            low = min(dates)
            older = self.oldest is None or low < self.oldest
            self.stale_age = 0 if older else self.stale_age + 1
            self.oldest = low if older else self.oldest
        return self.stale_new, self.stale_age

    def jump_target(self, depth: int, named: dict) -> tuple[int, str] | None:
        """Where an incomplete channel resumes after meeting the stored head at ``depth``."""
        p = self.prior
        if self.jumped or not p or p.get("complete") or self.met_prior_at is None:
            return None
        target = self.stored_reach() + 1       # the first page not covered yet
        if target > depth + 1 and named.get(target):
            return target, named[target]
        # Lists named only by their next links: the stored page URL holds articles no
        # newer than it did (conservative: fewer pages are counted as covered).
        if int(p.get("pages") or 0) > depth + 1 and p.get("resume_url"):
            return int(p["pages"]), p["resume_url"]
        return None

    def stored_reach(self) -> int:
        """The last page now covered by the stored walk, once its head was met on page P.

        Its head keys were the last entries of its page 1; new articles only push old
        ones back, by s entries: one of them at old position >= 1 from the end of page
        1 is now on page P, so s >= (P - 2) n + 1 and the stored walk's last page F
        (old positions up to F n - 1) covers every page up to F + max(P - 2, 0).
        """
        return int(self.prior.get("pages") or 0) + max(self.met_prior_at - 2, 0)

    def jump(self, depth: int, target: int) -> None:
        self.jumped = True
        self.bridged.update(range(depth + 1, target))

    # -- the run's result --------------------------------------------------------
    def covered_depth(self) -> int:
        d = 0
        while (d + 1) in self.bridged or ((st := self.pages.get(d + 1)) is not None and st.covered):
            d += 1
        return d

    def report(self) -> dict | None:
        """The new frontier row, or None to keep the stored one."""
        c = self.covered_depth()
        if c == 0:
            return None
        p = self.prior
        complete = self.end_depth is not None and c >= self.end_depth
        pages, resume = c, None
        met = self.met_prior_at
        if p and not complete:
            if met is None or c < met:
                return None              # never joined the stored walk: it stands
            # Joined it: the stored coverage continues this run's (see jump_target).
            complete = bool(p.get("complete"))
            stored = self.stored_reach()
            if stored > c:
                pages, resume = stored, p.get("resume_url")
        real = [d for d in range(1, c + 1) if d in self.pages]
        dates = [x for d in real for x in self.pages[d].dates]
        if p and met is not None and p.get("oldest_date"):
            dates.append(p["oldest_date"])
        return {"site": self.site, "channel_url": self.channel_url, "channel": self.channel,
                "head_keys": self.head_keys, "head_date": self.head_date, "pages": pages,
                "resume_url": resume or (self.pages[max(real)].url if real else None),
                "oldest_date": min(dates) if dates else None, "complete": complete}


class Backfill:
    """Every channel walk of one run, and which article keys they wait for."""

    def __init__(self, stored: list[dict] | None = None):
        self.stored = {(r["site"], r["channel_url"]): r for r in (stored or [])}
        self.walks: dict[tuple[str, str], ChannelWalk] = {}
        self.waiting: dict[str, list[PageState]] = {}
        self.done_keys: set[str] = set()

    def walk(self, site: str, channel_url: str, channel: str | None) -> ChannelWalk:
        k = (site, channel_url)
        w = self.walks.get(k)
        if w is None:
            w = self.walks[k] = ChannelWalk(site, channel_url, channel, self.stored.get(k))
        return w

    def wait(self, page: PageState, key: str) -> None:
        if key in self.done_keys:
            return
        page.pending.add(key)
        self.waiting.setdefault(key, []).append(page)

    def done(self, key: str) -> None:
        """The article ``key`` was handed to the archive (or is not an article page)."""
        self.done_keys.add(key)
        for st in self.waiting.pop(key, ()):
            st.pending.discard(key)

    def report(self) -> list[dict]:
        return [r for w in self.walks.values() if (r := w.report()) is not None]


def describe(row: dict) -> str:
    """A channel's backfill state in words (``sites`` and ``stats`` show it)."""
    if row.get("complete"):
        return "complete"
    back = f", back to {row['oldest_date']}" if row.get("oldest_date") else ""
    return f"backfilling: {row.get('pages') or 0} list pages covered{back}"
