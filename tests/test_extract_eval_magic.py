"""Scores on magic-html's Chinese benchmark pages, side by side with GNE, trafilatura and
readability-lxml (issue 21, round 3).

The pages are a checkout of opendatalab/magic-html beside the repository
(``<repo>/../eval-extra/magic-html``, ``$PORTAL_CRAWLER_MAGIC_HTML``; .ci/run clones it at
47d4a7f); never copied here.  Where it is absent these tests skip and say so.  Floors are
the figures of the run recorded in docs/extraction-patterns.md ("Round 3"), minus a small
margin: a change that loses accuracy fails here.  The held-aside third
(benchmarks.eval_extract.magic_held_aside) was scored once, after the last rule change.
"""
import pytest

from benchmarks.eval_extract import DEFAULT_MAGIC as MAGIC, MAGIC_COMMIT, MAGIC_URL

pytestmark = pytest.mark.skipif(
    not (MAGIC / "benchmark" / "data" / "article" / "base.json").is_file(),
    reason=f"magic-html not present at {MAGIC} (git clone {MAGIC_URL} there; checkout {MAGIC_COMMIT})")
PEERS = ("ours", "trafilatura", "gne", "readability")


def _score(kind, part, names=PEERS):
    from benchmarks.eval_extract import evaluate, load_magic_html
    pages = load_magic_html(MAGIC, kind, part)
    return evaluate(pages, names=names), len(pages)


@pytest.fixture(scope="module")
def article_dev():
    return _score("article", "dev")


@pytest.fixture(scope="module")
def article_held():
    return _score("article", "held")


@pytest.fixture(scope="module")
def forum_dev():
    return _score("forum", "dev")


# magic-article-dev (40 pages, hand labels), before any rule change of round 3: ours date
# 0.857 author 0.519 (4 false) body F1 0.858; GNE 0.629 / 0.111 / 0.798, trafilatura
# 0.029 / 0.148 / 0.863, readability body 0.917.  After: 1.000 / 0.593 (2 false) / 0.939;
# after round 4 (AUTH-SPLIT-NAMES, AUTH-MEDIUM-DEFERS, AUTH-COMMENTATOR,
# AUTH-TEMPLATE-BYLINE): 1.000 / 0.741 (2 false) / 0.938; after round 5 (AUTH-POSTED-ON,
# AUTH-ACCOUNT-BOX, KIND-PLATFORM-NOTICE, AUTH-TITLED-NAME, AUTH-AUTHOR-CARD,
# AUTH-MARKUP-VISIBLE …): 1.000 / 1.000 (0 false) / 0.942
@pytest.mark.parametrize("metric,floor", [("date_acc", 0.97), ("author_acc", 0.95), ("body_F1", 0.93)])
def test_article_dev_floor(article_dev, metric, floor):
    res, n = article_dev
    assert n == 40
    assert res["ours"][metric] >= floor


def test_article_dev_against_the_peers(article_dev):
    res, _ = article_dev
    for m in ("date_acc", "author_acc", "body_F1"):
        assert res["ours"][m] > res["trafilatura"][m] and res["ours"][m] > res["gne"][m]
    assert res["ours"]["body_F1"] > res["readability"]["body_F1"]
    assert res["ours"]["author_fp"] <= 2 and res["ours"]["errors"] == 0 and res["ours"]["refused"] == 0


def test_article_held_aside_as_scored_once(article_held):
    """The held-aside third (15 pages, labelled before any rule change, never read
    against our output), scored once after the last rule change: date 0.933, author
    0.600 (3 false authors of 10 pages naming none), body F1 0.910; GNE 0.667 / 0.400 /
    0.915, trafilatura 0.133 / 0.000 / 0.831, readability body 0.887.  Body is 0.005
    behind GNE and the author target (0.8) is missed.  Floors just below."""
    res, n = article_held
    assert n == 15
    assert res["ours"]["date_acc"] >= 0.9 and res["ours"]["author_acc"] >= 0.6 and res["ours"]["body_F1"] >= 0.9
    for m in ("date_acc", "author_acc"):
        assert res["ours"][m] > res["trafilatura"][m] and res["ours"][m] > res["gne"][m]
    assert res["ours"]["body_F1"] > res["trafilatura"]["body_F1"] and res["ours"]["body_F1"] > res["readability"]["body_F1"]
    assert res["ours"]["errors"] == 0


def test_forum_dev_body_ahead_of_the_peers(forum_dev):
    """Forum threads (11 dev pages): the benchmark's truth is the post AND its replies;
    ours keeps the post (the record's body), so recall is low (0.498) for every
    extractor; F1 0.604 vs GNE 0.557, trafilatura 0.507, readability 0.421."""
    res, n = forum_dev
    assert n == 11
    assert res["ours"]["body_F1"] >= 0.58
    assert all(res["ours"]["body_F1"] > res[p]["body_F1"] for p in PEERS[1:])


def test_every_page_parses_to_a_record():
    """All 261 pages of both sets, every language: no exception; every article page
    has a body (5 forum pages, non-Chinese, still have none)."""
    from benchmarks.eval_extract import parse_errors
    out = parse_errors(MAGIC)
    assert out["article"]["pages"] == 158 and out["forum"]["pages"] == 103
    assert out["article"]["errors"] == 0 and out["forum"]["errors"] == 0
    assert out["article"]["refused"] == 0 and out["forum"]["refused"] <= 5
