"""Deterministic article content from (seed, site, aid): no storage, a few tens of
microseconds an article.  Paragraphs are tuples so renderers and truth share them:
("t", text) | ("img", src, alt) | ("att", label, href, name)."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import resources

from portal_crawler.replica import vocab as V

PREFIXES = ["", "我市", "全省", "高新区", "开发区", "县域", "2021年", "新区", "市区两级", "各地"]
TAILS = sorted(set(V.TITLE_TAILS))
_DIMS = [len(PREFIXES), len(V.SUBJECTS), len(V.VERBS), len(V.OBJECTS), len(TAILS)]
_M = 1
for _d in _DIMS:
    _M *= _d
_P = 104729                     # prime, coprime to _M: idx -> idx*P mod M is a bijection


def mix(*xs: int) -> int:
    """splitmix64-style hash of ints: stable across processes (unlike hash(str))."""
    h = 0x9E3779B97F4A7C15
    for x in xs:
        h = (h ^ (x & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        h = (h ^ (h >> 31)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
        h ^= h >> 29
    return h


def unique_title(site_idx: int, aid: int) -> str:
    """Titles unique across the whole network (a bijection on (site, aid))."""
    n = (aid - 1) * 25 + site_idx
    cycle, n = divmod(n, _M)
    k = n * _P % _M
    parts = []
    for d, words in zip(_DIMS, (PREFIXES, V.SUBJECTS, V.VERBS, V.OBJECTS, TAILS)):
        k, r = divmod(k, d)
        parts.append(words[r])
    t = "".join(parts)
    return t + (f"（之{cycle + 1}）" if cycle else "")


_PL, _OR, _IN, _VB, _NO, _AD, _UN = (V.PLACES, V.ORGS, V.INDUSTRIES, V.VERBS2, V.NOUNS,
                                     V.ADVS, V.UNITS)
_NPL, _NOR, _NIN, _NVB, _NNO, _NAD, _NUN = map(len, (_PL, _OR, _IN, _VB, _NO, _AD, _UN))


def clause(rng: random.Random) -> str:
    """One clause from a small grammar; numbers and slot words keep articles distinct.
    Slots come from one 64-bit draw (inline arithmetic: this is the hot path)."""
    r = rng.getrandbits(64)
    kind = r % 6
    r //= 6
    a = _PL[r % _NPL]
    r //= _NPL
    b = _OR[r % _NOR]
    r //= _NOR
    c = _IN[r % _NIN]
    r //= _NIN
    d = _VB[r % _NVB]
    r //= _NVB
    e = _NO[r % _NNO]
    r //= _NNO
    f = _AD[r % _NAD]
    r //= _NAD
    n = 2 + r % 997
    if kind == 0:
        return f"{a}{b}{f}{d}{c}企业{n}{_UN[(r // 997) % _NUN]}"
    if kind == 1:
        return f"围绕{e}{d}{c}行业重点企业"
    if kind == 2:
        return f"{b}{f}协调解决{a}{c}企业{e}问题{n % 90 + 3}个"
    if kind == 3:
        return f"{1 + n % 12}月{1 + n % 28}日，{a}{b}组织{c}企业开展{e}{d}活动"
    if kind == 4:
        return f"全年{d}{e}项目{n}个，同比增长{n % 40 + 1}.{n % 10}%"
    return f"{a}{f}推进{c}产业{e}，{V.PHRASES[(r // 997) % len(V.PHRASES)]}"


def sentence(rng: random.Random) -> str:
    return "，".join(clause(rng) for _ in range(1 + rng.getrandbits(8) % 3)) + "。"


def paragraph(rng: random.Random) -> str:
    return "".join(sentence(rng) for _ in range(1 + rng.getrandbits(8) % 3))


@dataclass
class Article:
    site: str
    aid: int
    tid: int
    title: str
    time: datetime              # displayed publish time
    time_fmt: str               # "min" | "sec" | "date"
    entry: datetime             # entry date: the date in the URL
    source: str
    author: str | None          # None = no 作者 field; "." = placeholder
    editor: str | None
    reviewer: str | None
    description: str | None
    show_intro: bool
    paras: list = field(default_factory=list)
    npages: int = 1
    clicks: int = 0
    keywords: str = ""
    edited_epoch: int | None = None
    authors: tuple = ()         # the names behind `author` when it lists several / an office
    author_org: bool = False    # the author is an organisation (issuing office, 本网)

    def copy(self, **kw) -> "Article":
        kw.setdefault("paras", list(self.paras))
        return replace(self, **kw)

    @property
    def published_raw(self) -> str:
        f = {"min": "%Y-%m-%d %H:%M", "sec": "%Y-%m-%d %H:%M:%S", "date": "%Y-%m-%d"}
        return self.time.strftime(f[self.time_fmt])

    @property
    def published_at(self) -> str:
        if self.time_fmt == "date":
            return self.time.strftime("%Y-%m-%d")
        t = self.time if self.time_fmt == "sec" else self.time.replace(second=0)
        return t.strftime("%Y-%m-%dT%H:%M:%S") + "+08:00"

    def page_paras(self) -> list[list]:
        """Split paragraphs into npages nearly equal pages."""
        n = self.npages
        if n == 1:
            return [self.paras]
        size = -(-len(self.paras) // n)
        return [self.paras[i * size:(i + 1) * size] for i in range(n)]


def describe(first: str) -> str:
    """DedeCMS auto-description: a cut of the first paragraph, ending at a comma."""
    cut = first[:80]
    i = cut.rfind("，")
    return cut[:i + 1] if i > 10 else cut


def generate(seed: int, site_idx: int, site_key: str, aid: int, tid: int,
             channel: str, time: datetime, entry: datetime, clicks: int,
             allow_multi: bool) -> Article:
    rng = random.Random(mix(seed, site_idx, aid, 1))
    paras: list = [("t", paragraph(rng)) for _ in range(rng.randint(3, 10))]
    r = rng.random()
    if r < 0.15:          # one image, alt sometimes missing
        d = entry.strftime("%y%m%d")
        alt = rng.choice(V.OBJECTS) if rng.random() < 0.6 else None
        paras.insert(rng.randint(1, len(paras)),
                     ("img", f"/uploads/allimg/{d}/1-{d}{aid:06d}.jpg", alt))
    att_p = 0.5 if channel in V.NOTICE_CHANNELS else 0.08
    if rng.random() < att_p:
        d = entry.strftime("%y%m%d")
        for j in range(rng.randint(1, 2)):
            ext = rng.choice(V.ATTACH_EXT)
            # Half the archives are OFD documents instead (decided by a hash, not the
            # generator: every other draw of the article stays as it was).
            ext = "ofd" if ext == "zip" and mix(seed, site_idx, aid, 4 + j) % 2 else ext
            name = f"{rng.choice(V.OBJECTS)}{rng.choice(V.ATTACH_NAMES)}.{ext}"
            href = f"/uploads/soft/{d}/1-{d}{aid:06d}{j}.{ext}"
            paras.append(("att", f"附件{j + 1}：", href, name))
    fr = rng.random()
    fmt = "min" if fr < 0.8 else ("sec" if fr < 0.92 else "date")
    ar = rng.random()
    author = "." if ar < 0.5 else (None if ar < 0.7 else rng.choice(V.NAMES))
    first = paras[0][1]
    dr = rng.random()
    desc = None if dr < 0.1 else describe(first)
    npages = 1
    if allow_multi and mix(seed, site_idx, aid, 2) % 10 == 0:
        npages = 2 + mix(seed, site_idx, aid, 3) % 2
        while len(paras) < npages * 2:
            paras.append(("t", paragraph(rng)))
    return Article(
        site=site_key, aid=aid, tid=tid, title=unique_title(site_idx, aid), time=time,
        time_fmt=fmt, entry=entry, source=rng.choice(V.SOURCES), author=author,
        editor=rng.choice(V.NAMES), reviewer=rng.choice(V.NAMES) if rng.random() < 0.6 else None,
        description=desc, show_intro=desc is not None and rng.random() < 0.7,
        paras=paras, npages=npages, clicks=clicks,
        keywords=",".join(rng.sample(V.KEYWORDS, 3)))


_SEED = None


def seed_article_data() -> dict:
    global _SEED
    if _SEED is None:
        _SEED = json.loads(resources.files("portal_crawler.replica").joinpath(
            "data/seed_article.json").read_text(encoding="utf-8"))
    return _SEED


def seed_article(site_key: str, aid: int, tid: int, entry: datetime, clicks: int) -> Article:
    d = seed_article_data()
    return Article(
        site=site_key, aid=aid, tid=tid, title=d["title"],
        time=datetime.strptime(d["published_raw"], "%Y-%m-%d %H:%M"), time_fmt="min",
        entry=entry, source=d["source"], author=d["author"], editor=d["editor"],
        reviewer=d["reviewer"], description=d["description"], show_intro=True,
        paras=[("t", p) for p in d["paragraphs"]], npages=1, clicks=clicks,
        keywords="疫情防控,常态化,应急状态")


def with_authors(seed: int, site_idx: int, aid: int, art: Article, channel: str) -> Article:
    """Author variants (issue 21), from their own random stream so the rest of the
    article is unchanged: a notice's author is the issuing office (60 %); a named
    author has a co-author (25 %, the page joins them by a space, 、 or ，); an
    article without author is credited to 本网 (8 %)."""
    rng = random.Random(mix(seed, site_idx, aid, 960))
    r = rng.random()
    if channel in V.NOTICE_CHANNELS and r < 0.6:
        return art.copy(author=rng.choice(V.SUBJECTS), author_org=True)
    if art.author not in (None, ".") and r < 0.25:
        other = rng.choice([n for n in V.NAMES if n != art.author])
        return art.copy(author=rng.choice((" ", "、", "，")).join((art.author, other)),
                        authors=(art.author, other))
    if art.author in (None, ".") and r < 0.08:
        return art.copy(author="本网", author_org=True)
    return art
