"""A minimal HTTP/1.1 server protocol on Twisted (GET/HEAD/POST, keep-alive,
pipelining).  twisted.web's Site costs several times more per request; the replica
must serve a 100k-page crawl quickly on one core."""
from __future__ import annotations

from twisted.internet import protocol

REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 400: "Bad Request",
           404: "Not Found", 405: "Method Not Allowed", 412: "Precondition Failed",
           429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}
MAX_HEAD = 65536


class Stream:
    """A body made on demand, chunk by chunk (``chunks()`` gives an iterator of bytes of
    ``length`` bytes in all): a 200 MB attachment is never held in memory, and a client
    that stops reading (a crawler's size cap) stops the making."""

    def __init__(self, length: int, chunks):
        self.length, self.chunks = length, chunks

    def __len__(self) -> int:
        return self.length


class _Pull:
    """Twisted pull producer writing a Stream to the transport as it drains."""

    def __init__(self, proto, it, close):
        self.proto, self.it, self.close = proto, it, close

    def resumeProducing(self):
        chunk = next(self.it, None)
        if chunk is None:
            self.proto.transport.unregisterProducer()
            self.proto._streamed(self.close)
            return
        self.proto.transport.write(chunk)

    def stopProducing(self):
        self.it = iter(())

    def pauseProducing(self):
        pass


class HTTPProtocol(protocol.Protocol):
    """handler(method, target, headers: dict) -> (status, [(name, value)], body) or
    (status, headers, body, fault) where fault (replica/faults.py) is one of
    ("reset",): abort the connection (RST) instead of answering;
    ("truncate", n, with_length): send only the first n bytes of the body, then close,
    declaring the full Content-Length or none (framed by the close);
    ("delay", seconds): answer after a pause."""

    def __init__(self, handler):
        self.handler = handler
        self.buf = b""
        self.paused = False

    def dataReceived(self, data: bytes):
        self.buf += data
        if self.paused:
            return
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
            fault = None
            try:
                status, hdrs, body, *rest = self.handler(method, target, headers)
                fault = rest[0] if rest else None
            except Exception as e:                           # keep serving; report the bug
                import traceback
                traceback.print_exc()
                status, hdrs, body = 500, [("Content-Type", "text/plain")], repr(e).encode()
            if method == "HEAD":
                fault = None if fault and fault[0] == "truncate" else fault
            if fault and fault[0] == "reset":
                self.buf = b""
                self.transport.abortConnection()
                return
            if fault and fault[0] == "truncate":
                self.buf = b""
                self._send(status, hdrs, body[:fault[1]], close=True,
                           length=len(body) if fault[2] else None, framed=fault[2])
                return
            if fault and fault[0] == "delay":
                from twisted.internet import reactor
                self.paused = True
                reactor.callLater(fault[1], self._resume, status, hdrs,
                                  b"" if method == "HEAD" else body, close, len(body))
                return
            self._send(status, hdrs, b"" if method == "HEAD" else body, close,
                       length=len(body))
            if close or self.paused:                         # paused: a Stream is being sent
                return

    def _resume(self, status, hdrs, body, close, length):
        if not self.transport.connected:
            return
        self.paused = False
        self._send(status, hdrs, body, close, length=length)
        if not close:
            self.dataReceived(b"")

    def _streamed(self, close):
        if close:
            self.buf = b""
            self.transport.loseConnection()
            return
        self.paused = False
        self.dataReceived(b"")                               # pipelined requests waiting

    def _send(self, status, hdrs, body, close=False, length=None, framed=True):
        stream = body if isinstance(body, Stream) else None
        if stream is not None:
            body = b""
            length = stream.length
        out = [f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}"]
        if framed:  # unframed: the body ends where the connection closes
            out.append(f"Content-Length: {len(body) if length is None else length}")
        out += ["Server: Apache", "Connection: " + ("close" if close else "keep-alive")]
        out += [f"{k}: {v}" for k, v in hdrs]
        self.transport.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
        if stream is not None:
            self.paused = True                               # the next request waits for the body
            self.transport.registerProducer(_Pull(self, iter(stream.chunks()), close), False)
            return
        if close:
            self.buf = b""
            self.transport.loseConnection()


class HTTPFactory(protocol.Factory):
    def __init__(self, handler):
        self.handler = handler

    def buildProtocol(self, addr):
        return HTTPProtocol(self.handler)
