"""Compare an archive with the replica's ground truth, field by field.

Used by the demo (to show the archive is right) and by the end-to-end tests. The
copies of one repost group (truth ``group``) must be one article: its row equals the
truth of the copy it chose as canonical, and every copy's URL is in its article_urls.
"""
from __future__ import annotations

import json
from collections import defaultdict

from portal_crawler.record import RECORD_KEYS
from portal_crawler.store.records import LIST_COLS
from portal_crawler.urls import canonical_url

# Compared: the record's fields but the capture details (url is the match key; raw
# date string and extractor name are not facts the truth knows; media compared apart).
FIELDS = tuple(k for k in RECORD_KEYS if k not in ("url", "published_raw", "date_flag", "extractor",
                                                    "attachments", "images"))


def _norm(v):
    return None if v == "" else v


def field_diff(row: dict, t: dict, fields=FIELDS) -> list[str]:
    return [f"{f}: {row.get(f)!r} != {t[f]!r}"[:240] for f in fields if f in t and _norm(row.get(f)) != _norm(t[f])]


def _children(db, table: str, cols: tuple[str, str]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    for r in db.query(f"SELECT article_id, {cols[0]}, {cols[1]} FROM {table} ORDER BY rowid"):
        out[r["article_id"]].append({cols[0]: r[cols[0]], cols[1]: r[cols[1]]})
    return out


def compare_with_truth(archive, truth: list[dict], fields=FIELDS, media: bool = True) -> dict:
    db = archive.db
    rows = {r["id"]: r for r in db.query("SELECT * FROM articles")}
    for r in rows.values():        # list fields are JSON text in the archive
        for k in LIST_COLS:
            if isinstance(r.get(k), str):
                r[k] = json.loads(r[k])
    if media:  # the child tables, compared like fields
        for table, cols in (("attachments", ("url", "text")), ("images", ("url", "alt"))):
            kids = _children(db, table, cols)
            for i, r in rows.items():
                r[table] = kids.get(i, [])
        fields = tuple(fields) + ("attachments", "images")
    by_url = {r["url"]: r for r in rows.values()}
    url_to_article = {r["url"]: r["article_id"] for r in db.query("SELECT url, article_id FROM article_urls")}
    groups = defaultdict(list)
    for t in truth:
        groups[t.get("group") or ("solo", t["url"])].append(t)
    problems, matched = [], 0
    for members in groups.values():
        urls = [canonical_url(t["url"]) for t in members]
        ids = {url_to_article.get(u) or (by_url[u]["id"] if u in by_url else None) for u in urls}
        if None in ids:
            problems.append("missing: " + ", ".join(u for u in urls if u not in url_to_article and u not in by_url))
            continue
        if len(ids) > 1:
            problems.append(f"one article stored as {len(ids)}: {urls}")
            continue
        row = rows[ids.pop()]
        chosen = next((t for t, u in zip(members, urls) if u == row["url"]), None)
        if chosen is None:
            problems.append(f"canonical URL {row['url']} is none of {urls}")
            continue
        diff = field_diff(row, chosen, fields)
        if diff:
            problems.append(f"{row['url']}: " + "; ".join(diff))
        else:
            matched += 1
    extra = len(rows) - len(groups)
    if extra > 0:
        problems.append(f"{extra} archived articles the truth does not have")
    return {"expected": len(groups), "matched": matched, "ok": not problems, "problems": problems}
