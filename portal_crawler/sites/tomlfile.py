"""A small TOML writer for sites files (tomllib only reads)."""
from __future__ import annotations


def _val(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_inline(x) if isinstance(x, dict) else _val(x) for x in v) + "]"
    if isinstance(v, dict):
        return _inline(v)
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _inline(d: dict) -> str:
    return "{ " + ", ".join(f"{_key(k)} = {_val(v)}" for k, v in d.items()) + " }"


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() and k.isascii() else _val(k)


def dumps_sites(doc: dict) -> str:
    """``{"defaults": {...}, "sites": [{...}, ...]}`` -> TOML text."""
    lines = ["# portal-crawler sites file (README: Sites)", ""]
    if doc.get("defaults"):
        lines.append("[defaults]")
        lines += [f"{_key(k)} = {_val(v)}" for k, v in doc["defaults"].items()]
        lines.append("")
    for s in doc.get("sites", []):
        lines.append("[[sites]]")
        tables = {k: v for k, v in s.items() if isinstance(v, dict)}
        lines += [f"{_key(k)} = {_val(v)}" for k, v in s.items() if k not in tables]
        for name, table in tables.items():
            lines.append(f"[sites.{name}]")
            lines += [f"{_key(k)} = {_val(v)}" for k, v in table.items()]
        lines.append("")
    return "\n".join(lines)
