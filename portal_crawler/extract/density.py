"""Body detection by text density, in the spirit of readability/GNE.

Every element's own inline text scores by length and punctuation; the score flows to
the parent and (half) the grandparent; the best container, weighted by its non-link
text share, wins and is then widened over sibling text (tables, split articles).
Link lists, share bars and furniture lines are left out of its paragraphs.
"""
from __future__ import annotations

import re

from lxml import etree

from portal_crawler.extract.dom import parse_labelled
from portal_crawler.extract.credits import credit_row
from portal_crawler.extract.labels import INFO_START_RX, WRAPPED_LINE_RX, simplified_labels
from portal_crawler.extract.rules import current as rules
from portal_crawler.extract.text import BLOCK, SKIP, paragraphs, squash
from portal_crawler.extract.dates import YEAR

_PUNCT = re.compile(r"[，。！？；：、,.!?;:“”「」]")
_NEG = re.compile(r"comment|footer|foot|sidebar|side|nav|menu|related|relate|share|copyright|"
                  r"banner|advert|\bad\b|ads|login|recommend|hot|rank|links|friend|bottom|"
                  r"header|top|pager|pages|tool|print|search|breadcrumb|crumb|position", re.I)
_POS = re.compile(r"article|content|body|text|main|zoom|detail|TRS_|con_|news_txt|story|"
                  r"entry|post|artibody|endtext|cont", re.I)
_INLINE_OK = frozenset("a b strong i em u font span small big sub sup strike s label abbr "
                       "code cite q mark ins del img".split())
# lines that are page furniture, not article text
_NOISE_LINE = re.compile(
    r"^(?:[【\[]?\s*(?:打印|关闭|关闭窗口|打印本页|返回顶部|收藏|分享到?|字号|大|中|小|"
    r"返回|顶部|推荐|评论)\s*[】\]]?\s*)+$|^(?:上一篇|下一篇|上一条|下一条)\s*[:：]|"
    r"^(?:分享到|相关(?:新闻|阅读|文章|链接)|热点推荐|延伸阅读)|版权所有|Copyright|©")

def class_id(el) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


# Per-element statistics are plain lists (cheaper than objects at thousands of nodes):
# non-whitespace text length, link text length, descendant tags, score, paragraphs.
T, L, G, S, P = range(5)


def _own_inline(el) -> str:
    """Direct text of el plus its inline (non-link, non-block) descendants' text.
    Iterative: inline tags may nest thousands deep (DEEP-NESTING)."""
    out = [el.text or ""]
    stack = [(iter(el), None)]  # (children left, element whose tail follows them)
    while stack:
        ch = next(stack[-1][0], None)
        if ch is None:
            _, done = stack.pop()
            if done is not None:
                out.append(done.tail or "")
            continue
        tag = ch.tag if isinstance(ch.tag, str) else ""
        if tag in _INLINE_OK and tag != "a":
            out.append(ch.text or "")
            if len(ch):
                stack.append((iter(ch), ch))
                continue
        out.append(ch.tail or "")
    return "".join(out)


def _collect(root):
    """Stats for all elements of the body, children before parents."""
    stats: dict = {}
    body = root.find("body")
    if body is None:
        body = root
    elems = []
    stack: list = []
    # one C-level walk; stripped length stands in for non-whitespace length (a regex
    # per node is too slow here).  libxml2's HTML parser lower-cases tag names.
    walker = etree.iterwalk(body, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):
            if event == "start":
                walker.skip_subtree()
            continue
        if event == "start":
            st = [0, 0, 0, 0.0, 0]
            stats[el] = st
            elems.append(el)
            if tag in SKIP:
                walker.skip_subtree()
            elif el.text:
                st[T] = len(el.text.strip())
            stack.append(st)
            continue
        st = stack.pop()
        if tag in SKIP:
            st[T] = 0
        elif tag == "a":
            st[L] = st[T]
        if stack:
            ps = stack[-1]
            ps[T] += st[T] + (len(el.tail.strip()) if el.tail else 0)
            ps[L] += st[L]
            ps[G] += st[G] + 1
    for el in elems:
        tag = el.tag
        if tag in SKIP or tag == "a" or tag in _INLINE_OK:
            continue
        st = stats[el]
        if st[T] - st[L] < 8:
            continue
        txt = squash(_own_inline(el))
        if len(txt) < 8:
            continue
        s = 1.0 + len(_PUNCT.findall(txt)) + min(len(txt) / 40.0, 6.0)
        stats[el][S] += s
        stats[el][P] += 1
        p = el.getparent()
        if p is not None and p in stats:
            stats[p][S] += s
            g = p.getparent()
            if g is not None and g in stats:
                stats[g][S] += s / 2
    return stats, elems


def find_body(root, title_el=None):
    """Best body container element, or None.  Blocks just after the title are
    preferred: a short article must beat a longer blog teaser in the sidebar."""
    stats, elems = _collect(root)
    boost = rules().title_boost
    best, best_score = None, 0.0
    order = {el: i for i, el in enumerate(elems)} if title_el is not None else None
    t_at = order.get(title_el) if order else None
    within = _only_article(root, stats) if rules().article_scope else None
    for el in elems:
        st = stats[el]
        if st[S] <= 0 or st[T] == 0 or el.tag in ("a", "body", "html"):
            continue
        if within is not None and el not in within:
            continue
        ld = st[L] / st[T]
        sc = st[S] * (1.0 - ld) ** 2
        c = class_id(el)
        if _POS.search(c):
            sc *= 1.3
        if _NEG.search(c) and not _POS.search(c):
            sc *= 0.6
        if t_at is not None:
            at = order[el]
            if t_at < at <= t_at + 150:
                sc *= boost
            elif at + st[G] < t_at:  # ends before the title starts
                sc *= 0.7
        if sc > best_score:
            best, best_score = el, sc
    return _expand(best, stats), stats


def _only_article(root, stats) -> set | None:
    """BODY-ARTICLE-ELEMENT: the elements of the page's one <article> (itself included)
    when there is exactly one and it holds some text of its own (not links); None
    otherwise (no <article>, or a list of teasers each marked <article>)."""
    arts = [a for a in root.iter("article")]
    if len(arts) != 1 or arts[0] not in stats:
        return None
    st = stats[arts[0]]
    if st[T] - st[L] < 20:
        return None
    return set(arts[0].iter())


def _expand(el, stats):
    """Climb to the parent while what the parent adds is text, not links
    (tables and second halves of an article split across sibling blocks)."""
    while el is not None:
        p = el.getparent()
        if p is None or p.tag in ("body", "html") or p not in stats:
            break
        st, ps = stats[el], stats[p]
        added, added_links = ps[T] - st[T], ps[L] - st[L]
        if added <= 0:
            el = p
            continue
        # GNE-style text density of the added part: a calendar or a widget grid has
        # a character or two per tag, a data table a few more
        density = (added - added_links) / max(1, ps[G] - st[G])
        if added_links / added > 0.15 or added > 3 * st[T] or density < 3:
            if rules().sibling_run:
                return _sibling_run(el, stats)
            break
        el = p
    return el


_RUN_TAGS = frozenset("p div font span center b strong blockquote".split())


def _sibling_run(el, stats):
    """BODY-SIBLING-RUN: a paragraph left loose in a layout cell with its article's other
    paragraphs beside it (unclosed `<p>`s in a `<td>` that also holds the title, the
    related links and a headline list): the contiguous run of text siblings around
    ``el`` (link share ≤ 15 %, images and breaks allowed) is wrapped in one element and
    becomes the body, when it holds at least 1.5 times ``el``'s text."""
    parent = el.getparent()
    if el.tag != "p" or parent is None:
        return el

    def text_sibling(s) -> bool:
        if not isinstance(s.tag, str):
            return False
        if s.tag in ("br", "img"):
            return True
        st = stats.get(s)
        return s.tag in _RUN_TAGS and st is not None and (st[T] == 0 or st[L] <= 0.15 * st[T])

    sibs = list(parent)
    i = sibs.index(el)
    lo, hi = i, i
    while lo > 0 and text_sibling(sibs[lo - 1]):
        lo -= 1
    while hi + 1 < len(sibs) and text_sibling(sibs[hi + 1]):
        hi += 1
    run = sibs[lo:hi + 1]
    total = sum(stats[s][T] - stats[s][L] for s in run if s in stats)
    if total < 1.5 * (stats[el][T] - stats[el][L]):
        return el
    wrap = etree.Element("div")
    parent.insert(lo, wrap)
    for s in run:
        wrap.append(s)  # moves the element with its tail text
    stats[wrap] = [sum(stats[s][k] for s in run if s in stats) for k in (T, L, G)] + [0.0, 0]
    return wrap


def _noise_subtrees(el, stats) -> set:
    """Descendants to leave out: link lists, share bars, forms, hidden blocks."""
    drop = set()
    for d in el.iterdescendants():
        if not isinstance(d.tag, str) or d in drop:
            continue
        tag = d.tag.lower()
        st = stats.get(d)
        if tag in ("select", "input", "button", "textarea", "nav", "aside", "footer") or \
                (tag == "form" and (st is None or st[T] - st[L] < 200)):
            drop.add(d)  # a form around the whole article (ASP.NET, JCMS) stays
            continue
        style = (d.get("style") or "").replace(" ", "").lower()
        if "display:none" in style or "visibility:hidden" in style:
            if not (rules().script_revealed and "visibility:hidden" in style and _holds_most(d, el, stats)):
                drop.add(d)
                continue
        if tag in BLOCK and st is not None and st[T] > 0:
            ld = st[L] / st[T]
            if (ld > 0.6 and (st[T] < 400 or ld > 0.8)) or (ld > 0.35 and _links(d) >= 3):
                drop.add(d)
                continue
            c = class_id(d)
            if c.strip() and _NEG.search(c) and not _POS.search(c) and st[S] < 20:
                drop.add(d)
    return drop


def _holds_most(d, el, stats) -> bool:
    """BODY-SCRIPT-REVEALED: ``d`` holds at least half of ``el``'s non-link text.  A
    page that hides its article with visibility:hidden until a script has laid it out
    (WeChat's js_content) still holds it; hidden furniture is a small part of a body."""
    sd, se = stats.get(d), stats.get(el)
    return sd is not None and se is not None and (sd[T] - sd[L]) >= 0.5 * max(1, se[T] - se[L])


def _links(el) -> int:
    return sum(1 for _ in el.iter("a"))


def body_paragraphs(el, stats) -> list[str]:
    drop = _noise_subtrees(el, stats)
    # credit lines (LABEL-WRAPPED, EDITOR-LINE) are metadata, never body text
    return [p for p in paragraphs(el, drop=drop) if not _credit_or_noise(simplified_labels(p))]


def _credit_or_noise(p: str) -> bool:
    return bool(_NOISE_LINE.search(p)) or bool(WRAPPED_LINE_RX.match(p)) or credit_row(p) is not None


def is_info_line(p: str) -> bool:
    """A short line made of labels (来源：… 时间：…) is metadata, not text."""
    if len(p) > 120:
        return False
    lab = parse_labelled(p)
    # BODY-QA: 记者：你们的市场在哪？ is an interview's question, not a credit: one
    # labelled value that is a sentence stays text
    if len(lab) == 1 and len(v := next(iter(lab.values()))) > 12 and _SENTENCE.search(v):
        return False
    if len(lab) >= 2 or (len(lab) == 1 and len(p) < 40 and "published" in lab):
        return True
    # "来源：南方都市报", "2005-04-27 14:32更新 来源：千龙新闻网"
    return bool(lab) and len(p) < 50 and (_LABEL_START.match(p) is not None or
                                           _DATE_START.match(p) is not None)


_LABEL_START = INFO_START_RX
_SENTENCE = re.compile(r"[，。？！?!；]")
_DATE_START = re.compile(r"^[\[【(（]?\s*" + YEAR + r"[-/.年]")
_CUT_AT = re.compile(r"^[【\[]?\s*(?:相关(?:报道|新闻|链接|阅读|文章|专题|资讯)|延伸阅读|热门评论|最新评论|"
                     r"网友评论|更多评论|我要评论|评论|发表评论|评论列表|全部评论|读者评论|网友留言|热点推荐|热门推荐|推荐阅读|相关推荐|猜你喜欢|精彩推荐|今日推荐)\s*[】\]]?\s*[:：]?\s*$")


# BODY-END-NOTICE: a platform's or site's disclaimer closes the article
# (免责声明：…, 特别声明：以上内容…, 声明：本文…); what follows is the page's furniture
_NOTICE_AT = re.compile(r"^[【\[（(]?\s*(?:免责声明|特别声明|版权声明|郑重声明|平台声明|声明)\s*[:：】\]）)]")
# BODY-PROMO: an app/download promotion line at either end of the text
_PROMO = re.compile(r"(?:客户端|APP|App|app).{0,30}(?:下载|接收|领取|获得)|【下载地址】|下载客户端")


# BODY-POST-FOOTER: a blog/forum post's footer (发表于 2004年12月27日 12:40 - (阅读:…;评论:…)):
# the post ends there, its comments follow
_POST_FOOTER = re.compile(r"^(?:[|｜]\s*)?(?:发表于|发布于|posted\s+(?:on|at|@)?)\s*[:：]?\s*(?:" + YEAR
                          + r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec))", re.I)
# BODY-POST-FOOTER: a blog's note under the post (（本文发表于首页批评与建议, 已被阅读178次）) and a
# comments heading (X的评论, 12条评论, 评论（12）, 引用通告 / Trackback): the post ends there
_POST_NOTE = re.compile(r"^[（(]?\s*本文(?:发表|发布)于|^(?:本文)?(?:引用通告|通告引用)|^Trackback", re.I)
_COMMENTS_HEAD = re.compile(r"^(?:\S{1,20}的评论|\d+\s*条评论|(?:网友)?评论\s*[（(]\d+[）)]|共有?\s*\d+\s*条评论)\s*[:：]?$")


def text_end(paras: list[str]) -> int:
    """Where the text ends: the index of a "相关报道：" / "热门评论" / "评论" heading or a
    disclaimer (BODY-END-NOTICE) found after the first third of the text, or of a post's
    footer (BODY-POST-FOOTER) after 80 characters of text; else len(paras)."""
    total = sum(len(p) for p in paras)
    seen = 0
    for i, p in enumerate(paras):
        # a post's footer ends it wherever it comes after some text: the comments
        # under a short post outweigh it
        if (seen > total / 3 and (_CUT_AT.match(p) or _NOTICE_AT.match(p))) \
                or (seen >= 80 and len(p) <= 80 and _POST_FOOTER.match(p)) \
                or (rules().post_note and seen >= 80 and len(p) <= 80 and (_POST_NOTE.match(p) or _COMMENTS_HEAD.match(p))):
            return i
        seen += len(p)
    return len(paras)


def cut_tail(paras: list[str]) -> list[str]:
    """The text up to its end (``text_end``); app promotions at either end dropped
    (BODY-PROMO)."""
    paras = paras[:text_end(paras)]
    while paras and len(paras) > 1 and len(paras[0]) <= 120 and _PROMO.search(paras[0]):
        paras = paras[1:]
    while paras and len(paras) > 1 and len(paras[-1]) <= 120 and _PROMO.search(paras[-1]):
        paras = paras[:-1]
    return paras
