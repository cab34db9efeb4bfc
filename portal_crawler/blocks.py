"""Anti-bot and firewall answers, recognised from status AND content (issue 26).

Chinese government sites often sit behind a JavaScript cookie challenge (加速乐-style,
HTTP 521), a script challenge (瑞数-style, 412), a web-application firewall answering
200 or 403 with a 拦截 page, a rate limit (429, 访问过于频繁), a captcha, or cloud
protection answering 405/493. None of these is the page asked for: a blocked answer is
never archived, its URL is asked for again by the next crawl, and a site that keeps
blocking is backed off and paused (crawler/downloader/blocking.py). The crawler never tries to
solve or evade a challenge.

The patterns are data (PATTERNS), checked in order; the first that matches names the
kind. A pattern matches on its status alone (``statuses`` without ``markers``), or on
wording in the page (``markers``) when the status is one of ``statuses`` (any status
when empty) and the page's visible text is short (``SHORT_TEXT`` characters: a block
page is a sentence or two, a portal article page thousands of characters with its
navigation), so an article *about* a firewall or a captcha is never taken for one.
This module imports nothing of the crawl: the store's re-check path uses it too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Block", "Pattern", "PATTERNS", "KINDS", "SHORT_TEXT", "classify", "classify_record",
           "visible_text"]

# What a blocked answer was; reported per site and kind.
KINDS = ("js_challenge", "script_challenge", "firewall", "rate_limit", "captcha", "cloud")

# Visible characters (tags, scripts and styles removed; whitespace dropped) below which a
# page carrying block wording is a block page. Portal article pages, navigation
# included, run to many hundreds or thousands; the block pages collected here to 0-130.
SHORT_TEXT = 400
# Bodies larger than this are never block pages (a 瑞数 412 page is ~100 kB of script,
# but its status says what it is); bigger 200 pages skip the text check entirely.
MAX_BLOCK_BYTES = 200_000


@dataclass(frozen=True)
class Pattern:
    name: str
    kind: str
    statuses: tuple[int, ...] = ()   # with no markers: the status alone is the block
    markers: tuple[str, ...] = ()    # wording (any one), in a short page
    script: str | None = None        # a regex the raw page must contain (a challenge script)


@dataclass(frozen=True)
class Block:
    kind: str
    pattern: str

    def __str__(self) -> str:
        return f"blocked ({self.kind}: {self.pattern})"


_CAPTCHA = ("验证码", "滑动验证", "拖动滑块", "向右滑动", "请完成安全验证", "人机验证", "geetest", "slider-captcha",
            "nc_iconfont", "captcha")
_RATE = ("访问过于频繁", "访问太频繁", "请求过于频繁", "访问频率过快", "访问频率过高", "操作过于频繁", "too many requests")
_FIREWALL = ("您的请求带有不合法参数", "已被网站管理员设置拦截", "网站防火墙", "安全狗", "云锁", "创宇盾",
             "知道创宇", "云盾", "web应用防火墙", "应用防火墙", "访问被拦截", "请求被拦截", "已被拦截", "拦截",
             "当前访问疑似黑客攻击", "非法请求", "您的访问被阻断", "访问已被阻断", "waf", "access denied")
_COOKIE_SCRIPT = r"document\.cookie\s*="

PATTERNS: tuple[Pattern, ...] = (
    # 加速乐-style: 521 with a script that sets a cookie and reloads; any 521 is one.
    Pattern("jsl_521", "js_challenge", statuses=(521,)),
    # 瑞数-style: 412 with an obfuscated script ($_ts) that computes a cookie.
    Pattern("ruishu_412", "script_challenge", statuses=(412,)),
    # Rate limits: 429 by status; wording on any status.
    Pattern("http_429", "rate_limit", statuses=(429,)),
    Pattern("rate_wording", "rate_limit", markers=_RATE),
    # Cloud protection (阿里云/腾讯云 style) answering 405 or 493.
    Pattern("cloud_405_493", "cloud", statuses=(405, 493)),
    # Captcha pages (slider or image), any status.
    Pattern("captcha_wording", "captcha", markers=_CAPTCHA),
    # Firewall pages: 200 or 403 (or 503) with the firewall's wording.
    Pattern("waf_wording", "firewall", statuses=(200, 403, 503), markers=_FIREWALL),
    # A 200 page that is nothing but a cookie-setting script: a JS challenge.
    Pattern("cookie_script_200", "js_challenge", statuses=(200,), script=_COOKIE_SCRIPT),
    # Any other 403: the site refuses us (a firewall without wording we know).
    Pattern("http_403", "firewall", statuses=(403,)),
)

_STRIP = re.compile(rb"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<noscript\b.*?</noscript\s*>"
                    rb"|<!--.*?-->", re.S | re.I)
_TAGS = re.compile(rb"<[^>]*>")
_SPACE_B = re.compile(rb"\s+|&nbsp;")
_SPACE = re.compile(r"\s+|&nbsp;")
MAX_BYTES_PER_CHAR = 4   # UTF-8; GB18030 needs at most 4 too


def _decode(raw: bytes, encoding: str | None = None) -> str:
    for enc in filter(None, (encoding, "utf-8")):
        try:
            return raw.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("gb18030", errors="replace")


# Text between tags from its first non-space byte: the regex skips the whitespace-only
# runs between tags (most of them in an indented page) without a Python step each.
_SEGMENT = re.compile(rb">\s*([^<\s][^<]*)")


def _surely_long(body: bytes, limit: int) -> bool:
    """True once the text between tags (scripts included: an over-estimate) passes
    ``limit`` bytes; stops there, so an ordinary page costs a few kB of scanning."""
    n = 0
    for m in _SEGMENT.finditer(body):
        n += len(m.group(1).rstrip())
        if n > limit:
            return True
    return False


def _visible_bytes(body: bytes) -> bytes:
    # On bytes, before decoding: tags and spaces are ASCII in every encoding the portals
    # use, and most pages are then known to be long without decoding at all.
    return _SPACE_B.sub(b"", _TAGS.sub(b" ", _STRIP.sub(b" ", body)))


def visible_text(body: bytes, encoding: str | None = None) -> str:
    """The page's visible text, whitespace removed (a cheap regex pass, no parser)."""
    return _SPACE.sub("", _decode(_visible_bytes(body), encoding))


def _encoding_of(content_type: str | None) -> str | None:
    m = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    return m.group(1) if m else None


def classify(status: int, body: bytes, content_type: str | None = None, short_text: int = SHORT_TEXT) -> Block | None:
    """The block an answer is, or None for an ordinary answer (a page, a 404, a 500)."""
    text = None
    for p in PATTERNS:
        if p.statuses and status not in p.statuses:
            continue
        if not p.markers and not p.script:
            return Block(p.kind, p.name)
        if len(body) > MAX_BLOCK_BYTES:
            continue
        if text is None:
            if _surely_long(body, short_text * MAX_BYTES_PER_CHAR):
                return None  # a real page: every remaining pattern needs a short one
            raw = _visible_bytes(body)
            if len(raw) > short_text * MAX_BYTES_PER_CHAR:
                return None  # a real page (no decoding needed): every remaining pattern needs a short one
            text = _SPACE.sub("", _decode(raw, _encoding_of(content_type)))
        if len(text) > short_text:
            return None
        if p.script and re.search(p.script.encode(), body):
            return Block(p.kind, p.name)
        low = text.lower()
        if p.markers and any(m in low for m in p.markers):
            return Block(p.kind, p.name)
    return None


def classify_record(title: str | None, body: str | None, short_text: int = SHORT_TEXT) -> Block | None:
    """The block an archived record was made from (an archive written before blocks were
    recognised), judged as a status-200 page with this title and body."""
    text = _SPACE.sub("", f"{title or ''}{body or ''}")
    if len(text) > short_text:
        return None
    low = text.lower()
    for p in PATTERNS:
        if p.markers and (not p.statuses or 200 in p.statuses) and any(m in low for m in p.markers):
            return Block(p.kind, p.name)
    return None
