"""Which copy of an article is the canonical one.

Rule: the earliest published copy; on a tie the origin beats reposts (a copy whose
来源 names a newspaper or another site, or whose body carries a 转自 note, is a
repost); then the lowest id (the copy archived first).  Dates are compared at the
precision both copies have (`2021-10-22` ties with `2021-10-22T08:19:00+08:00`).
"""
from __future__ import annotations

import re
from functools import lru_cache

from portal_crawler.dedupe.normalise import has_repost_note

__all__ = ["is_repost", "new_copy_wins", "compare_published"]

_PAPER_OR_SITE = re.compile(r"报|网|新闻|电视|广播|通讯社|杂志|日报|客户端|微信公众号")


@lru_cache(maxsize=1)
def _site_names() -> dict[str, tuple[str, ...]]:
    """{site key: (name, short, short+网)} from the package's sites.toml (data, not code)."""
    from portal_crawler.sites.registry import packaged_data
    data = packaged_data()
    out = {}
    for s in data.get("sites", []):
        names = tuple(n for n in (s.get("name"), s.get("short")) if n)
        if s.get("short"):
            names += (s["short"] + "网",)
        out[s.get("key", "")] = names
    return out


def is_repost(site: str | None, source: str | None, body: str | None) -> bool:
    """True when this copy says it comes from elsewhere."""
    if has_repost_note(body):
        return True
    if not source:
        return False
    src = source.strip()
    own = _site_names().get(site or "", ())
    if any(n and n in src for n in own if n.endswith("网")) or src in ("本站", "本网", "原创"):
        return False
    others = [n for k, names in _site_names().items() if k != site for n in names[:1]]
    if any(n in src for n in others):
        return True
    return bool(_PAPER_OR_SITE.search(src))


def compare_published(a: str | None, b: str | None) -> int:
    """-1 if a is earlier, 1 if later, 0 on a tie (missing dates are latest)."""
    if a == b:
        return 0
    if not a:
        return 1
    if not b:
        return -1
    n = 10 if (len(a) <= 10 or len(b) <= 10) else 19
    x, y = a[:n], b[:n]
    return (x > y) - (x < y)


def new_copy_wins(new: dict, current: dict) -> bool:
    """Does the new copy (no id yet) replace the current canonical copy?"""
    c = compare_published(new.get("published_at"), current.get("published_at"))
    if c:
        return c < 0
    if bool(new.get("is_repost")) != bool(current.get("is_repost")):
        return not new.get("is_repost")
    return False      # lowest id: the current copy was archived first
