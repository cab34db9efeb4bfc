"""Small filesystems for the reliability tests: a tmpfs of a given size (a disk that
fills up), remountable read-only (a location that cannot be written even by root).

Mounting needs root (CI runs as root); without it the tests that need a real full or
read-only filesystem skip, saying so."""
from __future__ import annotations

import contextlib
import os
import subprocess

import pytest

NEED_ROOT = "mounting a tmpfs needs root (CI runs as root); not root here"


@contextlib.contextmanager
def tmpfs(path, size="2m"):
    if os.geteuid() != 0:
        pytest.skip(NEED_ROOT)
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"root, but mount failed (no CAP_SYS_ADMIN in this container?): {r.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount_readonly(path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)
