"""Attachment text read off the crawl's event loop: one child process
(``python -m portal_crawler.files.text``) reads one file at a time, its address space
capped (RLIMIT_AS), each file bounded in time; the crawl awaits the answer without
blocking (asyncio pipes). A file that overruns its time is answered ``timeout`` and
the child killed; one that overruns memory is answered ``memory_limit`` and the child
replaced; the child is also replaced every ``recycle`` files, so its RSS stays bounded.
"""
from __future__ import annotations

import asyncio
import json
import sys

__all__ = ["TextWorker"]


class TextWorker:
    def __init__(self, timeout: float = 30.0, memory_bytes: int = 1 << 30, max_bytes: int = 64 << 20,
                 recycle: int = 200):
        self.timeout, self.memory_bytes, self.max_bytes, self.recycle = timeout, memory_bytes, max_bytes, recycle
        self.proc: asyncio.subprocess.Process | None = None
        self.served = 0
        self._lock: asyncio.Lock | None = None

    async def _start(self) -> asyncio.subprocess.Process:
        if self.proc is None or self.proc.returncode is not None or self.served >= self.recycle:
            self._kill()
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "portal_crawler.files.text", str(self.memory_bytes),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL, limit=256 << 20)
            self.served = 0
        return self.proc

    async def read(self, data: bytes, ext: str | None = None, content_type: str | None = None) -> dict:
        """``{"status", "format", "text"}`` of one file (files/text.py statuses, plus
        ``too_large``, ``timeout``, ``memory_limit``, ``error: reader exited N``)."""
        if len(data) > self.max_bytes:
            return {"status": "too_large", "format": None, "text": None}
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:          # one file at a time in the child (an awaited lock: no blocking)
            proc = await self._start()
            self.served += 1
            head = json.dumps({"ext": ext, "content_type": content_type, "size": len(data)}) + "\n"
            try:
                proc.stdin.write(head.encode() + data)
                await asyncio.wait_for(proc.stdin.drain(), self.timeout)
                line = await asyncio.wait_for(proc.stdout.readline(), self.timeout)
            except (asyncio.TimeoutError, TimeoutError):
                self._kill()
                return {"status": "timeout", "format": None, "text": None}
            except (BrokenPipeError, ConnectionResetError):
                line = b""
            if not line:                # killed by the kernel (RLIMIT_AS hit outside Python) or crashed
                code = await proc.wait()
                self.proc = None
                return {"status": f"error: reader exited {code}", "format": None, "text": None}
            answer = json.loads(line)
            if answer["status"] == "memory_limit":    # the child exits after it: the next file gets a new one
                await proc.wait()
                self.proc = None
            return answer

    def _kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
        self.proc = None

    async def aclose(self) -> None:
        """close(), then wait for the child to be gone (before its event loop closes)."""
        proc = self.proc
        self.close()
        if proc is not None:
            await proc.wait()

    def close(self) -> None:
        """Stop the child (it exits on end of input; killed if it is mid-file)."""
        if self.proc is not None and self.proc.returncode is None:
            try:
                self.proc.stdin.close()
            except Exception:  # noqa: BLE001 - closing a pipe of a dying child
                pass
            self.proc.kill()
        self.proc = None
