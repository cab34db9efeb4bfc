"""Template drift: a site's template extractor stops working, or a field it always
had goes missing. Counted per site during a run, warned about by ``stats``."""
from __future__ import annotations

import json

from portal_crawler.record import WATCHED_FIELDS as WATCHED

ALWAYS = 0.95  # a field present in at least this share of a site's articles "always" has it


def site_profile(db, site: str) -> dict:
    """What a site's archived articles usually have: main extractor, field presence."""
    rows = list(db.query(
        "SELECT extractor, count(*) n FROM articles WHERE site = ? GROUP BY extractor ORDER BY n DESC", [site]))
    total = sum(r["n"] for r in rows)
    if not total:
        return {}
    cols = ", ".join(f"sum({f} IS NOT NULL AND {f} != '') AS {f}" for f in WATCHED)
    present = next(iter(db.query(f"SELECT {cols} FROM articles WHERE site = ?", [site])))
    return {"extractor": rows[0]["extractor"], "total": total,
            "always": [f for f in WATCHED if (present[f] or 0) / total >= ALWAYS]}


class DriftCounter:
    def __init__(self, profiles: dict[str, dict]):
        self.profiles = profiles
        self.counts: dict[str, dict] = {}

    def see(self, item: dict) -> None:
        prof = self.profiles.get(item["site"])
        if not prof:
            return
        c = self.counts.setdefault(item["site"], {"articles": 0, "generic_fallback": 0, "missing": {}})
        c["articles"] += 1
        if prof["extractor"] in ("dedecms", "trs", "override") and item.get("extractor") == "generic":
            c["generic_fallback"] += 1
        for f in prof["always"]:
            if not item.get(f):
                c["missing"][f] = c["missing"].get(f, 0) + 1

    def report(self) -> dict:
        return {k: v for k, v in self.counts.items() if v["generic_fallback"] or v["missing"]}


def warnings_for_run(run: dict) -> list[str]:
    drift = json.loads(run.get("drift") or "{}")
    out = []
    for site, c in drift.items():
        if c.get("generic_fallback"):
            out.append(f"{site}: template extractor failed on {c['generic_fallback']} of {c['articles']} articles "
                       f"(generic extractor took over): the site's template may have changed")
        for f, n in c.get("missing", {}).items():
            out.append(f"{site}: field {f!r}, which this site always had, missing in {n} of {c['articles']} articles")
    per_site = json.loads(run.get("per_site") or "{}")
    for site, d in per_site.items():
        if d.get("errors"):
            out.append(f"{site}: {d['errors']} failed requests")
    return out
