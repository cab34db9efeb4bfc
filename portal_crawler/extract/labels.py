"""The label vocabulary of Chinese article pages: ONE definition, built from token
tuples (as trafilatura builds its regexes), used by byline.py, fields.py, dates.py,
density.py, template.py, generic.py and detect.py (page kinds).

A label names a field of the info line (`发布时间：2021-10-22 来源：哈尔滨日报 作者：王某`),
a body line (`【责任编辑：王某】`, `本报记者 王某 张某`, `文/王某`) or a breadcrumb.
Patterns built here are named in docs/extraction-patterns.md.
"""
from __future__ import annotations

import re

# --- field labels (token tuples; alternations are built longest first, so 责任编辑
# is never read as 编辑 and 发布时间 never as 时间) ----------------------------------
PUBLISHED = ("发布时间", "发布日期", "发表时间", "发表日期", "发稿时间", "发文日期", "发文时间",
             "成文日期", "更新时间", "更新日期", "上传时间", "录入时间", "添加时间", "刊发时间",
             "时间", "日期", "Date", "date")
# labels a date follows WITHOUT a colon ("发表于2014-08-24", "发布于 2021年…")
PUBLISHED_BARE = ("发表于", "发布于", "发布时间", "发布日期", "更新于", "posted on", "Posted on")
SOURCE = ("信息来源", "文章来源", "新闻来源", "稿件来源", "本文来源", "来源于", "来源", "稿源", "出处")
AUTHOR = ("作者", "撰稿人", "撰稿", "执笔人", "执笔", "采写", "记者", "文")
EDITOR = ("责任编辑", "责编", "编辑")
REVIEWER = ("审核", "审校", "终审", "审稿")
# labels that end a value but are not extracted
OTHER = ("点击数", "点击", "浏览次数", "浏览量", "浏览", "阅读次数", "阅读数", "阅读",
         "访问量", "访问次数", "人气", "字号", "字体", "发布者", "发布人", "发布机构",
         "供稿", "摄影", "通讯员", "校对", "签发", "分享到", "分享", "评论", "打印",
         "关闭", "收藏", "所属栏目", "栏目", "标签", "关键词", "编号", "索引号",
         "分类", "点赞", "责任单位",
         "最后更新时间", "最后更新", "最近更新时间", "最近更新")  # the update time is no publication date

FIELDS = {"published": PUBLISHED, "source": SOURCE, "author": AUTHOR, "editor": EDITOR,
          "reviewer": REVIEWER, "_other": OTHER}

# --- byline words ------------------------------------------------------------------------
# who wrote it, in the body's first/last lines: 本报记者 X / 新华社记者 X / 记者 X
REPORTER = ("本报记者", "本台记者", "本刊记者", "本网记者", "特约记者", "见习记者", "首席记者",
            "实习记者", "记者", "作者", "撰文", "执笔", "采写", "文")
# reporter words that take no separator before the name (记者裴剑飞); the others need
# one (作者：X, 作者 X), so "作者最新文章" (a link list's heading) names no one
GLUED_REPORTER = tuple(t for t in REPORTER if t.endswith("记者"))
# credits that follow the writer's names and are not the writer
NOT_WRITER = ("通讯员", "实习生", "摄影", "摄像", "图", "编辑", "责任编辑", "责编", "审核",
              "校对", "来源", "整理", "整合", "报道", "综合", "编译", "发自", "电", "摄")
# AUTH-TITLED-NAME: a writer's post printed before the name (作者：某大学教授张某)
WRITER_TITLES = ("首席经济学家", "经济学家", "研究员", "副研究员", "教授", "副教授", "讲师", "博士后",
                 "博士", "部长", "主任", "院长", "所长", "处长", "局长", "司长", "校长", "书记", "主席",
                 "董事长", "总经理", "总裁", "总监", "分析师", "律师", "理事长", "会长", "秘书长", "专家",
                 "学者")
# LABEL-TRADITIONAL: label words printed in traditional characters (Taiwan, Hong Kong,
# overseas portals) and their simplified form, same length each, so a line read through
# them keeps every other character (the names) where it was
TRADITIONAL_LABELS = {
    "責任編輯": "责任编辑", "本報記者": "本报记者", "特約記者": "特约记者", "實習記者": "实习记者",
    "發布時間": "发布时间", "發佈時間": "发布时间", "發表時間": "发表时间", "更新時間": "更新时间",
    "發布日期": "发布日期", "發佈日期": "发布日期", "新聞來源": "新闻来源", "文章來源": "文章来源",
    "記者": "记者", "編輯": "编辑", "責編": "责编", "來源": "来源", "時間": "时间", "報導": "报道",
    "報道": "报道", "攝影": "摄影", "專電": "专电", "綜合": "综合", "外電": "外电", "撰稿": "撰稿",
    "評論員": "评论员", "審核": "审核", "發表於": "发表于", "發布於": "发布于", "快訊": "快讯",
    "日電": "日电",
}
TRADITIONAL_RX = re.compile("|".join(sorted(TRADITIONAL_LABELS, key=len, reverse=True)))


def simplified_labels(ln: str) -> str:
    """LABEL-TRADITIONAL: the line with its traditional label words (記者, 來源, 報導…)
    in simplified form; the same length, every other character (a name) unchanged."""
    from portal_crawler.extract.rules import current
    if not current().traditional_labels:
        return ln
    return TRADITIONAL_RX.sub(lambda m: TRADITIONAL_LABELS[m.group(0)], ln)

# field values that mean "nothing"
PLACEHOLDERS = (".", "-", "--", "—", "…", "...", "/", "无", "未知", "佚名", "秩名",
                "admin", "none", "null")
# ... and, for a person, values that name no one (来源：本站 is a source, 作者：本站 no one)
NOT_A_PERSON = PLACEHOLDERS + ("匿名", "网络", "网络整理", "本站", "管理员", "小编", "综合",
                               # a link list's heading read after its role word (该作者文章, 作者简介)
                               "文章", "简介", "主页", "专栏", "更多", "最新文章", "其他文章", "更多文章",
                               # AUTH-NOT-NAME: a document's section headings (a journal's
                               # 目录 under its issue title read as a names line)
                               "目录", "摘要", "前言", "引言", "导读", "编者按", "正文", "全文", "附件")

# --- breadcrumbs -------------------------------------------------------------------------
CRUMB_LABELS = ("您现在的位置", "你现在的位置", "您当前的位置", "您的当前位置", "当前位置",
                "您的位置", "你的位置", "所在位置", "位置")
# last crumbs that name the page, not its channel (网易首页 > 财经频道 > 正文)
CRUMB_NOT_CHANNEL = ("正文", "详情", "详细", "内容", "文章", "阅读", "正文内容", "文章内容",
                     "详细内容", "内容详情", "新闻详情", "文章详情", "信息详情", "查看", "浏览")

# --- error messages: read only on short pages with no dense text block (ERROR-PAGE in
# detect.py), never in a title --------------------------------------------------------
ERROR_MESSAGES = ("Request Error", "404 Not Found", "Not Found", "页面不存在", "页面没有找到",
                  "找不到该页面", "找不到此页面", "找不到页面", "您访问的页面", "文档不存在", "已被删除",
                  "无法找到", "Error 404", "系统繁忙", "服务器错误", "访问出错", "出错了")

# --- brackets a label may be wrapped in: 【责任编辑：X】 [编辑:X] （来源：X） ---------------
OPEN = "【[（(〔［"
CLOSE = "】]）)〕］"

COLON = r"\s*[:：]\s*"


def alternation(*tokens: tuple[str, ...] | str) -> str:
    """A regex alternation of the tokens, longest first (no capture)."""
    flat: set[str] = set()
    for t in tokens:
        flat.update((t,) if isinstance(t, str) else t)
    return "(?:" + "|".join(re.escape(t) for t in sorted(flat, key=lambda s: (-len(s), s))) + ")"


def _field_regex():
    pairs = sorted(((lab, f) for f, labs in FIELDS.items() for lab in labs), key=lambda p: -len(p[0]))
    alt = "|".join(re.escape(lab) for lab, _ in pairs)
    # a colon is required (文 may also take "文/"); 工作者： / 合作者： are not author labels
    return (re.compile(r"(?<![工合])(" + alt + r")\s*(?:[:：]|(?<=文)\s*/)\s*"),
            {lab: f for lab, f in pairs})


# LABEL-FIELD: `LABEL：value` for every field; a value runs to the next label
FIELD_RX, FIELD_OF = _field_regex()
# LABEL-BAR: a line opening with a label and a bar instead of a colon (责编|X, 来源丨X)
BAR_LABEL_RX = re.compile(r"^\s*(" + alternation(tuple(FIELD_OF)) + r")\s*[|｜丨]\s*(?=\S)")
# PUB-LABEL: a date label, with a colon, or one of the bare ones (发表于2014-08-24)
# (never the update time: 最后更新时间：… / 最近更新：…)
DATE_LABEL_RX = re.compile(r"(?<!最后)(?<!最近)(?:" + alternation(PUBLISHED) + COLON + r"|" +
                           alternation(PUBLISHED_BARE) + r"\s*[:：]?\s*)")
# an info line starts with a label (来源：… / 发布日期：…), after at most 4 characters
INFO_START_RX = re.compile(r"^\S{0,4}" + alternation(SOURCE, AUTHOR, EDITOR, REVIEWER,
                                                     PUBLISHED, ("发布",)) + COLON)
# LABEL-WRAPPED: a whole line that is one credit in brackets or bare:
# 【责任编辑：王某】 [编辑:王某] （来源：新华社） 责编：王某 (责任编辑:王芳 审核:刘继伟)
WRAPPED_LINE_RX = re.compile(
    r"^[" + re.escape(OPEN) + r"]?\s*" + alternation(EDITOR, REVIEWER, SOURCE, ("校对", "签发"))
    + COLON + r"[^" + re.escape(OPEN + CLOSE) + r"，。！？；]{0,40}[" + re.escape(CLOSE) + r"]?$")
# a label word that ends a name (王某 责任编辑：… / 王某 通讯员 …)
NAME_END_RX = re.compile(r"\s*" + alternation(EDITOR, REVIEWER, SOURCE, NOT_WRITER,
                                               ("时间", "日期", "发布")))
# a value of an author label stops at punctuation or a wide gap
AUTHOR_CUT_RX = re.compile(r"[：:，,（(）)】|｜;；【\[\]]|\s{3,}")
CRUMB_LABEL_RX = re.compile(r"^.*?" + alternation(CRUMB_LABELS) + r"\s*[:：]?\s*")

_CJK = r"[\u4e00-\u9fff·]"
# a name is 2-5 CJK characters that are not a credit word (通讯员, 摄影, 报道…)
_NAME = r"(?!" + alternation(NOT_WRITER, REPORTER) + r")" + _CJK + r"{2,5}"
_NAME = r"(?!" + alternation(NOT_WRITER, REPORTER) + r")" + _CJK + r"{2,5}?"
# names are split by 、, a space or & (执笔/王某、张某&李某)
NAMES = _NAME + r"(?:(?:\s*[、&＆]\s*|\s+)" + _NAME + r"){0,4}"
# a name ends at a space, the line's end, a closing bracket or a credit word; never at
# a comma (记者了解到，… is a sentence)
_NAME_END = r"(?=\s|$|[" + re.escape(CLOSE) + r"]|" + alternation(NOT_WRITER) + r")"
# AUTH-BODY-BYLINE: 本报记者 王某 张某 / 记者 X 通讯员 Y / （记者 X） / 文/X / 作者：X,
# 文/图 X, 文·图/X, at the start of a line, after an opening bracket, a dateline's
# 讯/电, a medium's name (新华社记者, 澎湃新闻记者, 中新网记者) or a 《medium》 (《棱镜》作者 X)
_SEP_REPORTER = tuple(t for t in REPORTER if t != "文" and t not in GLUED_REPORTER)
BODY_BYLINE_RX = re.compile(
    r"(?:(?:^|(?<=[\s|｜" + re.escape(OPEN) + r"讯电社网报台闻刊》]))(?:"
    + alternation(GLUED_REPORTER) + r"\s*[:：/|｜丨︱]?\s*"
    + r"|" + alternation(_SEP_REPORTER) + r"(?:\s*[:：/|｜丨︱]\s*|\s+)"
    + r"|文\s*(?:[/／·・]\s*图\s*)?[/／:：|｜丨︱]\s*|文\s*[/／]\s*图\s+)"
    # mid-line, after a space or a bar, 作者 may be glued to the name (…| 作者魏星)
    + r"|(?<=[\s|｜])" + alternation(_SEP_REPORTER) + r")(" + NAMES + r")" + _NAME_END)
NAME_SPLIT_RX = re.compile(r"\s*[、，,&＆]\s*|\s+")
# AUTH-PLAIN-EDITOR: 编辑：X where no 责任 comes before it
PLAIN_EDITOR_RX = re.compile(r"(?<!责任)(?<!责)(?<!网络)编辑" + COLON + r"(" + _CJK + r"{2,4})(?!" + _CJK + ")")

# --- page kinds (KIND-* in docs/extraction-patterns.md) ----------------------------------
# KIND-REPRINT: the page says it compiles or republishes others' text
REPRINT_MARKERS = ("自媒体综合", "综合整理自", "整理自", "转载自", "本文转自", "原文链接", "网络整理")
# KIND-PLATFORM: a self-published post on a platform account (text outside links)
PLATFORM_MARKERS = ("自媒体", "网易号", "百家号", "头条号", "企鹅号", "澎湃号", "大风号", "搜狐号",
                    "一点号", "作者最新文章", "关注该公众号", "赞赏作者",
                    # KIND-PLATFORM-NOTICE: the platform's notice that a user posted the
                    # text and it only hosts it (the 信息存储空间 safe harbour of UGC hosts)
                    "平台创作者", "创作者平台", "用户上传并发布", "仅提供信息存储")
# ... or the platform's host
PLATFORM_HOSTS = ("baijiahao.baidu.com", "mp.weixin.qq.com", "toutiao.com", "dy.163.com",
                  "mp.sohu.com", "new.qq.com/omn", "thepaper.cn/newsDetail_forward", "blog.")
# AUTH-BLOG-OWNER / KIND-PLATFORM: "X的博客" in the title or the header names the blog's owner
BLOG_OWNER_RX = re.compile(r"([^\s_|｜\-—:：]{2,20}?)的(?:博客|博文|个人空间|个人主页|专栏)")
# AUTH-BLOG-OWNER / KIND-PLATFORM: a hosted blog's document title "OWNER | blog.host"
BLOG_TITLE_RX = re.compile(r"^\s*([^\s|｜_]{2,20})\s*[|｜_-]+\s*blog\.[a-z0-9.-]+\.[a-z]{2,}\s*$", re.I)
# KIND-FORUM: a thread (the author is the poster)
FORUM_MARKERS = ("楼主", "只看该作者", "只看楼主", "回复本楼", "主题帖", "板凳")
# KIND-NOTICE: a document issued by an office (title form; the issuer before 关于)
NOTICE_TITLE_RX = re.compile(r"(?:关于.{2,80}的(?:通知|决议|决定|公告|通告|意见|批复|办法|通报|报告|函)"
                             r"|(?:法|条例|规定|办法|实施细则|公告|通告)(?:（[^）]*）)?)$")
OFFICE_SUFFIX = ("常务委员会", "委员会", "人民政府", "政府", "办公厅", "办公室", "党支部", "党委",
                 "局", "厅", "委", "部", "署", "办", "院", "中心", "总队", "支队", "公司")
NOTICE_ISSUER_RX = re.compile(r"^(\S{2,30}?" + alternation(OFFICE_SUFFIX) + r")(?:关于|印发|发布)")
# a self-published post's header lines that are not the account's name
ACCOUNT_NOT_NAME = ("关注", "已关注", "原创", "举报", "分享", "收藏", "评论", "订阅", "优质原创作者",
                    "作者", "来源", "发布时间", "阅读", "字号", "x", "×",
                    # share buttons (分享到：微信 易信 QQ空间): the share bar is no account
                    "微信", "微博", "易信", "QQ空间", "QQ", "朋友圈", "新浪微博", "腾讯微博", "豆瓣",
                    "人人网", "分享到")
# AUTH-NOT-NAME: a share bar in Latin letters (Plurk Twitter Facebook under the title)
# looks like a capitalised name: a network's or a button's word is none
SHARE_WORDS = frozenset(w.lower() for w in (
    "Facebook", "Twitter", "Plurk", "Line", "Weibo", "WeChat", "Google", "Email", "E-mail", "Print",
    "Share", "Instagram", "WhatsApp", "Telegram", "Reddit", "LinkedIn", "Tumblr", "Pinterest", "QQ",
    "RSS", "YouTube", "Messenger"))
# AUTH-NOT-NAME: a font-size switch beside the account (字号：超大 大 中 小) and place
# names (记者 X 北京报道 leaves 北京 behind): never an author
FONT_SIZES = ("超大", "特大", "大", "中", "小", "标准", "较大", "A+", "A-", "A")
PLACES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
          "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
          "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门", "中国", "全国",
          "本市", "本省", "本县", "本区", "深圳", "广州", "杭州", "南京", "武汉", "成都", "西安", "长沙",
          "郑州", "济南", "沈阳", "哈尔滨", "长春", "石家庄", "太原", "合肥", "福州", "南昌", "南宁",
          "昆明", "贵阳", "兰州", "西宁", "银川", "乌鲁木齐", "拉萨", "呼和浩特", "海口", "青岛", "大连",
          "厦门", "宁波", "苏州", "无锡")

# --- AUTH-TRAILING-CREDIT: （张巨峰） / （德清县发改局） at the end of the last paragraph ----
# A person's name starts with a surname (the 200 commonest), so a trailing （视觉中国） or
# （BBC） is not taken for one.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    "柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古"
    "吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇"
    "桑郎甄丛仲虞敖巩明佘池查麻苑迟邝萧洪傅赖"
    # the same surnames in traditional characters (Taiwan, Hong Kong: 陳 張 劉 楊 黃 …)
    "張劉陳楊黃趙吳孫馬羅鄭謝許韓馮鄧蕭葉蘇呂盧鍾譚陸賈韋鄒熊閆龍陶賀顧龔萬錢嚴莊聶魯歐關蘭寧紀單"
    "裴塗駱藍辭靳鮑喻滕饒牟時農車項蘆婁竇費衛應臧閔鄔邊師欒隋榮鞏遲鄺溫齊喬龐顏湯葛蔣賴簡連鐘")
# two-character surnames (欧阳某, 司马某)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙",
                     "夏侯", "端木", "长孙", "宇文", "司徒", "西门", "独孤", "南宫", "呼延", "澹台",
                     "歐陽", "司馬", "諸葛", "東方", "長孫", "西門", "獨孤", "南宮")
# a medium's own name (环球网, 参考消息, 中国青年报): the source, never a writer
MEDIUM_RX = re.compile(r"^\S{2,}(?:" + "|".join(("报", "网", "社", "台", "杂志", "消息", "新闻", "财经",
                                                 "频道", "客户端", "周刊", "资讯")) + r")$")
# AUTH-TRAILING-BYLINE: any short bracket closing the paragraph, read as a byline
TRAILING_BRACKET_RX = re.compile(r"[（(]\s*([^（）()]{2,30}?)\s*[）)]\s*$")
# ... without the place of a dateline it ends with (姚某 上海报道, 记者 X 北京电)
PLACE_REPORT_END_RX = re.compile(r"\s*[\u4e00-\u9fff]{2,6}(?:报道|电|讯)$")
TRAILING_CREDIT_RX = re.compile(r"[（(]\s*((?:[\u4e00-\u9fff]{2,4}(?:\s+|、)?){1,3}?)\s*[）)]\s*$")
TRAILING_OFFICE_RX = re.compile(r"[（(]\s*([\u4e00-\u9fff]{2,16}" + alternation(OFFICE_SUFFIX) + r")\s*[）)]\s*$")

# --- editor / reviewer credits (extract/credits.py; docs/extraction-patterns.md
# EDITOR-CREDIT, EDITOR-LINE, EDITOR-TAIL, EDITOR-AFTER) ------------------------------
# A credit is LABEL + SEPARATOR + NAMES: 责任编辑：王芳 / 责编:王芳 / 编辑/王芳 / 审核：刘继伟;
# a credit line is one or more credits, bare or in ONE wrapper of OPEN/CLOSE:
# (责任编辑:王芳 审核:刘继伟) （责任编辑：王芳） 【责任编辑：王芳】 [编辑:王芳] 编辑/王芳.
PROOFREADER = ("校对", "校审", "校稿")
CREDIT_FIELD = {**{t: "editor" for t in EDITOR + ("网络编辑", "值班编辑", "本文编辑", "责任编辑人")},
                **{t: "reviewer" for t in REVIEWER}, **{t: "_proofreader" for t in PROOFREADER}}
CREDIT_SEP = r"\s*(?:[:：]|[/／])\s*"
_ANY_LABEL = alternation(*FIELDS.values(), tuple(CREDIT_FIELD), REPORTER)
# a credited name: 2-4 CJK characters (or a Latin/pinyin name) ending at a space, a
# list separator, a closing wrapper, the end, or the next LABEL + separator
_CREDIT_NAME = (r"(?!" + _ANY_LABEL + CREDIT_SEP + r")(?:" + _CJK + r"{2,4}?|[A-Za-z][A-Za-z .]{1,20}?)"
                r"(?=$|\s|[、，,;；]|[" + re.escape(CLOSE) + r"]|" + _ANY_LABEL + CREDIT_SEP + r")")
_CREDIT_NAMES = _CREDIT_NAME + r"(?:(?:\s*[、，,]\s*|\s+)" + _CREDIT_NAME + r")*"
CREDIT_ITEM_RX = re.compile(r"(" + alternation(tuple(CREDIT_FIELD)) + r")" + CREDIT_SEP + r"(" + _CREDIT_NAMES + r")")
_CREDIT_RUN = (alternation(tuple(CREDIT_FIELD)) + CREDIT_SEP + _CREDIT_NAMES
               + r"(?:\s*[;；,，]?\s*" + alternation(tuple(CREDIT_FIELD)) + CREDIT_SEP + _CREDIT_NAMES + r")*")
_WRAPPED_RUN = r"[" + re.escape(OPEN) + r"]\s*" + _CREDIT_RUN + r"\s*[" + re.escape(CLOSE) + r"]"
# EDITOR-LINE: a whole line that is credits only, bare or wrapped
CREDIT_LINE_RX = re.compile(r"^\s*(?:" + _WRAPPED_RUN + r"|" + _CREDIT_RUN + r")\s*$")
# EDITOR-TAIL: credits closing a text line: wrapped after anything, bare after the end
# of a sentence (。！？；), a closing bracket or quote (…（本文转自X）编辑：王芳) or a space
CREDIT_TAIL_RX = re.compile(r"(?:\s*" + _WRAPPED_RUN + r"|(?:(?<=[。！？；!?…”’」』" + re.escape(CLOSE)
                            + r"])|\s+)" + _CREDIT_RUN + r")\s*$")
# EDITOR-CREDIT: one credit anywhere in an info row, after its start, a space or a
# wrapper (作者：陈静 编辑/赵磊 点击：…)
CREDIT_IN_ROW_RX = re.compile(r"(?:^|(?<=[\s" + re.escape(OPEN + CLOSE) + r"]))" + CREDIT_ITEM_RX.pattern)

# --- who an author is (AUTH-ORG, extract/fields.authorship) ----------------------------
# An author that ends in an office / body / medium word (at least 3 characters: 市工信局,
# 省工业和信息化厅, 市发展改革委, 市政府办公室, 中小企业服务中心, 哈尔滨日报, 新华社, 某某网) or is a
# medium's self-reference (本网, 本报) is an organisation, not a person.
# The office words are OFFICE_SUFFIX (KIND-NOTICE's issuer), plus bodies and media.
ORG_SUFFIXES = tuple(dict.fromkeys(OFFICE_SUFFIX + (
    "办公室", "中心", "政府", "委员会", "管委会", "协会", "商会", "联合会", "工商联", "集团", "公司",
    "银行", "报", "日报", "晚报", "社", "网", "电视台", "杂志", "支部", "党委", "基地", "平台", "联盟",
    "学会", "研究会", "服务队")))
# one-character suffixes a 3-character person's name may also end in (李文科, 王建部):
# an organisation only with 3 characters or more before them
ORG_SUFFIXES_LONG = ("处", "科", "院", "所", "站", "部", "台", "队", "组", "署")
ORG_SELF = ("本网", "本报", "本台", "本刊", "本社", "本网站", "本网讯", "本报讯")
_ORG_WORDS = tuple(t for t in ORG_SUFFIXES if len(t) > 1)     # 市政府, 区管委会: after 1+ characters
_ORG_CHARS = tuple(t for t in ORG_SUFFIXES if len(t) == 1 and t not in ORG_SUFFIXES_LONG)  # 商务局: 2+
ORG_RX = re.compile(r"^(?:" + alternation(ORG_SELF) + r"|\S+" + alternation(_ORG_WORDS)
                    + r"|\S{2,}" + alternation(_ORG_CHARS) + r"|\S{3,}" + alternation(ORG_SUFFIXES_LONG) + r")$")

# --- page types (PAGE-* patterns, extract/fields.page_type) ---------------------------
# a channel (last breadcrumb) of official notices and documents
NOTICE_CHANNELS = ("通知公告", "公告公示", "通知", "公告", "公示", "通告", "政策文件", "政策法规",
                   "文件", "政府文件", "政务公开", "信息公开", "公示公告", "招标公告")
NOTICE_CHANNEL_RX = re.compile(r"^(?:" + alternation(NOTICE_CHANNELS) + r")$")
# a reprint says so: （转载） after the title, （本文转自X） / 转自X： at the body's start or end
REPRINT_TITLE_RX = re.compile(r"[(（【\[]\s*转载\s*[)）】\]]\s*$")
REPRINT_NOTE_RX = re.compile(r"^[(（【\[]\s*(?:本文)?(?:转载|转自)[^)）】\]]{0,30}[)）】\]]$|^(?:转载|转自[^:：]{0,20})\s*[:：]")
