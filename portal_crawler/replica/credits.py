"""Editor / reviewer lines as real portal templates print them (issue 21): a FORM
(wrapper, label, separator) and a PLACE on the page, chosen per article from the
site's own lists (data in sites.py), deterministic by (seed, site, aid).

The renderers (dede.py, trs.py) print the line; truth.py reads the same choice to
know which credits the page shows.  A 校对 (proofreader) credit is printed on some
lines: it is no field of the record, so an extractor must neither keep it in the body
nor take it for the editor, the reviewer or the author.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from portal_crawler.replica import textgen as G
from portal_crawler.replica.sites import EDITOR_FORMS, editor_style
from portal_crawler.replica.vocab import NAMES

# The DedeCMS default: `(责任编辑:王芳 审核:刘继伟)` as the last text of the body cell.
DEFAULT = ("dede", "td_line")


@dataclass(frozen=True)
class Credit:
    form: str                   # key of sites.EDITOR_FORMS
    place: str                  # td_line | own_para | para_end | after_block | sibling_div | byline
    editor: str
    reviewer: str | None        # shown on the page (None: no 审核 credit)
    proofreader: str | None     # 校对: shown, no field
    box_class: str = "editor"   # class of the sibling div (place sibling_div)

    def line(self) -> str:
        """The credit line as the page prints it (places other than byline)."""
        opn, label, sep, cls = EDITOR_FORMS[self.form]
        parts = [f"{label}{sep}{self.editor}"]
        if self.reviewer:
            parts.append(f"审核{sep}{self.reviewer}")
        if self.proofreader:
            parts.append(f"校对{sep}{self.proofreader}")
        return opn + " ".join(parts) + cls

    def byline_parts(self) -> list[tuple[str, str]]:
        """(label + separator, value) pairs for an info row."""
        _, label, sep, _ = EDITOR_FORMS[self.form]
        out = [(label + sep, self.editor)]
        if self.reviewer:
            out.append(("审核" + sep, self.reviewer))
        if self.proofreader:
            out.append(("校对" + sep, self.proofreader))
        return out


_BOX_CLASSES = ("editor", "zrbj", "article-editor", "bianji")


def credit_of(net, m, aid: int, editor: str, reviewer: str | None, seed_style: bool) -> Credit:
    """The editor line of article ``aid`` of site model ``m``."""
    if seed_style:          # the verbatim seed article keeps its own line
        return Credit(*DEFAULT, editor=editor, reviewer=reviewer, proofreader=None)
    forms, places = editor_style(m.info.key)
    rng = random.Random(G.mix(net.seed, m.info.idx, aid, 950))
    form, place = rng.choice(forms), rng.choice(places)
    proof = rng.choice([n for n in NAMES if n not in (editor, reviewer)]) if rng.random() < 0.2 else None
    return Credit(form, place, editor, reviewer, proof, rng.choice(_BOX_CLASSES))
