"""DedeCMS V5.6 default templates (article, list, home, rss, sitemap), as str."""
from __future__ import annotations

from bisect import bisect_left

from portal_crawler.replica.credits import credit_of
from portal_crawler.replica.links import (article_path, base_url, channel_link, link_path, list_link,
                    view_path)
from portal_crawler.replica.model import Network, SiteModel
from portal_crawler.replica.sites import FRIEND_ORDER, BY_KEY

ROBOTS = """User-agent: *
Disallow: /plus/ad_js.php
Disallow: /plus/advancedsearch.php
Disallow: /plus/car.php
Disallow: /plus/carbuyaction.php
Disallow: /plus/shops_buyaction.php
Disallow: /plus/erraddsave.php
Disallow: /plus/posttocar.php
Disallow: /plus/disdls.php
Disallow: /plus/feedback_js.php
Disallow: /plus/mytag_js.php
Disallow: /plus/rss.php
Disallow: /plus/search.php
Disallow: /plus/recommend.php
Disallow: /plus/stow.php
Disallow: /plus/count.php
Disallow: /include
Disallow: /templets
"""


def head(m: SiteModel, title: str, keywords: str = "", desc: str = "") -> str:
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
        f'<meta http-equiv="Content-Type" content="text/html; charset={m.info.meta_charset}" />\n'
        f"<title>{title}</title>\n"
        f'<meta name="keywords" content="{keywords}" />\n'
        f'<meta name="description" content="{desc}" />\n'
        '<link href="/templets/default/style/dedecms.css" rel="stylesheet" media="screen" type="text/css" />\n'
        "</head>\n")


def top(m: SiteModel) -> str:
    return m.frag("top", lambda: _top(m))


def _top(m: SiteModel) -> str:
    fav = ('[<a href="#">设为首页</a>] [<a href="#">加入收藏</a>]' if m.info.v57
           else '【<a href="#">设为首页</a>】【<a href="#">加入收藏</a>】')
    lab = m.info.home_label
    nav = [f"<li><a href='/'>{lab[0]}&nbsp;&nbsp;{lab[1]}</a></li>"]
    nav += [f"<li><a href='{channel_link(m, t)}'>{c.name}</a></li>" for t, c in m.channels.items()]
    return (
        '<div class="header_top"><div class="w960 center"><div class="toplinks">'
        f'{fav} <a href="/about.html">关于我们</a> | <a href="/data/sitemap.html">网站地图</a>'
        ' | <a href="/data/rssmap.html">RSS订阅</a></div></div></div>\n'
        f'<div class="header"><div class="top w960 center"><div class="title"><h1>'
        f'<a href="/">{m.info.name}</a></h1></div></div>\n'
        '<div class="nav w960 center clear"><ul>\n' + "\n".join(nav) + "\n</ul></div></div>\n")


def friends(net: Network, m: SiteModel) -> str:
    return m.frag("friends", lambda: _friends(net, m))


def _friends(net: Network, m: SiteModel) -> str:
    items = [f"<li><a href='{base_url(net, k)}' target='_blank'>{BY_KEY[k].short}</a></li>"
             for k in FRIEND_ORDER if k != m.info.key]
    return ('<div class="flink w960 center clear"><dl class="tbox"><dt><strong>友情连接</strong>'
            '<span class="linklabel"><a href="/plus/flink.php" target="_blank">所有链接</a> | '
            '<a href="/plus/flink_add.php" target="_blank">申请加入</a></span></dt>'
            '<dd><ul class="f5">\n' + "\n".join(items) + "\n</ul></dd></dl></div>\n")


def footer(m: SiteModel) -> str:
    return m.frag("footer", lambda: _footer(m))


def _footer(m: SiteModel) -> str:
    return ('<div class="footer w960 center mt1 clear"><div class="footer_body">'
            '<p class="powered">Powered by <a href="http://www.dedecms.com" target="_blank">'
            '<strong>DedeCMS</strong></a> &copy; 2004-2011 DesDev Inc.<br /></p>'
            f'<div class="copyright">Copyright &copy; 2010-2021 {m.info.name} 版权所有</div>'
            "</div></div>\n</body>\n</html>\n")


def right(net: Network, m: SiteModel) -> str:
    return m.frag("right", lambda: _right(net, m))


def _right(net: Network, m: SiteModel) -> str:
    k = m.info.key
    latest = range(m.n, max(0, m.n - 8), -1)
    rec = range(max(1, m.n0 // 2), max(1, m.n0 // 2) + 5)
    li = lambda a: f'<li><a href="{link_path(m, a)}">{net.title(k, a)}</a></li>'
    return ('<div class="pright">\n<div class="commend mt1"><dl class="tbox light">'
            "<dt class='light'><strong>推荐内容</strong></dt><dd class='light'><ul class=\"d4\">\n"
            + "\n".join(li(a) for a in rec if a <= m.n) + "\n</ul></dd></dl></div>\n"
            '<div class="hot mt1"><dl class="tbox light"><dt class=\'light\'><strong>最新文章</strong>'
            "</dt><dd class='light'><ul class=\"c1 ico2\">\n"
            + "\n".join(li(a) for a in latest) + "\n</ul></dd></dl></div>\n</div>\n")


def place(net: Network, m: SiteModel, tid: int) -> str:
    chain, t = [], tid
    while t:
        chain.insert(0, t)
        t = m.channels[t].parent
    links = "".join(f" > <a href='{channel_link(m, t)}'>{m.channels[t].name}</a>" for t in chain)
    return (f"<div class=\"place\"><strong>当前位置:</strong> <a href='{base_url(net, m.info.key)}'>"
            f"{m.info.home_label}</a>{links} > </div>\n")


def para_html(p, seed_style: bool, base: str = "") -> str:
    if p[0] == "t":
        return f"<p>　　{p[1]}</p>" + ("\n<p>&nbsp;</p>" if seed_style else "")
    if p[0] == "img":
        alt = f' alt="{p[2]}"' if p[2] else ""
        return f'<p style="text-align: center;"><img src="{p[1]}"{alt} border="0" /></p>'
    return f'<p>　　{p[1]}<a href="{base}{p[2]}" target="_blank">{p[3]}</a></p>'


def article(net: Network, m: SiteModel, aid: int, page: int, dynamic: bool) -> str:
    a = net.article(m.info.key, aid)
    pages = a.page_paras()
    title = a.title if page == 1 else f"{a.title}({page})"
    seed_style = aid == m.seed_aid
    cr = credit_of(net, m, aid, a.editor, a.reviewer, seed_style)
    credits = "".join(f"<small>{lab}</small>{v} " for lab, v in cr.byline_parts()) \
        if cr.place == "byline" else ""
    info = (f"<small>时间:</small>{a.published_raw}<small>来源:</small>{a.source} "
            + (f"<small>作者:</small>{a.author} " if a.author is not None else "") + credits
            + f'<small>点击:</small><script src="/plus/count.php?view=yes&aid={aid}&mid=1">'
            "</script>次")
    intro = f'<div class="intro">{a.description}</div>\n' if a.show_intro else ""
    base = base_url(net, m.info.key).rstrip("/") if aid % 2 else ""   # both href styles occur
    paras = pages[page - 1]
    html_paras = [para_html(p, seed_style, base) for p in paras]
    where = cr.place
    if where == "para_end":     # the line ends the last paragraph (a text one; else its own)
        if paras and paras[-1][0] == "t":
            html_paras[-1] = html_paras[-1][:-len("</p>")] + cr.line() + "</p>"
        else:
            where = "own_para"
    body = "\n".join(html_paras)
    line = cr.line()
    in_cell = {"td_line": f"\n{line}", "own_para": f'\n<p style="text-align: right;">{line}</p>'}.get(where, "")
    after_table = f"<p>{line}</p>\n" if where == "after_block" else ""
    beside = f'<div class="{cr.box_class}">{line}</div>\n' if where == "sibling_div" else ""
    pl = ""
    if a.npages > 1:
        href = (lambda k: view_path(aid, k)) if dynamic else \
            (lambda k: f"{aid}.html" if k == 1 else f"{aid}_{k}.html")
        pl = f"<li><a>共{a.npages}页: </a></li>"
        pl += f"<li><a href='{href(page - 1)}'>上一页</a></li>" if page > 1 else "<li><a href='#'>上一页</a></li>"
        for k in range(1, a.npages + 1):
            pl += (f"<li class=\"thisclass\"><a href='#'>{k}</a></li>" if k == page
                   else f"<li><a href='{href(k)}'>{k}</a></li>")
        pl += (f"<li><a href='{href(page + 1)}'>下一页</a></li>" if page < a.npages
               else "<li><a href='#'>下一页</a></li>")
    own = m.own[a.tid]
    i = bisect_left(own, aid)
    prev = (f"上一篇：<a href='{link_path(m, own[i - 1])}'>{net.title(m.info.key, own[i - 1])}</a>"
            if i > 0 else "上一篇：没有了")
    nxt = (f"下一篇：<a href='{link_path(m, own[i + 1])}'>{net.title(m.info.key, own[i + 1])}</a>"
           if i + 1 < len(own) else "下一篇：没有了")
    return (head(m, f"{title}_{m.info.name}", a.keywords, a.description or "")
            + '<body class="articleview">\n' + top(m)
            + '<div class="w960 center clear mt1">\n<div class="pleft">\n' + place(net, m, a.tid)
            + '<div class="viewbox">\n'
            f'<div class="title"><h2>{title}</h2></div>\n<div class="info">{info}</div>\n' + intro
            + "<div class=\"content\">\n<table width='100%'>\n<tr><td>\n" + body
            + f"{in_cell}\n</td></tr>\n</table>\n{after_table}</div>\n" + beside   # V5.6 default: in the body cell
            + f'<div class="dede_pages"><ul class="pagelist">{pl}</ul></div>\n'
            '<div class="boxoff"><strong>------分隔线----------------------------</strong></div>\n'
            f'<div class="handle"><div class="context"><ul><li>{prev} </li><li>{nxt} </li></ul></div></div>\n'
            "</div>\n</div>\n" + right(net, m) + "</div>\n" + friends(net, m) + footer(m))


def pagelist(m: SiteModel, tid: int, page: int, npages: int, total: int) -> str:
    h = lambda k: list_link(m, tid, k, total)
    out = [f'<li><span class="pageinfo">共 <strong>{npages}</strong>页<strong>{total}</strong>条</span></li>']
    if page == 1:
        out.append("<li>首页</li>")
    else:
        out += [f"<li><a href='{h(1)}'>首页</a></li>", f"<li><a href='{h(page - 1)}'>上一页</a></li>"]
    lo = max(1, min(page - 2, npages - 4))
    for k in range(lo, min(npages, lo + 4) + 1):
        out.append(f'<li class="thisclass">{k}</li>' if k == page else f"<li><a href='{h(k)}'>{k}</a></li>")
    if page < npages:
        out += [f"<li><a href='{h(page + 1)}'>下一页</a></li>", f"<li><a href='{h(npages)}'>末页</a></li>"]
    else:
        out.append("<li><a>末页</a></li>" if npages > 1 else "")
    opts = "".join(f"<option value='{h(k)}'{' selected' if k == page else ''}>{k}</option>"
                   for k in range(1, npages + 1))
    out.append("<li><select name='sldd' style='width:36px' onchange='location.href=this.options"
               f"[this.selectedIndex].value;'>\n{opts}\n</select></li>")
    return '<div class="dede_pages"><ul class="pagelist">\n' + "\n".join(out) + "\n</ul></div>\n"


def list_page(net: Network, m: SiteModel, tid: int, page: int) -> str | None:
    ch = m.channels[tid]
    aids = m.lists[tid]
    size = net.scale["list_size"]
    total = len(aids)
    npages = max(1, -(-total // size))
    if not 1 <= page <= npages:
        return None
    k = m.info.key
    items = []
    for j in range(total - 1 - (page - 1) * size, max(-1, total - 1 - page * size), -1):
        aid = aids[j]
        a = net.article(k, aid)
        sub = ""
        if a.tid != tid:
            sub = f"[<b><a href='{channel_link(m, a.tid)}'>{m.channels[a.tid].name}</a></b>] "
        items.append(
            f"<li>{sub}<a href=\"{link_path(m, aid)}\" class=\"title\">{a.title}</a>"
            f"<span class=\"info\"><small>日期：</small>{a.time:%Y-%m-%d %H:%M:%S}"
            f"<small>点击：</small>{a.clicks}<small>好评：</small>{a.clicks % 7}</span>"
            f"<p class=\"intro\">{a.description or ''}</p></li>")
    return (head(m, f"{ch.name}_{m.info.name}", ch.name, ch.name) + '<body class="listpage">\n'
            + top(m) + '<div class="w960 center clear mt1">\n<div class="pleft">\n'
            + place(net, m, tid) + '<div class="listbox"><ul class="e2">\n' + "\n".join(items)
            + "\n</ul></div>\n" + pagelist(m, tid, page, npages, total) + "</div>\n"
            + right(net, m) + "</div>\n" + friends(net, m) + footer(m))


def home(net: Network, m: SiteModel) -> str:
    k = m.info.key
    li = lambda a: (f'<li><span>{net.article(k, a).time:%m-%d}</span>'
                    f'<a href="{link_path(m, a)}">{net.title(k, a)}</a></li>')
    blocks = ['<div class="latest"><dl class="tbox"><dt><strong>最新更新</strong></dt><dd><ul class="d1">\n'
              + "\n".join(li(a) for a in range(m.n, max(0, m.n - 10), -1)) + "\n</ul></dd></dl></div>"]
    for t, ch in list(m.channels.items())[:4]:
        aids = m.lists[t]
        blocks.append(f'<div class="channelbox"><dl class="tbox"><dt><strong><a href="{channel_link(m, t)}">'
                      f'{ch.name}</a></strong></dt><dd><ul class="d1">\n'
                      + "\n".join(li(a) for a in list(aids[-6:])[::-1]) + "\n</ul></dd></dl></div>")
    return (head(m, m.info.name, "中小企业," + m.info.short, m.info.name) + '<body class="index">\n'
            + top(m) + '<div class="w960 center clear mt1">\n' + "\n".join(blocks) + "\n</div>\n"
            + friends(net, m) + footer(m))


def rss(net: Network, m: SiteModel, tid: int) -> str:
    ch, k, base = m.channels[tid], m.info.key, base_url(net, m.info.key).rstrip("/")
    items = []
    for aid in list(m.lists[tid][-50:])[::-1]:
        a = net.article(k, aid)
        author = a.author if a.author else "秩名"
        items.append(f"<item>\n<title><![CDATA[{a.title}]]></title>\n"
                     f"<link>{base}{article_path(m, aid)}</link>\n"
                     f"<description><![CDATA[{a.description or ''}]]></description>\n"
                     f"<pubDate>{a.time:%Y-%m-%d}</pubDate>\n<category>{m.channels[a.tid].name}</category>\n"
                     f"<author>{author}</author>\n<comments>{a.source}</comments>\n</item>")
    enc = "gb2312" if m.info.charset == "gbk" else "utf-8"
    return (f'<?xml version="1.0" encoding="{enc}" ?>\n<rss version="2.0">\n<channel>\n'
            f"<title>{ch.name}</title>\n<link>{base}{ch.path}</link>\n"
            f"<description>{ch.name}</description>\n<language>zh-cn</language>\n"
            f"<generator>DedeCMS</generator>\n<webmaster>admin@example.com</webmaster>\n"
            + "\n".join(items) + "\n</channel>\n</rss>\n")


def rssmap(net: Network, m: SiteModel) -> str:
    rows = "\n".join(f"<li><a href='{channel_link(m, t)}'>{c.name}</a> "
                     f"<a href='/data/rss/{t}.xml'>/data/rss/{t}.xml</a></li>"
                     for t, c in m.channels.items())
    return (head(m, f"RSS订阅_{m.info.name}") + "<body>\n" + top(m)
            + f'<div class="w960 center"><ul class="rsslist">\n{rows}\n</ul></div>\n' + footer(m))


def sitemap(net: Network, m: SiteModel) -> str:
    boxes = []
    for t, c in m.channels.items():
        if c.parent:
            continue
        subs = "".join(f"<li><a href='{channel_link(m, s)}'>{m.channels[s].name}</a></li>"
                       for s in c.children)
        boxes.append(f'<div class="linkbox"><h3><a href=\'{channel_link(m, t)}\'>{c.name}</a></h3>'
                     f"<ul class='f6'>{subs}</ul></div>")
    return (head(m, f"网站地图_{m.info.name}") + "<body>\n" + top(m)
            + '<div class="w960 center">\n' + "\n".join(boxes) + "\n</div>\n" + footer(m))


def about(net: Network, m: SiteModel) -> str:
    return (head(m, f"关于我们_{m.info.name}") + "<body>\n" + top(m)
            + f'<div class="w960 center"><p>{m.info.name}（{m.info.region}）</p></div>\n'
            + friends(net, m) + footer(m))
