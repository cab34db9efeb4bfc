"""Scores on zh-fixtures2: a second set of Chinese article pages from other public projects'
test fixtures and samples (NewsDiff's Taiwan / Hong Kong parser tests, WechatSogou,
zhihu-py3, luin/readability, omnivore's readability fork, a mozilla/readability pull
request), never used here before, hand labelled in benchmarks/labels/zh-fixtures2.json
(issue 21, new held-out material).

The pages are the projects' own checkouts beside the repository
(``<repo>/../eval-extra/<source>``, ``$PORTAL_CRAWLER_EVAL_EXTRA`` overrides the folder;
.ci/run clones them at the commits the labels name); never copied here.  Where a checkout
is absent the scoring tests skip and say which.  The same loader as zh-fixtures reads it
(``load_zh_fixtures(root, part, labels)``); its split salt is the label file's own.  Floors
are the dev figures of the unchanged extractor (benchmarks/README.md, "zh-fixtures2")
minus a small margin.  The held-aside third is never scored here before the lead's
``--final`` run at the end.
"""
import hashlib
import json

import pytest

from benchmarks.eval_extract import (DEFAULT_EVAL_EXTRA as EXTRA, ZH_FIXTURES2_LABELS, fixture_held_aside,
                                     load_zh_fixtures, zh_fixtures_missing, zh_fixtures_sources)

PEERS = ("ours", "trafilatura", "gne", "readability")
HELD = fixture_held_aside(ZH_FIXTURES2_LABELS)
MISSING = zh_fixtures_missing(EXTRA, ZH_FIXTURES2_LABELS)
needs_checkouts = pytest.mark.skipif(
    bool(MISSING), reason=f"zh-fixtures2 sources not present under {EXTRA}: " + ", ".join(
        f"{s} (git clone https://github.com/{v['repo']} {EXTRA / s}; checkout {v['commit'][:7]})"
        for s, v in zh_fixtures_sources(ZH_FIXTURES2_LABELS).items() if s in MISSING))


def _labels():
    return json.loads(ZH_FIXTURES2_LABELS.read_text("utf-8"))


def test_labels_are_complete_and_the_split_is_the_documented_hash():
    """Every page names its source, site and kind; the held-aside third is the seeded hash
    of the page id with this set's own salt (computed here independently)."""
    lab = _labels()
    assert lab["split_salt"] == "portal-crawler:zh-fixtures2:"
    pages = lab["pages"]
    for pid, p in pages.items():
        assert p["source"] in lab["sources"] and p["path"] and p["site"]
        assert p["page_type"] in {"news", "notice", "blog", "forum", "reprint"}
        assert p["authors"] is None or (p["authors"] and all(p["authors"]))
        expect = int(hashlib.sha1(f"portal-crawler:zh-fixtures2:{pid}".encode()).hexdigest(), 16) % 3 == 1
        assert HELD(pid) == expect
    dev = sorted(p for p in pages if not HELD(p))
    assert len(pages) == 42 and len({p["site"] for p in pages.values()}) == 28
    assert len(dev) == 24 and len({pages[p]["site"] for p in dev}) == 19
    assert sorted(p for p in pages if HELD(p)) == [
        "newsdiffhk:Appledaily/523056", "newsdiffhk:CNA/201308130021-1", "newsdiffhk:CNA/201412120210-1",
        "newsdiffhk:Libertytimes/1180585", "newsdiffhk:Libertytimes/20130813t3", "newsdiffhk:Nownews/1529819",
        "newsdiffhk:PassionTimes/19750", "newsdiffhk:PassionTimes/3008", "newsdiffhk:SingTao/20141217a163245",
        "newsdiffhk:SingTao/20141217b152123", "newsdiffhk:SingTao/20141217d185509",
        "newsdiffhk:SingTao/20141218h134447", "newsdiffhk:TVBS/556732", "omnivore:ahhhhfs.com",
        "omnivore:yuyue.com", "readability-pr:weigang-wan", "wechatsogou:article_detail_qqmusic",
        "zhihu-py3:answer"]
    assert HELD("omnivore:zhihu") and "omnivore:zhihu (held-aside id)" in lab["excluded"]  # dropped on reading
    for s in lab["sources"].values():  # pinned full commits, a licence each
        assert len(s["commit"]) == 40 and s["licence"]


def test_no_page_is_one_of_zh_fixtures():
    """A second set, not a copy: no source checkout and no page id is shared with zh-fixtures,
    and the CV groups of a site are the same names in both (one fold per site)."""
    from benchmarks.eval_extract import ZH_FIXTURES_LABELS
    first = json.loads(ZH_FIXTURES_LABELS.read_text("utf-8"))
    lab = _labels()
    assert not set(first["sources"]) & set(lab["sources"])
    assert not set(first["pages"]) & set(lab["pages"])
    assert {"cna", "udn", "chinatimes"} <= {p["site"] for p in first["pages"].values()} & {
        p["site"] for p in lab["pages"].values()}


def test_absent_checkouts_are_named_and_their_pages_not_loaded(tmp_path):
    assert zh_fixtures_missing(tmp_path, ZH_FIXTURES2_LABELS) == sorted(zh_fixtures_sources(ZH_FIXTURES2_LABELS))
    assert load_zh_fixtures(tmp_path, labels=ZH_FIXTURES2_LABELS) == []


def test_the_harness_says_which_sources_of_each_set_are_absent(tmp_path, capsys):
    from benchmarks.eval_extract import main
    figures = main([str(tmp_path / "no-eval"), "--cwced-corpus", str(tmp_path / "x"), "--magic-html",
                    str(tmp_path / "x"), "--zh-fixtures", str(tmp_path / "no-zh"), "--cv", "-1",
                    "--only", "ours", "--json"])
    err = capsys.readouterr().err
    assert f"zh-fixtures2: not present at {tmp_path / 'no-zh'}: luin-readability, newsdiffhk, omnivore" in err
    assert f"zh-fixtures: not present at {tmp_path / 'no-zh'}: cx-extractor-python" in err
    assert set(figures) == {"unavailable"}


def test_newsdiff_truth_is_rendered_text(tmp_path):
    """NewsDiff's expected body: bare image-URL lines dropped, leftover markup rendered."""
    from benchmarks.eval_extract import BODY_FORMATS
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"title": "標題", "body": "http://static.example.tw/a.jpg\r\n第一段。\n\n"
                             "第二段<a href=\"http://x.tw/\">連結</a>】"}, ensure_ascii=False), "utf-8")
    assert BODY_FORMATS["newsdiff-json"](f) == "第一段。第二段連結】"


@pytest.fixture(scope="module")
def dev():
    from benchmarks.eval_extract import evaluate
    pages = load_zh_fixtures(EXTRA, "dev", ZH_FIXTURES2_LABELS)
    return evaluate(pages, names=PEERS), pages


@needs_checkouts
def test_dev_pages_and_their_truth(dev):
    """24 dev pages; body truth where the source ships one (NewsDiff's parser truth on 17,
    omnivore's expected.html on 2), taken from the source, not from a page."""
    _, pages = dev
    assert len(pages) == 24 and not any(HELD(n) for n, *_ in pages)
    with_body = {n: t["content"] for n, _, t, _ in pages if t["content"]}
    assert len(with_body) == 19 and "newsdiffhk:TTV/10312120017000I" not in with_body  # its truth is null
    assert with_body["newsdiffhk:CNA/201412120137-1"].startswith("（中央社記者盧太城台東縣12日電）")
    assert "途虎养车2022年1月即在港交所递表" in with_body["omnivore:caixin"]
    kinds = [t["page_type"] for _, _, t, _ in pages]
    assert kinds.count("news") == 20 and kinds.count("blog") == 3 and kinds.count("forum") == 1


# zh-fixtures2-dev (24 pages), the unchanged extractor of main (9f87d10), one run:
# ours date 0.875 (day 0.917), author 0.500 (16 pages; no false author on the 8 naming
# none), editor 0.917, page type 0.958, body F1 0.905 (19 pages); GNE 0.917 / 0.125 /
# 0.669 (1 refusal); trafilatura 0.208 (day 0.875) / 0.062 (2 false) / 0.756;
# readability-lxml body 0.789.  GNE is ahead on the date here (one page more).
# After extraction round 6, which chose its rules by cross-validation with these dev
# pages in the pool: date 0.917, author 0.688 (0 false), editor 0.917, body F1 0.903.
@needs_checkouts
@pytest.mark.parametrize("metric,floor", [("date_acc", 0.87), ("author_acc", 0.62), ("body_F1", 0.88),
                                          ("editor_acc", 0.87)])
def test_dev_floor(dev, metric, floor):
    res, _ = dev
    assert res["ours"][metric] >= floor


@needs_checkouts
def test_dev_against_the_peers(dev):
    res, _ = dev
    ours = res["ours"]
    for peer in ("gne", "trafilatura"):
        assert ours["author_acc"] > res[peer]["author_acc"] and ours["body_F1"] > res[peer]["body_F1"]
    assert ours["date_acc"] > res["trafilatura"]["date_acc"]
    assert ours["body_F1"] > res["readability"]["body_F1"]
    assert ours["author_fp"] <= 1 and ours["errors"] == 0 and ours["refused"] == 0


# The held-aside 18 (never used to choose a rule, labelled before round 6 and never read
# by an extractor before), scored once after round 6 (the closing note of issue 21):
# ours date 0.500 (day 0.625), author 0.500 (8 pages; no false author on the 10 naming
# none), editor 1.000, body F1 0.728 (16 pages); GNE 0.375 / 0.000 / 0.624 (1 refusal);
# trafilatura 0.250 / 0.125 / 0.751; readability-lxml body 0.747. Behind both on body.
# Scored here so that a later change cannot silently lose it.
@needs_checkouts
def test_held_aside_floor_and_peers():
    from benchmarks.eval_extract import evaluate
    pages = load_zh_fixtures(EXTRA, "held", ZH_FIXTURES2_LABELS)
    assert len(pages) == 18
    res = evaluate(pages, names=PEERS)
    ours = res["ours"]
    assert ours["date_acc"] >= 0.45 and ours["author_acc"] >= 0.45 and ours["editor_acc"] >= 0.95
    assert ours["body_F1"] >= 0.7
    assert ours["author_fp"] == 0 and ours["errors"] == 0 and ours["refused"] == 0
    for m in ("date_acc", "author_acc"):
        assert ours[m] > res["trafilatura"][m] and ours[m] > res["gne"][m]


@needs_checkouts
def test_only_final_adds_the_held_aside_third(tmp_path):
    """The held-aside pages are loaded only with ``final`` (nothing is scored here)."""
    from benchmarks.eval_extract import eval_sets
    def mine(sets):
        return {k: len(v) for k, v in sets.items() if k.startswith("zh-fixtures2-")}
    assert mine(eval_sets(tmp_path / "no-eval", zh_fixtures=EXTRA)) == {"zh-fixtures2-dev": 24}
    sets = eval_sets(tmp_path / "no-eval", final=True, zh_fixtures=EXTRA)
    assert mine(sets) == {"zh-fixtures2-dev": 24, "zh-fixtures2-held-aside": 18}
    assert all(HELD(n) for n, *_ in sets["zh-fixtures2-held-aside"])
    held_bodies = [t["content"] for _, _, t, *_ in sets["zh-fixtures2-held-aside"] if t["content"]]
    assert len(held_bodies) == 16  # NewsDiff's 13, omnivore's 2, readability's 1
    assert {g for *_, g in sets["zh-fixtures2-dev"]} >= {"zh:cna", "zh:weixin"}  # CV groups: the site
