"""Metadata around the title and the body on unknown layouts: date, source,
author, editor, reviewer (labelled info lines first, then metas, bylines in the
text, forum "X 发表于", a names line under the title), and the title line of pages
whose <title> is only the site name."""
from __future__ import annotations

import re

from portal_crawler.extract import fields as F
from portal_crawler.extract.credits import credited_editors, names_editors
from portal_crawler.extract.dates import YEAR, date_from_url, find_date, issue_date, labelled_date, refine_day
from portal_crawler.extract.dom import author_markup, compile_selector, jsonld_value, meta, parse_labelled, time_datetime
from portal_crawler.extract.labels import (ACCOUNT_NOT_NAME, BLOG_OWNER_RX, BLOG_TITLE_RX, PLACE_REPORT_END_RX, SOURCE,
                                           TRAILING_BRACKET_RX, COLON, AUTHOR_CUT_RX, BODY_BYLINE_RX, NAME_END_RX,
                                           NAME_SPLIT_RX, NOTICE_ISSUER_RX, ORG_RX, PLAIN_EDITOR_RX, PUBLISHED_BARE,
                                           COMPOUND_SURNAMES, FONT_SIZES, SHARE_WORDS, WRITER_TITLES, simplified_labels, MEDIUM_RX, PLACES, SURNAMES, TRAILING_CREDIT_RX, TRAILING_OFFICE_RX, alternation)
from portal_crawler.extract.density import text_end
from portal_crawler.extract.rules import current as rules
from portal_crawler.extract.text import clean, page_lines, paragraphs, raw_text, squash
_META_DATES = ["PubDate", "pubdate", "publishdate", "article:published_time", "og:release_date",
               "publish_date", "datePublished", "firstpublishedtime", "release_date",
               "weibo:article:create_at", "dc.date", "dcterms.created", "dc.date.issued", "apub:time",
               "publishtime", "pubtime", "article:published", "og:article:published_time",
               "originalpublicationdate", "parsely-pub-date", "sailthru.date"]
_CJK_NAME = r"[\u4e00-\u9fff·]{2,5}"
_NAMES_LINE = re.compile(r"^" + _CJK_NAME + r"(?:\s*[、，,\s]\s*" + _CJK_NAME + r"){0,4}$")
# forum / blog "NAME 发表于 DATE"
_POSTED = re.compile(r"^(\S{2,30}?)\s*" + alternation(PUBLISHED_BARE[:3]) + r"\s*[:：]?\s*(.+)$", re.I)
# AUTH-POSTED-ON: "NAME 于 DATE 发布" (CSDN, blog hosts): the poster, then the date
_POSTED_ON = re.compile(r"^(\S(?:[^\s]|\s(?=\S)){0,28}?)\s*于\s*(\d{4}[-/.年]\S*(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)"
                        r"\s*(?:发布|发表|发帖|编辑)\s*$")
_PHOTO = re.compile(r"(" + _CJK_NAME + r")\s*[/／]\s*摄")
_CUT_AUTHOR = AUTHOR_CUT_RX


def names(value: str) -> str:
    """Several names of one byline joined by 、 (本报记者 王某 张某 -> 王某、张某)."""
    parts = [p for p in NAME_SPLIT_RX.split(value.strip()) if p]
    return "、".join(parts) if len(parts) > 1 and all(len(p) <= 5 for p in parts) else value.strip()


# AUTH-ROLE-PREFIX: a medium and a role before the names (南都记者 X Y, 观察者网专栏作者 X)
_ROLE_PREFIX = re.compile(r"^[^\s:：，,]{0,12}?(?:专栏作者|特约作者|特约撰稿人|撰稿人|见习记者|实习记者|"
                          r"首席记者|记者|作者)\s*")
# the photo half of a 文/图 credit: "图 X" (文/图 X), "·图/X" (文·图/X)
_LEAD_PHOTO = re.compile(r"^[/／·・]?\s*图\s*[/／:：]?\s*(?=\S)")
_PERSON_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")
# AUTH-MEDIUM-AFTER: names, a slash, the medium that printed them (石某/中国青年报)
_MEDIUM_AFTER = re.compile(r"^(.+?)\s*[/／]\s*([^/／\s]{2,20})$")
# AUTH-PHOTO-CREDIT: 中新社记者 X 摄 / 记者 X/摄 credits the photographer, not the writer
_PHOTO_AFTER = re.compile(r"^\s*[/／]?\s*(?:摄影|摄)(?![\u4e00-\u9fff])")


def _join_padded(parts: list[str]) -> list[str]:
    """AUTH-PADDED-NAME: [王某某, 方, 某] -> [王某某, 方某]: a pair of single Han characters
    among longer names is one name printed with a space to fill the width of three."""
    out, i = [], 0
    while i < len(parts):
        if i + 1 < len(parts) and len(parts[i]) == 1 == len(parts[i + 1]) \
                and "\u4e00" <= parts[i] <= "\u9fff" and "\u4e00" <= parts[i + 1] <= "\u9fff":
            out.append(parts[i] + parts[i + 1])
            i += 2
        else:
            out.append(parts[i])
            i += 1
    return out


def writer_names(value: str | None) -> str | None:
    """The writers' names of a byline value, joined by 、: the role prefix and the photo
    credit dropped, trailing text glued to the last name cut (余毅菁 向雪妮返回富达 ->
    余毅菁; the names before the first token that cannot be a name)."""
    if not value:
        return value
    v = _LEAD_PHOTO.sub("", value.strip())
    m = _MEDIUM_AFTER.match(v)
    if m and ORG_RX.match(m.group(2)):
        v = m.group(1)  # AUTH-MEDIUM-AFTER: 石某/中国青年报: the writer, then the medium
    m = _ROLE_PREFIX.match(v)
    if m and m.end() < len(v):
        v = v[m.end():]
    parts = [p for p in NAME_SPLIT_RX.split(v) if p]
    if len(parts) > 1 and all(len(p) == 1 for p in parts):
        return "".join(parts)  # one name spaced out to fill the line (赵 培)
    if rules().padded_name and len(parts) > 2:
        parts = _join_padded(parts)
    if len(parts) > 1 and not v.isascii():
        keep = []
        for p in parts:
            if not _PERSON_NAME.match(p):
                break
            keep.append(p)
        if keep:
            return "、".join(keep)
    return names(v)


# AUTH-COMMENTATOR: a commentary's short credit line ending with the commentator's name
# (文丨某某特约评论员 X, 本报评论员 X): the name must look like a person's
_COMMENTATOR_END = re.compile(r"评论员\s*[:：]?\s*([\u4e00-\u9fff]{2,4}(?:[\s、]+[\u4e00-\u9fff]{2,4}){0,2})\s*[）)]?\s*$")
# 记者 and one to four 2-4 character names split by spaces or 、 (min_more: names after the first)
def _reporter_names(min_more: int) -> str:
    return r"记者\s*[:：]?\s*([\u4e00-\u9fff]{2,4}(?:[\s、]+[\u4e00-\u9fff]{2,4}){%d,3})" % min_more


_REPORTER_END = re.compile(_reporter_names(0) + r"\s*$")
# AUTH-PLACE-REPORT: 记者 张三 北京报道 / 记者 张三 北京电: the last "name" is a place
_PLACE_REPORT = re.compile(r"^\s*(?:报道|电|讯|消息)")


_PADDED_NEXT = re.compile(r"^\s+([\u4e00-\u9fff])\s([\u4e00-\u9fff])(?=\s|$)")
# AUTH-SPLIT-NAMES: 记者戴某、印某） / 央视记者 奚某 张某）: two or more names split by
# 、 or spaces that fill the rest of the bracket (or the line) after a reporter word
_CLOSES_BYLINE = re.compile(r"^\s*(?:[）)]|$)")
_REPORTER_END_CLOSED = re.compile(_reporter_names(1) + r"\s*[）)]\s*$")


def split_names(value: str, rest: str) -> bool:
    """AUTH-SPLIT-NAMES: after a reporter word, a list of 2+ names of 2-4 Han characters
    split by 、 or spaces and closed by the bracket (or the line's end) is people, whatever
    their surnames: the separators, not a surname list, say where each name ends (a
    sentence glued to 记者 has no such list)."""
    parts = [p for p in NAME_SPLIT_RX.split(value.strip()) if p]
    return rules().split_names and len(parts) >= 2 and bool(_CLOSES_BYLINE.match(rest)) \
        and all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", p) for p in parts)


# AUTH-SLASH-REPORT: 〔记者李某某／台北报道〕, 【陈某╱综合外电报道】, 刘某／华盛顿4日电,
# 中国时报 张某某／特稿: the names, a slash, where and how the report was filed
_SLASH_REPORT = re.compile(r"^(?:[^\s／╱/（(【〔\[]{2,12}\s+)?[（(【〔\[]?\s*"
                           # 【聯合晚報╱記者X╱即時報導】: the medium, a slash, then 记者
                           r"(?:[^\s／╱/（(【〔\[]{2,8}[／╱/]\s*记者\s*|记者\s*)?"
                           r"([\u4e00-\u9fff]{2,4}(?:[\s、][\u4e00-\u9fff]{2,4}){0,3})\s*[／╱/]\s*"
                           r"[\u4e00-\u9fff\d]{0,8}?(?:报道|\d{1,2}日电|电|专电|特稿|快讯)")


# AUTH-WIRE-GLUED: （中央社记者姜某某仁川29日专电）: a wire dateline whose name runs into
# the place; the name is the surname and the two characters after it
_WIRE_GLUED = re.compile(r"^[（(]\s*[\u4e00-\u9fff]{1,6}?记者([\u4e00-\u9fff]{5,12}?)(?:\d{1,2}日)?(?:专电|电)\s*[）)]")
# AUTH-SLASH-REPORT, the medium first: 某某快讯／范姜某某 2020年03月12日 20:19
_MEDIUM_SLASH = re.compile(r"^[^\s／╱/]{2,8}(?:快讯|报道|专电)\s*[／╱/]\s*([\u4e00-\u9fff]{2,4})(?=\s|$)")


def wire_glued(ln: str) -> str | None:
    """AUTH-WIRE-GLUED: `（中央社记者楊某瑞台南4日电）`: name and place glued between 记者 and
    the day; the name is three characters (surname + given name, the commonest length)
    when the surname is a common one and at least two characters of place follow."""
    m = _WIRE_GLUED.match(ln.strip()) if rules().wire_glued else None
    if not m:
        return None
    name = m.group(1)[:3]
    return name if person_like(name) and len(m.group(1)) >= 5 else None


# a date (and time) in an info row, before its byline: 2019-03-18 23:59 / 2020/10/04
# 15:05 / 2014年01月15日 / 新頭殼newtalk2014.10.24 (glued to the medium's name)
_ROW_DATE = re.compile(r"(?<!\d)" + YEAR + r"\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*")


def slash_report(ln: str) -> str | None:
    """AUTH-SLASH-REPORT: a report's byline `NAMES／PLACE报道` (Taiwan's and overseas
    papers: 记者X／台北报道, X／华盛顿4日电, X／综合外电报道, X／特稿), at the line's start,
    inside its opening bracket or after the medium's name; every name a person's
    (AUTH-PERSON-SHAPE), or several split by spaces or 、."""
    # both forms need a slash: most lines have none, and the regexes are slow to fail
    slashed = rules().slash_report and ("/" in ln or "／" in ln or "╱" in ln)
    m = (_SLASH_REPORT.match(ln.strip()) or _MEDIUM_SLASH.match(ln.strip())) if slashed else None
    if not m and slashed and rules().dated_slash_report:
        # AUTH-DATED-SLASH-REPORT: the info row prints a date before the byline (2019-03-18
        # 23:59聯合報 記者X／桃園機場報導, 新頭殼newtalk2014.10.24 X/高雄報導): read without it
        rest = _ROW_DATE.sub(" ", ln.strip(), count=1).strip()
        m = (_SLASH_REPORT.match(rest) or _MEDIUM_SLASH.match(rest)) if rest != ln.strip() else None
    if not m:
        return wire_glued(ln)
    v = writer_names(m.group(1))
    return v if v and (person_like(v) or "、" in v) and _plausible_name(v) else None


def _body_byline(ln: str) -> str | None:
    """AUTH-BODY-BYLINE in a short line (or the start of a longer one)."""
    s = ln if len(ln) <= 60 else ln[:60]
    a = slash_report(s)
    if a:
        return a
    m = BODY_BYLINE_RX.search(s)
    if not m and len(s) <= 40:
        # AUTH-ROLE-PREFIX, any medium: a short credit line ending 记者 + names
        # (整合 新华日报·交汇点记者 徐某): the names must look like people's
        e = _REPORTER_END.search(s)
        if e and person_like(writer_names(e.group(1))):
            return writer_names(e.group(1))
        e = _COMMENTATOR_END.search(s) if rules().commentator_byline else None
        if e and person_like(writer_names(e.group(1))):
            return writer_names(e.group(1))
        e = _REPORTER_END_CLOSED.search(s)
        if e and split_names(e.group(1), ")"):
            return writer_names(e.group(1))
    if not m:
        # AUTH-MEDIUM-AFTER as a line of its own: 石某/中国青年报 (a person, a medium)
        b = _MEDIUM_AFTER.match(s.strip()) if len(s.strip()) <= 30 else None
        if b and MEDIUM_RX.match(b.group(2)) and person_like(writer_names(b.group(1))):
            return writer_names(b.group(1))
        return None
    value = m.group(1)
    if _PHOTO_AFTER.match(s[m.end():]):
        return None
    pad = _PADDED_NEXT.match(s[m.end():]) if rules().padded_name else None
    if pad:  # AUTH-PADDED-NAME: 本报记者 王某某 方 某 (the regex's names are 2+ characters)
        value += " " + pad.group(1) + " " + pad.group(2)
    if _PLACE_REPORT.match(s[m.end():]):
        parts = [p for p in NAME_SPLIT_RX.split(value) if p]
        if len(parts) > 1:
            value = " ".join(parts[:-1])
    # (the dateline's place is dropped first: 記者賴某敏 蔣某祥 台北報導 names two people)
    if m.start(1) > 0 and "\u4e00" <= s[m.start(1) - 1] <= "\u9fff" and not person_like(writer_names(value)) \
            and not split_names(value, ln[m.end():]):
        return None  # 记者通过电子邮件…: a name glued to 记者 must look like one
    return writer_names(value)


# PUB-NOT-OTHER: 最新推荐文章于 2023-09-04 发布 / 相关文章 / 上一篇: another article's line
_OTHER_ARTICLE = re.compile(r"(?:推荐|最新|相关|热门)(?:文章|阅读|新闻)|上一篇|下一篇")

# AUTH-DATELINE-CREDIT: a wire dateline (新华社北京5月19日电, 本报讯) and the names in the
# bracket right after it: the writers, credited without 记者
_DATELINE_CREDIT = re.compile(r"^[^\s，。,]{0,24}?(?:\d{1,2}月\d{1,2}日)?(?:电|讯)\s*[（(]\s*([^（()）]{2,30}?)\s*[）)]")


def dateline_credit(ln: str) -> str | None:
    """AUTH-DATELINE-CREDIT: `新华社北京5月19日电（刘某、杨某）…` -> 刘某、杨某; every name
    must look like a person's (`电（记者 X）` is AUTH-BODY-BYLINE's, `讯（通讯员…）`, a
    place or a sentence in the bracket is nobody)."""
    m = _DATELINE_CREDIT.match(ln)
    if not m:
        return None
    v = writer_names(m.group(1))
    return v if person_like(v) else None


def _page_lines(root, scope=None, index=None, scope_index=False):
    """Text lines of ``scope`` (default: the page) with the document-order number
    where each starts; label words simplified (LABEL-TRADITIONAL).  With
    ``scope_index`` the numbers are those of the scope's own elements (enough to
    compare positions inside it; numbering the whole page costs more than the split)."""
    if index is None:
        index = {el: i for i, el in enumerate((scope if scope_index and scope is not None else root).iter())}
    pos: list[int] = []
    lines = paragraphs(scope, index=index, positions=pos) if scope is not None else page_lines(root, index, pos)
    return _label_lines(lines), pos, index


def _label_lines(lines: list[str]) -> list[str]:
    return [_BACK_LINK.sub("", simplified_labels(ln)) for ln in lines]


# a portal's back link glued to the text's last line (作者：X Y返回搜狐，查看更多): no part of a value
_BACK_LINK = re.compile(r"返回[^\s，,。]{1,8}[，,]\s*查看更多\s*$")


def _scope(title_el, body_el):
    """The subtree holding title, info line and body, one level up (whole-page text
    is only walked when this does not yield a date)."""
    if body_el is None:
        return None
    el = body_el
    if title_el is not None:
        anc = set(title_el.iterancestors())
        anc.add(title_el)
        while el is not None and el not in anc:
            el = el.getparent()
        hops = 1
    else:
        hops = 3
    for _ in range(hops):
        el = el.getparent() if el is not None else None
    return None if el is None or el.tag in ("html", "body") else el


def _span(el, index) -> tuple[int, int]:
    """Document-order range covered by el and its descendants."""
    last = el
    for last in el.iter():
        pass
    return index.get(el, -1), index.get(last, -1)


def _title_line(lines, pos, title, title_el, index) -> int | None:
    if title_el is not None and title_el in index:
        lo, hi = _span(title_el, index)
        for i, p in enumerate(pos):
            if lo <= p <= hi:
                return i
    t = squash(title or "")
    if len(t) >= 4:
        for i, ln in enumerate(lines):
            s = squash(ln)
            if s == t or (len(s) >= 0.6 * len(t) and s in t) or (t in s and len(s) < 1.5 * len(t)):
                return i
    return None


def _line_date(ln):
    """Labelled date in a line (发布时间：… or NAME 发表于 DATE), else None."""
    lab = parse_labelled(ln)
    if lab.get("published"):
        pd = F.parse_any_date(lab["published"])
        if pd is not None:
            return pd
    m = _POSTED.search(ln)
    if m:
        return F.parse_any_date(m.group(2))
    return labelled_date(ln) if len(ln) < 160 else None


def _line_author(ln):
    lab = parse_labelled(ln)
    if "author" in lab:  # a labelled placeholder (作者：未知) means "no author"
        a = affiliated_name(lab["author"]) if rules().affiliated_name else None
        if a:
            return a
        v = leading_names(writer_names(_CUT_AUTHOR.split(lab["author"])[0]))
        if F.person(v) and _plausible_name(v):
            return v
        return titled_name(lab["author"]) if rules().titled_name else None
    if rules().body_byline and (len(ln) <= 60 or rules().lead_credit):
        m = _LEAD_BRACKET.match(ln) if len(ln) > 60 else None
        if len(ln) > 60 and not m:
            return None
        # AUTH-LEAD-CREDIT: a long line is read only for the credit in brackets opening
        # it (the lead paragraph of 【丁某某╱台北報導】女子…, （记者 X）本报讯…)
        a = _body_byline(ln if m is None else "（" + m.group(1) + "）")
        if a:
            a = NAME_END_RX.split(a)[0].strip()
            return a if a and _plausible_name(a) else None
    return None


# a bracket opening a line and closing within 30 characters
_LEAD_BRACKET = re.compile(r"^\s*[【〔\[（(]([^【〔\[（()）\]〕】]{2,30})[】〕\]）)]")


# AUTH-NAME-AFFILIATION: a name glued to the place its affiliation starts with, and the
# affiliation (a university, an institute, a firm) or a title after it; or glued to the
# place of its dateline (李某北京报道)
_AFFILIATED = re.compile(r"^\s*([\u4e00-\u9fff]{2,4}?)(?=" + alternation(PLACES) + r")[\u4e00-\u9fff]{2,24}?"
                         + alternation(("大学", "学院", "研究院", "研究所", "中心", "协会", "学会", "银行",
                                        "公司", "集团"), WRITER_TITLES)
                         + r"|^\s*([\u4e00-\u9fff]{2,4}?)(?=" + alternation(PLACES) + r")[\u4e00-\u9fff]{2,6}?"
                           r"(?:报道|电|讯)\s*$")


def affiliated_name(value: str) -> str | None:
    """AUTH-NAME-AFFILIATION: `作者：方某北京大学经济学院教授` -> 方某, `作者：李某北京报道` ->
    李某: a labelled writer printed with the affiliation or the dateline's place glued to
    the name; the name ends where a place name (labels.PLACES) starts, and an institution,
    a title or a report word (报道 电 讯) follows.  The name must look like a person's
    (AUTH-PERSON-SHAPE)."""
    m = _AFFILIATED.match(_NOTE_END.split(value, 1)[0])
    name = m and (m.group(1) or m.group(2))
    return name if name and person_like(name) else None


_TITLED_NAME = re.compile(alternation(WRITER_TITLES) + r"\s*([\u4e00-\u9fff]{2,3})\s*$")
_NOTE_END = re.compile(r"[）)】\]。]")


def titled_name(value: str) -> str | None:
    """AUTH-TITLED-NAME: a labelled writer described before the name, the name last:
    `作者：某某中心世界经济研究部部长，“一带一路”研究部部长、研究员徐某某）` -> 徐某某.  The
    value ends at the note's closing bracket; the 2-3 Han characters after the last title
    word (研究员, 教授, 主任, …) are the name when they look like a person's."""
    v = _NOTE_END.split(value, 1)[0].strip()
    m = _TITLED_NAME.search(v) if len(v) <= 80 else None
    return m.group(1) if m and person_like(m.group(1)) else None


def _plausible_name(v: str) -> bool:
    """AUTH-NOT-NAME: no markup or digits, not a sentence, not a place (北京) or a
    font-size switch (超大) standing alone, and no Han run longer than a name that is
    not an office's (告诉记者：被称之为最缺乏…: the label word inside a sentence)."""
    return not any(c in v for c in "=<>\"'{}@#") and len(squash(v)) <= 30 \
        and not squash(v).isdigit() and not (v.isascii() and "," in v) \
        and squash(v) not in _NOT_NAMES and not any(_fragment(p) or _ROLE_ONLY.search(p) for p in NAME_SPLIT_RX.split(v))


_HAN_RUN = re.compile(r"^[\u4e00-\u9fff]{7,}$")
# AUTH-NOT-NAME: a medium and a role with no name after it (新华社记者, 本报通讯员) names no one
_ROLE_ONLY = re.compile(r"(?:记者|通讯员|评论员|撰稿人|特约作者)$")


def _fragment(part: str) -> bool:
    """A run of 7+ Han characters that is not an office or a body (市工业和信息化局):
    a sentence fragment, never a name (transliterated names carry a ·)."""
    return bool(_HAN_RUN.match(part)) and not ORG_RX.match(part)


_NOT_NAMES = frozenset(PLACES + FONT_SIZES)
_FOREIGN_CJK = re.compile(r"^[\u4e00-\u9fff]{1,8}(?:[·・][\u4e00-\u9fff]{1,10})+$")
_LATIN_NAME = re.compile(r"^[A-Z][a-zA-Z'.-]+(?:\s+[A-Z][a-zA-Z'.-]*)+$")


def person_like(v: str | None) -> bool:
    """AUTH-PERSON-SHAPE: every name of ``v`` (split by 、) is a person's: 2-4 Han
    characters starting with a common surname (or a two-character one), a
    transliterated foreign name (约翰·史密斯), or a capitalised Latin name (John Smith).
    Used where the page's words do not say "writer" (a meta tag, a box marked author,
    a name glued to 记者), so a medium (参考消息), a verb (记者通过…) or an account
    (股市行情) is not taken for a person."""
    if not v:
        return False
    for n in v.split("、"):
        n = n.strip()
        if _FOREIGN_CJK.match(n) or (_LATIN_NAME.match(n) and not _share_bar(n)):
            continue
        if not (_PERSON_NAME.match(n) and len(n) <= 4 and (n[0] in SURNAMES or n[:2] in COMPOUND_SURNAMES)):
            return False
    return True


def _share_bar(v: str) -> bool:
    """AUTH-NOT-NAME: `Plurk Twitter Facebook`, a share bar's words, is nobody's name."""
    return rules().label_not_name and any(w.lower() in SHARE_WORDS for w in v.split())


def _org_not_medium(v: str) -> bool:
    """An office as author (市工信局), not a medium's name (环球网, 参考消息)."""
    return bool(ORG_RX.match(v)) and not MEDIUM_RX.match(v)


_ORDER = {"year": -2, "month": -1, "date": 0, "minute": 1, "second": 2}
_PREFIX = {"year": 4, "month": 7, "date": 10, "minute": 16, "second": 19}


def _better(pd, other):
    """PUB-REFINE: a more precise candidate replaces ``pd`` only when it agrees with it
    at ``pd``'s precision (the meta's seconds refine the page's minute; a meta an
    hour off, in another time zone or the update time, does not)."""
    if other is not None and other.value and pd.value \
            and _ORDER.get(other.precision, 0) > _ORDER.get(pd.precision, 0):
        n = _PREFIX.get(pd.precision, 10)
        if other.value[:n] == pd.value[:n]:
            return other
    return pd


_CREDIT_FIELDS = frozenset(("editor", "reviewer", "source"))


class _Layout:
    """Where title, info zone and body lie in the text lines around them: the part of
    the search every reading of the lines shares (find_meta_fields, byline_author)."""
    __slots__ = ("lines", "pos", "index", "ti", "b0", "b1", "inside", "zone", "head", "tail", "title",
                 "new_title")


def _layout(root, title, title_el, body_el, scope_index=False) -> _Layout:
    """``scope_index``: number only the scope's elements (no title element to place)."""
    R = rules()
    L = _Layout()
    lines, pos, index = _page_lines(root, _scope(title_el, body_el), scope_index=scope_index and title_el is None)
    ti = _title_line(lines, pos, title, title_el, index)
    if body_el is not None and body_el in index:
        lo, hi = _span(body_el, index)
        inside = [i for i, p in enumerate(pos) if lo <= p <= hi]
    else:
        inside = []
    b0, b1 = (inside[0], inside[-1]) if inside else (len(lines), len(lines) - 1)
    if ti is not None and ti >= b0 and title:  # a copy inside the body: the heading above wins
        t = squash(title)
        ti = next((j for j in range(b0 - 1, max(-1, b0 - 15), -1) if squash(lines[j]) == t), ti)
    new_title = None
    if ti is None or (title_el is None and not title):
        k = _title_before_info(lines, b0)
        if k is None and not title and 0 < b0 <= len(lines):
            k = b0 - 1 if _title_like(lines[b0 - 1]) else None
        if k is not None:
            ti, new_title = k, lines[k]
            title = new_title
    if ti is not None and ti < b0:
        zone = list(range(ti + 1, min(b0, ti + R.info_zone)))
    elif ti is not None:  # title inside the body container: its next lines are the info
        zone = list(range(ti + 1, min(len(lines), ti + 6)))
    else:
        zone = list(range(max(0, b0 - 8), b0))
    if R.head_after_title and ti is not None and b0 <= ti < b1:
        # AUTH-HEAD-AFTER-TITLE: a block holding the title (and the page's furniture
        # above it) starts its text after the title: its first lines are those
        head = [i for i in inside if i > ti][:R.byline_lines]
    else:
        head = [i for i in inside[:R.byline_lines]]
    tail = [i for i in inside[-5:]] + list(range(b1 + 1, min(len(lines), b1 + 6)))
    if R.text_end_tail and inside:
        # BODY-TEXT-END: where the container holds more than the text (a disclaimer, a
        # related-stories list after it), the text's own last lines close it too
        end = text_end([lines[i] for i in inside])
        if end < len(inside):
            tail = [i for i in inside[max(0, end - 5):end] if i not in tail] + tail
    L.lines, L.pos, L.index, L.ti, L.b0, L.b1 = lines, pos, index, ti, b0, b1
    L.inside, L.zone, L.head, L.tail, L.title, L.new_title = inside, zone, head, tail, title, new_title
    return L


def _info_zone_author(L: _Layout, drop: set) -> tuple[str | None, str | None]:
    """(author, medium) from the text's byline lines nearest the title: a labelled or
    记者 byline in the info zone, else (AUTH-BODY-BYLINE) in the body's first or last
    lines; ``medium`` is the info row's author that yields to one credited in the text, the
    fallback (a medium's name, AUTH-MEDIUM-DEFERS; the row's own editor, AUTH-EDITOR-DEFERS)."""
    R, lines, b0, b1 = rules(), L.lines, L.b0, L.b1
    author, row = None, ""
    for i in L.zone:
        author = _line_author(lines[i])
        if author:
            row = lines[i]
            if b0 <= i <= b1 and len(lines[i]) <= 30 and _body_byline(lines[i]):
                drop.add(i)  # a byline line inside the body block is not text
            break
    medium = None
    if author and R.medium_defers and MEDIUM_RX.match(author) and not person_like(author):
        # AUTH-MEDIUM-DEFERS: 作者：新京报 in the info row names the medium; a person
        # credited in the text (（总台央视记者 X Y）) is the writer, the medium the fallback
        medium, author = author, None
    elif author and R.editor_defers and squash(author) == squash(parse_labelled(row).get("editor") or ""):
        # AUTH-EDITOR-DEFERS: 作者：X 责任编辑：X in one row: the CMS filled the author
        # slot with its editor; a writer credited in the text wins, X is the fallback
        medium, author = author, None
    if not author and R.body_byline:
        # AUTH-BODY-BYLINE: the writer credited in the body's first or last lines
        for i in L.head + L.inside[-3:]:
            a = _body_byline(lines[i]) or (dateline_credit(lines[i]) if R.dateline_credit else None)
            if a and _plausible_name(a) and a != medium:
                author = a
                if len(lines[i]) <= 30 and i >= b0:
                    drop.add(i)  # a line that is only the byline is not text
                break
    return author, medium


def _closing_author(L: _Layout, drop: set, medium: str | None) -> str | None:
    """A writer labelled in the body's first or last lines, else the credit in brackets
    closing the text (AUTH-TRAILING-CREDIT)."""
    lines = L.lines
    for i in L.head + L.tail:
        a = _line_author(lines[i])
        if a and a != medium:
            if len(lines[i]) <= 20 and i >= L.b0:
                drop.add(i)
            return a
    if rules().trailing_credit:
        return trailing_credit([lines[i] for i in L.inside[-2:]])
    return None


def byline_author(root, title, body_el) -> str | None:
    """AUTH-TEMPLATE-BYLINE's search: the writer credited in the text's byline lines
    only (the info zone under the title, the body's first and last lines, the credit
    closing it), the same readings and order as find_meta_fields' byline steps, without
    its dates, sources, page kind and markup searches (a template has read those)."""
    L = _layout(root, title, None, body_el, scope_index=True)
    drop: set = set()
    author, medium = _info_zone_author(L, drop)
    return F.person(author or _closing_author(L, drop, medium) or medium)


def find_meta_fields(root, title, title_el, body_el, url=None, site_name=None) -> dict:
    """Date, source, author, editor, reviewer from the lines around title and body.

    Also returns "_drop" (body lines that are metadata, not text) and "_title"
    (a better title line when <title> held only the site name, else None).
    """
    R = rules()
    L = _layout(root, title, title_el, body_el)
    lines, index, ti, b0, b1 = L.lines, L.index, L.ti, L.b0, L.b1
    inside, zone, head, tail, title, new_title = L.inside, L.zone, L.head, L.tail, L.title, L.new_title
    whole: list = []

    def page_text() -> list[str]:
        """The whole page's lines, read once (several fallbacks search them)."""
        if not whole:
            whole.append(_label_lines(page_lines(root)))
        return whole[0]
    Z = [lines[i] for i in zone]
    drop: set[int] = set()
    if ti is not None and b0 <= ti <= b1:
        drop.add(ti)

    # --- date: labelled near the title, metas, any near the title, labelled anywhere
    cands = []
    # PUB-NOT-OTHER: a line about another article dates that article
    Zd = [ln for ln in Z if not (R.other_article_date and _OTHER_ARTICLE.search(ln))]
    for ln in Zd:
        pd = _line_date(ln)
        if pd is not None:
            cands.append(pd)
            break
    if not cands:
        pd = split_date(Zd)
        if pd is not None:
            cands.append(pd)
    meta_date = F.parse_any_date(meta(root, _META_DATES))
    if meta_date is None and R.jsonld_date:  # PUB-JSONLD, then PUB-TIME-TAG
        meta_date = F.parse_any_date(jsonld_value(root, "datePublished")) \
            or F.parse_any_date(time_datetime(root))
    if not R.visible_date_first:
        cands.append(meta_date)
    for ln in Zd:
        pd = find_date(ln) if len(ln) <= 80 else None  # an info line, not a sentence
        if pd is not None:
            cands.append(pd)
            break
    if R.visible_date_first:  # PUB-VISIBLE: the date printed by the title first
        cands.append(meta_date)
    cands = [c for c in cands if c is not None]
    pd = cands[0] if cands else None
    for c in cands[1:]:
        pd = _better(pd, c)
    if pd is None:
        for i in head + tail:
            pd = _line_date(lines[i])
            if pd is not None:
                break
    if pd is None and R.date_line:
        pd = date_line([lines[i] for i in range(max(0, b0 - 12), min(len(lines), b0 + 4))])
    if pd is None and R.issue_date:  # PUB-ISSUE: ——《北京之春》1998年3月号 closing the text
        for i in tail:
            pd = issue_date(lines[i]) if len(lines[i]) <= 40 else None
            if pd is not None:
                break
    if pd is None:
        for ln in page_text():
            pd = _line_date(ln)
            if pd is not None:
                break
    if pd is None and ti is not None:
        for i in range(max(0, ti - 4), ti):
            pd = find_date(lines[i]) or pd
    if pd is None:
        for i in tail:
            pd = find_date(lines[i])
            if pd is not None:
                break
    if pd is None:
        pd = date_from_url(url)
    if pd is not None and pd.precision == "date" and R.refine_from_page:
        pd = refine_day(pd, page_text())
    rec = F.date_fields(pd)

    # --- labelled fields: the info zone first, then the body's head and tail
    lab: dict = {}
    for i in zone + head + tail:
        for k, v in parse_labelled(lines[i]).items():
            if k in ("source", "editor", "reviewer") and k not in lab:
                lab[k] = _CUT_AUTHOR.split(v)[0] if k != "source" else v
    if R.editor_in_text and "editor" not in lab:
        # EDITOR-IN-TEXT: a short line of credits only (编辑|X / 责编|Y / 校对|Z) anywhere
        # in the text block, as a template's EDITOR-LINE reads it; the 责任编辑 / 责编
        # wins over a plain 编辑 printed beside it
        found = [(lines[i], got["editor"]) for i in inside if len(lines[i]) <= 30
                 for got in (parse_labelled(lines[i]),) if got.get("editor") and set(got) <= _CREDIT_FIELDS]
        if found:
            ln, v = next((f for f in found if "责任编辑" in f[0] or "责编" in f[0]), found[0])
            lab["editor"] = _CUT_AUTHOR.split(v)[0]
    rec["source"] = F.source(_first_token(lab.get("source")) or meta(root, ["ContentSource"]))
    rec["editor"] = F.person(lab.get("editor"))
    rec["reviewer"] = F.person(lab.get("reviewer"))

    # --- author: labelled/记者 in the info zone, forum "X 发表于", a names line under a
    # title copy, labelled in the body's head/tail, meta, photo credit
    author, medium = _info_zone_author(L, drop)
    if not author:
        for ln in Z + [lines[i] for i in head]:
            m = _POSTED.search(ln)
            if m and F.person(m.group(1)) and not find_date(m.group(1)):
                author = m.group(1)
                break
    if not author and R.posted_on:
        author = next((a for a in map(posted_on, Zd + [lines[i] for i in head]) if a), None)
    if not author:
        for i in inside[:6]:
            prev = squash(lines[i - 1]) if i > 0 else ""
            t = squash(title or "")
            if _NAMES_LINE.match(lines[i]) and prev and (prev in t or t in prev) and len(prev) >= 4 \
                    and _plausible_name(lines[i]):
                author = lines[i]
                drop.update((i - 1, i) if i - 1 >= b0 else (i,))
                break
    if not author and R.name_under_heading:
        author = name_under_heading(lines, ti if ti is not None else b0, b0)
    if not author:
        author = _closing_author(L, drop, medium)
    author = author or medium
    if not author and R.row_name:
        author = next((a for a in map(row_name, Z) if a), None)
    if not author and R.source_person and rec["source"] and person_like(rec["source"]) \
            and not ORG_RX.match(rec["source"]) and not MEDIUM_RX.match(rec["source"]):
        author = rec["source"]  # AUTH-SOURCE-PERSON: 来源: 尹某 names the writer
    kind = page_type_of(root, title, url)
    # on a self-published post or a thread the account / poster is the author: any
    # account-like name, not only a person's (AUTH-ACCOUNT)
    shape = _account_like if kind in ("blog", "forum") else _person_or_office
    editors = None  # AUTH-META-EDITOR: the editors credited anywhere on the page, lazily

    def editor_account(a: str | None) -> bool:
        nonlocal editors
        if not (a and R.meta_editor_guard):
            return False
        if editors is None:
            editors = credited_editors(page_text()) | {squash(rec["editor"] or "")}
        return names_editors(a, editors)

    if not author and kind in ("blog", "forum") and R.account_box:
        author = account_box(root, title_el, body_el, index)
        author = None if editor_account(author) else author
    if not author and kind in ("blog", "forum") and R.author_card:
        author = author_card(root, body_el, index)
    if not author and R.markup_author:
        author = markup_author(root, rec["source"], site_name, shape)
        author = None if editor_account(author) else author
    if not author and R.jsonld_author:
        a = jsonld_value(root, "author")
        author = writer_names(a) if a and _plausible_name(a) and not _same_org(a, rec["source"], site_name) \
            and not _in_title_suffix(root, a) and shape(writer_names(a)) else None
    if not author and kind == "blog" and R.account_author:
        author = blog_owner(root) or account_name([lines[i] for i in zone[:6]], title)
    if not author and kind == "notice" and R.notice_issuer:
        m = NOTICE_ISSUER_RX.search(squash(title or ""))
        author = m.group(1) if m else None
    if not author and R.meta_author:
        a = meta(root, ["author", "Author", "article:author"])
        if a and not (rec["source"] and squash(a) == squash(rec["source"])) and \
                not (site_name and a in site_name) and _plausible_name(a) and \
                not _in_title_suffix(root, a) and shape(writer_names(a)) and not editor_account(a):
            author = a
    if not author and R.photo_author:
        for i in head:
            m = _PHOTO.search(lines[i])
            if m:
                author = m.group(1)
                break
    if not author and R.labelled_anywhere:
        author = next((a for a in map(labelled_author, page_text()) if a), None)
    if not author and R.profile_heading:
        author = profile_name(page_text())
    if not author and R.plain_editor_author:
        # AUTH-PLAIN-EDITOR: a byline that names no 作者 but a plain 编辑 (not 责任编辑/
        # 责编): that person wrote the web piece (the author labelled on CWCED).
        for ln in Z + [lines[i] for i in head + tail]:
            m = PLAIN_EDITOR_RX.search(ln)
            if m and _plausible_name(m.group(1)):
                author = m.group(1)
                rec["editor"] = rec["editor"] or F.person(author)
                break
    rec["author"] = F.person(author)
    rec["page_type"] = kind
    rec["_drop"] = {lines[i] for i in drop}  # label words simplified: compare with simplified_labels
    rec["_title"] = new_title
    return rec




def _same_org(a: str, source: str | None, site_name: str | None) -> bool:
    """An 'author' that is the page's source or site (网易, 新华网) names no writer."""
    return bool(source and squash(a) == squash(source)) or bool(site_name and a in site_name)


def _person_or_office(v: str | None) -> bool:
    return bool(v) and (person_like(v) or _org_not_medium(v))


_ACCOUNT_SHAPE = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9·_\-]{2,20}$")


def _account_like(v: str | None) -> bool:
    """A platform account's name: one token, letters or Han, not a label word or digits."""
    return bool(v) and (person_like(v) or (bool(_ACCOUNT_SHAPE.match(v)) and not v.isdigit()
                                           and not parse_labelled(v + "：x") and find_date(v) is None
                                           and not MEDIUM_RX.match(v)))


def markup_author(root, source=None, site_name=None, shape=None) -> str | None:
    """AUTH-MARKUP: the first element marked as the author (itemprop=author,
    class="author"…) whose text, once its label (作者：, 文/, 记者) is read, is a name."""
    for v in author_markup(root, visible_only=rules().markup_visible):
        a = _line_author(v) if (":" in v or "：" in v or "/" in v or "记者" in v) else None
        if not a:
            a = writer_names(v)
            if not (shape or person_like)(a):
                continue
        a = F.person(a)
        if a and _plausible_name(a) and not _same_org(a, source, site_name) and not _in_title_suffix(root, a) \
                and not (rules().label_not_name and squash(a) in ACCOUNT_NOT_NAME):
            return a
    return None


# AUTH-ACCOUNT-BOX: a class/id that says the element holds the poster's name
_ACCOUNT_CLASS = re.compile(r"author|name|nick|media|account|writer|user|poster|zuozhe", re.I)
_NOT_ACCOUNT_CLASS = re.compile(r"title|editor|source|time|date|tag|channel|comment|avatar|img|btn|button", re.I)
_ACCOUNT_BOX_REACH = 60  # elements after (or before) the title searched for the box


def account_box(root, title_el, body_el, index) -> str | None:
    """AUTH-ACCOUNT-BOX: on a self-published post (KIND-PLATFORM) or a thread, the
    element nearest the title (after it first, down to the body; then before it) whose
    class/id says author / name / nick / media / account / user and whose whole text is
    one short account-like name: toutiao's `span.name`, qq's `p.media-name`, 360kuai's
    `author-info__name`.  An account may be a medium's (新华社 posts on toutiao as
    新华社), so a medium's name is kept here; a label, a date, a button word is not."""
    if title_el is None or title_el not in index:
        return None
    order = list(index)
    lo, hi = _span(title_el, index)
    stop = index.get(body_el, hi + _ACCOUNT_BOX_REACH) if body_el is not None else hi + _ACCOUNT_BOX_REACH
    stop = min(stop if stop > hi else hi + _ACCOUNT_BOX_REACH, hi + _ACCOUNT_BOX_REACH)
    after = order[hi + 1:stop]
    before = order[max(0, lo - _ACCOUNT_BOX_REACH):lo][::-1]
    for el in after + before:
        if not isinstance(el.tag, str):
            continue
        cls = (el.get("class") or "") + " " + (el.get("id") or "")
        if not _ACCOUNT_CLASS.search(cls) or _NOT_ACCOUNT_CLASS.search(cls):
            continue
        v = clean(raw_text(el)) or ""
        if _account_name(v) and len(paragraphs(el)) == 1:  # one line: not a card's lines run together
            return v
    return None


# AUTH-AUTHOR-CARD: a sidebar / header card presenting the poster (sohu's user-info,
# blog hosts' profile / blogger boxes)
_CARD_XP = "|".join(f"//*[contains(translate(@class,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz'),'{w}') "
                    f"or contains(translate(@id,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz'),'{w}')]"
                    for w in ("user-info", "userinfo", "user_info", "author-info", "authorinfo", "author_info",
                              "author-card", "authorcard", "profile", "blogger", "bloger", "media-info"))


def author_card(root, body_el, index) -> str | None:
    """AUTH-AUTHOR-CARD: on a platform post or a thread with no poster found by the title,
    the first card presenting a user (class/id `user-info`, `author-info`, `profile`,
    `blogger` …) that comes before the body in the page: its first line that is an
    account's name (`_account_name`: not a button, a label, a date or a number).  Cards
    after the body (commenters') are not read."""
    start = index.get(body_el) if body_el is not None else None
    for card in compile_selector(_CARD_XP)(root):
        if start is not None and index.get(card, start) >= start:
            break
        for ln in paragraphs(card)[:4]:
            v = ln.strip()
            if _account_name(v):
                return v
    return None


# AUTH-PROFILE-HEADING: a card's heading presenting the writer or the blog's owner
_PROFILE_HEAD = re.compile(r"^[\[【〔(（]?\s*(?:作者简介|作者介绍|作者资料|个人资料|个人简介|博主资料|博主简介|关于博主|关于作者)"
                           r"\s*[\]】〕)）]?\s*[:：]?")


def profile_name(lines: list[str]) -> str | None:
    """AUTH-PROFILE-HEADING: a blog's or a columnist's card: the name printed on the line
    right above its heading (`太小心` / `[作者简介] (个人情况保密)`) or, when the heading
    comes first, right below it (`个人资料` / `某某`); an account-like name, alone on its
    line."""
    for i, ln in enumerate(lines):
        if not _PROFILE_HEAD.match(ln):
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(lines):
                v = lines[j].strip().strip("[]【】")
                if _account_name(v) and _plausible_name(v):
                    return v
    return None


def _account_name(v: str) -> bool:
    """An account's name as printed alone in its box: one token of letters, digits,
    Han, `·_-` (A-某老师-某学院), not digits alone, no label, no date, no button word."""
    return 2 <= len(v) <= 20 and bool(_ACCOUNT_SHAPE.match(v)) and not v.isdigit() \
        and find_date(v) is None and not parse_labelled(v + "：x") and squash(v) not in ACCOUNT_NOT_NAME \
        and squash(v) not in _NOT_NAMES and not any(c in v for c in "=<>\"'{}@#")


_FOLLOW = re.compile(r"^[+＋]?\s*(?:关注|已关注|加关注|\+关注)$")


def name_under_heading(lines: list[str], ti: int, b0: int) -> str | None:
    """AUTH-NAME-UNDER-HEADING: right under the heading line ``ti`` (the title, or the
    body's first line when the page's title was not found), a line that is only a
    person's name (`犬儒病(上)` / `胡某`); or, within the lines down to the body, an
    account's name with its follow button on the next line (`魑某` / `关注`)."""
    if 0 <= ti + 1 < len(lines) and person_like(lines[ti + 1].strip()):
        return lines[ti + 1].strip()
    for k in range(ti + 1, min(len(lines) - 1, max(b0, ti + 2), ti + 10)):
        v = lines[k].strip()
        if _FOLLOW.match(lines[k + 1].strip()) and _account_like(v) and _plausible_name(v):
            return v
    return None


def posted_on(ln: str) -> str | None:
    """AUTH-POSTED-ON: `NAME 于 2023-03-12 13:08:03 发布` (CSDN and blog hosts print the
    poster and the posting time so): NAME, when it is a name (not a date, not a line about
    another article: `最新推荐文章于 … 发布` is PUB-NOT-OTHER's and is skipped before)."""
    m = _POSTED_ON.match(ln.strip()) if len(ln) <= 80 else None
    if not m or find_date(m.group(2)) is None or _OTHER_ARTICLE.search(m.group(1)):
        return None
    v = m.group(1).strip()
    return v if F.person(v) and _plausible_name(v) and not any(c.isdigit() for c in v) else None


def labelled_author(ln: str) -> str | None:
    """AUTH-LABELLED-ANYWHERE: `作者：X` (撰稿人, 执笔人) in a short line anywhere on the
    page: a forum post's header (`作者：X 时间：…`), a byline printed away from the title."""
    if len(ln) > 60 or not _WRITER_LABEL.search(ln):
        return None
    v = parse_labelled(ln).get("author")
    v = leading_names(writer_names(_CUT_AUTHOR.split(v)[0])) if v else None
    return v if v and F.person(v) and _plausible_name(v) else None


def leading_names(v: str | None) -> str | None:
    """AUTH-NOT-NAME: the names of a labelled value up to the first word after the
    first name that is not a person's (`赵某 出自：…` -> 赵某)."""
    if not v or "、" not in v:
        return v
    parts = v.split("、")
    keep = parts[:1]
    for p in parts[1:]:
        if not person_like(p):
            break
        keep.append(p)
    return "、".join(keep)


_WRITER_LABEL = re.compile(r"(?:^|[\s|｜" + re.escape("【[（(") + r"])(?:作者|撰稿人|执笔人?)" + COLON)
# AUTH-ROW-NAME: an info row led by a bare name before its 来源： label
_ROW_LEAD = re.compile(r"(?:^|(?<=[^\u4e00-\u9fff·]))[\s\[【（(]*([\u4e00-\u9fff·]{2,4})[\s\]】）)\ue000-\uf8ff]*"
                       + alternation(SOURCE) + COLON)


def row_name(ln: str) -> str | None:
    """AUTH-ROW-NAME: `[ 黄某 ] 来源：[ 国际金融报 ]` / `2004-07-16 王某 来源：…`: the name
    leading an info row, before its 来源 label, when it looks like a person's."""
    if len(ln) > 80:
        return None
    pd = find_date(ln)
    s = ln.replace(pd.raw, " ", 1) if pd is not None and pd.raw else ln
    m = _ROW_LEAD.search(s)
    return m.group(1) if m and person_like(m.group(1)) else None


def date_line(lines: list[str]):
    """PUB-DATE-LINE: the date of the line nearest the body (the last of ``lines``
    first) that is a date and little else (`2022-02-13 20:04:17`, `2005年1月2日`), when
    no labelled date was found."""
    for ln in reversed(lines):
        s = ln.strip()
        if len(s) > 40:
            continue
        pd = find_date(s)
        if pd is not None and pd.value and pd.raw and len(squash(pd.raw)) >= 0.6 * len(squash(s)):
            return pd
    return None


_YEAR_ALONE = re.compile(r"^" + YEAR + r"$")


def split_date(zone_lines: list[str]):
    """PUB-SPLIT-LINES: a date printed as separate short lines under the title
    (`2019` / `09/07` / `19:02`, each in its own element)."""
    for i, ln in enumerate(zone_lines[:-1]):
        if _YEAR_ALONE.match(ln.strip()):
            rest = [x.strip() for x in zone_lines[i + 1:i + 3] if len(x.strip()) <= 8]
            if rest:
                pd = find_date(ln.strip() + "/" + " ".join(rest).replace("-", "/"))
                if pd is not None:
                    return pd
    return None


def trailing_credit(last_lines: list[str]) -> str | None:
    """AUTH-TRAILING-CREDIT: the writer (or, on a government page, the office) in
    brackets closing one of the body's last paragraphs: `…举行。（张巨峰）`,
    `…趋稳趋优。（德清县发改局）`.  Each name must start with a common surname, so a
    photo agency (`（视觉中国）`) or `（完）` is not taken for a writer."""
    for ln in reversed(last_lines):
        if len(ln) < 12 and not _LONE_CREDIT.match(ln):  # a paragraph's end, not a caption
            continue
        m = TRAILING_OFFICE_RX.search(ln)
        if m:
            return m.group(1)
        m = TRAILING_CREDIT_RX.search(ln)
        if m:
            parts = [p for p in NAME_SPLIT_RX.split(m.group(1)) if p]
            if parts and all(2 <= len(p) <= 4 and p[0] in SURNAMES for p in parts):
                return "、".join(parts)
        if rules().trailing_byline:
            a = trailing_byline(ln)
            if a:
                return a
    return None


# the credit on a line of its own closing the text: （袁某） / （王某 李某）
_LONE_CREDIT = re.compile(r"^\s*[（(]\s*[\u4e00-\u9fff]{2,4}(?:[\s、]+[\u4e00-\u9fff]{2,4}){0,2}\s*[）)]\s*$")


def trailing_byline(ln: str) -> str | None:
    """AUTH-TRAILING-BYLINE: a byline in the bracket closing a paragraph: `（记者 胡某）`,
    `（总台记者 张某）`, `（文/王某）`, `（姚某 上海报道）` (the dateline's place dropped).
    The names must look like people's (AUTH-PERSON-SHAPE)."""
    m = TRAILING_BRACKET_RX.search(ln)
    if not m:
        return None
    inner = PLACE_REPORT_END_RX.sub("", m.group(1)).strip()
    a = by = _body_byline("（" + inner + "）") if inner else None
    if not a:
        parts = [p for p in NAME_SPLIT_RX.split(inner) if p]
        a = "、".join(parts) if parts and inner != m.group(1).strip() else None
    return a if a and (person_like(a) or (a == by and split_names(a, ")"))) else None


_ACCOUNT_JUNK = re.compile(r"(?:" + alternation(ACCOUNT_NOT_NAME) + r")\s*[:：]?")


_LABELLED_VALUE = re.compile(r"[\u4e00-\u9fff]\s*[:：]\s*\S")


def account_name(zone_lines: list[str], title: str | None) -> str | None:
    """AUTH-ACCOUNT: on a self-published post, the account named under the title:
    the first short line left once dates, `来源：`, `原创`, `关注`, `举报` and separators
    are removed (`2019-05-17 · 苏皖城市报道`, `来源: 松科说娱乐 举报`, `加拿大必读`)."""
    t = squash(title or "")
    for ln in zone_lines:
        if squash(ln) == t:
            continue
        if len(ln) > 60 or "。" in ln or "文章" in ln:
            break  # the text (or a link list) has begun: no account line above it
        v = ln
        pd = find_date(v)
        if pd is not None and pd.raw:
            v = v.replace(pd.raw, " ")
        v = re.sub(r"\d{1,4}[-/:：.]\d{1,2}(?:[-/:：.]\d{1,2})*", " ", v)
        if rules().label_not_name and _LABELLED_VALUE.search(_ACCOUNT_JUNK.sub(" ", v)):
            continue  # AUTH-NOT-NAME-LABEL: 发布于：北京市 is a labelled field, no account
        v = _ACCOUNT_JUNK.sub(" ", v)
        v = re.sub(r"[·•|｜/\\()（）\[\]【】\d:：]+", " ", v).strip()
        if not v or " " in v.strip() and len(v.split()) > 2:
            continue
        v = v.split()[0] if v.split() else v
        if 2 <= len(v) <= 20 and F.person(v) and _plausible_name(v):
            return v
    return None


def blog_owner(root) -> str | None:
    """AUTH-BLOG-OWNER: `X的博客` / `X的专栏` in the document title names the owner,
    and so does a hosted blog's title `X | blog.host`."""
    t = root.find(".//title")
    text = clean(raw_text(t)) or "" if t is not None else ""
    m = BLOG_OWNER_RX.search(text) or BLOG_TITLE_RX.match(text)
    return m.group(1) if m and F.person(m.group(1)) else None


def page_type_of(root, title, url=None) -> str:
    t = root.find(".//title")
    return F.page_kind_of_text(_text_outside_links(root), title, url, clean(raw_text(t)) if t is not None else None)


def _text_outside_links(root) -> str:
    """The page's text outside <a> (and script/style): what the page says of itself."""
    body = root.find("body")
    if body is None:
        return ""
    out = []
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style"):
            continue
        in_link = any(a.tag == "a" for a in el.iterancestors())
        if el.text and el.tag != "a" and not in_link:
            out.append(el.text)
        if el.tail and not in_link:
            out.append(el.tail)
    return "".join(out)


def _title_like(ln: str) -> bool:
    return 4 <= len(ln) <= 60 and not parse_labelled(ln) and find_date(ln) is None \
        and not _CRUMB_LIKE.search(ln) and ln[-1] not in "。；;，,：:"


_CRUMB_LIKE = re.compile(r"当前位置|您的位置|>|»|首页")


def _title_before_info(lines, b0) -> int | None:
    """Index of the short line just above the info line (发布日期：… / 来源：…) nearest
    the body: the title of pages whose <title> is only the site name."""
    for k in range(min(b0 + 6, len(lines)) - 1, max(0, b0 - 12) - 1, -1):
        ln = lines[k]
        if len(ln) < 160 and (_line_date(ln) is not None or len(parse_labelled(ln)) >= 2):
            for j in (k - 1, k - 2):
                if j >= 0 and 4 <= len(lines[j]) <= 60 and not parse_labelled(lines[j]) \
                        and find_date(lines[j]) is None:
                    return j
            return None
    return None


def _in_title_suffix(root, name: str) -> bool:
    """meta author "网易" on a page titled "…_网易新闻" is the site, not a person."""
    t = root.find(".//title")
    parts = re.split(r"\s*[_|｜-]\s*", clean(raw_text(t)) or "") if t is not None else []
    return any(name in p for p in parts[1:])


_SOURCE_JUNK = re.compile(r"\s+(?:举报|分享|打印|收藏|评论|关闭|纠错|字号|订阅).*$")


def _first_token(v):
    if not v:
        return v
    return _SOURCE_JUNK.sub("", re.split(r"\s{2,}|[|｜]", v.strip())[0])
