"""Fault mode of the replica: the failures real servers have, injected by seed.

A plan is JSON: ``{"seed": 3, "rules": [RULE, ...]}``; a RULE is
``{"fault": KIND, "fraction": 0.2, "sites": ["harbin"], "pages": ["article"],
"times": 1, "delay": 2.0, "size": 3000000}`` (only ``fault`` is required).

Which URLs a rule hits is a pure function of (seed, rule, site, path), so a test knows
in advance what will fail (``FaultPlan.hits``) and a re-run meets the same faults.
``times`` is how many requests of one URL are hurt before it is served normally
(``null``: every request, a persistent fault); the first matching rule wins.
``pages`` filters by the router's page kind (home, list, article, article_page,
view_dynamic, list_dynamic, robots, ...). ``after``: the rule hits only once the site
has served that many requests (a site that starts blocking after N requests).

Kinds (KINDS):
  unavailable     503, then the page (``times`` defaults to 1)
  server_error    500 (persistent by default)
  reset           the connection is reset (RST) before any answer
  truncate_length the body is cut in the middle, Content-Length says the full size
  truncate_close  the body is cut in the middle, no Content-Length: the close ends it
  error_page      status 200 with a CMS error page instead of the page
  slow            the answer comes after ``delay`` seconds (default 2)
  oversize        the page padded to ``size`` bytes (default 3 MB) inside its body
Block modes (issue 26; persistent by default: never the real page while on):
  js_challenge    521 with a 加速乐-style cookie-setting script
  script_challenge 412 with a 瑞数-style script page
  firewall        200 with a WAF page (您的请求带有不合法参数，已被网站管理员设置拦截！)
  rate_limit      429 (访问过于频繁)
  captcha         200 with a slider-captcha page
A template change (issue 21, the field monitors):
  template_change a site redesign: article pages lose their info line (时间/来源/作者)
The truth of what was blocked is ``blocked`` in ``as_json`` ({site: [paths]}).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field

BLOCK_PAGES = {
    "js_challenge": (521, "<html><body><script>document.cookie=('__jsl_clearance_s=')+(1712345678)+'.2|0|'"
                          "+('Yx3'+'k%3D')+';max-age=3600;path=/';location.href=location.pathname+"
                          "location.search</script></body></html>"),
    "script_challenge": (412, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta id=\"9DhefwqGPrzGxEp9\" "
                              "content=\"rZqXWyTzL8Q0hkbp\"><script r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};"
                              "$_ts.nsd=58764;$_ts.cd=\"qbx3rrAlqGLarrAl\";</script>"
                              "<script src=\"/4QbVtADbnLVIc/d.FxJzG50F.js\" r='m'></script></head><body></body></html>"),
    "firewall": (200, "<html><head><meta charset=\"utf-8\"><title>网站防火墙</title></head><body>"
                      "<div class=\"title\">您的请求带有不合法参数，已被网站管理员设置拦截！</div>"
                      "<p>可能原因：您提交的内容包含危险的攻击请求</p><p>如何解决：请联系网站管理员</p>"
                      "<div>网站防火墙</div></body></html>"),
    "rate_limit": (429, "<html><head><meta charset=\"utf-8\"><title>429</title></head><body>"
                        "<p>您的访问过于频繁，请稍后再试。</p></body></html>"),
    "captcha": (200, "<html><head><meta charset=\"utf-8\"><title>安全验证</title></head><body>"
                     "<h3>请完成安全验证</h3><p>请向右滑动完成验证</p><div id=\"nc\"></div></body></html>"),
}
KINDS = ("unavailable", "server_error", "reset", "truncate_length", "truncate_close",
         "error_page", "slow", "oversize", "template_change", *BLOCK_PAGES)
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
    site_requests: Counter = field(default_factory=Counter)  # site -> requests seen (``after``)
    blocked: dict = field(default_factory=dict)           # site -> {path: block kind} (truth)

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
        return {"seed": self.seed, "rules": self.rules, "injected": dict(self.injected),
                "blocked": {k: sorted(v) for k, v in self.blocked.items()},
                "site_requests": dict(self.site_requests)}

    def rule_for(self, site: str, kind: str, path: str) -> int | None:
        """Index of the rule that hits this URL (ignoring ``times``), or None."""
        for i, r in enumerate(self.rules):
            if r.get("sites") and site not in r["sites"]:
                continue
            if r.get("pages") and kind not in r["pages"]:
                continue
            if r.get("after") is not None and self.site_requests[site] <= int(r["after"]):
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
        self.site_requests[site] += 1
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
        if f in BLOCK_PAGES:
            self.blocked.setdefault(site, {})[path] = f
            code, page = BLOCK_PAGES[f]
            return code, [("Content-Type", "text/html; charset=utf-8")], page.encode("utf-8")
        if f == "template_change":
            return status, hdrs, re.sub(rb'<div class="info">.*?</div>', b"", body, flags=re.S)
        if f == "slow":
            return status, hdrs, body, ("delay", float(r.get("delay", 2.0)))
        if f == "oversize":
            size = int(r.get("size", 3_000_000))
            pad = b"<!-- " + b"x" * max(0, size - len(body)) + b" -->"
            cut = body.rfind(b"</body>")
            cut = cut if cut >= 0 else len(body)
            return status, hdrs, body[:cut] + pad + body[cut:]
        return status, hdrs, body
