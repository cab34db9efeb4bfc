"""The replica network as compact indexes: per site the channel of each aid, the
repost / duplicate / edit maps.  Article content is generated on demand (textgen).

The network is always defined over all 25 sites (so a site's pages do not depend on
which siblings are served); truth only labels a group when >= 2 copies are served."""
from __future__ import annotations

import random
from array import array
from bisect import bisect_left
from math import gcd
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from portal_crawler.replica import series as S
from portal_crawler.replica import textgen as G
from portal_crawler.replica.sites import CHANNELS, CHILD, LEADER, PARENT, SITES, SiteInfo

SCALES = {
    "tiny": {"channels": 3, "articles_per_channel": 25},
    "small": {"channels": 4, "articles_per_channel": 12},
    "demo": {"channels": 5, "articles_per_channel": 15},
    "bench": {"channels": 10, "articles_per_channel": 40},     # 10k articles at 25 sites
}
DEFAULTS = {"repost_rate": 0.05, "national_repost_rate": 0.12, "dup_rate": 0.02,
            "series_rate": 0.3,
            "epoch_new": None, "epoch_edits": None, "list_size": 10, "trs_list_size": 15}

END = datetime(2021, 12, 31, 18, 0)
SPAN = timedelta(days=3 * 365)
SEED_TIME = datetime(2021, 10, 22, 8, 19)


def resolve_scale(scale) -> dict:
    base = dict(SCALES["demo"])
    if isinstance(scale, str):
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; one of {sorted(SCALES)} or a dict")
        base.update(SCALES[scale])
    elif scale:
        base.update(scale)
    out = {**DEFAULTS, **base}
    n0 = out["channels"] * out["articles_per_channel"]
    out["epoch_new"] = out["epoch_new"] or max(3, n0 // 20)
    out["epoch_edits"] = out["epoch_edits"] or max(2, n0 // 50)
    return out


@dataclass
class Channel:
    tid: int
    name: str
    path: str                   # "/a/xinwendongtai/gongzuodongtai/" or "/xwdt/"
    parent: int | None = None
    children: list = field(default_factory=list)


class SiteModel:
    def __init__(self, net: "Network", info: SiteInfo):
        self.net, self.info = net, info
        sc = net.scale
        rng = random.Random(G.mix(net.seed, info.idx, 0, 100))
        nch = max(1, min(sc["channels"], len(CHANNELS)))
        idxs = [PARENT]
        if info.engine == "dedecms" and nch >= 2:
            idxs.append(CHILD)
        if info.key == "harbin":
            idxs.append(LEADER)
        rest = [i for i in range(len(CHANNELS)) if i not in idxs]
        idxs += rng.sample(rest, max(0, nch - len(idxs)))
        idxs = sorted(idxs)                                   # nav order = reference order
        self.channels: dict[int, Channel] = {}
        for i in idxs:
            name, py, trs = CHANNELS[i]
            tid = i + 1
            if info.engine == "trs":
                ch = Channel(tid, name, f"/{trs}/")
            elif i == CHILD and PARENT in idxs:
                ch = Channel(tid, name, f"/a/{CHANNELS[PARENT][1]}/{py}/", parent=PARENT + 1)
            else:
                ch = Channel(tid, name, f"/a/{py}/")
            self.channels[tid] = ch
        for ch in self.channels.values():
            if ch.parent:
                self.channels[ch.parent].children.append(ch.tid)
        self.tids = list(self.channels)
        self.apc = sc["articles_per_channel"]
        self.n0 = len(self.tids) * self.apc
        # aid -> channel by an affine bijection on [0, n0): balanced (apc per channel),
        # well mixed, and O(1) without materialising anything (all 25 sites are modelled)
        n0 = max(1, self.n0)
        self._p = int(n0 * 0.6180339887) | 1
        while gcd(self._p, n0) != 1:
            self._p += 2
        self._q = G.mix(net.seed, info.idx, 0, 101) % n0
        self.chan_override: dict[int, int] = {}
        self.step = SPAN / n0
        self.t0 = END - SPAN
        self.seed_aid = None
        if info.key == "harbin":
            s = self.slot_aid(SEED_TIME)
            lead = LEADER + 1
            if self.tid_of(s) != lead:          # swap so the seed sits in 领导讲话
                j = min((k for k in range(1, self.n0 + 1) if self.tid_of(k) == lead),
                        key=lambda k: abs(k - s))
                self.chan_override[j], self.chan_override[s] = self.tid_of(s), lead
            self.seed_aid = s
        self.reposts: dict[int, tuple[str, int]] = {}          # aid -> (origin site, aid)
        self.origins: dict[int, list] = {}                     # aid -> [(site, aid)]
        self.dups: dict[int, int] = {}                         # copy aid -> source aid
        self.dup_src: dict[int, int] = {}
        self.series: dict[int, tuple[S.Series, int]] = {}      # aid -> (series, index)
        self.edits: dict[int, list] = {}                       # aid -> [(epoch, kind)]
        self.added: list[int] = [self.n0]                      # article count per epoch
        self.lists: dict[int, array] = {}

    # -- time axis: aid k occupies slot [t0 + (k-1)*step, t0 + k*step)
    def slot(self, aid: int) -> datetime:
        return self.t0 + (aid - 1) * self.step

    def slot_aid(self, t: datetime) -> int:
        return int((t - self.t0) / self.step) + 1

    @property
    def n(self) -> int:
        return self.added[-1]

    def epoch_of(self, aid: int) -> int:
        return bisect_left(self.added, aid)

    def tid_of(self, aid: int) -> int:
        if aid <= self.n0:
            t = self.chan_override.get(aid)
            if t is None:
                t = self.tids[((aid - 1) * self._p + self._q) % self.n0 // self.apc]
            return t
        e = self.epoch_of(aid)
        rng = random.Random(G.mix(self.net.seed, self.info.idx, e, 200))
        tids = sorted(self.channels)
        heads = rng.sample(tids, min(2, len(tids)))
        return heads[G.mix(self.net.seed, self.info.idx, aid, 201) % len(heads)]

    def plain(self, aid: int) -> bool:
        return (aid not in self.reposts and aid not in self.dups and aid not in self.dup_src
                and aid != self.seed_aid and aid not in self.series)

    def is_multi_candidate(self, aid: int) -> bool:
        return self.plain(aid) and aid not in self.origins

    def frag(self, name: str, make) -> str:
        """Per-site page fragments (nav, right column, friend links): reset each epoch."""
        v = self.frags.get(name)
        if v is None:
            v = self.frags[name] = make()
        return v

    def build_lists(self):
        self.frags: dict[str, str] = {}
        own: dict[int, list] = {t: [] for t in self.channels}
        for aid in range(1, self.n + 1):
            own[self.tid_of(aid)].append(aid)
        self.own = {t: array("I", v) for t, v in own.items()}
        for t, ch in self.channels.items():
            if ch.children:
                self.lists[t] = array("I", sorted(
                    a for c in [t] + ch.children for a in own[c]))
            else:
                self.lists[t] = self.own[t]

    def time_of(self, aid: int) -> datetime:
        if aid == self.seed_aid:
            return SEED_TIME
        if aid in self.dups:
            return self.time_of(self.dups[aid])
        h = G.mix(self.net.seed, self.info.idx, aid, 4)
        start = self.slot(aid)
        days = int(self.step.total_seconds() // 86400)
        # Reposts follow their origin within days (origin late in the slot before, the
        # repost early in its own), and every time stays inside its slot, so that a
        # site's lists stay in date order.
        if days >= 2:               # a working-hours time on some day inside the slot
            off = (days - 1 - h % 2 if aid in self.origins else
                   h % 2 if aid in self.reposts else 1 + h % (days - 1))
            d = (start + timedelta(days=off)).replace(hour=8, minute=0, second=0, microsecond=0)
            return d + timedelta(seconds=(h >> 20) % (10 * 3600))
        u = (h % 10000) / 10000
        frac = 0.7 + 0.1 * u if aid in self.origins else 0.1 * u if aid in self.reposts else 0.8 * u
        sec = int(self.step.total_seconds() * frac)
        return (start + timedelta(seconds=sec)).replace(microsecond=0)

    def entry_of(self, aid: int) -> datetime:
        if aid in self.dups:
            return self.entry_of(self.dups[aid])
        h = G.mix(self.net.seed, self.info.idx, aid, 5) % 100
        return self.time_of(aid) + timedelta(days=0 if h < 80 else (1 if h < 95 else 2))

    def clicks_of(self, aid: int) -> int:
        return 10 + G.mix(self.net.seed, self.info.idx, aid, 6) % 3000


class Network:
    def __init__(self, seed: int, sites: list[str] | None, scale="demo"):
        self.seed, self.scale = seed, resolve_scale(scale)
        known = {s.key for s in SITES}
        if sites:
            bad = [k for k in sites if k not in known]
            if bad:
                raise ValueError(f"unknown site keys {bad}")
        self.served = [s.key for s in SITES if not sites or s.key in sites]
        self.epoch = 0
        self.sites = {s.key: SiteModel(self, s) for s in SITES}
        self._pick_reposts()
        self._pick_dups()
        self._pick_series()
        for k in self.served:                   # lists only for served sites
            self.sites[k].build_lists()
        self.base_urls: dict[str, str] = {}

    def _pick_reposts(self):
        keys = [s.key for s in SITES]
        for m in self.sites.values():
            rate = self.scale["national_repost_rate" if m.info.key == "national" else "repost_rate"]
            rng = random.Random(G.mix(self.seed, m.info.idx, 0, 300))
            for a in rng.sample(range(2, m.n0 + 1), min(m.n0 - 1, round(m.n0 * rate))):
                if a != m.seed_aid:
                    m.reposts[a] = None
        for m in self.sites.values():
            rng = random.Random(G.mix(self.seed, m.info.idx, 0, 301))
            for a in sorted(m.reposts):
                if m.info.key == "national":
                    src = rng.choice(keys[1:])
                else:
                    src = rng.choice([k for k in keys if k != m.info.key])
                om = self.sites[src]
                # The origin is the article of the slot just before: a repost follows
                # its origin within days (time_of).
                oa = min(om.n0, om.slot_aid(m.slot(a)) - 1)
                if oa < 1 or not om.plain(oa):
                    del m.reposts[a]
                    continue
                m.reposts[a] = (src, oa)
                om.origins.setdefault(oa, []).append((m.info.key, a))

    def _pick_dups(self):
        for m in self.sites.values():
            rng = random.Random(G.mix(self.seed, m.info.idx, 0, 400))
            for a in rng.sample(range(2, m.n0 + 1), min(m.n0 - 1, round(m.n0 * self.scale["dup_rate"]))):
                s = a - 1
                if (m.tid_of(a) != m.tid_of(s) and m.plain(a) and m.plain(s)
                        and a not in m.origins and s not in m.origins):
                    m.dups[a], m.dup_src[s] = s, a

    def _pick_series(self):
        """Templated series (replica.series): per channel about series_rate of its
        articles, in series of 3-5 members.  Members are nearby aids (a burst of 公示 or
        通知 a few slots apart) moved into the series' channel by swapping channels with
        the nearest plain article of that channel (channels stay balanced); meeting reports
        (huiyi, and lihui under one title) are at least 30 days apart: monthly meetings."""
        rate = self.scale["series_rate"]
        for m in self.sites.values():
            if rate <= 0 or m.apc < 6:
                continue
            rng = random.Random(G.mix(self.seed, m.info.idx, 0, 802))
            per_channel = max(1, round(m.apc * rate / 4))
            free = lambda a: 1 <= a <= m.n0 and m.plain(a) and a not in m.origins
            gap_min = max(1, -(-timedelta(days=30) // m.step))
            sid = 0
            for tid in sorted(m.channels):
                for _ in range(per_channel):
                    kind = rng.choice(S.KINDS)
                    size = rng.randint(3, 5)
                    for _try in range(20):
                        a = rng.randint(1, m.n0)
                        members = []
                        while a <= m.n0 and len(members) < size:
                            if free(a):
                                members.append(a)
                                a += gap_min + rng.randint(0, 2) if kind in ("huiyi", "lihui") else rng.randint(1, 3)
                            else:
                                a += 1
                        if len(members) == size and self._move_to_channel(m, members, tid):
                            break
                    else:
                        continue
                    sid += 1
                    ser = S.Series(sid, kind, tid, tuple(members))
                    for k, a in enumerate(members):
                        m.series[a] = (ser, k)

    @staticmethod
    def _move_to_channel(m: SiteModel, members: list, tid: int) -> bool:
        """Put every member in channel tid, swapping with the nearest plain article of
        tid that is not a member; False (nothing changed) when no swap partner exists."""
        swaps = {}
        taken = set(members)
        for a in members:
            if m.tid_of(a) == tid:
                continue
            j = next((j for d in range(1, m.n0) for j in (a - d, a + d)
                      if 1 <= j <= m.n0 and j not in taken and m.tid_of(j) == tid
                      and m.plain(j) and j not in m.origins), None)
            if j is None:
                return False
            taken.add(j)
            swaps[a], swaps[j] = tid, m.tid_of(a)
        m.chan_override.update(swaps)
        return True

    # -- epochs
    def advance(self) -> int:
        self.epoch += 1
        e = self.epoch
        for m in (self.sites[k] for k in self.served):
            rng = random.Random(G.mix(self.seed, m.info.idx, e, 500))
            cand = [a for a in range(1, m.n0 + 1) if m.is_multi_candidate(a)]
            for a in rng.sample(cand, min(len(cand), self.scale["epoch_edits"])):
                m.edits.setdefault(a, []).append((e, rng.choice(["title", "para"])))
            m.added.append(m.n + self.scale["epoch_new"])
            m.build_lists()
        self.article.cache_clear()
        return e

    def set_epoch(self, epoch: int):
        while self.epoch < epoch:
            self.advance()

    # -- articles
    @lru_cache(maxsize=8192)
    def article(self, key: str, aid: int) -> G.Article | None:
        m = self.sites[key]
        if not 1 <= aid <= m.n:
            return None
        tid = m.tid_of(aid)
        ch = m.channels[tid]
        idx = m.info.idx
        if aid == m.seed_aid:
            return G.seed_article(key, aid, tid, m.entry_of(aid), m.clicks_of(aid))
        if aid in m.dups:
            src = self.article(key, m.dups[aid])
            return src.copy(aid=aid, tid=tid, clicks=m.clicks_of(aid))
        if aid in m.reposts:
            return self._repost(m, aid, tid)
        if aid in m.series:
            return self._series(m, aid, tid)
        art = G.generate(self.seed, idx, key, aid, tid, ch.name, m.time_of(aid),
                         m.entry_of(aid), m.clicks_of(aid),
                         allow_multi=m.is_multi_candidate(aid) and m.info.engine == "dedecms")
        art = G.with_authors(self.seed, idx, aid, art, ch.name)
        for e, kind in m.edits.get(aid, []):
            rng = random.Random(G.mix(self.seed, idx, aid, e, 600))
            art = art.copy(edited_epoch=e)
            if kind == "title":
                art.title = art.title + "（更新）" if not art.title.endswith("（更新）") else art.title[:-4] + "（修订）"
            else:
                ts = [i for i, p in enumerate(art.paras) if p[0] == "t"]
                art.paras[rng.choice(ts[1:] or ts)] = ("t", G.paragraph(rng))
        return art

    def _series(self, m: SiteModel, aid: int, tid: int) -> G.Article:
        ser, k = m.series[aid]
        base = G.generate(self.seed, m.info.idx, m.info.key, aid, tid, m.channels[tid].name,
                          m.time_of(aid), m.entry_of(aid), m.clicks_of(aid), False)
        base = G.with_authors(self.seed, m.info.idx, aid, base, m.channels[tid].name)
        title, text = S.member_text(self.seed, m.info.idx, ser, k, base.time, m.info.short)
        paras = [("t", p) for p in text] + [p for p in base.paras if p[0] != "t"]
        desc = None if base.description is None else G.describe(text[0])
        return base.copy(title=title, paras=paras, description=desc,
                         show_intro=desc is not None and base.show_intro)

    def series_of(self, key: str, aid: int) -> str | None:
        """Series id (`s-site-n`) of a templated-series member, else None."""
        got = self.sites[key].series.get(aid)
        return f"s-{key}-{got[0].sid}" if got else None

    def _repost(self, m: SiteModel, aid: int, tid: int) -> G.Article:
        okey, oaid = m.reposts[aid]
        orig = self.article(okey, oaid)
        rng = random.Random(G.mix(self.seed, m.info.idx, aid, 700))
        own = G.generate(self.seed, m.info.idx, m.info.key, aid, tid, m.channels[tid].name,
                         m.time_of(aid), m.entry_of(aid), m.clicks_of(aid), False)
        own = G.with_authors(self.seed, m.info.idx, aid, own, m.channels[tid].name)
        oname = self.sites[okey].info.name
        paras = [p for p in orig.paras if p[0] == "t"]      # links/images are not copied
        drop, note, suffix, other_src = (rng.random() < 0.3, rng.random() < 0.5,
                                         rng.random() < 0.25, rng.random() < 0.5)
        if not (drop or note or suffix or other_src):
            note = True                                     # a copy always differs somehow
        if drop and len(paras) >= 3:
            del paras[rng.randrange(1, len(paras))]
        if note:
            paras.append(("t", f"（本文转自{orig.source if orig.source != '本站' else oname}）"))
        src = orig.source
        if other_src:
            src = oname if orig.source != oname else "本站"
        return own.copy(title=orig.title + ("（转载）" if suffix else ""), paras=paras, npages=1,
                        source=src, description=orig.description,
                        show_intro=orig.description is not None and own.show_intro,
                        keywords=orig.keywords)

    def title(self, key: str, aid: int) -> str:
        """Fast path for link text: plain unedited articles need no generation."""
        m = self.sites[key]
        if m.plain(aid) and aid not in m.edits:
            return G.unique_title(m.info.idx, aid)
        return self.article(key, aid).title

    def group_of(self, key: str, aid: int) -> tuple[str | None, bool]:
        """(group id, origin) with groups labelled only when >= 2 copies are served."""
        m = self.sites[key]
        if aid in m.reposts:
            okey, oaid = m.reposts[aid]
            copies = [(okey, oaid)] + self.sites[okey].origins[oaid]
            gid, is_origin = f"r-{okey}-{oaid}", False
        elif aid in m.origins:
            copies = [(key, aid)] + m.origins[aid]
            gid, is_origin = f"r-{key}-{aid}", True
        elif aid in m.dups or aid in m.dup_src:
            src = m.dups.get(aid, aid)
            copies = [(key, src), (key, m.dup_src[src])]
            gid, is_origin = f"d-{key}-{src}", aid == src
        else:
            return None, True
        if sum(1 for k, _ in copies if k in self.served) < 2:
            return None, True
        return gid, is_origin
