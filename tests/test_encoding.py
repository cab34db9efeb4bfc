"""decode_html: BOM, header, meta, sniffing; GBK pages that say gb2312; UTF-8 that lies."""
import pytest

from portal_crawler.extract.encoding import decode_html

TEXT = "孙喆、赵铭出席会议。中小企业哈尔滨网"  # 喆 is GBK but not GB2312


def page(charset: str | None, text: str = TEXT) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />' if charset else ""
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


def test_gbk_bytes_declared_gb2312():
    html, codec = decode_html(page("gb2312").encode("gbk"), None)
    assert TEXT in html and codec == "gb18030"


def test_gbk_header_wins_over_missing_meta():
    html, codec = decode_html(page(None).encode("gbk"), "text/html; charset=GBK")
    assert TEXT in html and codec == "gb18030"


def test_undeclared_gbk_is_sniffed():
    html, codec = decode_html(page(None).encode("gbk"), "text/html")
    assert TEXT in html and codec == "gb18030"


def test_utf8_declared_gb2312():
    html, codec = decode_html(page("gb2312").encode("utf-8"), "text/html; charset=gb2312")
    assert TEXT in html and codec == "utf-8"


@pytest.mark.parametrize("bom,enc", [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                                     (b"\xfe\xff", "utf-16-be")])
def test_bom(bom, enc):
    html, _ = decode_html(bom + page("gb2312").encode(enc), "text/html; charset=gbk")
    assert TEXT in html and not html.startswith("\ufeff")


def test_big5_declared():
    text = "中小企業網站"
    html, codec = decode_html(page("big5", text).encode("big5"), None)
    assert text in html and codec == "big5"


def test_ascii_and_empty():
    assert decode_html(b"", None) == ("", "utf-8")
    assert decode_html(b"<p>hi</p>", "text/html; charset=gbk")[0] == "<p>hi</p>"


def test_garbage_never_raises():
    html, _ = decode_html(bytes(range(256)) * 3, "text/html; charset=nonsense")
    assert isinstance(html, str)
