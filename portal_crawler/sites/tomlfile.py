"""Sites files are written with tomlkit: a user's comments and layout survive an update
(``sites discover`` adds addresses to a file the user may have annotated)."""
from __future__ import annotations

from pathlib import Path

import tomlkit


def load_doc(path: str | Path) -> tomlkit.TOMLDocument:
    """The file as an editable document (an empty one when it does not exist yet)."""
    p = Path(path)
    if not p.exists():
        doc = tomlkit.document()
        doc.add(tomlkit.comment("portal-crawler sites file (README: Sites)"))
        return doc
    return tomlkit.parse(p.read_text("utf-8"))


def set_site(doc: tomlkit.TOMLDocument, key: str, values: dict, settings: dict | None = None) -> None:
    """Add the site ``key`` or update its values in place (other keys untouched)."""
    sites = doc.get("sites")
    if sites is None:
        sites = tomlkit.aot()
        doc.append("sites", sites)
    entry = next((s for s in sites if s.get("key") == key), None)
    if entry is None:
        entry = tomlkit.table()
        entry["key"] = key
        sites.append(entry)
    for k, v in values.items():
        entry[k] = v
    if settings:
        table = entry.get("settings")
        if table is None:
            table = tomlkit.table()
            entry["settings"] = table
        for k, v in settings.items():
            table[k] = v
