"""Block classification (portal_crawler/blocks.py): each pattern on a real-shaped page
(tests/fixtures/blocks, written for these tests), and ordinary pages that must not be
taken for blocks (an error page, a 404, an article about firewalls and captchas)."""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, strategies as st

from conftest import ROOT
from portal_crawler.blocks import KINDS, PATTERNS, _surely_long, classify, classify_record

FIX = ROOT / "tests" / "fixtures" / "blocks"
CASES = json.loads((FIX / "cases.json").read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_fixture_classified(name):
    status, kind, pattern = CASES[name]
    got = classify(status, (FIX / name).read_bytes())
    assert (got and got.kind, got and got.pattern) == (kind, pattern)


def test_every_pattern_has_a_fixture():
    assert {p.name for p in PATTERNS} == {c[2] for c in CASES.values() if c[2]}
    assert {p.kind for p in PATTERNS} == set(KINDS)


def test_wording_in_a_long_page_is_not_a_block():
    article = (FIX / "article_about_security_200.html").read_bytes()
    for status in (200, 403, 503):  # the status decides only where it alone is the block
        got = classify(status, article)
        assert got is None or got.pattern == "http_403"


def test_status_alone_decides_for_challenge_codes():
    article = (FIX / "article_about_security_200.html").read_bytes()
    assert classify(521, article).kind == "js_challenge"
    assert classify(412, b"").kind == "script_challenge"
    assert classify(429, b"").kind == "rate_limit"
    assert classify(500, b"<html>Internal Server Error</html>") is None
    assert classify(503, b"<html><body>503</body></html>") is None


def test_records_made_from_block_pages_are_recognised():
    assert classify_record("您的请求带有不合法参数，已被网站管理员设置拦截！",
                           "可能原因：您提交的内容包含危险的攻击请求").kind == "firewall"
    assert classify_record("安全验证", "请完成安全验证 向右滑动完成验证").kind == "captcha"
    long_body = "网站防火墙对带有不合法参数的访问进行拦截。" + "企业要加强网络安全防护，定期开展演练。" * 40
    assert classify_record("市工信局举办网络安全培训", long_body) is None


@given(st.lists(st.sampled_from([b"<p>", b"</p>", b">", b"<", b" ", b"\n\t", b"\x0b", b"ab", b"\xe4\xb8\xad", b"x y"]),
                max_size=60), st.integers(0, 12))
def test_surely_long_counts_stripped_text_between_tags(parts, limit):
    """The scan's total is the text between tags, each run stripped (its definition)."""
    body = b"".join(parts)
    total = sum(len(seg.strip()) for seg in re.findall(rb">([^<]+)", body))
    assert _surely_long(body, limit) == (total > limit)
