"""A document's plain text: PDF (pdfminer.six), DOCX (python-docx), XLSX (openpyxl),
OFD (its XML text layer, zipfile + lxml), legacy Word 97-2003 DOC (olefile and the
format's piece table) and legacy XLS (xlrd). WPS/ET, archives and the rest are kept as
files only (``unsupported``).

``read_text(data, ext, content_type) -> (status, format, text)``; status is one of
``ok``, ``empty`` (a document without text), ``no_text_layer`` (a PDF whose pages
are images: a scan), ``unsupported``, ``zip_bomb``, or ``error: ...``. A scan is never
stored as an empty text that looks complete: its text is None and its status says why.

Run as ``python -m portal_crawler.files.text`` it is the extraction child process
(files/worker.py): requests on stdin, one JSON line per answer on stdout, its address
space capped (RLIMIT_AS) so a hostile file ends in a MemoryError, not a swollen crawl.
"""
from __future__ import annotations

import io
import json
import re
import sys
import zipfile

from portal_crawler.files.sniff import sniff

__all__ = ["read_text", "ZIP_MAX_UNPACKED", "join_wrapped"]

# A zip-based document (DOCX, XLSX, OFD) whose members unpack to more than this is
# refused before anything is unpacked (a zip bomb).
ZIP_MAX_UNPACKED = 256 * 1024 * 1024
_SENTENCE_END = "。！？：；」』）)》"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff，、“”《（]")


def join_wrapped(text: str) -> str:
    """PDF lines are the page's lines: a line that does not end a sentence, where the
    break is next to a Chinese character, is one paragraph wrapped (Chinese has no
    spaces between words, so the break goes): a word split by the wrap is found again."""
    # Blank lines are layout (text boxes, page breaks), not paragraph marks.
    lines = [ln.strip() for ln in text.replace("\x0c", "\n").split("\n")]
    out: list[str] = []
    for ln in lines:
        if not ln:
            continue
        if out and out[-1][-1] not in _SENTENCE_END and (_CJK.match(out[-1][-1]) or _CJK.match(ln[0])):
            out[-1] += ln
        else:
            out.append(ln)
    return "\n".join(p for p in out if p)


def _pdf(data: bytes) -> tuple[str, str | None]:
    from pdfminer.high_level import extract_text
    from pdfminer.pdfpage import PDFPage
    text = extract_text(io.BytesIO(data))
    text = join_wrapped(text)
    if text:
        return "ok", text
    # No text at all: pages that are images only (a scan) or pages with nothing.
    images = 0
    for page in PDFPage.get_pages(io.BytesIO(data)):
        xobj = (page.resources or {}).get("XObject")
        images += len(xobj.resolve() if hasattr(xobj, "resolve") else (xobj or {}))
    return ("no_text_layer", None) if images else ("empty", None)


def _check_zip(data: bytes) -> zipfile.ZipFile:
    z = zipfile.ZipFile(io.BytesIO(data))
    if sum(i.file_size for i in z.infolist()) > ZIP_MAX_UNPACKED:
        raise _Refused("zip_bomb")
    return z


class _Refused(Exception):
    pass


def _docx(data: bytes) -> tuple[str, str | None]:
    import docx
    _check_zip(data)
    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            seen = []
            for cell in row.cells:          # merged cells repeat: once each
                if cell._tc not in seen:
                    seen.append(cell._tc)
                    parts.append(cell.text)
    return _result("\n".join(p.strip() for p in parts if p.strip()))


def _sheet_text(rows) -> tuple[str, str | None]:
    """A workbook's text as the sheets show it: cells joined by tabs (trailing empty
    ones dropped), rows by newlines; a whole number stored as a float shows as one."""
    out = []
    for row in rows:
        cells = ["" if v is None or v == "" else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
                 for v in row]
        while cells and cells[-1] == "":
            cells.pop()
        if cells:
            out.append("\t".join(cells))
    return _result("\n".join(out))


def _xlsx(data: bytes) -> tuple[str, str | None]:
    import openpyxl
    _check_zip(data)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return _sheet_text(row for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    finally:
        wb.close()


def _xls(data: bytes) -> tuple[str, str | None]:
    """Legacy Excel (BIFF8 in an OLE2 file) with xlrd, which reads .xls only."""
    import xlrd
    book = xlrd.open_workbook(file_contents=data, on_demand=True)
    try:
        return _sheet_text(book.sheet_by_index(i).row_values(r)
                           for i in range(book.nsheets) for r in range(book.sheet_by_index(i).nrows))
    finally:
        book.release_resources()


def _ofd(data: bytes) -> tuple[str, str | None]:
    """OFD (GB/T 33190): a zip of XML; the text layer is each page's ``TextCode``
    elements in Content.xml, pages in the order Document.xml lists them."""
    from lxml import etree
    z = _check_zip(data)
    names = z.namelist()
    root = etree.fromstring(z.read("OFD.xml"))
    ns = {"ofd": root.nsmap.get("ofd") or "http://www.ofdspec.org/2016"}
    out = []
    for doc_root in root.iterfind(".//ofd:DocRoot", ns):
        doc_path = doc_root.text.strip().lstrip("/")
        base = doc_path.rsplit("/", 1)[0]
        doc = etree.fromstring(z.read(doc_path))
        for page in doc.iterfind(".//ofd:Page", ns):
            loc = page.get("BaseLoc", "").lstrip("/")
            path = loc if loc in names else f"{base}/{loc}"
            content = etree.fromstring(z.read(path))
            line = []
            for obj in content.iterfind(".//ofd:TextObject", ns):
                line.append("".join(tc.text or "" for tc in obj.iterfind("ofd:TextCode", ns)))
            out.append("\n".join(s for s in line if s.strip()))
    return _result(join_wrapped("\n".join(out)))


def _doc(data: bytes) -> tuple[str, str | None]:
    """Word 97-2003 binary ([MS-DOC]): the compound file opened with olefile, the main
    document's text read through the piece table (``Clx`` in the table stream), each
    piece UTF-16LE or, compressed, cp1252 (2.4.1). Field instructions are dropped and
    their results kept; paragraph, cell and page marks become line breaks.

    Not antiword or catdoc (Debian): on Word 97 files LibreOffice writes from Chinese
    text, antiword printed nothing or ``?`` and refused short ones ("text stream too
    small"), and catdoc garbled some UTF-16 runs (tests/test_attachments.py reads such
    files)."""
    import olefile
    import struct
    ole = olefile.OleFileIO(data)
    try:
        if not ole.exists("WordDocument"):
            return "unsupported", None
        wd = ole.openstream("WordDocument").read()
        u16 = lambda b, i: struct.unpack_from("<H", b, i)[0]   # noqa: E731
        u32 = lambda b, i: struct.unpack_from("<I", b, i)[0]   # noqa: E731
        if u16(wd, 0) != 0xA5EC:
            return "error: not a Word 97-2003 document (FIB)", None
        flags = u16(wd, 10)
        if flags & 0x0100:                                   # fEncrypted
            return "encrypted", None
        table = "1Table" if flags & 0x0200 else "0Table"    # fWhichTblStm
        p = 34 + 2 * u16(wd, 32)                            # past FibBase, csw, fibRgW
        ccp_text = u32(wd, p + 2 + 3 * 4)                   # fibRgLw.ccpText
        p += 2 + 4 * u16(wd, p)                             # past cslw, fibRgLw
        fc_clx, lcb_clx = u32(wd, p + 2 + 33 * 8), u32(wd, p + 2 + 33 * 8 + 4)
        if not ole.exists(table) or not lcb_clx:
            return "error: no piece table", None
        clx = ole.openstream(table).read()[fc_clx:fc_clx + lcb_clx]
    finally:
        ole.close()
    i = 0
    while i < len(clx) and clx[i] == 1:                    # Prc entries before the Pcdt
        i += 3 + u16(clx, i + 1)
    if i >= len(clx) or clx[i] != 2:
        return "error: bad piece table", None
    plc = clx[i + 5:i + 5 + u32(clx, i + 1)]
    n = (len(plc) - 4) // 12
    cps = [u32(plc, 4 * k) for k in range(n + 1)]
    out = []
    for k in range(n):
        start, end = cps[k], min(cps[k + 1], ccp_text)     # the main document only
        if start >= end:
            break
        fc = u32(plc, 4 * (n + 1) + 8 * k + 2)
        if fc & 0x40000000:                                 # fCompressed: 8-bit, at fc / 2
            at = (fc & 0x3FFFFFFF) // 2
            out.append(wd[at:at + end - start].decode("cp1252", "replace"))
        else:
            out.append(wd[fc:fc + 2 * (end - start)].decode("utf-16-le", "replace"))
    return _result(_doc_marks("".join(out)))


def _doc_marks(text: str) -> str:
    """Word's control characters: fields (0x13 instruction 0x14 result 0x15) keep their
    result; paragraph (CR), cell (0x07), line (0x0B) and page (0x0C) marks end lines;
    other controls (anchors of pictures, footnotes) go."""
    out, depth, hidden = [], 0, []
    for ch in text:
        if ch == "\x13":
            depth += 1
            hidden.append(True)
        elif ch == "\x14" and depth:
            hidden[-1] = False
        elif ch == "\x15" and depth:
            depth -= 1
            hidden.pop()
        elif hidden and hidden[-1]:
            continue
        elif ch in "\r\x07\x0b\x0c":
            out.append("\n")
        elif ch >= " " or ch == "\t":
            out.append(ch)
    return "\n".join(ln.strip() for ln in "".join(out).split("\n") if ln.strip())


def _result(text: str) -> tuple[str, str | None]:
    return ("ok", text) if text.strip() else ("empty", None)


_READERS = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx, "ofd": _ofd, "doc": _doc, "xls": _xls}


def read_text(data: bytes, ext: str | None = None, content_type: str | None = None
              ) -> tuple[str, str, str | None]:
    """(status, format, text) of one file's bytes; never raises for a bad file."""
    fmt = sniff(data, ext, content_type)
    reader = _READERS.get(fmt)
    if reader is None:
        return "unsupported", fmt, None
    try:
        status, text = reader(data)
    except _Refused as e:
        return str(e), fmt, None
    except MemoryError:
        raise                          # the worker reports it and is replaced
    except Exception as e:             # noqa: BLE001 - a broken or hostile file: its status says so
        return f"error: {type(e).__name__}: {' '.join(str(e).split())[:200]}", fmt, None
    return status, fmt, text


READER_NAME = "file-reader"  # this process's name in ps / top (and the benchmarks' figures)


def main() -> None:
    """The child process: ``{"ext", "content_type", "size"}\\n`` + size bytes in, one
    JSON line ``{"status", "format", "text"}`` out, per file, until stdin closes."""
    import resource
    from portal_crawler.spawn import name_process
    name_process(READER_NAME)
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    inp, out = sys.stdin.buffer, sys.stdout
    while True:
        head = inp.readline()
        if not head:
            return
        req = json.loads(head)
        data = inp.read(req["size"])
        try:
            status, fmt, text = read_text(data, req.get("ext"), req.get("content_type"))
        except MemoryError:
            del data
            out.write(json.dumps({"status": "memory_limit", "format": None, "text": None}) + "\n")
            out.flush()
            return                     # a fresh process for the next file
        out.write(json.dumps({"status": status, "format": fmt, "text": text}, ensure_ascii=False) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
