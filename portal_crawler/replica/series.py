"""Templated series: distinct articles that share most of their text.

Government sites publish series of notices from one template: 公示 of successive support
lists, 通知 of different trainings, meeting reports.  Members of one series share
60-80 % of their characters (the template: a policy preamble, the 异议/报名 procedure,
the closing paragraph) and differ in the title, the date and the names (batch number,
training topic, month, companies listed, 联系人).  Some series keep the SAME title
(a recurring meeting) and then differ only in date and names.  Every member is an
article of its own: the truth never groups them.

Content is a function of (seed, site, series id, member index): deterministic, no
storage.  All characters are in GB2312 (GBK sites).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal_crawler.replica import textgen as G
from portal_crawler.replica import vocab as V

__all__ = ["KINDS", "Series", "member_text"]

# gongshi: 公示 of successive lists (batch number in the title); peixun: 通知 of different
# trainings (topic in the title); huiyi: monthly meeting report (month in the title);
# lihui: a recurring meeting under the same title (only date and names differ).
KINDS = ("gongshi", "peixun", "huiyi", "lihui")
_CN = "一二三四五六七八九十"
_PROGRAMS = ["专精特新中小企业", "创新型中小企业", "中小企业公共服务示范平台", "小型微型企业创业创新示范基地",
             "两创示范服务券服务机构", "数字化转型示范企业", "产业链协同示范项目", "首台套重大技术装备"]
_POLICIES = ["关于促进中小企业健康发展的指导意见", "优质中小企业梯度培育管理暂行办法",
             "关于健全支持中小企业发展制度的若干意见", "中小企业促进法"]
_TOPICS = ["企业财务管理实务", "数字化转型", "知识产权保护", "融资对接实务", "安全生产管理",
           "市场营销与品牌建设", "跨境电商运营", "企业人力资源管理", "精益生产管理", "政策申报实务",
           "企业上市辅导", "质量管理体系"]
_MEETINGS = ["中小企业工作推进会", "工业经济运行调度会", "民营经济发展联席会议", "企业服务工作例会",
             "优化营商环境工作会议"]
_COMPANY_TAILS = ["科技有限公司", "机械制造有限公司", "食品有限公司", "生物科技股份有限公司",
                  "电子有限公司", "新材料有限公司", "农业发展有限公司", "信息技术有限公司"]


@dataclass(frozen=True)
class Series:
    sid: int                    # series number within its site
    kind: str
    tid: int                    # its channel
    members: tuple              # aids, oldest first


def _company(rng: random.Random) -> str:
    return rng.choice(V.PLACES) + rng.choice(V.INDUSTRIES)[:2] + rng.choice(_COMPANY_TAILS)


def _d(t: datetime) -> str:
    return f"{t.year}年{t.month}月{t.day}日"


def member_text(seed: int, site_idx: int, s: Series, k: int, time: datetime, place: str
                ) -> tuple[str, list[str]]:
    """(title, paragraphs) of member k (0-based) of series s of the site of region
    `place`, published at `time`."""
    base = random.Random(G.mix(seed, site_idx, s.sid, 800))      # the template
    own = random.Random(G.mix(seed, site_idx, s.sid, k, 801))     # this member
    org = base.choice(V.SUBJECTS)
    share = 0.6 + 0.2 * base.random()                            # template share of text
    boiler = [G.paragraph(base) for _ in range(2)]               # series-specific preamble
    name, phone = own.choice(V.NAMES), f"{own.randint(80000000, 89999999)}"
    year = time.year
    if s.kind == "gongshi":
        program, policy = place + base.choice(_PROGRAMS), base.choice(_POLICIES)
        title = f"关于{year}年度{program}拟认定名单（第{_CN[k % 10]}批）的公示"
        head = (f"根据《{policy}》有关要求，经企业自愿申报、各区县推荐、专家评审等程序，"
                f"{org}研究确定了{year}年度{program}拟认定名单（第{_CN[k % 10]}批），现予以公示。")
        end = time + timedelta(days=7)
        tail = [f"公示期为{_d(time)}至{_d(end)}。公示期间，任何单位和个人对公示名单有异议的，"
                f"可以书面形式向{org}反映。反映情况应实事求是，并提供联系方式，以便核实。",
                "以单位名义反映的，应加盖单位公章；以个人名义反映的，应签署真实姓名。"
                "逾期或匿名反映的不予受理。",
                f"联系人：{name}，联系电话：{phone}。"]
        var = lambda i: "、".join(_company(own) for _ in range(own.randint(3, 6))) + "。"
    elif s.kind == "peixun":
        topic = _TOPICS[(base.randrange(len(_TOPICS)) + k) % len(_TOPICS)]
        title = f"关于举办{topic}培训班的通知"
        head = (f"各有关单位：为进一步提升中小企业经营管理水平，帮助企业{base.choice(V.PHRASES)}，"
                f"{org}定于{_d(time + timedelta(days=10))}举办{topic}培训班。现将有关事项通知如下。")
        tail = ["参加对象为各区县中小企业主管部门负责同志及企业经营管理人员，每单位限报两人。"
                "培训不收取任何费用，食宿及交通费用由参训单位自理。",
                "请各单位高度重视，认真组织，按时报名，确保培训取得实效。",
                f"联系人：{name}，联系电话：{phone}。"]
        var = lambda i: (f"培训内容：{topic}。" if i == 0 else "") + G.sentence(own)
    else:
        meeting = base.choice(_MEETINGS)
        title = (f"{org}召开{time.month}月份{meeting}" if s.kind == "huiyi"
                 else f"{org}召开{meeting}")
        head = (f"{_d(time)}，{org}召开{meeting}，{base.choice(V.PHRASES)}，"
                f"研究部署下一阶段重点工作。{org}主要负责同志{name}出席会议并讲话。")
        tail = [f"会议强调，{base.choice(V.PHRASES)}，{base.choice(V.PHRASES)}，"
                f"{base.choice(V.PHRASES)}。各相关部门要进一步提高认识，压实工作责任。",
                "会议要求，要抓好各项任务落实，确保各项措施落地见效，形成工作合力，"
                "推动全市中小企业高质量发展。"]
        var = lambda i: G.paragraph(own)
    fixed = [head] + boiler + tail
    size = sum(map(len, fixed))
    want = size * (1 - share) / share                # characters of this member's own text
    own_paras: list[str] = []
    while sum(map(len, own_paras)) < want:
        own_paras.append(var(len(own_paras)))
    paras = [head, boiler[0]] + own_paras + [boiler[1]] + tail
    return title, paras
