"""A tiny HTTP site on loopback for tests that need hand-made pages: subclass it and
write ``route(path) -> (status, content type, body)``. Every request is logged as
(monotonic arrival time, path, User-Agent): on loopback, arrival is send time."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackSite:
    def __init__(self):
        self.log: list[tuple[float, str, str]] = []
        site = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                site.log.append((time.monotonic(), self.path, self.headers.get("User-Agent", "")))
                status, ctype, body = site.route(self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def route(self, path: str) -> tuple[int, str, bytes]:
        raise NotImplementedError

    def close(self):
        self.server.shutdown()
        self.server.server_close()
