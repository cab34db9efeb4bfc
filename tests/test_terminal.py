"""Issue 14 finding 7: text from pages and files reaches the terminal literally.

Rich reads ``[...]`` as markup (``[/]`` crashed `search` and `dupes`, ``[link=...]``
made a hyperlink) and raw escape sequences passed through. Every command that prints
titles, URLs, sources or site keys is run here on hostile values.
"""
from __future__ import annotations

import json

import pytest
from conftest import cli

from portal_crawler.terminal import plain, safe
from portal_crawler.store import Archive

ESC = "\x1b"
HOSTILE = ("[/] 关于[link=http://evil.example/]点击[/link]的通知 [bold red]x "
           f"{ESC}]8;;http://evil.example/{ESC}\\link{ESC}]8;;{ESC}\\ {ESC}[2J\x9b31m\x07疫情防控")
WIDE = {"COLUMNS": "2000"}


def test_safe_escapes_markup_and_neutralises_control_characters():
    from rich.console import Console
    from rich.text import Text
    c = Console(width=2000, record=True, force_terminal=False)
    c.print(safe(HOSTILE))
    shown = c.export_text().rstrip("\n")
    assert shown == plain(HOSTILE)
    assert ESC not in shown and "\x9b" not in shown and "\x07" not in shown
    assert shown.count("\ufffd") == HOSTILE.count(ESC) + 2
    assert "[link=http://evil.example/]" in shown and "[/]" in shown
    # No hyperlink style anywhere: the markup stayed text.
    t = Text.from_markup(safe(HOSTILE))
    assert all(span.style == "" or "link" not in str(span.style) for span in t.spans) and not t.spans


def _item(url, title, site, body):
    return dict(url=url, site=site, title=title, published_at="2021-10-22T08:19:00+08:00",
                published_raw="2021-10-22", source=f"来源[/]{ESC}[31m", channel="工作动态", body=body,
                clicks=1, pages=1, extractor="dedecms", fetched_at="2021-10-23T00:00:00+00:00",
                attachments=[], images=[])


@pytest.fixture
def hostile_db(tmp_path):
    db = tmp_path / "a.db"
    body = "疫情防控期间，各企业要补齐短板，加强复工复产。" * 20
    site = f"evil[/]{ESC}[2J"
    with Archive(db) as ar:
        ar.write_articles([_item("http://a.example/x/1.html", HOSTILE, site, body),
                           _item("http://b.example/y/2.html", HOSTILE + "（转载）", site, body)])
        run = ar.start_run(sites=[site], args={})
        ar.finish_run(run, {"requests": 3, "errors": 1, "failed": [
            {"site": site, "url": f"http://a.example/[link=http://evil/]{ESC}[2J", "kind": "article",
             "error": f"HTTP 500 [/]{ESC}[1m"}]}, f"finished[/]{ESC}[5m")
    return db, site


@pytest.mark.parametrize("cmd", [["search", "疫情"], ["dupes"], ["stats"]])
def test_hostile_archive_text_prints_literally(hostile_db, cmd):
    db, site = hostile_db
    p = cli(*cmd, "--db", db, env=WIDE)
    assert p.returncode == 0, p.stderr[-3000:]
    assert ESC not in p.stdout and "\x9b" not in p.stdout and "\x07" not in p.stdout
    assert "Traceback" not in p.stderr
    if cmd[0] in ("search", "dupes"):
        assert plain(HOSTILE) in p.stdout
    if cmd[0] == "dupes":
        assert plain(f"来源[/]{ESC}[31m") in p.stdout
    if cmd[0] == "stats":
        assert plain(f"http://a.example/[link=http://evil/]{ESC}[2J") in p.stdout
        assert plain(f"HTTP 500 [/]{ESC}[1m") in p.stdout
        assert plain(f"finished[/]{ESC}[5m") in p.stdout
    assert plain(site) in p.stdout


def test_hostile_site_key_and_failed_url_in_the_run_summary(tmp_path):
    key = f"ev[/]il{ESC}[2J[link=http://x/]"
    f = tmp_path / "s.toml"
    # Port 9 (discard) is closed on loopback: every request fails, and is listed.
    f.write_text(f'[[sites]]\nkey = {json.dumps(key)}\nname = "X"\nbase_url = "http://127.0.0.1:9/[b]x[/b]/"\n',
                 encoding="utf-8")
    p = cli("crawl", "--sites-file", f, "--site", key, "--db", tmp_path / "a.db", "--no-progress",
            "--set", "RETRY_BACKOFF_BASE=0.01", timeout=120, env=WIDE)
    assert p.returncode == 1, p.stderr[-3000:]
    assert ESC not in p.stdout
    assert f"│ {plain(key)} │" in p.stdout                     # the site table
    assert "failed after retries (1" in p.stdout
    assert f"  {plain(key)}  http://127.0.0.1:9/%5Bb%5Dx%5B/b%5D/  (" in p.stdout   # Scrapy quotes the URL
