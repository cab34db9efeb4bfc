"""What a fetched file is, by its first bytes first: servers lie about types
(``text/html`` for a PDF), and a link's extension is only a hint."""
from __future__ import annotations

import io
import zipfile

__all__ = ["sniff", "READ", "FILES_ONLY"]

# formats whose text is read (files/text.py) and formats kept as files only
READ = ("pdf", "docx", "xlsx", "ofd", "doc", "xls")
FILES_ONLY = ("wps", "et", "ppt", "pptx", "zip", "rar", "7z")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"      # OLE2 compound file: .doc, .xls, .wps, .et


def sniff(data: bytes, ext: str | None = None, content_type: str | None = None) -> str:
    """The format of ``data``: pdf, docx, xlsx, pptx, ofd, zip, ole (legacy Office / WPS),
    rar, 7z, html, or ``unknown``. ``ext`` decides only between formats the bytes
    cannot tell apart: an OLE file is a .doc when it holds a ``WordDocument`` stream and
    an .xls when it holds a ``Workbook`` (or ``Book``) stream, unless its link says .wps
    or .et (Kingsoft's own formats, kept as files: no genuine one to test a reader on)."""
    head = data[:8]
    if data[:1024].lstrip()[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if head == _OLE:
        return _ole_kind(data, ext)
    if head.startswith(b"Rar!"):
        return "rar"
    if head.startswith(b"7z\xbc\xaf"):
        return "7z"
    start = data[:512].lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "unknown"


def _ole_kind(data: bytes, ext: str | None) -> str:
    if ext in ("wps", "et"):
        return ext
    # Stream names are UTF-16 in the compound file's directory sectors.
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "Workbook".encode("utf-16-le") in data or b"B\0o\0o\0k\0\0\0" in data:
        return "xls"
    return ext if ext in ("doc", "xls", "ppt") else "ole"


def _zip_kind(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "OFD.xml" in names:
        return "ofd"
    return "zip"
