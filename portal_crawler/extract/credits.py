"""Editor and reviewer credits (责任编辑 / 责编 / 编辑 / 审核 / 校对) wherever a template
prints them: a line of their own, the tail of the body's last paragraph, the info row,
or a block beside or after the content block (issue 21).

One pattern of the field, not page fixes: LABEL + SEPARATOR + NAMES, bare or in one
wrapper (labels.py, EDITOR-CREDIT / EDITOR-LINE / EDITOR-TAIL / EDITOR-AFTER in
docs/extraction-patterns.md).  A credit line is never body text and never the author;
校对 (proofreading) is no field of the record and is only removed.
"""
from __future__ import annotations

import re

from portal_crawler.extract import fields as F
from portal_crawler.extract.labels import (CREDIT_FIELD, CREDIT_IN_ROW_RX, CREDIT_ITEM_RX,
                                           CREDIT_LINE_RX, CREDIT_TAIL_RX)
from portal_crawler.extract.text import paragraphs

__all__ = ["credit_values", "credited_editors", "names_editors", "credit_line", "credit_row", "split_tail", "split_row", "credits_after"]

_NAME_SEP = re.compile(r"\s*[、，,]\s*|\s+")


def credit_values(text: str) -> dict:
    """{field: names} of the credits in ``text`` (first of each field); several names
    of one credit are joined by 、; 校对 is left out."""
    out: dict = {}
    for m in CREDIT_ITEM_RX.finditer(text):
        f = CREDIT_FIELD[m.group(1)]
        if f.startswith("_") or f in out:
            continue
        names = [n for n in _NAME_SEP.split(m.group(2).strip()) if n]
        v = F.person("、".join(names))
        if v:
            out[f] = v
    return out


def credited_editors(lines) -> set[str]:
    """AUTH-META-EDITOR: every name of an editor credit on the page (`【责任编辑：X】`,
    `[ 责编：X ]`), whitespace removed.  A CMS that fills <meta name=author> (or a box
    marked author) with its editor account names X there too, and X is no writer."""
    out = set()
    for ln in lines:
        if len(ln) <= 80 and "编" in ln:
            v = credit_values(ln).get("editor")
            if v:
                out.update(n for n in ("".join(x.split()) for x in v.split("、")) if len(n) >= 2)
    return out


def names_editors(value: str | None, editors: set[str]) -> bool:
    """AUTH-META-EDITOR: every name of ``value`` is (or ends with) a credited editor's
    (`青网新闻张某` with `责任编辑：张某`); a writer who also edits (`冯某、许某` with
    `编辑：冯某`) is still the writer."""
    parts = ["".join(p.split()) for p in _NAME_SEP.split(value or "") if p.strip()]
    return bool(parts) and all(any(e and e in p for e in editors) for p in parts)


def credit_line(line: str) -> dict | None:
    """EDITOR-LINE: the credits of a line that holds only credits, else None."""
    if len(line) > 80 or not CREDIT_LINE_RX.match(line):
        return None
    return credit_values(line)


def credit_row(line: str) -> dict | None:
    """EDITOR-LINE, also with a short non-sentence before the credits (a button label:
    `【纠错】 责任编辑： 尹世杰`): the credits of a line that is no text, else None."""
    got = credit_line(line)
    if got is not None or len(line) > 40:
        return got
    rest, got = split_tail(line)
    if got and len(rest) <= 8 and not _SENTENCE.search(rest):
        return got
    return None


_SENTENCE = re.compile(r"[，。！？；,;!?]")


def split_tail(line: str) -> tuple[str, dict]:
    """EDITOR-TAIL: (the line without the credits closing it, their values)."""
    if len(line) < 4:
        return line, {}
    m = CREDIT_TAIL_RX.search(line[-80:])
    if m is None:
        return line, {}
    cut = len(line) - 80 + m.start() if len(line) > 80 else m.start()
    return line[:cut].rstrip(), credit_values(m.group(0))


def split_row(text: str | None) -> tuple[str | None, dict]:
    """EDITOR-CREDIT in an info row: (the row without its credits, their values), so
    `作者：陈静 编辑/赵磊` gives the author 陈静 and the editor 赵磊."""
    if not text:
        return text, {}
    found = list(CREDIT_IN_ROW_RX.finditer(text))
    if not found:
        return text, {}
    vals = credit_values(" ".join(m.group(0) for m in found))
    rest = CREDIT_IN_ROW_RX.sub(" ", text)
    return rest, vals


def credits_after(body_el, scope, max_lines: int = 8) -> dict:
    """EDITOR-AFTER: credit lines after the content block inside its article container
    ``scope`` (a sibling div, a paragraph after the table, text after it): the first
    ``max_lines`` lines that follow the block, whole-line credits only.  Walks only
    what follows the block (its following siblings, then its ancestors' up to
    ``scope``), never the body again."""
    if body_el is None or scope is None:
        return {}
    after: list[str] = []
    el = body_el
    while el is not None and el is not scope and len(after) < max_lines:
        tail = (el.tail or "").strip()
        if tail:
            after.append(tail)
        for sib in el.itersiblings():
            if isinstance(sib.tag, str):
                after += paragraphs(sib)
            if (sib.tail or "").strip():
                after.append(sib.tail.strip())
            if len(after) >= max_lines:
                break
        el = el.getparent()
    out: dict = {}
    for ln in after[:max_lines]:
        got = credit_line(ln)
        if got:
            for k, v in got.items():
                out.setdefault(k, v)
    return out
