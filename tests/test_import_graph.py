"""The package's import graph, from the source (ast of every module, imports inside
functions included): no import circle, and no module imports a later stage.

The layer order is written once, here. A module may import its own layer and any
layer before it; the package root (``portal_crawler/__init__.py``: the version and the
lazy public API) is outside the order.
"""
from __future__ import annotations

import ast

from conftest import ROOT

PKG = ROOT / "portal_crawler"

# Earliest first: a module may import its own layer and the layers above it in this list.
LAYERS = [
    {"record", "urls", "spawn", "terminal", "blocks"},
    {"extract", "discover", "files"},   # files: attachment text (a bounded child process)
    {"sites"},          # a sites file's selectors compile with extract; `sites discover` reads homes
    {"dedupe"},         # the repost rule reads the packaged sites
    {"store"},
    {"crawler"},
    {"scaleout"},
    {"snapshot", "serve", "replica", "schedule"},
    {"api"},            # the documented API: Archive with every stage's verbs, parse_page
    {"cli", "__main__"},
]


def _modules() -> dict[str, ast.Module]:
    out = {}
    for p in PKG.rglob("*.py"):
        if "__pycache__" in p.parts:
            continue
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = ast.parse(p.read_text("utf-8"), str(p))
    return out


def _resolve(name: str, known) -> str | None:
    """The longest module of the package that ``name`` names (``a.b.C`` -> ``a.b``)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    mods = _modules()
    graph = {m: set() for m in mods}
    for mod, tree in mods.items():
        is_pkg = (PKG / "/".join(mod.split(".")[1:]) / "__init__.py").exists()
        base = mod if is_pkg else mod.rpartition(".")[0]
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parent = base.split(".")[: len(base.split(".")) - node.level + 1]
                    src = ".".join(parent + ([node.module] if node.module else []))
                else:
                    src = node.module or ""
                # `from pkg import mod` names a module; `from mod import name` the module.
                names = [f"{src}.{a.name}" for a in node.names]
            for n in names:
                target = _resolve(n, mods)
                if target and target != mod and target != "portal_crawler":
                    graph[mod].add(target)
    return graph


def _layer(mod: str) -> int | None:
    parts = mod.split(".")
    if len(parts) < 2:
        return None
    for i, names in enumerate(LAYERS):
        if parts[1] in names:
            return i
    raise AssertionError(f"{mod}: its package is in no layer of LAYERS (tests/test_import_graph.py)")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_every_package_has_a_layer():
    for mod in import_graph():
        _layer(mod)


def test_no_import_circle():
    assert _cycles(import_graph()) == []


def test_no_upward_import():
    graph = import_graph()
    upward = sorted(f"{a} -> {b}" for a, deps in graph.items() for b in deps
                    if _layer(a) is not None and _layer(b) is not None and _layer(b) > _layer(a))
    assert upward == []


def test_the_checker_sees_a_circle_and_an_upward_import():
    # The two checks can fail: a made-up graph with both faults is caught.
    graph = {"portal_crawler.store.a": {"portal_crawler.crawler.b"},
             "portal_crawler.crawler.b": {"portal_crawler.store.a"}}
    assert _cycles(graph) == [["portal_crawler.crawler.b", "portal_crawler.store.a"]]
    assert _layer("portal_crawler.crawler.b") > _layer("portal_crawler.store.a")
    # and the real graph is read: the spider imports the extractor.
    assert "portal_crawler.extract" in import_graph()["portal_crawler.crawler.spider"]
