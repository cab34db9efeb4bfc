"""The extractor's rule choices: which named patterns are on, and its thresholds.

Every choice here is estimated, not fitted: ``benchmarks/eval_extract.py --cv`` picks
the best setting of ``GRID`` on the training folds of the labelled pages and scores it
on the held-out fold; ``DEFAULT`` is what the extractor uses.  Patterns are described
in docs/extraction-patterns.md under the names used here.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Rules:
    # PUB-VISIBLE: a date printed next to the title wins over a meta date when they
    # disagree (metas are often in another time zone, or the update time)
    visible_date_first: bool = True
    # AUTH-PLAIN-EDITOR: a page with no writer but a plain 编辑：X names X as author
    plain_editor_author: bool = True
    # AUTH-META: <meta name=author> when the page shows no byline
    meta_author: bool = True
    # AUTH-BODY-BYLINE: 本报记者 X / 文/X / （记者 X） in the first or last body lines
    body_byline: bool = True
    # lines under the title searched for the info line (date, source, author)
    info_zone: int = 16
    # BODY-NEAR-TITLE: score factor of a text block that starts just after the title
    title_boost: float = 1.5
    # the body's first lines searched for a byline (AUTH-BODY-BYLINE)
    byline_lines: int = 8
    # AUTH-TRAILING-CREDIT: （张巨峰） / （德清县发改局） closing the last paragraph
    trailing_credit: bool = True
    # AUTH-ACCOUNT: a self-published post with no writer named: the account under the title
    account_author: bool = True
    # AUTH-ISSUER: a notice with no writer named: the office before 关于 in its title
    notice_issuer: bool = True
    # PUB-SHORT-YEAR: 发布时间：18-03-08 23:16 (two-digit year after a date label)
    short_year: bool = True
    # AUTH-PHOTO: X/摄 as the author only when nothing else names anyone (a photo
    # story; CWCED labels its photographer so).  Beside a writer, X 摄 is never the author
    photo_author: bool = True
    # AUTH-MARKUP: an element marked as the author (itemprop=author, class="author")
    markup_author: bool = True
    # AUTH-JSONLD: the JSON-LD author.name when no byline is printed
    jsonld_author: bool = True
    # PUB-JSONLD / PUB-TIME-TAG: JSON-LD datePublished, <time datetime> after the metas
    jsonld_date: bool = True
    # AUTH-TRAILING-BYLINE: （记者 胡某）/ （总台记者 X）/ （姚某 上海报道） closing the last paragraph
    trailing_byline: bool = True
    # AUTH-LABELLED-ANYWHERE: 作者：X in a short line anywhere (a forum post header) as the last resort
    labelled_anywhere: bool = True
    # AUTH-ROW-NAME: an unlabelled name leading the info row before 来源： ([ 黄某 ] 来源：…)
    row_name: bool = True
    # AUTH-SOURCE-PERSON: 来源：X where X is a person's name, not a medium: the writer
    # (off: a two-character source 商讯 looks like a name as much as 尹某 does)
    source_person: bool = False
    # AUTH-NAME-UNDER-HEADING: a line that is only a person's name right under the
    # heading, or an account name with its 关注 (follow) button beside it
    name_under_heading: bool = True

    # PUB-DATE-LINE: a line that is only a date just above the body, when nothing is labelled
    date_line: bool = True
    # PUB-ISSUE: ——《刊名》1998年3月号 closing the text: the issue's month
    issue_date: bool = True
    # BODY-SIBLING-RUN: loose paragraphs beside the best one in a layout cell join it
    sibling_run: bool = True
    # BODY-SCRIPT-REVEALED: a visibility:hidden block holding most of the body's text is
    # the article a script reveals (WeChat's js_content), not hidden furniture
    script_revealed: bool = True
    # AUTH-META-EDITOR: a <meta name=author> / marked author naming the page's credited
    # editor is the CMS's editor account, not the writer
    meta_editor_guard: bool = True
    # AUTH-DATELINE-CREDIT: 新华社北京5月19日电（刘某、杨某）: names in brackets right after
    # a dateline credit the writers even without 记者
    dateline_credit: bool = True
    # AUTH-NOT-NAME-LABEL: a labelled value (发布于：北京市) or a button word (关注) is
    # never an account's or a marked author's name
    label_not_name: bool = True
    # BODY-ARTICLE-ELEMENT: a page with one <article> element holding text says where
    # its article is: the body is looked for inside it
    article_scope: bool = True
    # PUB-NOT-OTHER: a date in a line about another article (最新推荐文章于 … 发布) is not
    # this page's
    other_article_date: bool = True
    # AUTH-PADDED-NAME: 本报记者 王某某 方 某: two single characters in a names list are
    # one two-character name spaced to the width of three
    padded_name: bool = True
    # PUB-REFINE-PAGE: a day-precision date (a meta) takes its time from a short line of
    # the page printing the same day with a time (发稿时间：2024-05-20 13:15:00)
    refine_from_page: bool = True
    # AUTH-SPLIT-NAMES: （记者戴某、印某）: 2+ names split by 、/spaces closing the bracket
    # after a reporter word are people without the surname check
    split_names: bool = True
    # AUTH-MEDIUM-DEFERS: a labelled author that is a medium's name (作者：新京报) yields
    # to people credited in the text's first or last lines
    medium_defers: bool = True
    # AUTH-COMMENTATOR: 文丨某某特约评论员 X / 本报评论员 X: a commentary's writer
    commentator_byline: bool = True
    # AUTH-TEMPLATE-BYLINE: a template page crediting only an editor has its text's byline read
    template_byline: bool = True
    # AUTH-POSTED-ON: NAME 于 2023-03-12 13:08:03 发布 under the title names the poster
    posted_on: bool = True
    # AUTH-ACCOUNT-BOX: on a platform post, the box nearest the title marked as the
    # account (class name/nick/media/author) names the poster, before AUTH-MARKUP
    account_box: bool = True
    # AUTH-TITLED-NAME: 作者：某中心研究部部长、研究员徐某某 (posts, then the name last)
    titled_name: bool = True
    # BODY-TEXT-END: the lines before the text's end (a disclaimer, a related list)
    # are the text's last lines for trailing credits, not only the container's last
    text_end_tail: bool = True
    # AUTH-MARKUP-VISIBLE: a box marked author inside a display:none block (hidden SEO
    # copies of a sidebar) is not shown to the reader and names nobody
    markup_visible: bool = True
    # PUB-EN-MONTH: September 10th, 2005 10:56 am / 10 Sep 2005 found in a line
    en_month: bool = True
    # LABEL-TRADITIONAL: label words in traditional characters (記者, 來源, 報導) read as
    # their simplified form
    traditional_labels: bool = True
    # AUTH-SLASH-REPORT: 记者X／台北报道, X／华盛顿4日电, 【X╱综合外电报道】
    slash_report: bool = True
    # AUTH-WIRE-GLUED: （中央社记者X某某台南4日电）: a 3-character name glued to the place
    wire_glued: bool = True
    # BODY-POST-FOOTER, notes and comment headings: （本文发表于…已被阅读N次）, X的评论,
    # 12条评论, 引用通告 end a blog post's text
    post_note: bool = True
    # AUTH-AUTHOR-CARD: a platform post's user card before the body (sohu's user-info)
    author_card: bool = True
    # AUTH-PROFILE-HEADING: the name beside a 作者简介 / 个人资料 / 博主资料 card heading
    profile_heading: bool = True
    # AUTH-HEAD-AFTER-TITLE: when the text block holds the title, the text's first lines
    # (read for a byline) are the lines after the title, not the block's first
    head_after_title: bool = True
    # AUTH-DATED-SLASH-REPORT: 2019-03-18 23:59聯合報 記者X／桃園機場報導: a slash byline
    # after the info row's leading date
    dated_slash_report: bool = True
    # AUTH-LEAD-CREDIT: a long line opening with a credit in brackets (【X╱台北報導】女子…)
    # has the bracket read as a byline
    lead_credit: bool = True
    # AUTH-NAME-AFFILIATION: 作者：方某北京大学经济学院教授: the name before the place its
    # glued affiliation starts with
    affiliated_name: bool = True
    # AUTH-EDITOR-DEFERS: 作者：X 责任编辑：X in the info row yields to a writer credited
    # in the text's first or last lines
    editor_defers: bool = True
    # LABEL-BAR: 责编|X / 来源丨X opening a line: a label with a bar for its colon
    bar_label: bool = True
    # EDITOR-IN-TEXT: a short credits-only line anywhere in the text block names the editor
    editor_in_text: bool = True
    # PUB-AM-PM: 2014.12.13 01:06 pm: a 12-hour clock after a numeric date
    numeric_ampm: bool = True


DEFAULT = Rules()

# The choices cross-validation selects from (benchmarks/eval_extract.py).
GRID = {
    "visible_date_first": (True, False),
    "plain_editor_author": (True, False),
    "meta_author": (True, False),
    "body_byline": (True, False),
    "info_zone": (8, 16),
    "title_boost": (1.0, 1.5, 2.0),
    "byline_lines": (4, 8),
    "trailing_credit": (True, False),
    "account_author": (True, False),
    "notice_issuer": (True, False),
    "short_year": (True, False),
    "photo_author": (True, False),
    "markup_author": (True, False),
    "jsonld_author": (True, False),
    "jsonld_date": (True, False),
    "trailing_byline": (True, False),
    "labelled_anywhere": (True, False),
    "row_name": (True, False),
    "source_person": (True, False),
    "name_under_heading": (True, False),
    "date_line": (True, False),
    "issue_date": (True, False),
    "sibling_run": (True, False),
    "script_revealed": (True, False),
    "meta_editor_guard": (True, False),
    "dateline_credit": (True, False),
    "label_not_name": (True, False),
    "article_scope": (True, False),
    "other_article_date": (True, False),
    "padded_name": (True, False),
    "refine_from_page": (True, False),
    "split_names": (True, False),
    "medium_defers": (True, False),
    "commentator_byline": (True, False),
    "template_byline": (True, False),
    "posted_on": (True, False),
    "account_box": (True, False),
    "titled_name": (True, False),
    "text_end_tail": (True, False),
    "markup_visible": (True, False),
    "en_month": (True, False),
    "traditional_labels": (True, False),
    "slash_report": (True, False),
    "wire_glued": (True, False),
    "post_note": (True, False),
    "author_card": (True, False),
    "profile_heading": (True, False),
    "head_after_title": (True, False),
    "dated_slash_report": (True, False),
    "lead_credit": (True, False),
    "affiliated_name": (True, False),
    "editor_defers": (True, False),
    "bar_label": (True, False),
    "editor_in_text": (True, False),
    "numeric_ampm": (True, False),
}

_current = [DEFAULT]


def current() -> Rules:
    return _current[-1]


@contextmanager
def use_rules(rules: Rules | None = None, **changes):
    """Extract with other rule choices inside the block (the evaluation harness)."""
    r = replace(rules or current(), **changes)
    _current.append(r)
    try:
        yield r
    finally:
        _current.pop()


def describe(r: Rules) -> str:
    return " ".join(f"{f.name}={getattr(r, f.name)}" for f in fields(r)
                    if getattr(r, f.name) != getattr(DEFAULT, f.name)) or "default"
