"""Bytes -> str for HTML pages: BOM, HTTP charset, meta charset, then sniffing.

GB-family labels are decoded as gb18030 (a superset of gb2312/gbk), because
DedeCMS GBK builds declare gb2312 while emitting GBK characters such as 喆.
A page that is valid UTF-8 with non-ASCII bytes is UTF-8 whatever it declares
(browser DOM dumps saved as UTF-8 keep their original gb2312 meta).
"""
from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
# <meta charset=x> and <meta http-equiv content="text/html; charset=x">
_META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_GB = {"gb2312", "gbk", "gb18030", "x-gbk", "gb_2312-80", "gb_2312", "cp936",
       "euc-cn", "hz-gb-2312", "csgb2312", "chinese", "iso-ir-58", "windows-936"}
# labels that say nothing reliable about non-ASCII bytes
_WEAK = {"iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "windows-1252", "cp1252"}


def _norm(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _GB:
        return "gb18030"
    if label in ("utf8", "utf-8", "unicode-1-1-utf-8"):
        return "utf-8"
    try:
        return codecs.lookup(label).name if label not in _WEAK else label
    except LookupError:
        return None


def declared_charset(body: bytes, content_type: str | None) -> tuple[str | None, str | None]:
    """(header charset, meta charset), normalised; None where absent/unknown."""
    header = None
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        header = _norm(m.group(1)) if m else None
    m = _META_CHARSET.search(body[:4096])
    meta = _norm(m.group(1).decode("ascii", "ignore")) if m else None
    return header, meta


def _try(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML response; returns (text, codec used)."""
    if not body:
        return "", "utf-8"
    for bom, codec, name in _BOMS:
        if body.startswith(bom):
            text = _try(body, codec)
            if text is not None:
                return text.lstrip("\ufeff"), name
    is_ascii = body.isascii()
    if is_ascii:
        return body.decode("ascii"), "utf-8"
    # valid UTF-8 with non-ASCII bytes is almost never a legacy encoding by chance
    text = _try(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    header, meta = declared_charset(body, content_type)
    for codec in (header, meta):
        if codec and codec not in _WEAK and codec != "utf-8":
            text = _try(body, codec)
            if text is not None:
                return text, codec
    # undeclared / wrongly declared: sniff the CJK legacy encodings
    for codec in ("gb18030", "big5"):
        text = _try(body, codec)
        if text is not None:
            return text, codec
    for codec in (header, meta):
        if codec in _WEAK:
            return body.decode("cp1252" if codec != "iso-8859-1" else codec, "replace"), codec
    # last resort: whichever decoder loses fewer characters
    best = min(("utf-8", "gb18030"), key=lambda c: body.decode(c, "replace").count("\ufffd"))
    return body.decode(best, "replace"), best
