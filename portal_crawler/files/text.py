"""A document's plain text: PDF (pdfminer.six), DOCX (python-docx), XLSX (openpyxl),
OFD (its XML text layer, zipfile + lxml). Legacy DOC/XLS/WPS, archives and the rest
are kept as files only (``unsupported``).

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


def _xlsx(data: bytes) -> tuple[str, str | None]:
    import openpyxl
    _check_zip(data)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells = ["" if v is None else str(v) for v in row]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                rows.append("\t".join(cells))
    wb.close()
    return _result("\n".join(rows))


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


def _result(text: str) -> tuple[str, str | None]:
    return ("ok", text) if text.strip() else ("empty", None)


_READERS = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx, "ofd": _ofd}


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


def main() -> None:
    """The child process: ``{"ext", "content_type", "size"}\\n`` + size bytes in, one
    JSON line ``{"status", "format", "text"}`` out, per file, until stdin closes."""
    import resource
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
