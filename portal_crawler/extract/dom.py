"""lxml parsing, cached selector compilation and labelled-field parsing."""
from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from portal_crawler.extract.labels import BAR_LABEL_RX, FIELD_OF, FIELD_RX
from portal_crawler.extract.rules import current as rules
from portal_crawler.extract.text import BLOCK, clean

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# plain etree parser: lxml.html's element-class lookup costs ~15% of extraction time
# huge_tree: without it libxml2 stops at nesting depth 256 and the rest of the page
# is lost (the body cut to the deepest paragraph, or the page dropped)
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, recover=True, huge_tree=True)


# PARSE-STRAY-END: a `</html>` or `</body>` before the end of the page (a header
# fragment included by the server, with its own </html>): libxml2 drops what follows it,
# and gov.cn's page lost its whole article so. Every such end tag is removed; the
# parser closes body and html at the end of the text anyway.
_END_DOC = re.compile(r"</\s*(?:html|body)\s*>", re.I)


def parse(text: str):
    """Parse decoded HTML; None when there is nothing to parse.  A page nested deeper
    than libxml2 allows even with huge_tree (2048) is parsed again with its wrappers
    beyond depth ``MAX_DEPTH`` removed, so its text is kept whole (DEEP-NESTING)."""
    text = _XML_DECL.sub("", text.replace("\x00", ""), count=1)
    if not text.strip():
        return None
    text = _END_DOC.sub("", text)
    try:
        root = etree.fromstring(text, parser=_PARSER)
        if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in _PARSER.error_log):
            root = etree.fromstring(flatten(text), parser=_PARSER)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None
    return root if root is not None and isinstance(root.tag, str) else None


MAX_DEPTH = 256
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


def flatten(html: str, cap: int = MAX_DEPTH) -> str:
    """Drop start/end tags that would open deeper than ``cap`` (text, and tags that
    close at a kept level, stay).  Only for pages libxml2 cannot parse whole."""
    out, stack, pos = [], [], 0  # stack: (tag, kept)
    depth = 0
    for m in _TAG.finditer(html):
        closing, tag = m.group(1), m.group(2).lower()
        out.append(html[pos:m.start()])
        pos = m.end()
        if tag in _VOID or m.group(3).rstrip().endswith("/"):
            out.append(m.group(0))
        elif not closing:
            kept = depth < cap
            stack.append((tag, kept))
            if kept:
                depth += 1
                out.append(m.group(0))
            elif tag in BLOCK:
                out.append("<br>")  # a dropped block still ends a line
        else:
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == tag:
                    kept = stack[i][1]
                    depth -= sum(1 for _, k in stack[i:] if k)
                    del stack[i:]
                    if kept:
                        out.append(m.group(0))
                    elif tag in BLOCK:
                        out.append("<br>")
                    break
            else:
                out.append(m.group(0))
    out.append(html[pos:])
    return "".join(out)


@lru_cache(maxsize=1024)
def compile_selector(sel: str) -> etree.XPath:
    """CSS or XPath (starts with / or ( ) -> compiled XPath."""
    s = sel.strip()
    if s.startswith(("/", "(")):
        return etree.XPath(s)
    from cssselect import HTMLTranslator
    return etree.XPath(HTMLTranslator().css_to_xpath(s))


def select(root, sel: str) -> list:
    try:
        return compile_selector(sel)(root)
    except Exception:  # a bad user selector must not break extraction
        return []


def first(root, sels) -> object | None:
    """First match of the first selector (in a list) that matches anything."""
    for sel in ([sels] if isinstance(sels, str) else sels):
        found = select(root, sel)
        if found:
            return found[0]
    return None


def meta(root, names) -> str | None:
    """Content of the first <meta name|property=...> among ``names`` (case-insensitive)."""
    wanted = [n.lower() for n in names]
    found = {}
    for m in root.iter("meta"):
        key = (m.get("name") or m.get("property") or m.get("itemprop") or "").strip().lower()
        if key in wanted and key not in found:
            val = clean(m.get("content"))
            if val:
                found[key] = val
    for n in wanted:
        if n in found:
            return found[n]
    return None


_VALUE_TRIM = " \t|｜丨/\\[]【】()（）〔〕［］,，;；·•　\xa0"


def parse_labelled(text: str | None) -> dict[str, str]:
    """{'published': '2021-10-22 08:19', 'source': '哈尔滨日报', ...} from an info line.

    A value runs from its label to the next known label.  First occurrence wins.
    """
    out: dict[str, str] = {}
    if not text:
        return out
    if rules().bar_label and ("|" in text or "丨" in text or "｜" in text):
        # LABEL-BAR: a line opening with its label and a bar (责编|X, 来源丨X: the credits
        # under a platform post, one a line) reads as LABEL：X
        text = BAR_LABEL_RX.sub(r"\1：", text, count=1)
    if ":" not in text and "：" not in text and "/" not in text:
        return out
    ms = list(FIELD_RX.finditer(text))
    for i, m in enumerate(ms):
        field = FIELD_OF[m.group(1)]
        end = ms[i + 1].start() if i + 1 < len(ms) else len(text)
        val = text[m.end():end].strip(_VALUE_TRIM)
        if field.startswith("_") or field in out:
            continue
        val = clean(val)
        if val:
            out[field] = val
    return out


def jsonld(root) -> list[dict]:
    """The objects of the page's <script type="application/ld+json"> blocks (a list or
    an @graph flattened); a block that is not valid JSON is skipped (pages ship
    truncated or templated ones)."""
    import json
    out: list[dict] = []
    for s in root.iter("script"):
        if (s.get("type") or "").strip().lower() != "application/ld+json" or not s.text:
            continue
        try:
            data = json.loads(s.text.strip().rstrip(";"))
        except ValueError:
            continue
        todo = data if isinstance(data, list) else [data]
        for d in todo:
            if isinstance(d, dict):
                out.append(d)
                g = d.get("@graph")
                if isinstance(g, list):
                    out += [x for x in g if isinstance(x, dict)]
    return out


def jsonld_value(root, key: str) -> str | None:
    """AUTH-JSONLD / PUB-JSONLD: the first ``key`` of the page's JSON-LD objects, a
    person given as {"name": X} or a list of them joined by 、."""
    for d in jsonld(root):
        v = d.get(key)
        if isinstance(v, dict):
            v = v.get("name")
        elif isinstance(v, list):
            v = "、".join(str(x.get("name") if isinstance(x, dict) else x) for x in v if x) or None
        if isinstance(v, str) and v.strip():
            return clean(v)
    return None


# AUTH-MARKUP: an element the page marks as the author: itemprop/rel=author, or a
# class/id naming the author (author, writer, zuozhe) that is not an editor's box
_AUTHOR_MARKUP_XP = etree.XPath(
    "//*[@itemprop='author' or @rel='author' or "
    "(not(self::meta) and not(self::script) and not(self::body) and not(self::html) and "
    "(contains(translate(@class,'AUTHORWITERZUOH','authorwiterzuoh'),'author') or "
    "contains(translate(@id,'AUTHORWITERZUOH','authorwiterzuoh'),'author') or "
    "contains(@class,'writer') or contains(@class,'zuozhe') or contains(@id,'zuozhe')))]")


def displayed_none(el) -> bool:
    """The element or an ancestor is styled display:none: the reader never sees it."""
    for a in el.iterancestors():
        if "display:none" in (a.get("style") or "").replace(" ", "").lower():
            return True
    return "display:none" in (el.get("style") or "").replace(" ", "").lower()


def author_markup(root, visible_only: bool = False) -> list[str]:
    """The short texts of elements marked as the author (AUTH-MARKUP), in page order;
    an element that also names an editor (class 'editor') is left out, and with
    ``visible_only`` one inside a display:none block (AUTH-MARKUP-VISIBLE)."""
    out = []
    for el in _AUTHOR_MARKUP_XP(root):
        cls = ((el.get("class") or "") + " " + (el.get("id") or "")).lower()
        if "editor" in cls or "avatar" in cls or "img" in cls:
            continue
        if visible_only and el.tag != "meta" and displayed_none(el):
            continue
        v = el.get("content") if el.tag == "meta" else clean("".join(el.itertext()))
        if v and len(v) <= 40:
            out.append(v)
    return out


def time_datetime(root) -> str | None:
    """PUB-TIME-TAG: the datetime of a <time> (or of an element with
    itemprop=datePublished) in the page body."""
    for el in root.iter("time"):
        v = el.get("datetime") or el.get("content")
        if v:
            return v.strip()
    for el in root.iterfind(".//*[@itemprop='datePublished']"):
        if el.tag == "meta":
            continue
        v = el.get("datetime") or el.get("content") or clean("".join(el.itertext()))
        if v:
            return v.strip()
    return None
