"""Two "hosts" on one machine for the scale-out tests: two network namespaces joined by
a veth pair on a private /30, made and removed by the test (root and ``ip netns``).

``TwoHosts`` names both with a unique suffix; ``inside(ns)`` runs this thread inside a
namespace (``setns``), so that processes it starts live there too; ``wrap(ns)`` is the
command prefix that starts one process in a namespace.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import random
import shutil
import subprocess
import uuid

CLONE_NEWNET = 0x40000000


def _ip(*args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def why_not() -> str | None:
    """Why two namespaces cannot be made here (None: they can)."""
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is not installed"
    probe = f"so-probe-{uuid.uuid4().hex[:6]}"
    p = _ip("netns", "add", probe, check=False)
    if p.returncode != 0:
        return f"`ip netns add` is not permitted here ({p.stderr.strip() or p.returncode}): needs root"
    _ip("netns", "del", probe, check=False)
    return None


class TwoHosts:
    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:6]
        self.a, self.b = f"so{tag}a", f"so{tag}b"          # namespace names
        self.veth_a, self.veth_b = f"vso{tag}a", f"vso{tag}b"
        # A private /30 (10.200.0.0-10.254.255.252): .1 host A, .2 host B.
        net = random.randrange(200, 255) << 16 | random.randrange(0, 256) << 8 | random.randrange(0, 64) << 2
        self.addr_a = f"10.{net >> 16}.{(net >> 8) & 255}.{(net & 255) + 1}"
        self.addr_b = f"10.{net >> 16}.{(net >> 8) & 255}.{(net & 255) + 2}"

    def __enter__(self) -> "TwoHosts":
        try:
            _ip("netns", "add", self.a)
            _ip("netns", "add", self.b)
            _ip("link", "add", self.veth_a, "type", "veth", "peer", "name", self.veth_b)
            _ip("link", "set", self.veth_a, "netns", self.a)
            _ip("link", "set", self.veth_b, "netns", self.b)
            for ns, dev, addr in ((self.a, self.veth_a, self.addr_a), (self.b, self.veth_b, self.addr_b)):
                _ip("-n", ns, "addr", "add", f"{addr}/30", "dev", dev)
                _ip("-n", ns, "link", "set", dev, "up")
                _ip("-n", ns, "link", "set", "lo", "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for ns in (self.a, self.b):  # deleting a namespace deletes its end of the veth pair (both ends)
            _ip("netns", "del", ns, check=False)
        _ip("link", "del", self.veth_a, check=False)

    @staticmethod
    def wrap(ns: str) -> tuple:
        return ("ip", "netns", "exec", ns)

    @contextlib.contextmanager
    def inside(self, ns: str):
        """This thread (and every process it starts) in namespace ``ns``, then back."""
        libc = ctypes.CDLL(None, use_errno=True)
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        try:
            if libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns into {ns}")
            try:
                yield
            finally:
                if libc.setns(home, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns back to the test's namespace")
        finally:
            os.close(target)
            os.close(home)
