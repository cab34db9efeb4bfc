"""The replica's attachments: real files with known text, made from (seed, path).

Every ``/uploads/soft/...`` link of an article answers with a document whose text the
truth knows (``spec(seed, path).text``), so a crawl's attachment text can be scored:

* ``pdf_cid``  a PDF as ReportLab-style generators make it: the built-in CID font
  ``STSong-Light`` (UniGB-UCS2-H encoding, no embedded font, no ToUnicode map);
* ``pdf_ttf``  a PDF shaped like a Word/WPS export: an embedded TrueType subset
  (WenQuanYi Micro Hei, fonts-wqy-microhei) with a ToUnicode map;
* ``pdf_scan`` a scanned page: one image, no text layer (text ``None``);
* ``docx`` (python-docx: paragraphs and a table), ``xlsx`` (openpyxl: two sheets);
* ``doc``      Word 97 binary (replica/worddoc.py, written from [MS-CFB] / [MS-DOC]);
* ``xls``      Excel 97 BIFF8 (xlwt);
* ``ofd``      OFD (GB/T 33190): OFD.xml, Doc_0/Document.xml, PublicRes.xml and one
  Content.xml per page of ``TextObject`` / ``TextCode`` lines, written here from the
  standard's structure (not by an OFD producer: the reader is tested on these);
* ``file``     wps / zip: bytes the crawler keeps as files only;
* ``missing``  answers 404; ``mislabelled`` a real document served as ``text/html``;
* ``huge``     200 MB, streamed by the server chunk by chunk (``http.Stream``).

Bytes are made on first request and cached per process (ReportLab takes ~20 ms a page).
"""
from __future__ import annotations

import functools
import io
import random
import zlib
from dataclasses import dataclass

from portal_crawler.replica import textgen as G

__all__ = ["Spec", "spec", "content", "HUGE_SIZE", "TTF_FONT", "KINDS"]

HUGE_SIZE = 200 * 1024 * 1024
TTF_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"   # Debian fonts-wqy-microhei
KINDS = ("pdf_cid", "pdf_ttf", "pdf_scan", "docx", "xlsx", "doc", "xls", "ofd", "file", "missing", "mislabelled",
         "huge")
DOCS = ("pdf_cid", "pdf_ttf", "docx", "xlsx", "doc", "xls", "ofd")    # documents with text
CTYPES = {"pdf": "application/pdf", "doc": "application/msword", "wps": "application/kswps", "ofd": "application/ofd",
          "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          "xls": "application/vnd.ms-excel", "zip": "application/zip",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# A revision (the replica's /revise control) appends this line to a document's text:
# its words are in no revision-0 text, so a search can tell the captures apart.
REVISION_LINE = "勘误第{rev}号：附件内容已更正"


@dataclass(frozen=True)
class Spec:
    path: str
    kind: str             # one of KINDS
    ext: str
    status: int           # what the server answers
    content_type: str     # what the server says (a lie for ``mislabelled``)
    doc: str              # the document format really served: pdf_cid, docx, ..., file, huge
    text: str | None      # the document's text (None: no text to read)
    revision: int = 0     # 0 as first published; each /revise adds one


def _h(seed: int, path: str) -> int:
    return G.mix(seed, zlib.crc32(path.encode("utf-8")), 77)


def _doc_kind(ext: str, h: int) -> str:
    if ext == "pdf":
        return ("pdf_cid", "pdf_ttf", "pdf_scan")[h % 3]
    if ext in ("docx", "xlsx", "doc", "xls", "ofd"):
        return ext
    return "file"


@functools.lru_cache(maxsize=65536)
def spec(seed: int, path: str, revision: int = 0) -> Spec:
    """What the replica serves at ``path`` (an ``/uploads/soft/`` file), as of its
    ``revision`` (a revised document's text ends with ``REVISION_LINE``)."""
    ext = path.rsplit(".", 1)[-1].lower()
    h = _h(seed, path)
    # One file in ten each answers 404, lies about its type, or is the 200 MB one: a
    # small replica has them all.
    special = (h >> 8) % 10
    doc = _doc_kind(ext, h)
    kind = doc
    if special == 0:
        kind = "missing"
    elif special == 1:
        kind = "mislabelled"
    elif special == 2:
        kind = doc = "huge"
    text = _text(seed, path) if doc in DOCS else None
    if text is not None and revision:
        text += "\n" + "\n".join(REVISION_LINE.format(rev=r) for r in range(1, revision + 1))
    if kind == "missing":
        return Spec(path, kind, ext, 404, "text/html", doc, None, revision)
    ctype = "text/html" if kind == "mislabelled" else CTYPES.get(ext, "application/octet-stream")
    return Spec(path, kind, ext, 200, ctype, doc, text, revision)


def _text(seed: int, path: str) -> str:
    """The document's text: paragraphs of the replica's Chinese prose; for XLSX the
    cells joined by tabs per row, rows by newlines (what the sheet shows)."""
    rng = random.Random(_h(seed, path))
    if path.lower().endswith((".xlsx", ".xls")):
        rows = [["序号", "企业名称", "所在地区", "申报金额（万元）"]]
        for i in range(rng.randint(4, 12)):
            rows.append([str(i + 1), G.paragraph(rng)[:rng.randint(6, 14)].rstrip("，。"),
                         rng.choice(("哈尔滨", "杭州", "成都", "福州", "郑州")), str(rng.randint(10, 900))])
        return "\n".join("\t".join(r) for r in rows)
    return "\n".join(G.paragraph(rng) for _ in range(rng.randint(2, 5)))


def content(seed: int, path: str, revision: int = 0) -> bytes | None:
    """The file's bytes (None for ``huge``: see ``huge_chunks``; ``missing`` gives the
    server's 404 page)."""
    s = spec(seed, path, revision)
    if s.doc == "huge" or s.kind == "missing":
        return None
    return _content(seed, path, revision)


@functools.lru_cache(maxsize=256)
def _content(seed: int, path: str, revision: int = 0) -> bytes:
    s = spec(seed, path, revision)
    if s.doc == "pdf_cid":
        return _pdf(s.text, cid=True)
    if s.doc == "pdf_ttf":
        return _pdf(s.text, cid=False)
    if s.doc == "pdf_scan":
        return _pdf_scan(_h(seed, path))
    if s.doc == "docx":
        return _docx(s.text)
    if s.doc == "xlsx":
        return _xlsx(s.text)
    if s.doc == "xls":
        return _xls(s.text)
    if s.doc == "doc":
        from portal_crawler.replica.worddoc import word97
        return word97(s.text)
    if s.doc == "ofd":
        return _ofd(s.text)
    return _opaque(seed, path, s.ext, revision)


def huge_chunks(seed: int, path: str, chunk: int = 1 << 20):
    """The 200 MB file, one MiB at a time (never held whole): a zip-like prefix, then
    deterministic bytes."""
    block = random.Random(_h(seed, path)).randbytes(chunk)
    sent = 0
    while sent < HUGE_SIZE:
        n = min(chunk, HUGE_SIZE - sent)
        yield block[:n]
        sent += n


# -- the generators ----------------------------------------------------------------
def _lines(text: str, width: int = 34) -> list[str]:
    out = []
    for para in text.split("\n"):
        out += [para[i:i + width] for i in range(0, len(para), width)] or [""]
    return out


def _pdf(text: str, cid: bool) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas
    if cid:
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        name = "STSong-Light"
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(name))
    else:
        from reportlab.pdfbase.ttfonts import TTFont
        name = "WQYMicroHei"
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, TTF_FONT, subfontIndex=0))
    buf = io.BytesIO()
    # invariant=1: no timestamps or random ids, the same bytes every time
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setProducer("WPS Office" if not cid else "ReportLab PDF Library - www.reportlab.com")
    y = A4[1] - 60
    for line in _lines(text):
        if y < 60:
            c.showPage()
            y = A4[1] - 60
        c.setFont(name, 14)
        c.drawString(50, y, line)
        y -= 22
    c.showPage()
    c.save()
    return buf.getvalue()


def _pdf_scan(h: int) -> bytes:
    """An image-only page (a scan): grey strokes where text would be, no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    rng = random.Random(h)
    img = Image.new("L", (620, 877), 245)
    d = ImageDraw.Draw(img)
    for row in range(12):
        y = 60 + row * 40
        d.rectangle((50, y, 50 + rng.randint(200, 520), y + 14), fill=rng.randint(40, 90))
    png = io.BytesIO()
    img.save(png, format="PNG")
    png.seek(0)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.drawImage(ImageReader(png), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    return buf.getvalue()


def _docx(text: str) -> bytes:
    import docx
    d = docx.Document()
    paras = text.split("\n")
    for p in paras[:-1]:
        d.add_paragraph(p)
    # The last paragraph in a one-cell table: text in tables is read too.
    d.add_table(rows=1, cols=1).cell(0, 0).text = paras[-1]
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip_times(buf.getvalue())


def _xlsx(text: str) -> bytes:
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    for row in text.split("\n"):
        ws.append([int(v) if v.isdigit() else v for v in row.split("\t")])
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip_times(buf.getvalue())


def _xls(text: str) -> bytes:
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("名单")
    for r, row in enumerate(text.split("\n")):
        for c, v in enumerate(row.split("\t")):
            ws.write(r, c, int(v) if v.isdigit() else v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_OFD_NS = "http://www.ofdspec.org/2016"


def _ofd(text: str, per_page: int = 30) -> bytes:
    """An OFD package (GB/T 33190-2016 layout): the entry file OFD.xml names the
    document root Doc_0/Document.xml, which lists its pages; each page's Content.xml
    holds one layer of text objects, a line each, in a font of PublicRes.xml."""
    from xml.sax.saxutils import escape
    import zipfile
    lines = _lines(text)
    pages = [lines[i:i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    ns = f'xmlns:ofd="{_OFD_NS}"'
    files = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.0" DocType="OFD">'
                   '<ofd:DocBody><ofd:DocInfo><ofd:DocID>replica</ofd:DocID><ofd:Creator>portal-crawler replica'
                   '</ofd:Creator></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>',
        "Doc_0/PublicRes.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {ns} BaseLoc="Res"><ofd:Fonts>'
                               '<ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>',
        "Doc_0/Document.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData>'
                              '<ofd:MaxUnitID>{maxid}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297'
                              '</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>'
                              '</ofd:CommonData><ofd:Pages>'
                              + "".join(f'<ofd:Page ID="{10 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
                                        for i in range(len(pages)))
                              + '</ofd:Pages></ofd:Document>'}
    uid = 100
    for i, page in enumerate(pages):
        objs = []
        for k, line in enumerate(page):
            uid += 1
            y = 20 + k * 8
            objs.append(f'<ofd:TextObject ID="{uid}" Boundary="20 {y} 170 8" Font="2" Size="5">'
                        f'<ofd:TextCode X="0" Y="6" DeltaX="{" ".join(["5"] * max(len(line) - 1, 0))}">'
                        f'{escape(line)}</ofd:TextCode></ofd:TextObject>')
        files[f"Doc_0/Pages/Page_{i}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Content>'
            f'<ofd:Layer ID="{uid + 1}">{"".join(objs)}</ofd:Layer></ofd:Content></ofd:Page>')
        uid += 1
    files["Doc_0/Document.xml"] = files["Doc_0/Document.xml"].replace("{maxid}", str(uid))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in files.items():
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), body.encode("utf-8"),
                       compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _fixed_zip_times(data: bytes) -> bytes:
    """The same zip with every member dated 1980-01-01: identical bytes every run."""
    import zipfile
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":   # creation times would change per run
                import re
                body = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", body)
            z.writestr(zi, body)
    return out.getvalue()


def _opaque(seed: int, path: str, ext: str, revision: int = 0) -> bytes:
    """A WPS file or an archive the crawler keeps but does not read:
    the format's magic number, then deterministic bytes."""
    magic = {"zip": b"PK\x03\x04"}.get(ext, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")   # OLE2 compound file
    return magic + random.Random(_h(seed, path) + revision).randbytes(4096)


def expected(seed: int, path: str, revision: int = 0) -> dict:
    """What a correct crawl records of the file at ``path`` (the oracle's view):
    ``fetch``, ``status``, ``text_status``, ``format``, ``size``, ``sha256``, ``text``."""
    import hashlib
    s = spec(seed, path, revision)
    if s.kind == "missing":
        return {"fetch": "http_error", "status": 404, "text_status": None, "format": None, "size": None,
                "sha256": None, "text": None}
    if s.doc == "huge":
        return {"fetch": "too_large", "status": None, "text_status": None, "format": None, "size": HUGE_SIZE,
                "sha256": None, "text": None}
    data = content(seed, path, revision)
    fmt = {"pdf_cid": "pdf", "pdf_ttf": "pdf", "pdf_scan": "pdf"}.get(s.doc, s.doc)
    if s.doc == "file":
        fmt = "zip" if s.ext == "zip" else s.ext
    status = "ok" if s.text else ("no_text_layer" if s.doc == "pdf_scan" else "unsupported")
    return {"fetch": "ok", "status": 200, "text_status": status, "format": fmt, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "text": s.text}
