"""The same-article rule: when a copy joins an existing article.

Body similarity alone cannot tell a repost from the next notice of a templated series
(公示 of another support list, 通知 of another training, the next meeting report):
those share 60-80 % of their text.  What a repost keeps and a series member does not
is the title and the date.  So (README "Deduplication", rules R1-R4):

- R1 exact: the same normalised body (`body_hash`) and the same normalised title
  (`normalise_title`; skipped when either copy has no title) -> the same article, at
  any date (a page republished under another URL is still that page).
- R2 body: estimated Jaccard similarity of the bodies' 5-shingle sets >= `threshold`;
- R3 title: the normalised titles are equal, where both copies have a title;
- R4 date: the publication dates are at most `window_days` calendar days apart, where
  both copies have a date.
  Two copies are the same article when R1 holds, or R2, R3 and R4 all hold.
- R5 linkage: a copy joins a group only when it is the same article as EVERY copy
  already in the group (complete linkage), so a chain a~b~c never puts a and c in one
  article unless a~c holds too: every pair inside an article satisfies R1 or R2-R4.

`LENIENT` is the rule before schema v3 (body similarity to any one copy); it exists
to build old-style archives in tests and to show the difference in the study.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

from portal_crawler.dedupe.normalise import normalise_title

__all__ = ["Rule", "Member", "RULE", "LENIENT", "WINDOW_DAYS", "day_of", "member"]

# Verification threshold on the estimated Jaccard similarity (R2); see index.py and the
# README threshold study.
THRESHOLD = 0.3
# R4: reposts in the network appear the same day to a few days after the origin; a week
# covers a weekend and a slow editor, and still separates same-titled recurring items
# (monthly meetings, fortnightly notices).  Tuned in the study (README), not per page.
WINDOW_DAYS = 7


@dataclass(frozen=True)
class Member:
    """One copy as the rule sees it: signature entry id (None: no signature), the
    normalised title ("" = none), the publication day (date ordinal, None = unknown)
    and the exact body hash."""
    entry: int | None
    title_key: str
    day: int | None
    body_hash: str | None


def day_of(published_at: str | None) -> int | None:
    """Date ordinal of an ISO `published_at` (`2021-10-22` or with a time), else None."""
    if not published_at or len(published_at) < 10:
        return None
    try:
        return date.fromisoformat(published_at[:10]).toordinal()
    except ValueError:
        return None


def member(entry, title, published_at, body_hash) -> Member:
    return Member(entry, normalise_title(title), day_of(published_at), body_hash)


@dataclass(frozen=True)
class Rule:
    threshold: float = THRESHOLD
    titles: str = "same"                  # R3: "same" | "ignore"
    window_days: float | None = WINDOW_DAYS   # R4: None = any date
    linkage: str = "complete"             # R5: "complete" | "single" (any one copy)

    def __post_init__(self):
        if self.titles not in ("same", "ignore") or self.linkage not in ("complete", "single"):
            raise ValueError(f"bad rule {self}")

    @property
    def name(self) -> str:
        w = "any" if self.window_days is None else f"{self.window_days:g}d"
        return f"T={self.threshold:g} titles={self.titles} window={w} linkage={self.linkage}"

    def titles_agree(self, a: Member, b: Member) -> bool:
        return self.titles == "ignore" or not a.title_key or not b.title_key or a.title_key == b.title_key

    def same(self, a: Member, b: Member, sim: float) -> bool:
        """Are copies a and b (body similarity `sim`) the same article?  R1 or R2-R4."""
        if not self.titles_agree(a, b):
            return False
        if a.body_hash is not None and a.body_hash == b.body_hash:
            return True                                            # R1
        if sim < self.threshold:
            return False                                           # R2
        return (self.window_days is None or a.day is None or b.day is None
                or abs(a.day - b.day) <= self.window_days)         # R4

    def joins(self, new: Member, members: Sequence[Member], sims: Sequence[float]) -> bool:
        """Does `new` join the group `members` (sims[i]: body similarity to members[i])?"""
        ok = (self.same(new, m, s) for m, s in zip(members, sims))
        return all(ok) if self.linkage == "complete" else any(ok)


RULE = Rule()
LENIENT = Rule(titles="ignore", window_days=None, linkage="single")
