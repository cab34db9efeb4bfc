"""TRS WCM-style government templates (xiamen, hongkong): script-paginated lists, metas,
div.TRS_Editor body.  Article links are relative (./YYYYMM/tYYYYMMDD_ID.html)."""
from __future__ import annotations

from portal_crawler.replica.credits import credit_of
from portal_crawler.replica.dede import friends
from portal_crawler.replica.links import article_path, base_url
from portal_crawler.replica.model import Network, SiteModel

CREATE_PAGE_JS = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0) document.write("首页&nbsp;上一页&nbsp;");
  else {
    document.write("<span onclick=\\"location.href='"+_sPageName+"."+_sPageExt+"'\\">首页</span>&nbsp;");
    var p = nCurrIndex-1 == 0 ? _sPageName+"."+_sPageExt : _sPageName+"_"+(nCurrIndex-1)+"."+_sPageExt;
    document.write("<span onclick=\\"location.href='"+p+"'\\">上一页</span>&nbsp;");
  }
  if(nCurrIndex == _nPageCount-1) document.write("下一页&nbsp;尾页");
  else {
    document.write("<span onclick=\\"location.href='"+_sPageName+"_"+(nCurrIndex+1)+"."+_sPageExt+"'\\">下一页</span>&nbsp;");
    document.write("<span onclick=\\"location.href='"+_sPageName+"_"+(_nPageCount-1)+"."+_sPageExt+"'\\">尾页</span>");
  }
}
</script>"""


def _head(m: SiteModel, title: str, metas: str = "") -> str:
    return ('<!DOCTYPE html>\n<html>\n<head>\n'
            f'<meta http-equiv="Content-Type" content="text/html; charset={m.info.meta_charset}" />\n'
            f"<title>{title}</title>\n{metas}</head>\n<body>\n"
            f'<div class="top"><div class="logo"><a href="/">{m.info.name}</a></div></div>\n'
            '<div class="navbar"><ul>\n'
            f'<li><a href="/">{m.info.home_label}</a></li>\n'
            + "\n".join(f'<li><a href="{c.path}">{c.name}</a></li>' for c in m.channels.values())
            + "\n</ul></div>\n")


def _foot(net: Network, m: SiteModel) -> str:
    return (friends(net, m) + '<div class="footer"><p>主办单位：' + m.info.name
            + "</p><p>技术支持：TRS</p></div>\n</body>\n</html>\n")


def _crumb(m: SiteModel, tid: int, up: str) -> str:
    c = m.channels[tid]
    return (f'<div class="position">当前位置：<a href="{up}">{m.info.home_label}</a>'
            f' &gt; <a href="{up}{c.path.strip("/")}/">{c.name}</a></div>\n')


def list_page(net: Network, m: SiteModel, tid: int, page0: int) -> str | None:
    aids = m.lists[tid]
    size = net.scale["trs_list_size"]
    total = len(aids)
    npages = max(1, -(-total // size))
    if not 0 <= page0 < npages:
        return None
    c = m.channels[tid]
    rows = []
    for j in range(total - 1 - page0 * size, max(-1, total - 1 - (page0 + 1) * size), -1):
        aid = aids[j]
        rel = "." + article_path(m, aid)[len(c.path) - 1:]
        a = net.article(m.info.key, aid)
        rows.append(f'<li><a href="{rel}" target="_blank" title="{a.title}">{a.title}</a>'
                    f"<span>{a.time:%Y-%m-%d}</span></li>")
    return (_head(m, f"{c.name}_{m.info.name}") + _crumb(m, tid, "../")
            + '<div class="list"><ul>\n' + "\n".join(rows) + "\n</ul>\n"
            + f'<div class="page">{CREATE_PAGE_JS}\n'
            f'<script>createPageHTML({npages}, {page0}, "index", "html");</script></div>\n'
            "</div>\n" + _foot(net, m))


def article(net: Network, m: SiteModel, aid: int) -> str:
    a = net.article(m.info.key, aid)
    base = base_url(net, m.info.key)
    metas = (f'<meta name="ArticleTitle" content="{a.title}">\n'
             f'<meta name="PubDate" content="{a.time:%Y-%m-%d %H:%M}">\n'
             f'<meta name="ContentSource" content="{a.source}">\n'
             f'<meta name="Author" content="{a.author if a.author and a.author != "." else ""}">\n'
             f'<meta name="Keywords" content="{a.keywords}">\n'
             f'<meta name="Description" content="{a.description or ""}">\n'
             f'<meta name="ColumnName" content="{m.channels[a.tid].name}">\n')
    body = []
    for p in a.paras:
        if p[0] == "t":
            body.append(f'<p style="text-indent: 2em;">{p[1]}</p>')
        elif p[0] == "img":
            alt = f' alt="{p[2]}"' if p[2] else ""
            body.append(f'<p style="text-align: center;"><img src="{base.rstrip("/")}{p[1]}"{alt} /></p>')
        else:
            body.append(f'<p>{p[1]}<a href="{p[2]}">{p[3]}</a></p>')
    cr = credit_of(net, m, aid, a.editor, a.reviewer, False)
    line, place = cr.line(), cr.place
    if place == "para_end" and a.paras[-1][0] != "t":
        place = "own_para"
    if place == "para_end":
        body[-1] = body[-1][:-len("</p>")] + line + "</p>"
    elif place == "td_line":     # bare text closing the content block
        body.append(line)
    elif place == "own_para":
        body.append(f'<p style="text-align: right;">{line}</p>')
    ed = "".join(f" <span>{lab}{v}</span>" for lab, v in cr.byline_parts()) if place == "byline" else ""
    after = {"after_block": f"<p>{line}</p>\n",
             "sibling_div": f'<div class="{cr.box_class}">{line}</div>\n'}.get(place, "")
    return (_head(m, f"{a.title}_{m.info.name}", metas) + _crumb(m, a.tid, "../../")
            + f'<div class="article"><h1 class="title">{a.title}</h1>\n'
            f'<div class="info"><span>来源：{a.source}</span> <span>发布时间：{a.time:%Y-%m-%d %H:%M}</span>{ed}</div>\n'
            '<div class="TRS_Editor">\n' + "\n".join(body) + "\n</div>\n" + after
            + "</div>\n" + _foot(net, m))


def home(net: Network, m: SiteModel) -> str:
    rows = []
    for t, c in m.channels.items():
        items = "".join(f'<li><a href="{article_path(m, a)}">{net.title(m.info.key, a)}</a></li>'
                        for a in list(m.lists[t][-6:])[::-1])
        rows.append(f'<div class="lanmu"><h3><a href="{c.path}">{c.name}</a></h3><ul>{items}</ul></div>')
    return _head(m, m.info.name) + "\n".join(rows) + "\n" + _foot(net, m)
