"""Child processes that never re-run the user's script.

The crawl starts helper processes (the archive writer; a second ``crawl()`` in one
process). With the ``spawn`` start method Python re-imports the parent's ``__main__``
in the child, so an analyst's plain script (no ``if __name__ == "__main__":`` guard)
would run again inside it. Our targets live in this package and need nothing from
``__main__``, so the child is started without it.
"""
from __future__ import annotations

import multiprocessing as mp
import sys
from contextlib import contextmanager

CTX = mp.get_context("spawn")


@contextmanager
def _main_hidden():
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
    try:
        for k in saved:
            if k == "__file__":
                del main.__file__
            else:
                main.__spec__ = None
        yield
    finally:
        for k, v in saved.items():
            setattr(main, k, v)


def name_process(name: str) -> None:
    """Give this process a name ``ps``, ``top`` and the benchmarks' memory sampler show
    (``/proc/self/comm``, 15 bytes at most): every helper is otherwise just ``python``.
    Linux only; elsewhere nothing happens."""
    try:
        with open("/proc/self/comm", "w") as f:
            f.write(name[:15])
    except OSError:
        pass


def start_process(target, args=(), name: str | None = None, daemon: bool = False) -> mp.Process:
    """Start ``target(*args)`` in a spawned process that does not import ``__main__``."""
    p = CTX.Process(target=target, args=args, name=name, daemon=daemon)
    with _main_hidden():
        p.start()
    return p
