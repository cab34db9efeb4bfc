"""Replay QA, as Browsertrix's QA does it: does a snapshot replay its articles as the
live site shows them?

``replay_qa(snapshot)`` takes a sample of the WACZ's pages (``pages/pages.jsonl``),
loads the WACZ into pywb (its own virtualenv: pywb pins an old redis client), and opens
each page in headless Chromium twice, from the live site and from the replay, with
the same viewport, JavaScript off in both (a page's scripts here are hit counters
and ads; the archive keeps the page as served, and the replay must show that), and
in the replay every request that does not go to pywb aborted (what is not archived
does not show). Per page:

* ``text_match``: difflib's ratio between the two pages' visible text (innerText,
  whitespace collapsed); 1.0 is the same text;
* ``similarity``: SSIM (structural similarity, Wang et al. 2004) of the two full-page
  screenshots in grey, over 8x8 windows, the shorter one padded with white; 1.0 is
  the same picture.
"""
from __future__ import annotations

import difflib
import io
import json
import os
import random
import socket
import subprocess
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["PageQA", "QAReport", "QAError", "replay_qa", "ssim", "text_match", "CHROMIUM_FLAGS",
           "default_pywb"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}


class QAError(ValueError):
    """Bad input: not a snapshot or WACZ, no pywb, no Chromium (the CLI exits 2)."""


@dataclass
class PageQA:
    url: str
    ts: str
    text_match: float
    similarity: float
    live_png: str | None = None
    replay_png: str | None = None
    error: str | None = None


@dataclass
class QAReport:
    wacz: str
    pages: list[PageQA] = field(default_factory=list)
    min_text: float = 1.0
    min_similarity: float = 0.95

    @property
    def ok(self) -> bool:
        return bool(self.pages) and all(p.error is None and p.text_match >= self.min_text
                                        and p.similarity >= self.min_similarity for p in self.pages)

    def as_dict(self) -> dict:
        return {"wacz": self.wacz, "ok": self.ok, "min_text": self.min_text, "min_similarity": self.min_similarity,
                "metric": "text: difflib ratio of innerText; screenshot: SSIM (grey, 8x8 windows)",
                "pages": [p.__dict__ for p in self.pages]}


def default_pywb() -> Path:
    """The bin folder of pywb's virtualenv: $PORTAL_PYWB_VENV or ~/.cache/portal-crawler/pywb-venv."""
    venv = Path(os.environ.get("PORTAL_PYWB_VENV") or Path.home() / ".cache/portal-crawler/pywb-venv")
    return venv / "bin"


def text_match(a: str, b: str) -> float:
    a, b = " ".join(a.split()), " ".join(b.split())
    if a == b:
        return 1.0
    return round(difflib.SequenceMatcher(None, a, b, autojunk=False).ratio(), 4)


def _grey(png: bytes) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)


def _box(x: np.ndarray, k: int) -> np.ndarray:
    """Means over every k x k window (integral image)."""
    c = np.pad(x, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    return (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]) / (k * k)


def ssim(png_a: bytes, png_b: bytes, k: int = 8) -> float:
    """Mean SSIM of two screenshots (grey, k x k windows); sizes differing are padded white."""
    a, b = _grey(png_a), _grey(png_b)
    h, w = max(a.shape[0], b.shape[0]), max(a.shape[1], b.shape[1])
    a = np.pad(a, ((0, h - a.shape[0]), (0, w - a.shape[1])), constant_values=255)
    b = np.pad(b, ((0, h - b.shape[0]), (0, w - b.shape[1])), constant_values=255)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    ma, mb = _box(a, k), _box(b, k)
    va, vb = _box(a * a, k) - ma * ma, _box(b * b, k) - mb * mb
    cov = _box(a * b, k) - ma * mb
    s = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
    return round(float(s.mean()), 4)


def _find_wacz(path: Path) -> Path:
    if path.is_dir() and (path / "data/archive.wacz").is_file():
        return path / "data/archive.wacz"
    if path.is_file() and path.suffix == ".wacz":
        return path
    raise QAError(f"{path} is neither a snapshot (a bag with data/archive.wacz) nor a .wacz file")


def _pages(wacz: Path) -> list[dict]:
    try:
        with zipfile.ZipFile(wacz) as z:
            lines = z.read("pages/pages.jsonl").decode("utf-8").splitlines()
    except (zipfile.BadZipFile, KeyError, OSError) as e:
        raise QAError(f"{wacz}: not a readable WACZ with pages/pages.jsonl ({e})") from None
    out = []
    for ln in lines:
        d = json.loads(ln)
        if "url" in d and "ts" in d:
            out.append(d)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Pywb:
    """A throwaway pywb collection holding one WACZ, served on a loopback port."""

    def __init__(self, bindir: Path, wacz: Path):
        self.bindir, self.wacz = bindir, wacz

    def __enter__(self):
        if not (self.bindir / "wayback").exists():
            raise QAError(f"no pywb in {self.bindir} (python3 -m venv VENV && VENV/bin/pip install "
                          f"'pywb>=2.10,<2.11'; then --pywb VENV/bin or PORTAL_PYWB_VENV=VENV)")
        self.tmp = tempfile.TemporaryDirectory(prefix="replay-qa-")
        work = Path(self.tmp.name)
        for args in (["init", "coll"], ["add", "--unpack-wacz", "coll", str(self.wacz.resolve())]):
            p = subprocess.run([str(self.bindir / "wb-manager"), *args], cwd=work, capture_output=True,
                               text=True, timeout=600)
            if p.returncode != 0:
                raise QAError(f"pywb could not load {self.wacz}: {p.stderr.strip()[-300:]}")
        self.port = _free_port()
        self.proc = subprocess.Popen([str(self.bindir / "wayback"), "-p", str(self.port), "-b", "127.0.0.1"],
                                     cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise QAError("pywb's wayback did not start") from None
                time.sleep(0.2)
        self.base = f"http://127.0.0.1:{self.port}/coll"
        return self

    def __exit__(self, *exc):
        if getattr(self, "proc", None) is not None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.tmp.cleanup()


def _visit(context, url: str) -> tuple[str, bytes]:
    page = context.new_page()
    try:
        page.goto(url, wait_until="load", timeout=60_000)
        return page.inner_text("body"), page.screenshot(full_page=True)
    finally:
        page.close()


def spread_sample(pages: list[dict], n: int, seed: int = 0) -> list[dict]:
    """``n`` pages drawn at random (seeded) but spread over the snapshot's hosts: one per
    host in turn, so every site of a multi-site snapshot is looked at as soon as ``n``
    allows (a plain random sample can miss a whole site, and a broken site is what QA is
    for). The draw does not depend on the order of ``pages.jsonl``."""
    rng = random.Random(seed)
    by_host: dict[str, list[dict]] = {}
    for d in sorted(pages, key=lambda d: d["url"]):
        by_host.setdefault(d["url"].split("/")[2], []).append(d)
    queues = [rng.sample(v, len(v)) for _, v in sorted(by_host.items())]
    chosen: list[dict] = []
    while len(chosen) < min(n, len(pages)):
        for q in queues:
            if q and len(chosen) < n:
                chosen.append(q.pop())
    return chosen


def replay_qa(snapshot: str | os.PathLike, *, sample: int = 10, seed: int = 0, pywb: str | os.PathLike | None = None,
              chromium: str = CHROMIUM, screenshots: str | os.PathLike | None = None,
              min_text: float = 1.0, min_similarity: float = 0.95) -> QAReport:
    """Open ``sample`` pages of the snapshot (bag or WACZ) live and replayed; see the module doc."""
    wacz = _find_wacz(Path(snapshot))
    pages = _pages(wacz)
    if not pages:
        raise QAError(f"{wacz} lists no pages")
    if not Path(chromium).exists():
        raise QAError(f"no Chromium at {chromium} (apt-get install chromium fonts-wqy-microhei)")
    chosen = sorted(spread_sample(pages, sample, seed), key=lambda d: d["url"])
    shots = Path(screenshots) if screenshots else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    report = QAReport(str(wacz), min_text=min_text, min_similarity=min_similarity)
    from playwright.sync_api import sync_playwright
    with _Pywb(Path(pywb) if pywb else default_pywb(), wacz) as wb, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            live = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
            replay = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
            # The replay shows only what is archived: nothing reaches past pywb.
            replay.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
                f"http://127.0.0.1:{wb.port}/") else route.abort())
            for i, d in enumerate(chosen):
                ts = "".join(c for c in d["ts"] if c.isdigit())[:14]
                try:
                    t1, png1 = _visit(live, d["url"])
                    t2, png2 = _visit(replay, f"{wb.base}/{ts}mp_/{d['url']}")
                except Exception as e:  # noqa: BLE001 - a page that cannot be opened is its own result
                    report.pages.append(PageQA(d["url"], ts, 0.0, 0.0, error=f"{type(e).__name__}: {e}"[:300]))
                    continue
                q = PageQA(d["url"], ts, text_match(t1, t2), ssim(png1, png2))
                if shots:
                    q.live_png, q.replay_png = str(shots / f"{i:03d}-live.png"), str(shots / f"{i:03d}-replay.png")
                    Path(q.live_png).write_bytes(png1)
                    Path(q.replay_png).write_bytes(png2)
                report.pages.append(q)
        finally:
            browser.close()
    return report
