"""Index text for FTS5: every Chinese character starts a token, so any Chinese
substring of 1, 2 or more characters is found exactly.

SQLite's trigram tokenizer needs 3+ characters; the unicode61 tokenizer treats a run
of Chinese as one token.  So the archive stores, per field, a token stream in text
order: each Chinese character followed by the next one when that is Chinese too (a
bigram) or alone when it ends its run; everything else (Latin words, digits) passes
through for unicode61 to split.  `疫情防控。5G网络` -> `疫情 情防 防控 控 。5G 网络 络`.

Queries (store/search.py) map onto this exactly, with positions (detail=full):
- one character `企`: the prefix `企*` (a bigram starting with it, or it ending a run);
- a run of 2+ characters: the FTS5 phrase of its bigrams (`疫情 + 情防 + 防控`):
  consecutive bigrams only occur inside one run, so the phrase IS the substring;
- a Latin/digit word: the unicode61 token (case-folded, whole word).
Built with numpy for long text (a Python loop over 1,000 characters costs ~200 us).
"""
from __future__ import annotations

import re

import numpy as np

__all__ = ["CJK", "bigrams", "index_text", "is_cjk", "query_tokens"]

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{CJK}]")
_SP = np.uint32(32)


def is_cjk(ch: str) -> bool:
    return bool(_CJK_CHAR.match(ch))


def _cjk_mask(cp: np.ndarray) -> np.ndarray:
    # 0x3400-0x9FFF (ext. A, Yijing symbols, unified) and compatibility ideographs.
    return ((cp - np.uint32(0x3400)) <= np.uint32(0x9FFF - 0x3400)) | (
        (cp - np.uint32(0xF900)) <= np.uint32(0xFAFF - 0xF900))


def _index_text_py(text: str) -> str:
    text = text.replace("\x00", " ")       # 0 marks a dropped slot in the numpy version
    out = []
    n = len(text)
    for i, ch in enumerate(text):
        nxt = text[i + 1] if i + 1 < n else ""
        if _CJK_CHAR.match(ch):
            out.append(ch + (nxt if nxt and _CJK_CHAR.match(nxt) else "") + " ")
        else:
            out.append(ch + (" " if nxt and _CJK_CHAR.match(nxt) else ""))
    return "".join(out)


def index_text(text: str | None) -> str:
    """The token stream stored in the FTS table for one field."""
    if not text:
        return ""
    if len(text) < 80:                   # titles: numpy's per-call overhead dominates
        return _index_text_py(text)
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    n = len(cp)
    c = np.zeros(n + 1, dtype=bool)
    c[:n] = _cjk_mask(cp)
    nxt = c[1:]                          # the next character is Chinese
    cur = c[:n]
    # Three slots a character: (it, the next if Chinese, space) for Chinese, (it, a
    # space before a Chinese character, -) otherwise; 0 marks a dropped slot.
    rows = np.zeros((n, 3), dtype=np.uint32)
    rows[:, 0] = np.where(cp == 0, _SP, cp)
    follow = np.zeros(n, dtype=np.uint32)
    follow[:-1] = cp[1:]
    rows[:, 1] = np.where(nxt, np.where(cur, follow, _SP), 0)
    rows[:, 2] = np.where(cur, _SP, 0)
    flat = rows.ravel()
    return flat[flat != 0].tobytes().decode("utf-32-le")


bigrams = index_text     # the name the archive writer has used since schema v1


def query_tokens(text: str) -> list[tuple[str, bool]]:
    """Tokens of a query term, in order, as (token, is_prefix); together one FTS5
    phrase.  A Chinese run -> its bigrams, plus its last character alone when the
    term goes on after it (then the text's run ends there too, so index_text has
    that lone token between the run and what follows); a one-character run at the
    term's end -> a prefix.  A Latin/digit word -> itself, lower-cased."""
    out: list[tuple[str, bool]] = []
    for m in _QUERY_PIECE.finditer(text):
        run, more = m.group(0), m.end() < len(text)
        if _CJK_CHAR.match(run):
            out.extend((a + b, False) for a, b in zip(run, run[1:]))
            if more or len(run) == 1:
                out.append((run[-1], not more))
        else:
            out.append((run.lower(), False))
    return out


# What unicode61 keeps as token characters (letters, numbers), minus Chinese, which
# is split above; `_` is a separator for unicode61 as well.
_QUERY_PIECE = re.compile(rf"[{CJK}]+|[^\W_{CJK}]+")
