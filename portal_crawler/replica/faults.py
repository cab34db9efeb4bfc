"""Fault mode of the replica: the failures real servers have, injected by seed.

A plan is JSON: ``{"seed": 3, "rules": [RULE, ...]}``; a RULE is
``{"fault": KIND, "fraction": 0.2, "sites": ["harbin"], "pages": ["article"],
"times": 1, "delay": 2.0, "size": 3000000}`` (only ``fault`` is required).

Which URLs a rule hits is a pure function of (seed, rule, site, path), so a test knows
in advance what will fail (``FaultPlan.hits``) and a re-run meets the same faults.
``times`` is how many requests of one URL are hurt before it is served normally
(``null``: every request, a persistent fault); the first matching rule wins.
``pages`` filters by the router's page kind (home, list, article, article_page,
view_dynamic, list_dynamic, robots, ...).

Kinds (KINDS):
  unavailable     503, then the page (``times`` defaults to 1)
  server_error    500 (persistent by default)
  reset           the connection is reset (RST) before any answer
  truncate_length the body is cut in the middle, Content-Length says the full size
  truncate_close  the body is cut in the middle, no Content-Length: the close ends it
  error_page      status 200 with a CMS error page instead of the page
  slow            the answer comes after ``delay`` seconds (default 2)
  oversize        the page padded to ``size`` bytes (default 3 MB) inside its body
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

KINDS = ("unavailable", "server_error", "reset", "truncate_length", "truncate_close",
         "error_page", "slow", "oversize")
_DEFAULT_TIMES = {"unavailable": 1}
ERROR_PAGE = ("<html><head><meta charset=\"utf-8\"><title>系统提示</title></head><body>"
              "<div class=\"msg\">系统繁忙，请稍后再试！</div><a href=\"/\">返回首页</a>"
              "</body></html>").encode("utf-8")


@dataclass
class FaultPlan:
    seed: int = 0
    rules: list[dict] = field(default_factory=list)
    served: Counter = field(default_factory=Counter)      # (rule index, site, path) -> faults so far
    injected: Counter = field(default_factory=Counter)    # kind -> faults injected

    @classmethod
    def from_json(cls, doc: dict | str | None) -> "FaultPlan | None":
        if not doc:
            return None
        if isinstance(doc, str):
            doc = json.loads(doc)
        for r in doc.get("rules", []):
            if r.get("fault") not in KINDS:
                raise ValueError(f"unknown fault {r.get('fault')!r}; one of {', '.join(KINDS)}")
        return cls(seed=int(doc.get("seed", 0)), rules=list(doc.get("rules", [])))

    def as_json(self) -> dict:
        return {"seed": self.seed, "rules": self.rules, "injected": dict(self.injected)}

    def rule_for(self, site: str, kind: str, path: str) -> int | None:
        """Index of the rule that hits this URL (ignoring ``times``), or None."""
        for i, r in enumerate(self.rules):
            if r.get("sites") and site not in r["sites"]:
                continue
            if r.get("pages") and kind not in r["pages"]:
                continue
            h = hashlib.blake2b(f"{self.seed}|{i}|{site}|{path}".encode(), digest_size=8).digest()
            if int.from_bytes(h, "big") / 2 ** 64 < float(r.get("fraction", 1.0)):
                return i
        return None

    def hits(self, site: str, kind: str, path: str) -> str | None:
        """The fault kind this URL meets on its first request (None: served normally)."""
        i = self.rule_for(site, kind, path)
        return None if i is None else self.rules[i]["fault"]

    def persistent(self, site: str, kind: str, path: str) -> bool:
        """True if every request of this URL fails (a lasting fault, not a passing one)."""
        i = self.rule_for(site, kind, path)
        if i is None:
            return False
        r = self.rules[i]
        return r.get("times", _DEFAULT_TIMES.get(r["fault"])) is None and r["fault"] not in ("slow",)

    def apply(self, site: str, kind: str, path: str, status: int, hdrs: list, body: bytes):
        """The answer to send: (status, headers, body) or (..., fault action)."""
        i = self.rule_for(site, kind, path)
        if i is None:
            return status, hdrs, body
        r = self.rules[i]
        times = r.get("times", _DEFAULT_TIMES.get(r["fault"]))
        key = (i, site, path)
        if times is not None and self.served[key] >= times:
            return status, hdrs, body
        self.served[key] += 1
        f = r["fault"]
        self.injected[f] += 1
        if f == "unavailable":
            return 503, [("Content-Type", "text/html"), ("Retry-After", "0")], b"<html><body>503</body></html>"
        if f == "server_error":
            return 500, [("Content-Type", "text/html")], b"<html><body>Internal Server Error</body></html>"
        if f == "reset":
            return status, hdrs, body, ("reset",)
        if f in ("truncate_length", "truncate_close"):
            return status, hdrs, body, ("truncate", max(1, len(body) // 2), f == "truncate_length")
        if f == "error_page":
            return 200, [("Content-Type", "text/html; charset=utf-8")], ERROR_PAGE
        if f == "slow":
            return status, hdrs, body, ("delay", float(r.get("delay", 2.0)))
        if f == "oversize":
            size = int(r.get("size", 3_000_000))
            pad = b"<!-- " + b"x" * max(0, size - len(body)) + b" -->"
            cut = body.rfind(b"</body>")
            cut = cut if cut >= 0 else len(body)
            return status, hdrs, body[:cut] + pad + body[cut:]
        return status, hdrs, body
