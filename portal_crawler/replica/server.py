"""The replica process: one listening port per served site plus a control port.

Control endpoints (GET or POST, JSON): /epoch, /advance, /truth[?site=k],
/stats[?paths=1] (with paths: per-path counts and request arrival times), /stats/reset, /info,
/faults[?set=PLAN_JSON | ?off=1] (fault mode, see faults.py), /revise?path=P (the attachment at P
gets a new revision: new text, bytes, ETag and Last-Modified; see attachments.py),
/robots?disallow=PREFIX (every site's robots.txt also disallows PREFIX for every agent).

Files (attachments, images, stylesheets) carry ``ETag`` (a CRC of the bytes, or of the
path and revision for the streamed 200 MB one) and ``Last-Modified``, and a conditional
request (If-None-Match / If-Modified-Since) they still match is answered ``304`` with no
body, as Apache answers one: a re-crawl can be checked to cost no file bytes."""
from __future__ import annotations

import json
import os
import time
import zlib
from collections import Counter, defaultdict
from urllib.parse import parse_qs, urlsplit

from portal_crawler.replica.faults import FaultPlan
from portal_crawler.replica.http import HTTPFactory, Stream
from portal_crawler.replica.model import Network
from portal_crawler.replica.router import SiteRouter
from portal_crawler.replica.truth import truth


class Stats:
    def __init__(self):
        self.reset()

    def reset(self):
        self.kinds: dict[str, Counter] = defaultdict(Counter)
        self.paths: dict[str, Counter] = defaultdict(Counter)
        self.status: Counter = Counter()
        # Body bytes sent per kind of answer (a Stream: its whole length, as announced).
        self.bytes: dict[str, Counter] = defaultdict(Counter)
        # When each request arrived (this process's monotonic clock): politeness is
        # measured here, by the server, whatever the crawler believes it did.
        self.arrivals: dict[str, list[float]] = defaultdict(list)

    def add(self, site: str, kind: str, target: str, status: int, nbytes: int = 0):
        self.arrivals[site].append(time.monotonic())
        self.bytes[site][kind] += nbytes
        self.kinds[site][kind] += 1
        self.paths[site][target] += 1
        self.status[status] += 1

    def as_dict(self, paths: bool) -> dict:
        d = {"sites": {k: dict(v) for k, v in self.kinds.items()},
             "total": sum(sum(v.values()) for v in self.kinds.values()),
             "status": {str(k): v for k, v in self.status.items()},
             "bytes": {k: dict(v) for k, v in self.bytes.items()}}
        if paths:
            d["paths"] = {k: dict(v) for k, v in self.paths.items()}
            d["arrivals"] = {k: list(v) for k, v in self.arrivals.items()}
        return d


class Replica:
    def __init__(self, net: Network, faults: FaultPlan | None = None):
        self.net = net
        self.faults = faults
        self.stats = Stats()
        self.revisions: dict[str, int] = {}   # attachment path -> revision (/revise)
        self.disallow: list[str] = []         # path prefixes every robots.txt adds (/robots)
        self.routers = {k: SiteRouter(net, net.sites[k], self.revisions) for k in net.served}

    def site_handler(self, key: str):
        router = self.routers[key]
        stats = self.stats

        def handle(method, target, headers):
            kind, status, ctype, body = router.route(target)
            hdrs = [("Content-Type", ctype)]
            if kind == "robots" and status == 200 and self.disallow:
                # in the site's "User-agent: *" group, which comes first
                body = body.replace(b"\n", b"\n" + "".join(f"Disallow: {p}\n" for p in self.disallow).encode(), 1)
            if kind in FILE_KINDS and status == 200:
                path = urlsplit(target).path
                tag, modified = validators(path, body, self.revisions.get(path, 0))
                hdrs += [("ETag", tag), ("Last-Modified", modified)]
                if not_modified(headers, tag, modified):
                    status, hdrs, body = 304, hdrs[1:], b""
            answer = (status, hdrs, body)
            if self.faults is not None:
                answer = self.faults.apply(key, kind, urlsplit(target).path, *answer)
            stats.add(key, kind, target, answer[0], 0 if method == "HEAD" else len(answer[2]))
            return answer
        return handle

    def control(self, method, target, headers):
        parts = urlsplit(target)
        qs = parse_qs(parts.query)
        p = parts.path.rstrip("/")
        if p == "/epoch":
            out = {"epoch": self.net.epoch}
        elif p == "/advance":
            out = {"epoch": self.net.advance()}
        elif p == "/truth":
            out = truth(self.net, qs.get("site"))
        elif p == "/stats":
            out = self.stats.as_dict(bool(qs.get("paths")))
        elif p == "/stats/reset":
            self.stats.reset()
            out = {"ok": True}
        elif p == "/faults":
            if qs.get("off"):
                self.faults = None
            elif qs.get("set"):
                self.faults = FaultPlan.from_json(qs["set"][0])
            out = self.faults.as_json() if self.faults else {}
        elif p == "/revise":
            path = qs["path"][0]
            self.revisions[path] = self.revisions.get(path, 0) + 1
            out = {"path": path, "revision": self.revisions[path]}
        elif p == "/robots":
            self.disallow += qs.get("disallow", [])
            out = {"disallow": self.disallow}
        elif p == "/info":
            out = {"seed": self.net.seed, "scale": self.net.scale, "epoch": self.net.epoch,
                   "sites": self.net.base_urls,
                   "articles": {k: self.net.sites[k].n for k in self.net.served}}
        else:
            return 404, [("Content-Type", "application/json")], b'{"error": "not found"}'
        return 200, [("Content-Type", "application/json")], json.dumps(out, ensure_ascii=False).encode()


# Answers that are files: they carry validators and honour conditional requests.
FILE_KINDS = ("attachment", "upload", "static")


def validators(path: str, body, revision: int) -> tuple[str, str]:
    """(ETag, Last-Modified) of a file: the tag follows the bytes; every file dates from
    one day, a revision from a day later each."""
    import email.utils
    crc = zlib.crc32(f"{path}#{revision}".encode()) if isinstance(body, Stream) else zlib.crc32(body)
    return f'"{crc:08x}"', email.utils.formatdate(FILES_DATE + revision * 86400, usegmt=True)


def not_modified(headers: dict, tag: str, modified: str) -> bool:
    """RFC 9110 13.1: If-None-Match decides when present; else If-Modified-Since."""
    import email.utils
    if "if-none-match" in headers:
        return tag in [t.strip() for t in headers["if-none-match"].split(",")] or headers["if-none-match"] == "*"
    if since := headers.get("if-modified-since"):
        try:
            return email.utils.parsedate_to_datetime(modified) <= email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


FILES_DATE = 1638345600     # Wed, 01 Dec 2021 08:00:00 GMT


def serve(seed: int, sites: list[str] | None, scale, ready_file: str | None,
          host: str = "127.0.0.1", epoch: int = 0, control_port: int = 0,
          ports: dict | None = None, faults: str | None = None):
    from twisted.internet import reactor

    net = Network(seed, sites, scale)
    net.set_epoch(epoch)
    rep = Replica(net, FaultPlan.from_json(faults))
    for key in net.served:
        lp = reactor.listenTCP((ports or {}).get(key, 0), HTTPFactory(rep.site_handler(key)),
                               interface=host, backlog=1024)
        net.base_urls[key] = f"http://{host}:{lp.getHost().port}/"
    cp = reactor.listenTCP(control_port, HTTPFactory(rep.control), interface=host)
    control = f"http://{host}:{cp.getHost().port}/"
    info = {"sites": net.base_urls, "control": control, "pid": os.getpid()}
    if ready_file:
        tmp = ready_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(info, f)
        os.replace(tmp, ready_file)                      # readers never see half a file
    else:
        print(json.dumps(info), flush=True)
    reactor.run()
