"""Genuine Word 97 binary documents (.doc) for the replica, written from the specs:
an OLE2 compound file ([MS-CFB], version 3, 512-byte sectors) holding a
``WordDocument`` stream (the FIB, [MS-DOC] 2.5, nFib 0x00C1, then the text) and a
``1Table`` stream (the piece table, ``Clx``, and the font table, ``SttbfFfn``). The
text is one uncompressed UTF-16LE piece, so Chinese needs no code page; paragraphs end
with a paragraph mark (CR).

Enough of the format for readers to find the text (no styles or formatting): what the
legacy DOC reader (files/text.py) is tested on; LibreOffice reads these files
to the same text (tests/test_attachments.py). Every stream is padded to the mini-stream
cutoff (4096 bytes), so the file needs no mini FAT.
"""
from __future__ import annotations

import struct

__all__ = ["word97"]

_SECTOR = 512
_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_MINI_CUTOFF = 4096
_TEXT_AT = 1024          # byte offset of the text in the WordDocument stream (after the FIB)
_CLX_AT = 512            # byte offset of the Clx in the 1Table stream
_FONTS_AT = 1024         # byte offset of the font table in the 1Table stream
_FC_CLX = 33             # index of fcClx/lcbClx in FibRgFcLcb97
_FC_FONTS = 15           # index of fcSttbfFfn/lcbSttbfFfn


def word97(text: str, lid: int = 0x0804) -> bytes:
    """A .doc whose main text is ``text`` (paragraphs separated by newlines)."""
    body = text.replace("\r\n", "\n").replace("\n", "\r") + "\r"
    data = body.encode("utf-16-le")
    ccp = len(data) // 2
    fonts = _fonts([("宋体", 134), ("Times New Roman", 0)])
    fib = _fib(lid, ccp, cb_mac=_TEXT_AT + len(data), clx_len=21, fonts_len=len(fonts))
    word = _pad(fib.ljust(_TEXT_AT, b"\0") + data)
    # Clx: one Pcdt (clxt 2) holding PlcPcd: CPs [0, ccp], one Pcd (fc of the
    # uncompressed piece: bit 30 clear) with no property modifier.
    clx = b"\x02" + struct.pack("<I", 16) + struct.pack("<II", 0, ccp) + struct.pack("<HIH", 0, _TEXT_AT, 0)
    table = _pad((b"\0" * _CLX_AT + clx).ljust(_FONTS_AT, b"\0") + fonts)
    return _compound([("WordDocument", word), ("1Table", table)])


def _fonts(fonts: list[tuple[str, int]]) -> bytes:
    """SttbfFfn: cData, cbExtra 0, then one FFN per font (cbFfnM1; prq/fTrueType/ff;
    wWeight; chs, the charset: 134 GB2312; ixchSzAlt; PANOSE; FONTSIGNATURE; name).
    Word writes one; antiword will not read a file without it."""
    out = struct.pack("<HH", len(fonts), 0)
    for name, chs in fonts:
        body = struct.pack("<BhBB", 0x26, 400, chs, 0) + b"\0" * 10 + b"\0" * 24 + (name + "\0").encode("utf-16-le")
        out += struct.pack("<B", len(body)) + body
    return out


def _fib(lid: int, ccp: int, cb_mac: int, clx_len: int, fonts_len: int) -> bytes:
    # FibBase: wIdent, nFib, unused, lid, pnNext, flags (fWhichTblStm: the table is
    # 1Table; fExtChar: always set), nFibBack, lKey, envr, flags, reserved.
    # The last two (reserved in [MS-DOC]) are fcMin and fcMac in the Word 97 FIB, which
    # Word writes and older readers (catdoc) take the text's place from.
    base = struct.pack("<HHHHHHHIBBHHII", 0xA5EC, 0x00C1, 0, lid, 0, 0x0200 | 0x1000, 0x00BF, 0, 0, 0, 0, 0,
                       _TEXT_AT, cb_mac)
    rg_w = struct.pack("<H", 14) + b"\0" * 28
    lw = [0] * 22
    lw[0], lw[3] = cb_mac, ccp                     # cbMac, ccpText
    rg_lw = struct.pack("<H", 22) + struct.pack("<22I", *lw)
    pairs = [0] * (93 * 2)
    pairs[_FC_CLX * 2], pairs[_FC_CLX * 2 + 1] = _CLX_AT, clx_len
    pairs[_FC_FONTS * 2], pairs[_FC_FONTS * 2 + 1] = _FONTS_AT, fonts_len
    rg_fc = struct.pack("<H", 93) + struct.pack(f"<{93 * 2}I", *pairs)
    return base + rg_w + rg_lw + rg_fc + struct.pack("<H", 0)     # cswNew = 0


def _pad(b: bytes) -> bytes:
    size = max(_MINI_CUTOFF, -(-len(b) // _SECTOR) * _SECTOR)
    return b.ljust(size, b"\0")


def _compound(streams: list[tuple[str, bytes]]) -> bytes:
    """An OLE2 compound file: header, FAT, one directory sector, then each stream."""
    n_data = sum(len(d) // _SECTOR for _, d in streams)
    n_fat = 1
    while n_fat * (_SECTOR // 4) < n_fat + 1 + n_data:
        n_fat += 1
    fat = [_FATSECT] * n_fat + [_END]               # FAT sectors, then the directory's one sector
    starts, nxt = [], n_fat + 1
    for _, d in streams:
        n = len(d) // _SECTOR
        starts.append(nxt)
        fat += list(range(nxt + 1, nxt + n)) + [_END]
        nxt += n
    fat += [_FREE] * (n_fat * (_SECTOR // 4) - len(fat))
    difat = list(range(n_fat)) + [_FREE] * (109 - n_fat)
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, n_fat, 0, _MINI_CUTOFF, _END, 0, _END, 0)
              + struct.pack("<109I", *difat))
    # Directory: the root storage; its child is the first stream, each further stream
    # the left sibling of the one before (names compare by length first: shorter is less).
    ordered = sorted(range(len(streams)), key=lambda i: (len(streams[i][0]), streams[i][0].upper()), reverse=True)
    ids = {i: k + 1 for k, i in enumerate(ordered)}
    entries = [_entry("Root Entry", 5, child=ids[ordered[0]], start=_END, size=0)]
    for k, i in enumerate(ordered):
        left = ids[ordered[k + 1]] if k + 1 < len(ordered) else _NOSTREAM
        entries.append(_entry(streams[i][0], 2, left=left, start=starts[i], size=len(streams[i][1])))
    dir_sector = b"".join(entries).ljust(_SECTOR, b"\0")
    # unused directory entries: no name, siblings and child NOSTREAM
    empty = _entry("", 0, start=0, size=0)
    dir_sector = b"".join(entries + [empty] * (_SECTOR // 128 - len(entries)))
    return header + struct.pack(f"<{len(fat)}I", *fat) + dir_sector + b"".join(d for _, d in streams)


def _entry(name: str, kind: int, left: int = _NOSTREAM, right: int = _NOSTREAM, child: int = _NOSTREAM,
           start: int = 0, size: int = 0) -> bytes:
    raw = name.encode("utf-16-le")
    name_field = (raw + b"\0\0").ljust(64, b"\0") if name else b"\0" * 64
    return (name_field + struct.pack("<HBB", len(raw) + 2 if name else 0, kind, 1)
            + struct.pack("<III", left, right, child) + b"\0" * 16 + struct.pack("<I", 0) + b"\0" * 16
            + struct.pack("<IQ", start, size))
