"""Static facts of the replica network: sites (from sites.toml), their template
flavour, and the channel catalogue. Flavours are fixed per site key (not per seed)
so a given site always looks the same."""
from __future__ import annotations

from dataclasses import dataclass

# Harbin nav order (reference); (name, DedeCMS pinyin dir, TRS dir)
CHANNELS = [
    ("新闻动态", "xinwendongtai", "xwdt"),
    ("融资担保", "rongzidanbao", "rzdb"),
    ("通知公告", "tongzhigonggao", "tzgg"),
    ("工作动态", "gongzuodongtai", "gzdt"),
    ("两创风采", "liangchuangfengcai", "lcfc"),
    ("政策文件", "zhengcewenjian", "zcwj"),
    ("中小微企业库", "zhongxiaoweiqiyeku", "zxwqyk"),
    ("领导讲话", "lingdaojianghua", "ldjh"),
    ("平台活动", "pingtaihuodong", "pthd"),
    ("办事指南", "banshizhinan", "bszn"),
    ("非公经济", "feigongjingji", "fgjj"),
    ("创新天地", "chuangxintiandi", "cxtd"),
    ("信用体系", "xinyongtixi", "xytx"),
    ("互联网+", "hulianwang", "hlw"),
    ("产业培育", "chanyepeiyu", "cypy"),
    ("人才招聘", "rencaizhaopin", "rczp"),
    ("中小微产品库", "zhongxiaoweichanpinku", "zxwcpk"),
    ("“两创示范”服务券", "liangchuangshifanfuwuquan", "lcsffwq"),
]
PARENT, CHILD = 0, 3          # 新闻动态 > 工作动态 on every DedeCMS site
LEADER = 7                    # 领导讲话 (the seed article's channel)

GBK_SITES = {"national", "harbin", "heilongjiang", "neimenggu", "anhui", "jilin",
             "ningxia", "hebei", "qingdao", "shaanxi", "henan"}
DYNAMIC_SITES = {"wuhan", "hebei"}          # list pages via /plus/list.php
TRS_SITES = {"xiamen", "hongkong"}
V57_SITES = {"tianjin", "hubei", "sichuan", "beijing", "guangdong", "hunan"}
ZHUYE_SITES = {"zhejiang", "yunnan", "wuhan", "chongqing", "shandong", "guizhou"}
UTF8_HEADER_CHARSET = {"zhejiang", "tianjin", "beijing", "guangdong", "xiamen"}

# --- editor lines (replica/credits.py) ------------------------------------------------
# Forms real portals print the 责任编辑 credit in: (opening wrapper, label, separator,
# closing wrapper).  `dede` is DedeCMS's default template.
EDITOR_FORMS = {
    "dede": ("(", "责任编辑", ":", ")"),         # (责任编辑:王芳 审核:刘继伟)
    "fullwidth": ("（", "责任编辑", "：", "）"),   # （责任编辑：王芳）
    "mixed": ("（", "责任编辑", ":", "）"),        # （责任编辑:王芳）
    "lenticular": ("【", "责任编辑", "：", "】"),  # 【责任编辑：王芳】
    "square": ("[", "编辑", ":", "]"),            # [编辑:王芳]
    "zebian": ("", "责编", "：", ""),             # 责编：王芳
    "slash": ("", "编辑", "/", ""),               # 编辑/王芳
    "plain": ("", "编辑", "：", ""),              # 编辑：王芳
}
# Where the line is: the last text of the body cell (DedeCMS default), a paragraph of its
# own in the body, the end of the last paragraph, after the content block, a sibling
# div beside it, or the byline (info) row.
EDITOR_PLACES = ("td_line", "own_para", "para_end", "after_block", "sibling_div", "byline")

# Tune on the DEV sites only; the HELD-OUT sites (DedeCMS V5.6 GBK, V5.6 UTF-8, V5.7 and a
# TRS site) also print forms and places no DEV site uses, so a rule fitted to the DEV
# pages is measured on markup it has not seen (tests/test_editor_variants.py).
EDITOR_HELDOUT_SITES = {"heilongjiang", "anhui", "qingdao", "henan",      # V5.6 GBK
                        "yunnan", "chongqing", "guizhou",                  # V5.6 UTF-8
                        "beijing", "hunan",                                # V5.7
                        "hongkong"}                                        # TRS
EDITOR_DEV_FORMS = ("dede", "fullwidth", "lenticular", "zebian", "plain")
EDITOR_DEV_PLACES = ("td_line", "own_para", "sibling_div", "byline")


def editor_style(key: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(forms, places) the site's article template draws its editor line from."""
    if key in EDITOR_HELDOUT_SITES:
        return tuple(EDITOR_FORMS), EDITOR_PLACES
    return EDITOR_DEV_FORMS, EDITOR_DEV_PLACES


@dataclass(frozen=True)
class SiteInfo:
    idx: int            # position in sites.toml (stable numeric id for hashing)
    key: str
    name: str
    short: str
    region: str
    engine: str         # "dedecms" | "trs"
    charset: str        # codec used for bytes: "gbk" | "utf-8"
    dynamic: bool
    v57: bool
    home_label: str
    header_charset: bool

    @property
    def meta_charset(self) -> str:
        return "gb2312" if self.charset == "gbk" else "utf-8"

    @property
    def content_type(self) -> str:
        return "text/html; charset=utf-8" if self.header_charset else "text/html"


def load_sites() -> list[SiteInfo]:
    # The network's names are one fact, read where the crawler reads them; the replica's
    # markup and behaviour stay its own.
    from portal_crawler.sites.registry import packaged_data
    raw = packaged_data()
    out = []
    for i, s in enumerate(raw["sites"]):
        k = s["key"]
        out.append(SiteInfo(
            idx=i, key=k, name=s["name"], short=s["short"], region=s["region"],
            engine="trs" if k in TRS_SITES else "dedecms",
            charset="gbk" if k in GBK_SITES else "utf-8",
            dynamic=k in DYNAMIC_SITES, v57=k in V57_SITES,
            home_label="主页" if k in ZHUYE_SITES else "首页",
            header_charset=k in UTF8_HEADER_CHARSET))
    return out


SITES = load_sites()
BY_KEY = {s.key: s for s in SITES}
# friend-link order of the reference (national first, harbin last on other sites)
FRIEND_ORDER = [s.key for s in SITES if s.key != "harbin"] + ["harbin"]
