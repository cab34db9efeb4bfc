"""Text from pages and files, made safe for the terminal.

Titles, URLs, 来源 lines, site keys and error messages come from the sites and from
users' files. Rich reads ``[...]`` in a printed string or a table cell as markup (``[/]``
crashes it, ``[link=...]`` makes a hyperlink), and raw control characters reach the
terminal as escape sequences (cursor moves, screen clears, OSC 8 links, title changes).
Every such string goes through ``safe`` before ``out.print`` or ``Table.add_row``.
"""
from __future__ import annotations

import re

from rich.markup import escape

# C0 controls (tab kept), DEL, C1 controls (0x9b is a one-byte CSI), and the Unicode
# line/paragraph separators and bidi overrides that reorder what a line shows.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def plain(value) -> str:
    """``value`` as one line of printable text: control characters become U+FFFD
    (visible, so a hostile title cannot pass for a clean one), line breaks spaces.
    One character for one: offsets into the text (highlights) stay valid."""
    if value is None:
        return ""
    return _CONTROL.sub(lambda m: " " if m.group() in "\r\n" else "\ufffd", str(value))


def safe(value) -> str:
    """``plain(value)`` with Rich markup escaped: prints literally via Rich."""
    return escape(plain(value))
