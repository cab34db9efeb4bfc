"""Field monitors (issue 21): after each run, what an operator must hear before a
researcher does - one mechanism for every finding, with one exit code (7, FINDINGS).

Finding kinds (``Finding.kind``):

* ``coverage``  - the share of the run's new records of a site (or of one of its
  channels) having a field (title, published_at, source, author, editor, body of at
  least ``body_min_chars`` characters) fell more than ``coverage_drop`` below the share
  of the site's (channel's) own history, or below an absolute ``min_coverage`` floor.
  Judged only on at least ``min_new_articles`` new records (now and in the history),
  and a fall from the history only when chance does not explain it (3 standard errors
  apart, at least 3 records short).
* ``no_new_articles`` - a site archived no new article where each of its last
  ``zero_new_after`` finished runs archived some.
* ``blocked``   - answers of a site were block pages (anti-bot challenges, firewall,
  rate limit, captcha: portal_crawler/blocks.py) in more than ``blocked_share`` of its
  answers (default 0: any), or the site was paused (crawler/downloader/blocking.py). Rate-limited
  is this finding with the kind ``rate_limit`` among its counts.
* ``template``  - the site's template extractor failed and the generic one took over on
  at least ``template_fallback_share`` of the run's articles (the drift counters of
  crawler/extensions/drift.py, folded in here).

Thresholds: the ``MONITORS`` setting (crawler/settings.py), then ``[defaults.monitors]``
of a sites file, then the site's own ``monitors`` table (``settings.monitors``), key by
key. Each run's coverage is stored in ``run_coverage`` (the history) and its findings in
``crawl_runs.findings``; ``stats --json`` and ``crawl --summary-json`` show them.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

from portal_crawler.record import WATCHED_FIELDS as FIELDS

__all__ = ["FIELDS", "Finding", "monitor_config", "assess_run", "findings_of_run"]


@dataclass
class Finding:
    kind: str
    site: str
    message: str
    channel: str | None = None
    field: str | None = None

    def line(self) -> str:
        return f"{self.kind}: {self.message}"


def monitor_config(site, defaults: dict) -> dict:
    """The site's thresholds: ``defaults`` (the MONITORS setting) overridden key by key by
    the sites file ([defaults.monitors], then the site's own)."""
    own = (site.setting("monitors", None) if site is not None else None) or {}
    cfg = {**defaults, **own}
    cfg["min_coverage"] = {**defaults.get("min_coverage", {}), **own.get("min_coverage", {})}
    return cfg


def _coverage_now(conn, site: str, since: str, body_min: int) -> list[dict]:
    present = ", ".join(f"sum({f} IS NOT NULL AND {f} != '') AS {f}" for f in FIELDS if f != "body")
    rows = conn.execute(
        f"SELECT coalesce(channel, '') AS channel, count(*) AS records, {present}, "
        f"sum(length(coalesce(body, '')) >= ?) AS body FROM articles "
        f"WHERE site = ? AND first_seen >= ? GROUP BY coalesce(channel, '')", (body_min, site, since)).fetchall()
    names = ["channel", "records", *[f for f in FIELDS if f != "body"], "body"]
    per_channel = [dict(zip(names, r)) for r in rows]
    whole = {"channel": "", "records": sum(r["records"] for r in per_channel),
             **{f: sum(r[f] or 0 for r in per_channel) for f in FIELDS}}
    # A channel named '' would collide with the whole-site row: the site row wins.
    return [whole] + [r for r in per_channel if r["channel"]]


def _history(conn, run_id: int, site: str, channel: str, n: int, min_records: int) -> dict | None:
    rows = conn.execute(
        f"SELECT records, {', '.join(FIELDS)} FROM run_coverage c JOIN crawl_runs r ON r.id = c.run_id "
        f"WHERE c.site = ? AND c.channel = ? AND c.run_id < ? AND c.records >= ? "
        f"AND r.finish_reason = 'finished' ORDER BY c.run_id DESC LIMIT ?",
        (site, channel, run_id, min_records, n)).fetchall()
    if not rows:
        return None
    total = sum(r[0] for r in rows)
    return {"records": total, **{f: sum(r[i + 1] or 0 for r in rows) / total for i, f in enumerate(FIELDS)}}


def _beyond_chance(p_hist: float, n_hist: int, have: int, n: int) -> bool:
    """A fall that chance does not explain: at least 3 records short of the history's
    share, and the two shares 3 standard errors apart (two-proportion z-test, pooled):
    a channel's few new records often lack a field that 3 of its 7 earlier records had."""
    if p_hist * n - have < 3:
        return False
    pool = (p_hist * n_hist + have) / (n_hist + n)
    se = math.sqrt(pool * (1 - pool) * (1 / n_hist + 1 / n))
    return se == 0 or (p_hist - have / n) / se >= 3


def _coverage_findings(conn, run_id, site, cov: list[dict], cfg: dict) -> list[Finding]:
    out = []
    for row in cov:
        n = row["records"]
        if n < cfg["min_new_articles"]:
            continue
        where = f"{site}" + (f" channel {row['channel']}" if row["channel"] else "")
        hist = _history(conn, run_id, site, row["channel"], cfg["history_runs"], cfg["min_new_articles"])
        for f in FIELDS:
            share = (row[f] or 0) / n
            floor = cfg["min_coverage"].get(f)
            if hist is not None and share < hist[f] - cfg["coverage_drop"] and _beyond_chance(hist[f], hist["records"], row[f] or 0, n):
                out.append(Finding("coverage", site, f"{where}: {f} in {share:.0%} of {n} new records, "
                                   f"{hist[f]:.0%} in its history ({hist['records']} records): "
                                   f"the template may have changed", row["channel"] or None, f))
            elif floor is not None and share < floor:
                out.append(Finding("coverage", site, f"{where}: {f} in {share:.0%} of {n} new records, "
                                   f"below the threshold {floor:.0%}", row["channel"] or None, f))
    return out


def _zero_new(conn, run_id, site, records: int, cfg: dict) -> list[Finding]:
    k = cfg["zero_new_after"]
    if records or k < 1:
        return []
    prev = [r[0] for r in conn.execute(
        "SELECT c.records FROM run_coverage c JOIN crawl_runs r ON r.id = c.run_id WHERE c.site = ? "
        "AND c.channel = '' AND c.run_id < ? AND r.finish_reason = 'finished' ORDER BY c.run_id DESC LIMIT ?",
        (site, run_id, k))]
    if len(prev) == k and all(prev):
        return [Finding("no_new_articles", site, f"{site}: no new article, where each of its last {k} runs "
                        f"archived some ({', '.join(map(str, prev))})")]
    return []


def _blocked(site, d: dict, cfg: dict) -> list[Finding]:
    kinds = {k.split("/", 1)[1]: v for k, v in d.items() if k.startswith("blocked/") and v}
    blocked = sum(kinds.values())
    answers = sum((d.get("responses") or {}).values()) + blocked
    paused = bool(d.get("paused"))
    if not paused and (not blocked or blocked <= cfg["blocked_share"] * answers):
        return []
    what = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    msg = f"{site}: {blocked} of {answers} answers blocked ({what})"
    if paused:
        msg += (f"; paused for this run after {d.get('paused_after_sends')} requests, "
                f"{d.get('not_fetched_paused', 0)} requests not sent")
    return [Finding("blocked", site, msg + "; the next crawl asks for them again")]


def _template(site, drift: dict, cfg: dict) -> list[Finding]:
    c = drift.get(site) or {}
    n, g = c.get("articles", 0), c.get("generic_fallback", 0)
    if g and n and g / n >= cfg["template_fallback_share"]:
        return [Finding("template", site, f"{site}: template extractor failed on {g} of {n} articles "
                        f"(generic extractor took over): the site's template may have changed")]
    return []


def assess_run(archive, run_id: int, per_site: dict, configs: dict[str, dict], finished: bool = True) -> list[Finding]:
    """Store the run's coverage (history) and findings; return the findings.

    ``per_site``: the run's per-site stats (crawler/pipelines.run_stats shape: blocked/KIND,
    paused, responses...); ``configs``: {site: monitor_config}."""
    conn = archive.conn
    row = conn.execute("SELECT started_at, drift FROM crawl_runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        return []
    started, drift = row[0], json.loads(row[1] or "{}")
    findings: list[Finding] = []
    coverage: list[tuple] = []
    for site, cfg in configs.items():
        cov = _coverage_now(conn, site, started, cfg["body_min_chars"])
        coverage += [(run_id, site, r["channel"], r["records"], *(r[f] or 0 for f in FIELDS)) for r in cov]
        findings += _blocked(site, per_site.get(site) or {}, cfg)
        findings += _template(site, drift, cfg)
        findings += _coverage_findings(conn, run_id, site, cov, cfg)
        if finished:
            findings += _zero_new(conn, run_id, site, cov[0]["records"], cfg)
    with archive.transaction():
        conn.executemany(f"INSERT OR REPLACE INTO run_coverage (run_id, site, channel, records, "
                         f"{', '.join(FIELDS)}) VALUES ({', '.join('?' * (4 + len(FIELDS)))})", coverage)
        conn.execute("UPDATE crawl_runs SET findings = ? WHERE id = ?",
                     (json.dumps([asdict(f) for f in findings], ensure_ascii=False), run_id))
        if finished:  # handed to this run; what failed again is in its crawl_errors
            conn.executemany("DELETE FROM requeue WHERE site = ?", [(s,) for s in configs])
    return findings


def findings_of_run(run: dict) -> list[dict]:
    """The findings stored with a crawl_runs row (``[]`` for runs made before monitors)."""
    v = run.get("findings")
    if isinstance(v, str):
        v = json.loads(v or "[]")
    return list(v or [])
