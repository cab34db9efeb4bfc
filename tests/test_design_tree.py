"""docs/design.md shows the real tree: every module of the package is named there, and
every module named there exists."""
from __future__ import annotations

import re

from conftest import ROOT

PKG = ROOT / "portal_crawler"


def _tree_block() -> str:
    text = (ROOT / "docs" / "design.md").read_text("utf-8")
    return re.search(r"```\nportal_crawler/\n(.*?)```", text, re.S).group(1)


def _named_modules(block: str) -> set[str]:
    """Paths the tree names: `pkg/` lines open a package; `x.py` words under it are modules."""
    names, stack = set(), []
    for line in block.splitlines():
        if not line.strip() or not line.startswith("  "):
            continue
        indent = (len(line) - len(line.lstrip())) // 2
        head = line.split()[0]
        stack = stack[: indent - 1]
        if head.endswith("/"):
            stack.append(head.rstrip("/"))
            names.add("/".join(stack))
            continue
        for word in re.findall(r"[\w.]+\.(?:py|toml)\b", line.strip().split("  ", 1)[0]):
            names.add("/".join(stack + [word]))
    return names


def test_design_tree_matches_the_package():
    named = _named_modules(_tree_block())
    real = {str(p.relative_to(PKG)) for p in PKG.rglob("*.py") if "__pycache__" not in p.parts}
    real |= {str(p.relative_to(PKG)) for p in PKG.rglob("*.toml")}
    packages = {str(p.parent.relative_to(PKG)) for p in PKG.rglob("__init__.py") if p.parent != PKG}
    missing = sorted(m for m in real if m not in named and not m.endswith("__init__.py")
                     and not m.endswith("__main__.py"))
    assert missing == [], f"modules not in docs/design.md: {missing}"
    assert packages <= named, sorted(packages - named)
    stale = sorted(m for m in named if m.endswith((".py", ".toml")) and m not in real)
    assert stale == [], f"docs/design.md names modules that do not exist: {stale}"
