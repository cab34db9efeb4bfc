"""Scores on the real evaluation pages, side by side with GNE and trafilatura (issue 21).

The pages live in ``<repo>/../shared/eval`` (never copied here); the tests are skipped
only where that folder is absent, and say so.  Floors are the figures measured in the
run recorded in docs/extraction-patterns.md ("Figures"), minus a small margin: a rule
change that loses accuracy fails here.  The held-aside third of gne-unlabelled
(benchmarks.eval_extract.held_aside) was never used to choose a rule; it is scored
here so that a later change cannot silently lose what it measured.
"""
from pathlib import Path

import pytest

from conftest import SHARED

EVAL = SHARED / "eval"        # beside the repository, never copied into it
pytestmark = pytest.mark.skipif(not (EVAL / "cwced-dev").is_dir() or not (EVAL / "gne-unlabelled").is_dir(),
                                reason=f"evaluation pages not present at {EVAL} (<repo>/../shared/eval)")
PEERS = ("ours", "trafilatura", "gne")
# the public corpus's checkout (its 46 pages outside cwced-dev): not in CI, where these
# tests say it is not present (benchmarks/README.md: how to get it)
from benchmarks.eval_extract import DEFAULT_CORPUS as CORPUS  # noqa: E402
corpus_present = pytest.mark.skipif(
    not (CORPUS / "original").is_dir(),
    reason=f"cwced corpus not present at {CORPUS} (git clone "
           "https://github.com/immortal-autumn/Chinese-Web-Content-Extraction-Dataset there)")


def _score(set_name, names=PEERS):
    from benchmarks.eval_extract import eval_sets, evaluate
    pages = eval_sets(EVAL, final=True, corpus=CORPUS)[set_name]
    return evaluate([p[:4] for p in pages], names=names), len(pages)


@pytest.fixture(scope="module")
def cwced():
    return _score("cwced-dev")


@pytest.fixture(scope="module")
def gne_dev():
    return _score("gne-dev")


@pytest.fixture(scope="module")
def held():
    return _score("gne-held-aside")


@pytest.fixture(scope="module")
def new_dev():
    return _score("cwced-new-dev", PEERS + ("readability",))


@pytest.fixture(scope="module")
def new_held():
    return _score("cwced-new-held-aside", PEERS + ("readability",))


# measured (docs/extraction-patterns.md, Figures): cwced-dev date 0.941 author 0.923
# body 0.993; gne-dev date 1.000 author 0.955 body 0.982 page type 0.978 editor 0.935
# (EDITOR-STAFF-ID; 0.739 before); date/author/body unchanged by the
# fields-authors rules, which cut the false authors instead: see test_gne_dev_few_false_authors);
# round 5: gne-dev author 1.000 (a back link glued to the last writer's name)
@pytest.mark.parametrize("metric,floor", [("date_acc", 0.93), ("author_acc", 0.90), ("body_F1", 0.98)])
def test_cwced_dev_floor(cwced, metric, floor):
    res, n = cwced
    assert n == 23
    assert res["ours"][metric] >= floor


@pytest.mark.parametrize("metric,floor", [("date_acc", 0.97), ("author_acc", 0.95), ("body_F1", 0.97),
                                          ("page_type_acc", 0.95), ("editor_acc", 0.90)])
def test_gne_dev_floor(gne_dev, metric, floor):
    res, n = gne_dev
    assert n == 46
    assert res["ours"][metric] >= floor


def test_gne_dev_few_false_authors(gne_dev):
    """The precision side: on the dev pages whose label names no writer (24), an author
    returned is wrong.  Measured 1 (a trailing `（李楠）`) after AUTH-PERSON-SHAPE, 7
    before; GNE 20, trafilatura 10."""
    res, _ = gne_dev
    assert res["ours"]["no_author_n"] == 24
    assert res["ours"]["author_fp"] <= 2
    assert res["ours"]["author_fp"] < min(res["trafilatura"]["author_fp"], res["gne"]["author_fp"])


@pytest.mark.parametrize("fixture", ["cwced", "gne_dev"])
@pytest.mark.parametrize("metric", ["date_acc", "author_acc", "body_F1"])
def test_dev_ahead_of_trafilatura_and_gne(request, fixture, metric):
    res, _ = request.getfixturevalue(fixture)
    assert res["ours"][metric] > res["trafilatura"][metric]
    assert res["ours"][metric] > res["gne"][metric]


def test_held_aside_against_the_peers(held):
    """Held aside: ahead of both on every field, after PARSE-STRAY-END (first scored
    before it: date level with GNE, body F1 0.007 behind, author ahead; see the Figures
    of docs/extraction-patterns.md).  The author target of issue 21 (0.8) is missed."""
    res, _ = held
    # re-scored after the fields-authors rules (not clean): author 0.533, no false
    # author; after the round-2 rules (contaminated): 0.667
    assert res["ours"]["author_acc"] >= 0.6 and res["ours"]["author_fp"] == 0
    for m in ("date_acc", "author_acc", "body_F1"):
        assert res["ours"][m] > res["trafilatura"][m]
        assert res["ours"][m] > res["gne"][m]


@pytest.mark.parametrize("fixture", ["cwced", "gne_dev", "held"])
def test_no_page_refused_or_raising(request, fixture):
    res, _ = request.getfixturevalue(fixture)
    assert res["ours"]["refused"] == 0 and res["ours"]["errors"] == 0


# measured at the end (docs/extraction-patterns.md, Figures): first date 0.952, author
# 0.400 (6/15), body F1 0.934; after PARSE-STRAY-END date 1.000, author 0.400, body 0.977;
# re-scored after the fields-authors rules (not clean): date 1.000, author 0.533, body 0.978;
# after the round-2 rules of the corpus's new dev pages (contaminated): 1.000 / 0.667 / 0.978
HELD_FLOORS = [("date_acc", 0.95), ("author_acc", 0.6), ("body_F1", 0.96)]


@pytest.mark.parametrize("metric,floor", HELD_FLOORS)
def test_held_aside_floor(held, metric, floor):
    res, n = held
    assert n == 21
    assert res["ours"][metric] >= floor


# ---------- the public corpus's 46 new pages (issue 21, round 2) ---------------------------
# new dev (32 pages, reviewed labels), measured before any rule change: ours date 0.655
# author 0.296 body F1 0.861 (GNE 0.690 / 0.259 / 0.756, trafilatura 0.034 / 0.000 /
# 0.761, readability body 0.901); after the round-2 rules: 0.821 / 0.846 / 0.906; after
# round 5: 0.857 / 0.885 / 0.914 (PUB-EN-MONTH, AUTH-PROFILE-HEADING, BODY-POST-FOOTER notes)
@corpus_present
@pytest.mark.parametrize("metric,floor", [("date_acc", 0.84), ("author_acc", 0.86), ("body_F1", 0.90)])
def test_corpus_new_dev_floor(new_dev, metric, floor):
    res, n = new_dev
    assert n == 32
    assert res["ours"][metric] >= floor


@corpus_present
def test_corpus_new_dev_against_the_peers(new_dev):
    res, _ = new_dev
    for m in ("date_acc", "author_acc", "body_F1"):
        assert res["ours"][m] > res["trafilatura"][m] and res["ours"][m] > res["gne"][m]
    assert res["ours"]["body_F1"] > res["readability"]["body_F1"]
    assert res["ours"]["author_fp"] == 0 and res["ours"]["errors"] == 0


@corpus_present
def test_corpus_new_held_aside_as_scored_once(new_held):
    """The corpus's held-aside third (14 pages, its own labels, never opened), scored
    once at the end: date 0.700, author 0.500 (1 false author of 4), body F1 0.830,
    each ahead of GNE (0.600 / 0.200 / 0.729) and trafilatura (0.100 / 0.100 / 0.695),
    body ahead of readability (0.825); the issue's targets (0.9 / 0.8 / 0.9) are missed.
    Floors just below, so a later change cannot silently lose it."""
    res, n = new_held
    assert n == 14
    assert res["ours"]["date_acc"] >= 0.7 and res["ours"]["author_acc"] >= 0.5 and res["ours"]["body_F1"] >= 0.82
    for m in ("date_acc", "author_acc", "body_F1"):
        assert res["ours"][m] > res["trafilatura"][m] and res["ours"][m] > res["gne"][m]
    assert res["ours"]["errors"] == 0


@corpus_present
def test_corpus_every_page_parses_to_a_record():
    """All 69 corpus pages (cwced-dev's 23 among them): no exception, a best record."""
    from portal_crawler.extract import extract_page
    pages = sorted((CORPUS / "original").glob("*.html"))
    assert len(pages) == 69
    for f in pages:
        res = extract_page(f.read_bytes())
        assert (res.record or res.best) is not None, f.name


@pytest.mark.slow
def test_cross_validated_dev_figures():
    """5 folds by site over cwced-dev + gne-dev: every rule choice of rules.GRID is
    picked on four folds and scored on the fifth; the estimate stays near the dev
    figures (a rule that only fits the pages it was chosen on would fall here)."""
    from benchmarks.eval_extract import cross_validate, eval_sets
    sets = eval_sets(EVAL)
    dev = sets["cwced-dev"] + sets["gne-dev"]
    cv = cross_validate([p[:4] for p in dev], 5, groups=[p[4] for p in dev])
    assert cv["folds"] == 5
    # measured: date 0.982, author 0.943, body F1 0.986, 1 false author of 24 pages
    # naming none (docs/extraction-patterns.md)
    assert cv["author_fp"] <= 2
    assert cv["date_acc"] >= 0.95
    assert cv["author_acc"] >= 0.90
    assert cv["body_F1"] >= 0.97


def test_gne_unlabelled_never_crash_no_mojibake():
    from portal_crawler.extract import extract_page
    for f in sorted((EVAL / "gne-unlabelled").glob("*.html")):
        raw = f.read_bytes()
        res = extract_page(raw)
        # no replacement characters beyond those the page itself carries
        assert res.text.count("\ufffd") == raw.count("\ufffd".encode()), f.name
        assert res.encoding == "utf-8", f.name
        assert (res.record or res.best) is not None, f.name
