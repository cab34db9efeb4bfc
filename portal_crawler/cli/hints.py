"""Commands the program suggests, spelled so that they run as printed.

After the quick start (``.venv/bin/pip install -e .``) ``portal-crawler`` lives in the
virtualenv's ``bin/`` and is on PATH only when that virtualenv is activated, so a hint
saying ``portal-crawler search ...`` would fail as printed. ``program()`` names this
program the way the shell that started it can run it again.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from pathlib import Path

SCRIPT = "portal-crawler"


def program(cwd: Path | None = None) -> str:
    """How to run portal-crawler from ``cwd``: ``portal-crawler`` when that name on PATH
    is this installation's script; else the script's path (relative when it is under
    ``cwd``, e.g. ``.venv/bin/portal-crawler``); else ``<python> -m portal_crawler``."""
    cwd = Path.cwd() if cwd is None else cwd
    script = Path(sys.executable).parent / SCRIPT
    on_path = shutil.which(SCRIPT)
    if script.is_file():
        if on_path and Path(on_path).resolve() == script.resolve():
            return SCRIPT
        return quote(_relative(script, cwd))
    return f"{quote(_relative(Path(sys.executable), cwd))} -m portal_crawler"


def _relative(path: Path, cwd: Path) -> str:
    """``path`` relative to ``cwd`` when it lies under it (never resolving symlinks: a
    virtualenv's python is a link to the system's)."""
    path = Path(os.path.abspath(path))
    try:
        rel = str(path.relative_to(Path(os.path.abspath(cwd))))
    except ValueError:
        return str(path)
    return rel if os.sep in rel else f".{os.sep}{rel}"  # a bare name would be looked up on PATH


# Characters the shell reads specially; a word without them (Chinese included) needs no quotes.
_SHELL_SPECIAL = re.compile(r"[\s'\"\\$`!*?&;|<>(){}\[\]#~=%]")


def quote(word) -> str:
    """``word`` for a shell command line, quoted only when the shell would misread it."""
    word = str(word)
    return word if word and not _SHELL_SPECIAL.search(word) else shlex.quote(word)


def command(*args: str) -> str:
    """A suggested command line: this program with ``args``, each quoted for the shell."""
    return " ".join([program(), *map(quote, args)])
