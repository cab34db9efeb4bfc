"""A minimal HTTP/1.1 server protocol on Twisted (GET/HEAD/POST, keep-alive,
pipelining).  twisted.web's Site costs several times more per request; the replica
must serve a 100k-page crawl quickly on one core."""
from __future__ import annotations

from twisted.internet import protocol

REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 400: "Bad Request",
           404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error"}
MAX_HEAD = 65536


class HTTPProtocol(protocol.Protocol):
    """handler(method, target, headers: dict) -> (status, [(name, value)], body)."""

    def __init__(self, handler):
        self.handler = handler
        self.buf = b""

    def dataReceived(self, data: bytes):
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > MAX_HEAD:
                    self._send(400, [], b"header too large", close=True)
                return
            head = self.buf[:end].decode("latin-1")
            lines = head.split("\r\n")
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                self._send(400, [], b"bad request line", close=True)
                return
            headers = {}
            for ln in lines[1:]:
                k, _, v = ln.partition(":")
                headers[k.strip().lower()] = v.strip()
            clen = int(headers.get("content-length") or 0)
            if len(self.buf) < end + 4 + clen:
                return                                       # wait for the request body
            self.buf = self.buf[end + 4 + clen:]
            conn = headers.get("connection", "").lower()
            close = conn == "close" or (version == "HTTP/1.0" and conn != "keep-alive")
            try:
                status, hdrs, body = self.handler(method, target, headers)
            except Exception as e:                           # keep serving; report the bug
                import traceback
                traceback.print_exc()
                status, hdrs, body = 500, [("Content-Type", "text/plain")], repr(e).encode()
            self._send(status, hdrs, b"" if method == "HEAD" else body, close,
                       length=len(body))
            if close:
                return

    def _send(self, status, hdrs, body, close=False, length=None):
        out = [f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}",
               f"Content-Length: {len(body) if length is None else length}",
               "Server: Apache", "Connection: " + ("close" if close else "keep-alive")]
        out += [f"{k}: {v}" for k, v in hdrs]
        self.transport.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
        if close:
            self.buf = b""
            self.transport.loseConnection()


class HTTPFactory(protocol.Factory):
    def __init__(self, handler):
        self.handler = handler

    def buildProtocol(self, addr):
        return HTTPProtocol(self.handler)
