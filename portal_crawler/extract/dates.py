"""Date parsing for Chinese portal pages, China time (UTC+8).

Regular expressions cover the forms seen on the network (microseconds);
dateparser is only a fallback (about 1 ms a call, and it misreads some
Chinese forms such as a bare 10月22日).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple

from portal_crawler.extract.labels import DATE_LABEL_RX

CN = timezone(timedelta(hours=8))
MIN_YEAR = 1990


class ParsedDate(NamedTuple):
    value: str | None      # "2021-10-22T08:19:00+08:00", "2021-10-22", "1998-03" or "1998"
    precision: str | None  # "second" | "minute" | "date" | "month" | "year" | None
    flag: str | None       # None | "future" | "before_1990" | "unparsed" | "missing"
    raw: str | None


YEAR = r"(?:19|20)\d{2}"   # a year a portal page can carry: the one definition of that pattern
# PUB-WEEKDAY: a weekday between the day and the time (2005-03-31 星期四 14:32)
_WEEKDAY = r"(?:[（(]?\s*(?:星期|周|礼拜)[一二三四五六日天]\s*[）)]?\s*)?"
_TIME = (r"(?:\s*(?:T|\s|日|,|，)?\s*" + _WEEKDAY + r"(?:(?P<ampm>上午|下午|晚上|凌晨)\s*)?(?P<H>[0-2]?\d)\s*[:：时点]\s*(?P<M>[0-5]\d)"
         r"(?:\s*[:：分]\s*(?P<S>[0-5]\d)(?:\.\d+)?)?(?:\s*(?P<tz>Z|[+-][01]\d:?[0-5]\d))?"
         # PUB-AM-PM: a 12-hour clock after a numeric date (2014.12.13 01:06 pm)
         r"(?:\s*(?P<ap2>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?)?")
# Y-M-D with -, /, ., 年月日 separators (the same separator kind on both sides)
_YMD = re.compile(
    r"(?<!\d)(?P<y>" + YEAR + r")\s*(?:(?P<s>[-/.])\s*(?P<m>[01]?\d)\s*(?P=s)\s*(?P<d>[0-3]?\d)"
    r"|年\s*(?P<m2>[01]?\d)\s*月\s*(?P<d2>[0-3]?\d)\s*日?)(?!\d)" + _TIME)
# D/M/YYYY or M/D/YYYY (ASP pages): AM/PM means the US order, else day first
_DMY = re.compile(r"(?<![\d/])(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)/(?P<y>" + YEAR + r")(?![\d/])"
                  r"(?:\s+(?P<H>[0-2]?\d):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?(?:\s*(?P<ap>[AaPp][Mm]))?)?")
# PUB-EN-MONTH: an English month name, the WordPress / blog default
# (`Saturday, September 10th, 2005 10:56 am`, `Sep 10, 2005`, `10 September 2005 14:32`)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_WORDS = frozenset(_MONTHS + ("january", "february", "march", "april", "june", "july", "august",
                                    "sept", "september", "october", "november", "december"))
_MONTH_NAME = r"(?P<mon>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*)\.?"
_EN_TIME = r"(?:,?\s+(?:at\s+)?(?P<H>[0-2]?\d):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?(?:\s*(?P<ap>[AaPp]\.?[Mm]\.?))?)?"
_MDY_EN = re.compile(r"(?<![A-Za-z])" + _MONTH_NAME + r"\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>" + YEAR
                     + r")(?!\d)" + _EN_TIME, re.I)
_DMY_EN = re.compile(r"(?<!\d)(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s+" + _MONTH_NAME + r",?\s+(?P<y>" + YEAR
                     + r")(?!\d)" + _EN_TIME, re.I)
_MD = re.compile(r"(?<![\d年])(?P<m>[01]?\d)\s*月\s*(?P<d>[0-3]?\d)\s*日" + _TIME)
# PUB-MONTH / PUB-YEAR: 1998年3月, 2003-05, 2003/5, 1998年 — only as a whole value or
# right after a date label (in running text "2003-05" may be anything)
_YM = re.compile(r"^\s*(?P<y>" + YEAR + r")\s*(?:年\s*(?P<m>[01]?\d)\s*月(?!\s*\d)|"
                 r"[-/.]\s*(?P<m2>[01]?\d)(?![-/.:\d])|年(?!\s*\d)|(?=\s*$))")
_COMPACT = re.compile(r"(?<!\d)(?P<y>" + YEAR + r")(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)")
_REL = re.compile(r"(?P<n>\d+)\s*(?P<u>秒|分钟|分|小时|天|日|周|星期|个月|月|年)\s*前")
_DAYWORD = re.compile(r"(?P<w>今天|昨天|前天)" + _TIME)
_LABEL = DATE_LABEL_RX  # labels.py: 发布时间： 日期： 发表于 …
_UNITS = {"秒": "seconds", "分钟": "minutes", "分": "minutes", "小时": "hours",
          "天": "days", "日": "days", "周": "weeks", "星期": "weeks"}


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(CN)
    return now.replace(tzinfo=CN) if now.tzinfo is None else now.astimezone(CN)


def _hour(m: re.Match) -> int:
    h = int(m.group("H"))
    if m.group("ampm") in ("下午", "晚上") and h < 12:
        h += 12
    ap = (m.groupdict().get("ap2") or "").lower()[:1]
    if ap and _rules().numeric_ampm and h <= 12:  # PUB-AM-PM: 01:06 pm is 13:06, 12:30 am 00:30
        h = h % 12 + (12 if ap == "p" else 0)
    return h


def _build(y: int, mo: int, d: int, m: re.Match | None, raw: str, now: datetime) -> ParsedDate:
    try:
        day = date(y, mo, d)
        if m is not None and m.group("H") is not None:
            sec = m.group("S")
            dt = datetime(y, mo, d, _hour(m), int(m.group("M")), int(sec or 0), tzinfo=CN)
            tz = m.group("tz")
            if tz:  # explicit offset: convert to China time
                off = timedelta(0) if tz == "Z" else timedelta(
                    hours=int(tz[1:3]), minutes=int(tz[-2:])) * (1 if tz[0] == "+" else -1)
                dt = dt.replace(tzinfo=timezone(off)).astimezone(CN)
            return _check(dt, "second" if sec else "minute", raw, now)
    except ValueError:
        return ParsedDate(None, None, "unparsed", raw)
    return _check(day, "date", raw, now)


def _coarse(s: str, raw: str, now: datetime) -> ParsedDate | None:
    """A month or a year on its own (PUB-MONTH, PUB-YEAR)."""
    m = _YM.search(s)
    if not m:
        return None
    y, mo = int(m.group("y")), m.group("m") or m.group("m2")
    if mo is not None and not 1 <= int(mo) <= 12:
        return ParsedDate(None, None, "unparsed", raw)
    res = _check(date(y, int(mo or 1), 1), "date", raw, now)
    if res.value is None:
        return res
    return res._replace(value=f"{y:04d}-{int(mo):02d}" if mo else f"{y:04d}",
                        precision="month" if mo else "year")


def _check(v: date | datetime, precision: str, raw: str, now: datetime) -> ParsedDate:
    d = v.date() if isinstance(v, datetime) else v
    if d.year < MIN_YEAR:
        return ParsedDate(None, None, "before_1990", raw)
    limit = now + timedelta(days=1)
    if (v > limit) if isinstance(v, datetime) else (d > limit.date()):
        return ParsedDate(None, None, "future", raw)
    return ParsedDate(v.isoformat(), precision, None, raw)


def _build_dmy(m: re.Match, raw: str, now: datetime) -> ParsedDate:
    a, b, y = int(m.group("a")), int(m.group("b")), int(m.group("y"))
    ap = (m.group("ap") or "").lower()
    us = b > 12 or (ap and a <= 12)
    mo, d = (a, b) if us else (b, a)
    try:
        if m.group("H") is None:
            return _check(date(y, mo, d), "date", raw, now)
        h = int(m.group("H")) % 12 + (12 if ap == "pm" else 0) if ap else int(m.group("H"))
        sec = m.group("S")
        dt = datetime(y, mo, d, h, int(m.group("M")), int(sec or 0), tzinfo=CN)
        return _check(dt, "second" if sec else "minute", raw, now)
    except ValueError:
        return ParsedDate(None, None, "unparsed", raw)


def _build_en(m: re.Match, raw: str, now: datetime) -> ParsedDate | None:
    """PUB-EN-MONTH: `September 10th, 2005 10:56 am` (12-hour clock with am/pm)."""
    word = m.group("mon").lower()
    if word not in _MONTH_WORDS:
        return None
    mon = word[:3]
    y, mo, d = int(m.group("y")), _MONTHS.index(mon) + 1, int(m.group("d"))
    try:
        if m.group("H") is None:
            return _check(date(y, mo, d), "date", raw, now)
        ap = (m.group("ap") or "").replace(".", "").lower()
        h = int(m.group("H")) % 12 + (12 if ap == "pm" else 0) if ap else int(m.group("H"))
        sec = m.group("S")
        return _check(datetime(y, mo, d, h, int(m.group("M")), int(sec or 0), tzinfo=CN),
                      "second" if sec else "minute", raw, now)
    except ValueError:
        return ParsedDate(None, None, "unparsed", raw)


def _en_date(s: str, now: datetime, raw: str | None = None) -> ParsedDate | None:
    for rx in (_MDY_EN, _DMY_EN):
        m = rx.search(s)
        if m:
            res = _build_en(m, raw if raw is not None else m.group(0).strip(), now)
            if res is not None:
                return res
    return None


def _regex(s: str, now: datetime, raw: str) -> ParsedDate | None:
    m = _YMD.search(s)
    if m:
        mo, d = (m.group("m"), m.group("d")) if m.group("m") else (m.group("m2"), m.group("d2"))
        return _build(int(m.group("y")), int(mo), int(d), m, raw, now)
    m = _DMY.search(s)
    if m:
        return _build_dmy(m, raw, now)
    if not s.isascii() or any(c.isalpha() for c in s):
        res = _en_date(s, now, raw)
        if res is not None:
            return res
    m = _DAYWORD.search(s)
    if m:
        base = now - timedelta(days=("今天", "昨天", "前天").index(m.group("w")))
        return _build(base.year, base.month, base.day, m, raw, now)
    m = _REL.search(s)
    if m:
        n, u = int(m.group("n")), m.group("u")
        if u in _UNITS:
            t = now - timedelta(**{_UNITS[u]: n})
            prec = "minute" if _UNITS[u] in ("seconds", "minutes", "hours") else "date"
        else:  # months/years: calendar arithmetic, date precision
            months = n * (12 if u == "年" else 1)
            y, mo = divmod(now.year * 12 + now.month - 1 - months, 12)
            t = now.replace(year=y, month=mo + 1, day=min(now.day, 28))
            prec = "date"
        if prec == "minute":
            return _check(t.replace(second=0, microsecond=0), prec, raw, now)
        return _check(t.date(), prec, raw, now)
    m = _MD.search(s)
    if m:  # no year: the most recent such day not in the future
        mo, d = int(m.group("m")), int(m.group("d"))
        y = now.year if (mo, d) <= (now.month, now.day) else now.year - 1
        return _build(y, mo, d, m, raw, now)
    if "刚刚" in s:
        return _check(now.replace(second=0, microsecond=0), "minute", raw, now)
    m = _COMPACT.search(s)
    if m:
        return _build(int(m.group("y")), int(m.group("m")), int(m.group("d")), None, raw, now)
    return None


def _dateparser(s: str, now: datetime, raw: str) -> ParsedDate | None:
    try:
        import dateparser
        dt = dateparser.parse(s, languages=["zh", "en"], settings={
            "DATE_ORDER": "YMD", "TIMEZONE": "Asia/Shanghai", "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "past", "RELATIVE_BASE": now.replace(tzinfo=None)})
    except Exception:  # dateparser raises on odd input; treat as unparsed
        return None
    if dt is None:
        return None
    dt = dt.astimezone(CN)
    if (dt.hour, dt.minute, dt.second) == (0, 0, 0):
        return _check(dt.date(), "date", raw, now)
    return _check(dt.replace(microsecond=0), "second" if dt.second else "minute", raw, now)


# PUB-CN-NUMERALS: 二〇〇五年三月三十一日 (government documents' 成文日期, older pages)
_CN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")}
_CN_DIGIT.update({"○": "0", "零": "0", "Ｏ": "0", "O": "0"})
_CN_DATE = re.compile(r"(?P<y>[〇○零Ｏ一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月"
                      r"\s*(?P<d>[一二三四五六七八九十]{1,3})\s*日")


def _cn_number(s: str) -> int:
    """一 -> 1, 十 -> 10, 十二 -> 12, 二十 -> 20, 三十一 -> 31."""
    if "十" not in s:
        return int("".join(_CN_DIGIT[c] for c in s))
    tens, _, ones = s.partition("十")
    return int(_CN_DIGIT[tens] if tens else 1) * 10 + (int(_CN_DIGIT[ones]) if ones else 0)


def cn_numeral_date(text: str | None) -> str | None:
    """二〇〇五年三月三十一日 -> '2005年3月31日' (digits), None when there is none."""
    m = _CN_DATE.search(text or "")
    if not m:
        return None
    try:
        y = "".join(_CN_DIGIT[c] for c in m.group("y"))
        return f"{y}年{_cn_number(m.group('m'))}月{_cn_number(m.group('d'))}日"
    except (KeyError, ValueError):
        return None


def parse_date(raw: str | None, now: datetime | None = None) -> ParsedDate:
    """Parse one date string; flags instead of exceptions."""
    if raw is None or not str(raw).strip():
        return ParsedDate(None, None, "missing", raw)
    raw = str(raw)
    s = raw.strip().replace("\u3000", " ").replace("\xa0", " ")
    now_ = _now(now)
    res = _regex(s, now_, raw)
    if res is None and cn_numeral_date(s):
        res = _regex(cn_numeral_date(s), now_, raw)
    if res is None:
        res = _coarse(_LABEL.sub("", s), raw, now_)
    if res is None and any(c.isdigit() for c in s) and len(s) < 64:
        res = _dateparser(_LABEL.sub("", s), now_, raw)
    return res or ParsedDate(None, None, "unparsed", raw)


def find_date(text: str | None, now: datetime | None = None) -> ParsedDate | None:
    """First date inside a longer string, preferring a labelled one (发布时间：…).

    Returns None when the string has no date-looking part at all.
    """
    if not text:
        return None
    res = labelled_date(text, now)
    if res is not None:
        return res
    m = _YMD.search(text)
    if m:
        return _regex(m.group(0), _now(now), m.group(0).strip())
    digits = cn_numeral_date(text)
    if digits:
        res = _regex(digits, _now(now), _CN_DATE.search(text).group(0))
        return res if res is not None and res.value else None
    res = _en_date(text, _now(now)) if _rules().en_month else None
    return res if res is not None and res.value else None


# PUB-ISSUE: a text closing with the periodical it appeared in, ——《北京之春》1998年3月号
_ISSUE = re.compile(r"《[^》]{1,20}》\s*(?P<y>" + YEAR + r")\s*年\s*(?P<m>[01]?\d)\s*月号")


def issue_date(text: str | None) -> ParsedDate | None:
    """PUB-ISSUE: the month of a periodical's issue named in ``text`` (month precision)."""
    m = _ISSUE.search(text or "")
    if not m:
        return None
    res = parse_date(f"{m.group('y')}年{int(m.group('m'))}月")
    return res if res.value else None


def labelled_date(text: str | None, now: datetime | None = None) -> ParsedDate | None:
    """The date right after a date label (PUB-LABEL: 发布日期： 日期： 发表于 更新时间…)."""
    if not text:
        return None
    now_ = _now(now)
    for lm in _LABEL.finditer(text):
        seg = text[lm.end():lm.end() + 40]
        res = _regex(seg, now_, seg.strip())
        if res is not None:
            return res._replace(raw=_raw_of(seg))
        m = _SHORT_YEAR.match(seg)
        if m and _rules().short_year:  # PUB-SHORT-YEAR: 发布时间：18-03-0823:16
            res = _build(2000 + int(m.group("y")), int(m.group("m")), int(m.group("d")), m, m.group(0), now_)
            if res.value:
                return res
        res = _coarse(seg, seg.strip(), now_)  # 日期：1998年3月
        if res is not None and res.value:
            return res._replace(raw=_YM.search(seg).group(0).strip())
    return None


# a two-digit year, month, day and a time, only right after a date label (in running
# text 18-03-08 may be anything); the time may be glued to the day (0823:16)
_SHORT_YEAR = re.compile(r"\s*(?P<y>\d{2})-(?P<m>[01]\d)-(?P<d>[0-3]\d)\s*(?P<H>[0-2]\d):(?P<M>[0-5]\d)"
                         r"(?::(?P<S>[0-5]\d))?(?P<ampm>)(?P<tz>)(?!\d)")


_LABEL_ONLY = 8  # characters besides an unlabelled date on its line (发布于 北京)


def refine_day(pd: ParsedDate | None, lines) -> ParsedDate | None:
    """PUB-REFINE-PAGE: ``pd`` at day precision (a meta's 2024-05-20) takes the time of
    the first short line of ``lines`` that prints the same day with a time
    (`发稿时间：2024-05-20 13:15:00 来源：…`, `2024-05-13 13:48`): a date after a date
    label, or an unlabelled one with at most a few characters beside it (a related
    story's headline and time is not read)."""
    if pd is None or not pd.value or pd.precision != "date" or not _rules().refine_from_page:
        return pd
    for ln in lines:
        if len(ln) > 80:
            continue
        c = labelled_date(ln)  # 发稿时间：… in an info row with other labels
        if c is None and len(ln) <= 40:
            c = find_date(ln)
            c = c if c is not None and len(ln.replace(c.raw or "", "").strip()) <= _LABEL_ONLY else None
        if c is not None and c.value and c.precision in ("minute", "second") and c.value[:10] == pd.value[:10]:
            return c
    return pd


def _rules():
    from portal_crawler.extract.rules import current
    return current()


def _raw_of(seg: str) -> str:
    m = _YMD.search(seg) or _DAYWORD.search(seg) or _REL.search(seg) or _MD.search(seg)
    return (m.group(0) if m else seg).strip()


_URL_DATE = re.compile(r"(?<!\d)(" + YEAR + r")[/_-]?([01]\d)[/_-]?([0-3]\d)(?!\d)")
# PUB-URL: /art/2019/9/7/art_… (Hanweb): month and day without a leading zero, in slashes
_URL_DATE_SHORT = re.compile(r"/(" + YEAR + r")/(1[0-2]|0?[1-9])/([12]\d|3[01]|0?[1-9])/")


def date_from_url(url: str | None, now: datetime | None = None) -> ParsedDate | None:
    """Date embedded in a URL (/2021/1022/, t20211022_): last-resort evidence."""
    if not url:
        return None
    m = _URL_DATE.search(url) or _URL_DATE_SHORT.search(url)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    res = _build(y, mo, d, None, m.group(0), _now(now))
    return res if res.value else None
