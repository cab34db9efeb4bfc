"""Extraction benchmark: our extractor vs GNE, trafilatura, readability-lxml and magic-html.

    python -m benchmarks.eval_extract [EVAL_DIR] [--cwced-corpus DIR] [--magic-html DIR] [--zh-fixtures DIR]
                                      [--final] [--cv K]
                                      [--parse-errors] [--replica] [--json] [-v]

EVAL_DIR (default ``<repo>/../shared/eval``; pages are read in place, never copied)
holds ``cwced-dev/`` (23 pages with their own truth) and ``gne-unlabelled/`` (67 pages,
hand labels in ``benchmarks/labels/gne-unlabelled.json``).  One run scores every
extractor side by side, per field, on:

- cwced-dev;
- gne-dev: the two thirds of gne-unlabelled outside the held-aside third;
- cross-validated: our extractor over cwced-dev + gne-dev, K folds by site: on each
  fold the rule choices of ``portal_crawler.extract.rules.GRID`` are picked on the
  other folds and scored on this one (other extractors have no choices);
- gne-held-aside (``--final`` only): the third fixed with the labels
  (``held_aside``), scored once at the end, never used to choose a rule;
- cwced-new-dev / cwced-new-held-aside: the public corpus's other 46 pages (``--cwced-corpus
  DIR``, its native layout ``original/ author/ date/ cleaned/``; the 23 pages of cwced-dev are
  dropped), split by a hash of the page name (``cwced_held_aside``) fixed before any page
  was opened; the held-aside third is scored with ``--final`` only, with the corpus's own
  labels (never opened here), the dev two thirds with the reviewed labels of
  ``benchmarks/labels/cwced-corpus.json``.
- magic-article-dev / magic-forum-dev (and -held-aside with ``--final``): the Chinese
  pages of opendatalab/magic-html's benchmark (``--magic-html DIR``; ``is_chinese``,
  ``magic_held_aside``), body truth the benchmark's ``content``, author and date of the
  article pages from ``benchmarks/labels/magic-html.json``.
- zh-fixtures-dev (and -held-aside with ``--final``): 63 Chinese article pages of other
  projects' test fixtures and samples (mozilla/readability, adbar/htmldate,
  GerapyAutoExtractor, newspaper4k, fundus, PulsarRPA, twnews, cx-extractor-python,
  taiwanese_news_parser; ``--zh-fixtures DIR``, the folder holding their checkouts), hand
  labels in ``benchmarks/labels/zh-fixtures.json``, body truth where the source ships
  one; split by ``zh_fixtures_held_aside``.
- zh-fixtures2-dev (and -held-aside with ``--final``): the same for a second set of Chinese
  pages from other public projects' fixtures and samples, never used before (labels in
  ``benchmarks/labels/zh-fixtures2.json``, its own split salt; same loader, same folder).
- ``--include-spent``: the held-aside thirds already scored and spent (gne, cwced new,
  magic article and forum, zh-fixtures: all scored at the end of rounds 1-5; ``SPENT``)
  join the dev pages as ``*-spent`` sets and the cross-validation (from round 6 on they
  choose rules; they are no longer claimed as held-out figures).  Only those: a third
  not in ``SPENT`` (zh-fixtures2's) is never loaded without ``--final``.

Scoring: dates at the labelled precision; names (author, editor) as a set after
normalising separators (space, 、, ，, ,); body as a multiset of non-whitespace
characters (precision, recall, F1); page type exactly; errors (an extractor raising)
and refusals (no body) counted per extractor.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import lzma
import os
import re
import statistics
import sys
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from portal_crawler.extract import extract_page
from portal_crawler.extract.dates import parse_date
from portal_crawler.extract.encoding import decode_html
from portal_crawler.extract.rules import DEFAULT, GRID, Rules, describe, use_rules

_WS = re.compile(r"\s+")
LABELS_DIR = Path(__file__).resolve().parent / "labels"


# ---------- extractors: bytes -> {"title","author","date","body"} -----------------------
# An extractor that raises is counted as an error on that page (``errors``), never
# swallowed: the figures say how often each one fails.
def run_ours(raw: bytes, url=None):
    r = extract_page(raw, url=url)
    rec = r.record or getattr(r, "best", None) or {}
    return {"title": rec.get("title"), "author": rec.get("author"),
            "date": rec.get("published_at"), "body": rec.get("body"), "kind": r.kind,
            "editor": rec.get("editor"), "page_type": rec.get("page_type") or getattr(r, "page_type", None)}


def run_trafilatura(raw: bytes, url=None):
    import trafilatura
    doc = trafilatura.bare_extraction(raw, url=url, with_metadata=True, favor_precision=False)
    if doc is None:
        return {}
    get = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
    return {"title": get("title"), "author": get("author"), "date": get("date"),
            "body": get("text")}


_GNE = None


def run_gne(raw: bytes, url=None):
    global _GNE
    from gne import GeneralNewsExtractor
    _GNE = _GNE or GeneralNewsExtractor()
    html, _ = decode_html(raw, None)
    r = _GNE.extract(html)
    return {"title": r.get("title"), "author": r.get("author"),
            "date": r.get("publish_time"), "body": r.get("content")}


def _html_text(fragment: str | None) -> str | None:
    """An extractor's HTML output -> its text (block elements on their own lines)."""
    if not fragment:
        return None
    from lxml import html as lh
    el = lh.fromstring(fragment)
    for br in el.iter("br", "p", "div", "li", "h1", "h2", "h3", "h4", "tr"):
        br.tail = "\n" + (br.tail or "")
    return el.text_content()


def run_readability(raw: bytes, url=None):
    """readability-lxml: title and main content only (it gives no date or author)."""
    from readability import Document
    html, _ = decode_html(raw, None)
    doc = Document(html, url=url)
    return {"title": doc.short_title(), "author": None, "date": None,
            "body": _html_text(doc.summary(html_partial=True))}


_MAGIC = None


def run_magic_html(raw: bytes, url=None):
    """magic-html (opendatalab): main content of articles, forums and WeChat pages."""
    global _MAGIC
    from magic_html import GeneralExtractor
    _MAGIC = _MAGIC or GeneralExtractor()
    html, _ = decode_html(raw, None)
    d = _MAGIC.extract(html, base_url=url or "")
    return {"title": d.get("title"), "author": None, "date": None, "body": _html_text(d.get("html"))}


EXTRACTORS = {"ours": run_ours, "trafilatura": run_trafilatura, "gne": run_gne,
              "readability": run_readability, "magic_html": run_magic_html}
_MODULES = {"trafilatura": "trafilatura", "gne": "gne", "readability": "readability",
            "magic_html": "magic_html"}


def unavailable(name: str) -> str | None:
    """Why an extractor cannot run here (None: it can).  magic-html's only release on
    PyPI (0.1.8) requires Python >= 3.12; where the interpreter is older it is not
    installed (pyproject's marker) and the harness says so instead of scoring it."""
    mod = _MODULES.get(name)
    if mod is None:
        return None
    import importlib.util
    if importlib.util.find_spec(mod) is None:
        if name == "magic_html" and sys.version_info < (3, 12):
            return (f"not installed: magic-html requires Python >= 3.12, this is "
                    f"{sys.version.split()[0]}")
        return f"not installed ({mod})"
    return None


# ---------- scoring ----------------------------------------------------------------------
def norm_date(value) -> str | None:
    """Any extractor's date -> 'YYYY-MM-DD[ HH:MM[:SS]]' in China time."""
    if not value:
        return None
    pd = parse_date(str(value))
    if not pd.value:
        return None
    v = pd.value.replace("T", " ")[:19]
    if pd.precision == "minute":
        v = v[:16]
    return v


def date_ok(truth: str, pred) -> bool:
    p = norm_date(pred)
    return bool(p) and len(p) >= len(truth) and p[:len(truth)] == truth


def same_text(a, b) -> bool:
    return bool(a) and bool(b) and _WS.sub("", str(a)) == _WS.sub("", str(b))


_NAME_SEP = re.compile(r"[\s、，,;；/&＆]+")


def same_author(truth, pred) -> bool:
    """Names as a set: "段彦超 廖艳" == "段彦超、廖艳" (pages join names either way)."""
    if not truth or not pred:
        return False
    names = lambda v: {n for n in _NAME_SEP.split(str(v)) if n}  # noqa: E731
    return same_text(truth, pred) or names(truth) == names(pred)


def prf(truth: str, pred: str | None) -> tuple[float, float, float]:
    t = Counter(_WS.sub("", truth or ""))
    p = Counter(_WS.sub("", pred or ""))
    common = sum((t & p).values())
    prec = common / sum(p.values()) if p else 0.0
    rec = common / sum(t.values()) if t else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


def weak_truth(meta_json: dict) -> dict | None:
    """Government CMS pages carry their own ArticleTitle / PubDate metas: truth for
    title and date only (gne-unlabelled's weak_reference.site_meta)."""
    sm = (meta_json.get("weak_reference") or {}).get("site_meta") or {}
    title, pub = sm.get("ArticleTitle"), sm.get("PubDate")
    if not title and not pub:
        return None
    pd = parse_date(pub) if pub else None
    date = None
    if pd is not None and pd.value:
        date = pd.value.replace("T", " ")[:19]
        date = date[:16] if pd.precision == "minute" else date[:10] if pd.precision == "date" else date
    return {"title": title, "publish_time": date, "author": None, "content": None}


def load_folder(folder: Path, labels: Path | None = None, part: str | None = None):
    """[(name, bytes, truth dict or None)].  Hand labels (``labels``, default
    benchmarks/labels/<folder name>.json) replace the folder's own truth.  ``part``:
    "dev" or "held" keeps only the labelled pages outside / inside the held-aside third."""
    labels = labels or LABELS_DIR / f"{folder.name}.json"
    hand = json.loads(labels.read_text("utf-8"))["pages"] if labels.is_file() else None
    out = []
    for h in sorted(folder.glob("*.html")):
        if hand is not None:
            if h.stem in hand and (part is None or held_aside(h.stem) == (part == "held")):
                raw = h.read_bytes()
                out.append((h.stem, raw, label_truth(hand[h.stem], raw)))
            continue
        j = h.with_suffix(".json")
        truth = json.loads(j.read_text("utf-8")) if j.exists() else None
        if truth is not None and truth.get("content") is None and truth.get("ground_truth") == "none":
            truth = weak_truth(truth)
        out.append((h.stem, h.read_bytes(), truth))
    return out


_INVISIBLE = frozenset("script style noscript template head title textarea".split())


class _Visible(HTMLParser):
    """Collects the text outside script/style/head.  The standard library's
    tokenizer, not lxml: libxml2 silently drops the rest of some real pages (gov.cn's
    other_1 loses its whole article), and the truth must not depend on the parser the
    extractor uses."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in _INVISIBLE:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in _INVISIBLE and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(raw: bytes) -> str:
    """The page's visible characters, whitespace removed, rendered independently of
    the extractor (every text node outside script/style/head)."""
    html, _ = decode_html(raw, None)
    v = _Visible()
    v.feed(html)
    v.close()
    return _WS.sub("", "".join(v.parts))


def label_truth(lab: dict, raw: bytes) -> dict:
    """A hand label -> truth dict; the body runs from the first anchor to the end of
    the last one in the page's visible text (benchmarks/labels/README.md)."""
    body = None
    if lab.get("body_first") and lab.get("body_last"):
        text = visible_text(raw)
        a = text.find(lab["body_first"])
        b = text.find(lab["body_last"], a)
        if a < 0 or b < 0:
            raise ValueError(f"body anchors not found: {lab}")
        body = text[a:b + len(lab["body_last"])]
    authors = lab.get("authors")
    return {"title": None, "author": "、".join(authors) if authors else None,
            "no_author": "authors" in lab and not authors,  # labelled: the page names no writer
            "publish_time": lab.get("publish_time"), "content": body,
            "editor": lab.get("editor"), "page_type": lab.get("page_type")}


# ---------- the public corpus in its native layout ---------------------------------------
_LABEL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?)?)?$")


def corpus_date(text: str | None) -> str | None:
    """The corpus's date label ('2005-5-7 21:23:57', '2021-3', 'UNKNOWN') -> zero-padded
    'YYYY[-MM[-DD[ HH:MM[:SS]]]]' at the precision labelled; None when unknown or not a
    date (one label file holds a name: a labelling slip, not scored)."""
    m = _LABEL_DATE.match((text or "").strip())
    if not m:
        return None
    y, mo, d, h, mi, sec = m.groups()
    out = y + "".join(f"-{int(x):02d}" for x in (mo, d) if x)
    if h:
        out += f" {int(h):02d}:{int(mi):02d}" + (f":{int(sec):02d}" if sec else "")
    return out


def corpus_authors(text: str | None) -> list[str] | None:
    """'名一 名二' -> ['名一', '名二']; 'UNKNOWN' (the corpus's word for none) -> []."""
    names = (text or "").split()
    return [] if not names or names == ["UNKNOWN"] else names


def cwced_held_aside(name: str) -> bool:
    """The corpus's held-aside third: pages (one site each, no shared templates) whose
    sha1("portal-crawler:cwced:" + NAME) % 3 == 1, fixed before any page was opened."""
    return int(hashlib.sha1(("portal-crawler:cwced:" + name).encode()).hexdigest(), 16) % 3 == 1


def load_cwced_corpus(root: Path, exclude=(), part: str | None = None, labels: Path | None = None):
    """[(name, bytes, truth)] from the corpus's native layout (``original/NAME.html``,
    ``author/ date/ cleaned/NAME.txt``), without the names in ``exclude`` (cwced-dev's).
    ``part``: "dev" or "held" keeps the pages outside / inside ``cwced_held_aside``.
    Reviewed labels (``labels``, default benchmarks/labels/cwced-corpus.json) replace
    the corpus's author and date on the pages they cover (the dev part only: the
    held-aside third keeps the corpus's labels, its pages are never opened)."""
    labels = labels or LABELS_DIR / "cwced-corpus.json"
    reviewed = json.loads(labels.read_text("utf-8"))["pages"] if labels.is_file() else {}
    out = []
    for h in sorted((root / "original").glob("*.html")):
        name = h.stem
        if name in exclude or (part is not None and cwced_held_aside(name) != (part == "held")):
            continue
        read = lambda sub: (root / sub / f"{name}.txt").read_text("utf-8", "replace") \
            if (root / sub / f"{name}.txt").is_file() else None  # noqa: E731
        authors, date = corpus_authors(read("author")), corpus_date(read("date"))
        lab = reviewed.get(name) if not cwced_held_aside(name) else None
        if lab is not None:
            authors, date = lab.get("authors"), lab.get("publish_time")
        out.append((name, h.read_bytes(), {
            "title": None, "author": " ".join(authors) if authors else None,
            "no_author": authors is not None and not authors,
            "publish_time": date, "content": read("cleaned") or None}))
    return out


# ---------- magic-html's benchmark pages (opendatalab/magic-html) -------------------------
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def is_chinese(text: str | None) -> bool:
    """A page is Chinese when Han characters are at least half of the letters
    (``str.isalpha``) of its truth content: decided on the benchmark's own text, so
    the page itself need not be opened to choose it."""
    letters = [c for c in text or "" if c.isalpha()]
    return bool(letters) and 2 * sum(1 for c in letters if _HAN.match(c)) >= len(letters)


def magic_held_aside(name: str) -> bool:
    """The held-aside third of magic-html's pages: sha1("portal-crawler:magic:" + NAME)
    % 3 == 1, fixed before any page was opened (pages are named by a hash of their own;
    most are one page per site, so the split is by page)."""
    return int(hashlib.sha1(("portal-crawler:magic:" + name).encode()).hexdigest(), 16) % 3 == 1


def load_magic_html(root: Path, kind: str = "article", part: str | None = None,
                    labels: Path | None = None):
    """[(name, bytes, truth, url)] for the Chinese pages of magic-html's ``kind`` set
    (``benchmark/data/KIND/base.json``: NAME -> {url, content}; the page is
    ``htmls/NAME.html``).  ``part``: "dev" or "held" keeps the pages outside / inside
    ``magic_held_aside``.  The body truth is the benchmark's ``content``; hand labels
    (``labels``, default benchmarks/labels/magic-html.json) add author and date."""
    labels = labels or LABELS_DIR / "magic-html.json"
    hand = json.loads(labels.read_text("utf-8"))["pages"] if labels.is_file() else {}
    base = root / "benchmark" / "data" / kind
    out = []
    for name, entry in sorted(json.loads((base / "base.json").read_text("utf-8")).items()):
        if not is_chinese(entry.get("content")):
            continue
        if part is not None and magic_held_aside(name) != (part == "held"):
            continue
        lab = hand.get(name) or {}
        authors = lab.get("authors")
        out.append((name, (base / "htmls" / f"{name}.html").read_bytes(), {
            "title": None, "author": "、".join(authors) if authors else None,
            "no_author": "authors" in lab and not authors,
            "publish_time": lab.get("publish_time"), "content": entry.get("content") or None,
            "page_type": lab.get("page_type")}, entry.get("url")))
    return out


def all_magic_pages(root: Path):
    """Every page of both sets (Chinese or not): (set, name, bytes, url), for the error count."""
    for kind in ("article", "forum"):
        base = root / "benchmark" / "data" / kind
        for name, entry in sorted(json.loads((base / "base.json").read_text("utf-8")).items()):
            yield kind, name, (base / "htmls" / f"{name}.html").read_bytes(), entry.get("url")


# ---------- Chinese pages of other projects' test fixtures (zh-fixtures, zh-fixtures2) -------
# Each set is one label file (benchmarks/labels/<set>.json: sources, pages) read by the same
# code; its held-aside third is a seeded hash of the page id whose salt the file names
# ("split_salt"; zh-fixtures.json, the first, predates the field and uses its default).
ZH_FIXTURES_LABELS = LABELS_DIR / "zh-fixtures.json"
ZH_FIXTURES2_LABELS = LABELS_DIR / "zh-fixtures2.json"
FIXTURE_SETS = {"zh-fixtures": ZH_FIXTURES_LABELS, "zh-fixtures2": ZH_FIXTURES2_LABELS}
ZH_FIXTURES_SALT = "portal-crawler:zh-fixtures:"


def hash_held_aside(page_id: str, salt: str) -> bool:
    """Whether ``page_id`` is in a set's held-aside third: sha1(salt + ID) % 3 == 1."""
    return int(hashlib.sha1((salt + page_id).encode()).hexdigest(), 16) % 3 == 1


def zh_fixtures_held_aside(page_id: str) -> bool:
    """The held-aside third of zh-fixtures: pages whose sha1("portal-crawler:zh-fixtures:"
    + ID) % 3 == 1 (ID is ``source:name``), fixed from the ids before any page was read."""
    return hash_held_aside(page_id, ZH_FIXTURES_SALT)


def _fixture_labels(labels: Path | None) -> dict:
    return json.loads((labels or ZH_FIXTURES_LABELS).read_text("utf-8"))


def fixture_held_aside(labels: Path | None = None):
    """The held-aside predicate of the set whose label file is ``labels``."""
    salt = _fixture_labels(labels).get("split_salt", ZH_FIXTURES_SALT)
    return lambda page_id: hash_held_aside(page_id, salt)


def zh_fixtures_sources(labels: Path | None = None) -> dict:
    """{short name: {repo, commit, licence, truth}}: the checkouts the pages are read from
    (``<eval-extra>/<short name>``; .ci/run clones them from this same table)."""
    return _fixture_labels(labels)["sources"]


def zh_fixtures_missing(root: Path, labels: Path | None = None) -> list[str]:
    """The sources (of the labelled pages) whose checkout is not under ``root``: one of
    its labelled pages is looked for at ``root/<short name>/<path>``."""
    lab = _fixture_labels(labels)
    need = {p["source"]: p["path"] for p in lab["pages"].values()}
    return sorted(s for s, path in need.items() if not (root / s / path).is_file())


def _read_page(path: Path) -> bytes:
    """A source's page as published: some ship them gzip- or xz-compressed."""
    raw = path.read_bytes()
    return {".gz": gzip.decompress, ".xz": lzma.decompress}.get(path.suffix, bytes)(raw)


def _readability_expected(path: Path) -> str:
    """mozilla/readability's expected.html -> its text (rendered independently of
    every extractor: the standard-library tokenizer of ``visible_text``)."""
    return visible_text(path.read_bytes())


def _fundus_body(path: Path) -> str:
    """fundus's test truth (``{version: {"body": {"summary", "sections": [{"headline",
    "paragraphs"}]}}}``, the newest version) -> the article's text."""
    versions = json.loads(path.read_text("utf-8"))
    body = versions[sorted(versions)[-1]]["body"]
    parts = list(body.get("summary") or [])
    for sec in body.get("sections") or []:
        parts += list(sec.get("headline") or []) + list(sec.get("paragraphs") or [])
    return "\n".join(parts)


_BARE_URL = re.compile(r"^\s*https?://\S+\s*$")


def _newsdiff_body(path: Path) -> str:
    """NewsDiff's parser test truth (``{"title", "body"}``, its hand-written per-site
    parser's expected output) -> the article's text: lines that are a bare image URL
    (the parser keeps some) are not text, and the markup it left in a few bodies is
    rendered by the same tokenizer as ``visible_text``."""
    body = json.loads(path.read_text("utf-8"))["body"]
    kept = "\n".join(x for x in re.split(r"[\r\n]+", body) if x.strip() and not _BARE_URL.match(x))
    return visible_text(kept.encode("utf-8"))


# The body truths the sources ship, by format (zh-fixtures*.json: page["body"]["format"]).
BODY_FORMATS = {"readability-expected": _readability_expected, "fundus-json": _fundus_body,
                "newsdiff-json": _newsdiff_body}


def load_zh_fixtures(root: Path, part: str | None = None, labels: Path | None = None):
    """[(id, bytes, truth, url)] for the labelled pages of a fixture set's label file
    (``labels``, default benchmarks/labels/zh-fixtures.json) whose source checkout is under
    ``root`` (``root/<source>/<path>``).  ``part``: "dev" or "held" keeps the pages outside /
    inside the set's held-aside third (``fixture_held_aside``).  Author, date,
    editor and page type are the hand labels; the body truth is the source's own, where it
    ships one (else the body is not scored on that page).  ``truth["site"]``: the
    publisher, the page's cross-validation group."""
    lab = _fixture_labels(labels)
    held = fixture_held_aside(labels)
    out = []
    for pid, p in sorted(lab["pages"].items()):
        if part is not None and held(pid) != (part == "held"):
            continue
        src = root / p["source"]
        if not (src / p["path"]).is_file():
            continue
        body = p.get("body")
        authors = p.get("authors")
        out.append((pid, _read_page(src / p["path"]), {
            "title": None, "author": "、".join(authors) if authors else None,
            "no_author": not authors, "publish_time": p.get("publish_time"),
            "content": BODY_FORMATS[body["format"]](src / body["path"]) if body else None,
            "editor": p.get("editor"), "page_type": p.get("page_type"),
            "site": p["site"]}, p.get("url")))
    return out


# ---------- the held-aside third ---------------------------------------------------------
def site_of(name: str) -> str:
    """'vis_163_1' -> '163': pages of one site share a template, so they stay together."""
    return name.removeprefix("vis_").split("_")[0]


def held_aside(name: str) -> bool:
    """The third of gne-unlabelled scored only at the very end (never to choose a rule):
    whole sites, by a hash fixed with the labels before the extractor ran on them."""
    return int(hashlib.sha1(("portal-crawler:" + site_of(name)).encode()).hexdigest(), 16) % 3 == 1


def _timed(fn, raw, url, repeat):
    """(output, best ms of ``repeat`` runs, error or None)."""
    best, out, err = None, {}, None
    for _ in range(max(1, repeat)):  # best of N: the machine is shared
        t0 = time.perf_counter()
        try:
            out = fn(raw, url)
        except Exception as e:  # count, keep going
            out, err = {}, e
        dt = (time.perf_counter() - t0) * 1000
        best = dt if best is None else min(best, dt)
    return out, best, err


def evaluate(pages, names=("ours", "trafilatura", "gne"), verbose=False, repeat=1) -> dict:
    """pages: [(name, bytes, truth|None, url|None)] -> {extractor: figures}.

    Extractors take turns page by page, so a change in machine load hits all alike."""
    stats = {name: {"date": [], "author": [], "title": [], "P": [], "R": [], "F1": [], "ms": [],
                    "errors": 0, "fails": [], "refused": [], "day": [], "editor": [], "page_type": [], "author_fp": []}
             for name in names}
    for name in names:  # warm-up: imports and lazy compilation are not per-page costs
        if pages:
            try:
                EXTRACTORS[name](pages[0][1], pages[0][3])
            except Exception:
                pass
    for pname, raw, truth, url in pages:
        for name in names:
            s = stats[name]
            out, ms, err = _timed(EXTRACTORS[name], raw, url, repeat)
            s["ms"].append(ms)
            if err is not None:
                s["errors"] += 1
                s["fails"].append((pname, "error", repr(err)[:80]))
            if truth:
                _score(s, pname, truth, out)
    res = {}
    for name in names:
        res[name] = _summary(stats[name])
        if verbose:
            for f in stats[name]["fails"]:
                print(f"  [{name}] " + " | ".join(map(str, f)), file=sys.stderr)
    base = res.get("trafilatura", {}).get("ms_per_page")
    for name, r in res.items():
        r["speedup_vs_trafilatura"] = (base / r["ms_per_page"]) if base and r["ms_per_page"] else None
    return res


def _score(s: dict, pname: str, truth: dict, out: dict) -> None:
    if truth.get("publish_time"):
        ok = date_ok(truth["publish_time"], out.get("date"))
        s["date"].append(ok)
        if len(truth["publish_time"]) >= 10:  # the day alone (trafilatura gives no time)
            s["day"].append(date_ok(truth["publish_time"][:10], out.get("date")))
        if not ok:
            s["fails"].append((pname, "date", truth["publish_time"], out.get("date")))
    if truth.get("author"):
        ok = same_author(truth["author"], out.get("author"))
        s["author"].append(ok)
        if not ok:
            s["fails"].append((pname, "author", truth["author"], out.get("author")))
    if truth.get("no_author"):  # the precision side: a writer returned where none is named
        fp = bool(out.get("author"))
        s.setdefault("author_fp", []).append(fp)
        if fp:
            s["fails"].append((pname, "author_fp", None, out.get("author")))
    if truth.get("title"):
        s["title"].append(same_text(truth["title"], out.get("title")))
    if "editor" in truth and "editor" in out:  # labelled pages; extractors that report one
        ok = same_author(truth["editor"], out.get("editor")) if truth["editor"] else not out.get("editor")
        s["editor"].append(ok)
        if not ok:
            s["fails"].append((pname, "editor", truth["editor"], out.get("editor")))
    if truth.get("page_type") and "page_type" in out:
        ok = truth["page_type"] == out.get("page_type")
        s["page_type"].append(ok)
        if not ok:
            s["fails"].append((pname, "page_type", truth["page_type"], out.get("page_type")))
    if not out.get("body"):
        s["refused"].append(pname)
    if truth.get("content"):
        p, r, f = prf(truth["content"], out.get("body"))
        s["P"].append(p)
        s["R"].append(r)
        s["F1"].append(f)
        if f < 0.95:
            s["fails"].append((pname, "body", f"P={p:.2f} R={r:.2f}"))


def _mean(xs):
    return sum(xs) / len(xs) if xs else None


def _summary(s) -> dict:
    return {"date_acc": _mean(s["date"]), "date_n": len(s["date"]), "day_acc": _mean(s["day"]),
            "author_acc": _mean(s["author"]), "author_n": len(s["author"]),
            "author_fp": sum(s.get("author_fp", [])), "no_author_n": len(s.get("author_fp", [])),
            "title_acc": _mean(s["title"]), "title_n": len(s["title"]),
            "editor_acc": _mean(s.get("editor", [])), "editor_n": len(s.get("editor", [])),
            "page_type_acc": _mean(s.get("page_type", [])),
            "body_P": _mean(s["P"]), "body_R": _mean(s["R"]), "body_F1": _mean(s["F1"]),
            "body_n": len(s["F1"]), "ms_per_page": statistics.median(s["ms"]) if s["ms"] else None,
            "ms_mean": _mean(s["ms"]), "errors": s["errors"], "refused": len(s["refused"])}


def print_table(title: str, res: dict) -> None:
    cols = ["date_acc", "day_acc", "author_acc", "author_fp", "editor_acc", "page_type_acc", "body_P", "body_R",
            "body_F1", "ms_per_page", "errors", "refused"]
    print(f"\n## {title}")
    print("| extractor | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for name, r in res.items():
        cells = []
        for c in cols:
            v = r.get(c)
            cells.append("-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)))
        print(f"| {name} | " + " | ".join(cells) + " |")
    first = next(iter(res.values()), {})
    print(f"(n: date={first.get('date_n')} author={first.get('author_n')} "
          f"no-author={first.get('no_author_n')} (author_fp: a writer returned there) editor={first.get('editor_n')} "
          f"body={first.get('body_n')}; ms = median per page)")


# ---------- cross-validation -------------------------------------------------------------
def _configs(grid=None) -> list[Rules]:
    """The settings cross-validation chooses from: the default, and the default with
    ONE choice changed to each other value of ``grid`` (one at a time: the full product
    of a dozen choices is thousands of settings, each a run over every page; the rules
    are meant to be independent patterns, and the one-at-a-time search says which of
    them earn their place)."""
    grid = grid or GRID
    base = {k: (getattr(DEFAULT, k) if getattr(DEFAULT, k) in vals else vals[0]) for k, vals in grid.items()}
    out = [Rules(**base)]
    for k, vals in grid.items():
        out += [Rules(**{**base, k: v}) for v in vals if v != base[k]]
    return out


def _page_scores(truth: dict, out: dict) -> dict:
    s = {"date": [], "author": [], "title": [], "P": [], "R": [], "F1": [], "ms": [],
         "errors": 0, "fails": [], "refused": [], "day": [], "editor": [], "page_type": [], "author_fp": []}
    _score(s, "", truth, out)
    return s


def _objective(scores: list[dict]) -> float:
    """Mean of date accuracy, author accuracy and body F1 over the pages given.  The
    author part counts both sides: a labelled writer found, and no writer returned
    where the page names none (a rule that adds one hit and one false author gains
    nothing)."""
    parts = []
    for key in ("date", "author", "F1"):
        xs = [x for s in scores for x in s[key]]
        if key == "author":
            xs += [not fp for s in scores for fp in s.get("author_fp", [])]
        if xs:
            parts.append(sum(xs) / len(xs))
    return sum(parts) / len(parts) if parts else 0.0


def cross_validate(pages, k: int = 0, grid=None, groups=None) -> dict:
    """K-fold (k=0: leave-one-group-out) estimate of our extractor: on each fold the
    rule choices are selected on the other folds and scored on the held-out one.
    ``groups`` (one per page, e.g. its site) keeps a group's pages in one fold, so a
    site's template is never both chosen on and scored on; default: each page alone.

    Returns our figures and the choice made per fold."""
    keep = [i for i, p in enumerate(pages) if p[2]]
    groups = [groups[i] for i in keep] if groups else [p[0] for p in pages if p[2]]
    pages = [pages[i] for i in keep]
    n = len(pages)
    order = sorted(set(groups))
    k = len(order) if k <= 0 or k > len(order) else k
    configs = _configs(grid)
    per: dict = {}
    for cfg in configs:  # every page under every choice, once
        with use_rules(cfg):
            per[cfg] = [_page_scores(t, run_ours(raw, url)) for _, raw, t, url in pages]
    fold = [order.index(g) % k for g in groups]  # groups sorted by name: round robin folds
    held: list = [None] * n
    chosen = []
    for f in range(k):
        train = [i for i in range(n) if fold[i] != f]
        # ties go to the default, then to the earlier grid entry: no free choice
        best = max(configs, key=lambda c: (_objective([per[c][i] for i in train]), c == DEFAULT))
        chosen.append(best)
        for i in range(n):
            if fold[i] == f:
                held[i] = per[best][i]
    merged = {key: [x for s in held for x in s[key]]
              for key in ("date", "day", "author", "author_fp", "title", "P", "R", "F1", "editor", "page_type")}
    merged.update(ms=[], errors=0, fails=[], refused=[])
    res = _summary(merged)
    res["folds"] = k
    counts: dict = {}
    for c in chosen:
        counts[describe(c)] = counts.get(describe(c), 0) + 1
    res["choices"] = counts
    # each setting on all pages (date, author, body F1): what each rule is worth
    res["settings"] = {describe(c): _trio([per[c][i] for i in range(n)]) for c in configs}
    return res


def _trio(scores: list[dict]) -> tuple:
    return tuple(round(sum(xs) / len(xs), 3) if xs else None
                 for xs in ([x for s in scores for x in s[key]] for key in ("date", "author", "F1")))


# ---------- replica ----------------------------------------------------------------------
def replica_pages(seed=7, sites=None, scale="demo", limit=200):
    """[(name, bytes, truth, url)] fetched from a local replica (if the package exists)."""
    try:
        from portal_crawler.replica import ReplicaProcess
    except ImportError:
        return None
    import urllib.request
    out = []
    with ReplicaProcess(seed=seed, sites=sites, scale=scale) as rep:
        # single-page articles only: the other extractors see one page, not a merge
        for art in [a for a in rep.truth() if (a.get("pages") or 1) == 1][:limit]:
            url = art["url"]
            with urllib.request.urlopen(url, timeout=10) as resp:
                raw = resp.read()
            truth = {"title": art.get("title"), "author": art.get("author"),
                     "publish_time": _truth_date(art.get("published_at")),
                     "content": art.get("body")}
            out.append((url, raw, truth, url))
    return out


def _truth_date(iso):
    if not iso:
        return None
    v = iso.replace("T", " ")[:19]
    return v[:16] if v.endswith(":00") and len(v) == 19 else v


# ---------- entry points -----------------------------------------------------------------
DEFAULT_EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


# The public corpus's checkout, beside the repository like ../shared (never inside it);
# PORTAL_CRAWLER_CWCED overrides. .ci/run clones it there at CORPUS_COMMIT.
CORPUS_URL = "https://github.com/immortal-autumn/Chinese-Web-Content-Extraction-Dataset"
CORPUS_COMMIT = "99d0ef0"
DEFAULT_CORPUS = Path(os.environ.get("PORTAL_CRAWLER_CWCED")
                      or Path(__file__).resolve().parent.parent.parent / "eval-extra" / "cwced")
# magic-html's benchmark pages, the same way (PORTAL_CRAWLER_MAGIC_HTML overrides).
MAGIC_URL = "https://github.com/opendatalab/magic-html"
MAGIC_COMMIT = "47d4a7f"
DEFAULT_MAGIC = Path(os.environ.get("PORTAL_CRAWLER_MAGIC_HTML")
                     or Path(__file__).resolve().parent.parent.parent / "eval-extra" / "magic-html")

# zh-fixtures: the checkouts of the projects whose test pages it labels, each at
# <eval-extra>/<short name> (benchmarks/labels/zh-fixtures.json "sources"; .ci/run clones
# them); PORTAL_CRAWLER_EVAL_EXTRA overrides the folder holding them.
DEFAULT_EVAL_EXTRA = Path(os.environ.get("PORTAL_CRAWLER_EVAL_EXTRA")
                          or Path(__file__).resolve().parent.parent.parent / "eval-extra")

# Optional checkouts beside the repository: (flag's dest, the file that says it is there,
# what goes unscored without it).  One "not present" line each when absent.
EXTRA_SOURCES = {
    "cwced_corpus": ("original", "cwced corpus", "its 46 new pages are not scored"),
    "magic_html": ("benchmark/data/article/base.json", "magic-html",
                   "its Chinese article and forum pages are not scored"),
}


def extra_present(key: str, root: Path | None) -> bool:
    """Whether the optional checkout ``key`` (EXTRA_SOURCES) is at ``root``."""
    return root is not None and (root / EXTRA_SOURCES[key][0]).exists()


def say_absent(key: str, root: Path) -> None:
    if not extra_present(key, root):
        _, label, lost = EXTRA_SOURCES[key]
        print(f"{label}: not present at {root} ({lost})", file=sys.stderr)


_GENERIC_LABELS = frozenset("com cn org net gov edu ac co jp hk tw uk www".split())


def magic_site(url: str | None, name: str) -> str:
    """A magic-html page's site, the CV group: the last label of its URL's host that is
    not a generic suffix (news.sina.com.cn and finance.sina.cn are both ``sina``), so
    one organisation's templates stay in one fold."""
    from urllib.parse import urlsplit
    labels = [x for x in (urlsplit(url or "").hostname or "").split(".") if x]
    while labels and labels[-1] in _GENERIC_LABELS:
        labels.pop()
    return "magic:" + (labels[-1] if labels else name)


# the held-aside thirds scored at the end of rounds 1-5: no longer held out
# (``--include-spent`` makes them dev pages, named ``<set>-spent``)
SPENT = ("gne-held-aside", "cwced-new-held-aside", "magic-article-held-aside", "magic-forum-held-aside",
         "zh-fixtures-held-aside")


def spent_name(set_name: str) -> str:
    return set_name.replace("-held-aside", "-spent")


def eval_sets(eval_dir: Path, final: bool = False, corpus: Path | None = None,
              magic: Path | None = None, zh_fixtures: Path | None = None, spent: bool = False) -> dict:
    """{set name: [(name, bytes, truth, url, group)]}: cwced-dev, the gne dev two-thirds,
    the corpus's new dev two-thirds (``corpus``: its checkout, where present), magic-html's
    Chinese article and forum dev two-thirds (``magic``: its checkout, where present), the
    zh-fixtures dev two-thirds (``zh_fixtures``: the folder holding its sources' checkouts;
    the pages of the sources present) and, with ``final``, the held-aside thirds (scored
    only at the very end); with ``spent`` (and not ``final``) the spent held-aside thirds
    (``SPENT``), as dev sets named ``<set>-spent``."""
    held = (lambda name: True) if final else (lambda name: name in SPENT) if spent else (lambda name: False)
    sets = _eval_sets(eval_dir, held, corpus, magic, zh_fixtures)
    if spent and not final:
        sets = {(spent_name(k) if k in SPENT else k): v for k, v in sets.items()}
    return sets


def _eval_sets(eval_dir: Path, held, corpus, magic, zh_fixtures) -> dict:
    """The sets; a held-aside third only where ``held(its set name)`` says so."""
    sets = {}
    cw = eval_dir / "cwced-dev"
    if cw.is_dir():
        sets["cwced-dev"] = [(n, b, t, (t or {}).get("url"), "cwced:" + n) for n, b, t in load_folder(cw)]
    gne = eval_dir / "gne-unlabelled"
    if gne.is_dir():
        sets["gne-dev"] = [(n, b, t, None, site_of(n)) for n, b, t in load_folder(gne, part="dev")]
        if held("gne-held-aside"):
            sets["gne-held-aside"] = [(n, b, t, None, site_of(n)) for n, b, t in load_folder(gne, part="held")]
    if extra_present("cwced_corpus", corpus):
        seen = {h.stem for h in cw.glob("*.html")} if cw.is_dir() else set()
        for part, set_name in (("dev", "cwced-new-dev"), ("held", "cwced-new-held-aside")):
            if part == "held" and not held(set_name):
                continue
            sets[set_name] = [(n, b, t, None, "cwced:" + n)
                              for n, b, t in load_cwced_corpus(corpus, exclude=seen, part=part)]
    if extra_present("magic_html", magic):
        for kind in ("article", "forum"):
            for part, suffix in (("dev", "dev"), ("held", "held-aside")):
                if part == "held" and not held(f"magic-{kind}-{suffix}"):
                    continue
                sets[f"magic-{kind}-{suffix}"] = [(n, b, t, u, magic_site(u, n))
                                                  for n, b, t, u in load_magic_html(magic, kind, part)]
    if zh_fixtures is not None:
        for name, labels in FIXTURE_SETS.items():
            for part, suffix in (("dev", "dev"), ("held", "held-aside")):
                if part == "held" and not held(f"{name}-{suffix}"):
                    continue
                pages = [(n, b, t, u, "zh:" + t["site"])
                         for n, b, t, u in load_zh_fixtures(zh_fixtures, part, labels)]
                if pages:
                    sets[f"{name}-{suffix}"] = pages
    return sets


def parse_errors(root: Path) -> dict:
    """Our extractor on every page of magic-html's two sets: {set: {pages, errors,
    refused, failed: [names]}} (an error is an exception; a refusal, no body)."""
    out: dict = {}
    for kind, name, raw, url in all_magic_pages(root):
        c = out.setdefault(kind, {"pages": 0, "errors": 0, "refused": 0, "failed": []})
        c["pages"] += 1
        try:
            body = run_ours(raw, url).get("body")
        except Exception as e:  # counted, the run goes on
            c["errors"] += 1
            c["failed"].append(f"{name[:12]}: {e!r}"[:100])
            continue
        if not body:
            c["refused"] += 1
            c["failed"].append(f"{name[:12]}: no body")
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.eval_extract")
    ap.add_argument("eval_dir", nargs="?", default=str(DEFAULT_EVAL),
                    help="folder holding cwced-dev/ and gne-unlabelled/ (default: <repo>/../shared/eval)")
    ap.add_argument("--cwced-corpus", default=str(DEFAULT_CORPUS), metavar="DIR",
                    help="checkout of the public Chinese-Web-Content-Extraction-Dataset (its native "
                         f"layout; default {DEFAULT_CORPUS}; skipped when absent)")
    ap.add_argument("--magic-html", default=str(DEFAULT_MAGIC), metavar="DIR",
                    help=f"checkout of {MAGIC_URL} at {MAGIC_COMMIT} (its benchmark's Chinese article "
                         f"and forum pages; default {DEFAULT_MAGIC}; skipped when absent)")
    ap.add_argument("--zh-fixtures", default=str(DEFAULT_EVAL_EXTRA), metavar="DIR",
                    help="folder holding the checkouts of the projects whose Chinese pages "
                         "benchmarks/labels/zh-fixtures.json and zh-fixtures2.json label (DIR/<source>; default "
                         f"{DEFAULT_EVAL_EXTRA}; the pages of absent sources are skipped)")
    ap.add_argument("--parse-errors", action="store_true",
                    help="run our extractor on every magic-html page (all languages) and count "
                         "errors and refusals")
    ap.add_argument("--final", action="store_true",
                    help="also score the held-aside thirds (only at the very end)")
    ap.add_argument("--include-spent", action="store_true",
                    help="the spent held-aside thirds (scored in rounds 1-5) as dev pages, in the CV too")
    ap.add_argument("--replica", action="store_true", help="also score replica pages")
    ap.add_argument("--only", default=",".join(EXTRACTORS))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="time each page N times, keep the best")
    ap.add_argument("--cv", type=int, default=5, metavar="K",
                    help="folds (by site) for the cross-validated figure over the dev pages "
                         "(0: leave-one-site-out; -1: none)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print failures to stderr")
    args = ap.parse_args(argv)
    names = []
    for n in (x for x in args.only.split(",") if x):
        why = unavailable(n)
        if why:
            print(f"{n}: {why}", file=sys.stderr)
        else:
            names.append(n)
    names = tuple(names)
    figures: dict = {"unavailable": {n: unavailable(n) for n in EXTRACTORS if unavailable(n)}}
    corpus, magic = Path(args.cwced_corpus), Path(args.magic_html)
    say_absent("cwced_corpus", corpus)
    say_absent("magic_html", magic)
    zh_root = Path(args.zh_fixtures)
    for name, labels in FIXTURE_SETS.items():
        missing = zh_fixtures_missing(zh_root, labels)
        if missing:
            print(f"{name}: not present at {zh_root}: {', '.join(missing)} (their pages are not scored)",
                  file=sys.stderr)
    if args.parse_errors and extra_present("magic_html", magic):
        figures["magic-parse"] = parse_errors(magic)
        if not args.json:
            print(f"\nours on every magic-html page: {json.dumps(figures['magic-parse'])}")
    sets = eval_sets(Path(args.eval_dir), args.final, corpus, magic, zh_root, spent=args.include_spent)
    if not sets:
        print(f"no evaluation pages under {args.eval_dir}", file=sys.stderr)
    for set_name, pages in sets.items():
        figures[set_name] = evaluate([p[:4] for p in pages], names, args.verbose, args.repeat)
        if not args.json:
            print_table(f"{set_name} ({len(pages)} pages)", figures[set_name])
    dev = [p for k in ("cwced-dev", "gne-dev", "cwced-new-dev", "magic-article-dev",
                       *(f"{name}-dev" for name in FIXTURE_SETS),
                       *(spent_name(k) for k in SPENT if k != "magic-forum-held-aside"))
           for p in sets.get(k, [])]
    if args.cv >= 0 and "ours" in names and dev:
        cv = cross_validate([p[:4] for p in dev], args.cv, groups=[p[4] for p in dev])
        figures["cross-validated"] = cv
        if not args.json:
            print_table(f"cross-validated: {' + '.join(k for k in sets if k.endswith(('-dev', '-spent')) and 'forum' not in k)} ({len(dev)} pages, {cv['folds']} folds by "
                        f"site; rule choices picked on the other folds)", {"ours": cv})
            print("choices per fold: " + ", ".join(f"{k} x{v}" for k, v in cv["choices"].items()))
            print("each setting on all dev pages (date, author, body F1):")
            for k, v in cv["settings"].items():
                print(f"  {k}: {v}")
    if args.replica:
        pages = replica_pages()
        if pages is None:
            print("replica: portal_crawler.replica.ReplicaProcess not available", file=sys.stderr)
        else:
            figures["replica"] = evaluate(pages, names, args.verbose, args.repeat)
            if not args.json:
                print_table(f"replica ({len(pages)} pages)", figures["replica"])
    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False, default=str))
    return figures


if __name__ == "__main__":
    main()
