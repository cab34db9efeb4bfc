"""Whitespace normalisation and block-aware paragraph extraction from lxml trees."""
from __future__ import annotations

import re

from lxml import etree

_ZW = re.compile(r"[\u200b\u200c\u200d\ufeff]")
_WS = re.compile(r"[\s\u3000\xa0\u200b\u200c\u200d\ufeff\u2002\u2003\u2009]+")
# elements whose boundaries start a new paragraph
BLOCK = frozenset(
    "p div br li ul ol tr table tbody thead tfoot h1 h2 h3 h4 h5 h6 section article "
    "blockquote pre dd dt dl center form hr header footer nav aside main address "
    "figure figcaption caption td th fieldset legend option select textarea".split())
SKIP = frozenset("script style noscript template iframe object embed svg head title button".split())


def clean(s: str | None) -> str | None:
    """Collapse whitespace (incl. U+3000, nbsp, zero-width) and strip; '' -> None."""
    if s is None:
        return None
    if "\u200b" in s or "\ufeff" in s or "\u200c" in s or "\u200d" in s:
        s = _ZW.sub("", s)
    # str.split() already splits on U+3000, nbsp and the other Unicode spaces
    return " ".join(s.split()) or None


def squash(s: str) -> str:
    """Remove all whitespace (for comparisons of Chinese text)."""
    return _WS.sub("", s)


def raw_text(el) -> str:
    """All text under el (incl. script), cheap; for sizes and classification."""
    return "".join(el.itertext()) if el is not None else ""


def paragraphs(el, drop=None, index=None, positions=None) -> list[str]:
    """Text of ``el`` split at block boundaries; each stripped, empty dropped.

    ``drop`` is an optional set of elements to leave out (with their subtree).
    With ``index`` ({element: document-order number}) and a ``positions`` list,
    the number of the element where each line starts is appended to ``positions``.
    Uses lxml's C-level iterwalk (no recursion: real pages nest deep).
    """
    if el is None or not isinstance(el.tag, str):
        return []
    parts: list[str] = []
    out: list[str] = []
    pos = 0
    started = False
    track = index is not None and positions is not None

    def flush():  # end of a block: the text gathered so far is one line
        line = clean("".join(parts))
        if line:
            out.append(line)
            if track:
                positions.append(pos)
        parts.clear()

    walker = etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        tag = node.tag
        skipped = not isinstance(tag, str) or tag in SKIP or (drop is not None and node in drop)
        if event == "start":
            if skipped:
                walker.skip_subtree()
                continue
            if tag in BLOCK and parts:
                flush()
                started = False
            t = node.text
            if t:
                if track and not started and not t.isspace():
                    pos, started = index.get(node, pos), True
                parts.append(t)
        else:
            if not skipped and tag in BLOCK and parts:
                flush()
                started = False
            t = node.tail
            if t and node is not el:
                if track and not started and not t.isspace():
                    pos, started = index.get(node, pos), True
                parts.append(t)
    if parts:
        flush()
    return out


# the lines of the page being read, split once: the template's PUB-REFINE-PAGE and
# AUTH-META-EDITOR and the generic search's whole-page fallbacks all read them (a split
# walks the whole tree).  One entry, (root, lines): lxml elements take no weak reference,
# and a page is read to the end before the next is parsed (extract_page forgets it).
_PAGE_LINES: list = [None, None]


def page_lines(root, index=None, positions=None) -> list[str]:
    """``paragraphs`` of the page's <body> (the root when it has none), split once per
    parsed page.  With ``index`` and ``positions`` the split is made (and kept) so the
    start positions are appended; the lines are the same either way."""
    held_root, got = _PAGE_LINES
    if held_root is not root or positions is not None:
        body = root.find("body")
        got = paragraphs(body if body is not None else root, index=index, positions=positions)
        _PAGE_LINES[:] = [root, got]
    return got


def forget_page_lines() -> None:
    """Drop the page kept by ``page_lines`` (its tree is not kept alive past its page)."""
    _PAGE_LINES[:] = [None, None]


def text_of(el) -> str | None:
    """Whole text of an element on one line."""
    if el is None:
        return None
    if isinstance(el, str):
        return clean(el)
    return clean(" ".join(paragraphs(el)))

