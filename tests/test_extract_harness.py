"""The evaluation harness itself (benchmarks/eval_extract.py), on pages built here:
scoring, hand-label anchors, and the cross-validation loop."""
import json

from benchmarks.eval_extract import (corpus_date, cross_validate, cwced_held_aside, eval_sets, held_aside,
                                     label_truth, load_cwced_corpus, load_folder, prf, same_author, site_of,
                                     visible_text)

NAMES = ["王小明", "李晓华", "张建国", "赵敏敏"]
TEXT = ["市中小企业服务中心召开企业座谈会，听取企业意见建议。",
        "会议指出，要进一步优化营商环境，帮助企业纾困解难。"]


def built(author: str) -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>座谈会召开_某网</title></head><body>"
            f"<div class='main'><h1>座谈会召开</h1><div class='meta'>发布时间：2021-10-22</div>"
            f"<div class='text'><p>本报记者 {author}</p>" + "".join(f"<p>{t}</p>" for t in TEXT)
            + "</div></div></body></html>").encode("utf-8")


def test_author_is_scored_as_a_set_of_names():
    assert same_author("段彦超 廖艳", "段彦超、廖艳")
    assert same_author("伊琳  李清芬", "伊琳 李清芬")
    assert not same_author("段彦超 廖艳", "段彦超")
    assert not same_author("王某", None)


def test_body_score_is_a_character_multiset():
    assert prf("甲乙 丙", "甲乙丙") == (1.0, 1.0, 1.0)
    p, r, f = prf("甲乙丙丁", "甲乙戊")
    assert (round(p, 3), r) == (0.667, 0.5)


def test_label_anchors_cut_the_visible_text():
    raw = built("王小明")
    assert "本报记者王小明" in visible_text(raw)
    truth = label_truth({"publish_time": "2021-10-22", "authors": ["王小明", "李晓华"],
                         "body_first": "市中小企业服务中心", "body_last": "帮助企业纾困解难。"}, raw)
    assert truth["content"] == "".join(TEXT).replace(" ", "")
    assert (truth["publish_time"], truth["author"]) == ("2021-10-22", "王小明、李晓华")


def test_visible_text_keeps_what_libxml2_drops():
    # the truth is rendered by the stdlib tokenizer, not libxml2 (which drops gov.cn's
    # other_1 article): script text is skipped, every text node after it is kept
    raw = ("<html><head><title>t</title></head><body><script>var a='</div>';</script>"
           "<p>第一段</p><div><p>第二段</p></div></body></html>").encode("utf-8")
    assert visible_text(raw) == "第一段第二段"


def test_held_aside_keeps_a_site_together():
    assert site_of("vis_163_1") == site_of("163_9") == "163"
    assert held_aside("thepaper_1") == held_aside("vis_thepaper_1") == held_aside("thepaper_5")
    # the split is a fixed hash, not a choice: about a third of the sites
    sites = ["163", "sina", "thepaper", "toutiao", "ifeng", "qq", "baijiahao", "guancha", "wechat",
             "cmse", "csdn", "xinhuanet", "people", "huanqiu"]
    assert 2 <= sum(held_aside(s + "_1") for s in sites) <= 8


def test_hand_labels_replace_the_folder_truth(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for i, n in enumerate(NAMES):
        (folder / f"p{i}.html").write_bytes(built(n))
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"pages": {"p1": {"publish_time": "2021-10-22", "authors": [NAMES[1]]}}},
                                 ensure_ascii=False), encoding="utf-8")
    pages = load_folder(folder, labels)
    assert [(n, t["author"]) for n, _, t in pages] == [("p1", NAMES[1])]


def test_cross_validation_picks_choices_on_the_other_folds():
    pages = [(f"p{i}", built(n), {"author": n, "publish_time": "2021-10-22",
                                  "content": "".join(TEXT)}, None) for i, n in enumerate(NAMES)]
    cv = cross_validate(pages, k=2, grid={"body_byline": (False, True)})
    assert cv["folds"] == 2
    # the byline pattern is right on every training fold, so it is chosen every time
    assert cv["choices"] == {"default": 2}
    assert cv["author_acc"] == 1.0 and cv["date_acc"] == 1.0 and cv["body_F1"] == 1.0
    # with the pattern off on every fold, no author is found on the held-out pages
    off = cross_validate(pages, k=0, grid={"body_byline": (False,)})
    assert off["folds"] == 4 and off["author_acc"] == 0.0
    assert off["choices"] == {"body_byline=False": 4}


def test_corpus_date_labels_keep_their_precision():
    assert corpus_date("2005-5-7 21:23:57") == "2005-05-07 21:23:57"
    assert corpus_date("2022-02-06 9:48") == "2022-02-06 09:48"
    assert corpus_date("2021-3") == "2021-03"
    assert corpus_date("2019") == "2019"
    assert corpus_date("UNKNOWN") is None and corpus_date("UNKNWON") is None
    assert corpus_date("刘涛") is None  # a name in a date file: a labelling slip, not scored


def _corpus(root, names):
    for sub in ("original", "author", "date", "cleaned"):
        (root / sub).mkdir(parents=True)
    for i, n in enumerate(names):
        (root / "original" / f"{n}.html").write_bytes(built(NAMES[i % 4]))
        (root / "author" / f"{n}.txt").write_text(NAMES[i % 4] + " " + NAMES[(i + 1) % 4] if i else "UNKNOWN", "utf-8")
        (root / "date" / f"{n}.txt").write_text("2021-10-2 8:05", "utf-8")
        (root / "cleaned" / f"{n}.txt").write_text("".join(TEXT), "utf-8")


def test_corpus_native_layout_split_and_reviewed_labels(tmp_path):
    names = [f"page-{i:02d}" for i in range(30)]
    _corpus(tmp_path / "cw", names)
    dev = load_cwced_corpus(tmp_path / "cw", exclude={"page-00"}, part="dev", labels=tmp_path / "none.json")
    held = load_cwced_corpus(tmp_path / "cw", exclude={"page-00"}, part="held", labels=tmp_path / "none.json")
    got = {n for n, _, _ in dev} | {n for n, _, _ in held}
    assert got == set(names) - {"page-00"} and not {n for n, _, _ in dev} & {n for n, _, _ in held}
    assert all(cwced_held_aside(n) for n, _, _ in held) and 5 <= len(held) <= 15
    n, _, t = dev[0]
    i = names.index(n)
    assert t["author"] == f"{NAMES[i % 4]} {NAMES[(i + 1) % 4]}" and t["publish_time"] == "2021-10-02 08:05"
    assert t["content"] == "".join(TEXT) and not t["no_author"]
    # reviewed labels replace the corpus's on dev pages, never on held-aside ones
    lab = tmp_path / "lab.json"
    h = held[0][0]
    lab.write_text(json.dumps({"pages": {n: {"authors": [], "publish_time": "2021-10-03"},
                                         h: {"authors": ["某某"], "publish_time": "1999-01-01"}}}), "utf-8")
    dev2 = dict((n, t) for n, _, t in load_cwced_corpus(tmp_path / "cw", part="dev", labels=lab))
    assert dev2[n]["author"] is None and dev2[n]["no_author"] and dev2[n]["publish_time"] == "2021-10-03"
    held2 = dict((n, t) for n, _, t in load_cwced_corpus(tmp_path / "cw", part="held", labels=lab))
    assert held2[h]["publish_time"] == "2021-10-02 08:05"


def test_corpus_absent_is_skipped_and_the_rest_scored(tmp_path):
    _corpus(tmp_path / "cw", ["a", "b", "c", "d"])
    sets = eval_sets(tmp_path / "no-eval", final=True, corpus=tmp_path / "missing")
    assert sets == {}
    sets = eval_sets(tmp_path / "no-eval", final=True, corpus=tmp_path / "cw")
    assert sorted(len(v) for v in sets.values()) == sorted(
        [sum(not cwced_held_aside(n) for n in "abcd"), sum(cwced_held_aside(n) for n in "abcd")])


def test_harness_says_the_corpus_is_not_present(tmp_path, capsys):
    from benchmarks.eval_extract import main
    folder = tmp_path / "eval" / "cwced-dev"
    folder.mkdir(parents=True)
    (folder / "p1.html").write_bytes(built("王小明"))
    (folder / "p1.json").write_text(json.dumps({"author": "王小明", "publish_time": "2021-10-22",
                                                "content": "".join(TEXT)}), "utf-8")
    figures = main([str(tmp_path / "eval"), "--cwced-corpus", str(tmp_path / "absent"), "--cv", "-1",
                    "--magic-html", str(tmp_path / "no-magic"), "--zh-fixtures", str(tmp_path / "no-zh"),
                    "--only", "ours", "--json"])
    err = capsys.readouterr().err
    assert f"cwced corpus: not present at {tmp_path / 'absent'}" in err
    assert f"magic-html: not present at {tmp_path / 'no-magic'}" in err
    assert set(figures) == {"unavailable", "cwced-dev"}  # the rest is still scored
    assert figures["cwced-dev"]["ours"]["author_acc"] == 1.0


# ---------- magic-html's benchmark layout (a checkout beside the repository) -------------
def _magic(root, pages: dict, kind="article"):
    """A checkout in magic-html's layout: base.json NAME -> {url, content}, htmls/NAME.html."""
    base = root / "benchmark" / "data" / kind
    (base / "htmls").mkdir(parents=True)
    for name, (content, html) in pages.items():
        (base / "htmls" / f"{name}.html").write_bytes(html)
    (base / "base.json").write_text(json.dumps(
        {n: {"url": f"https://news.example.com.cn/{n}.html", "content": c} for n, (c, _) in pages.items()},
        ensure_ascii=False), "utf-8")


def test_magic_html_chinese_pages_split_and_labelled(tmp_path):
    from benchmarks.eval_extract import is_chinese, load_magic_html, magic_held_aside, magic_site
    assert is_chinese("中小企业 SME 服务中心") and not is_chinese("The SME portal 中心")
    assert not is_chinese("") and is_chinese("会议 2021 指出")  # digits are no letters
    names = [f"p{i}" for i in range(9)]
    pages = {n: ("".join(TEXT), built("王小明")) for n in names}
    pages["en"] = ("An English page about portals and small firms.", built("王小明"))
    _magic(tmp_path / "m", pages)
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"pages": {"p0": {"authors": ["王小明"], "publish_time": "2021-10-22"},
                                            "p1": {"authors": None, "publish_time": None}}}), "utf-8")
    dev = load_magic_html(tmp_path / "m", "article", "dev", labels)
    held = load_magic_html(tmp_path / "m", "article", "held", labels)
    assert sorted(n for n, *_ in dev + held) == names  # the English page is left out
    assert all(magic_held_aside(n) for n, *_ in held) and not any(magic_held_aside(n) for n, *_ in dev)
    t = {n: tr for n, _, tr, _ in dev + held}
    assert t["p0"]["author"] == "王小明" and t["p0"]["publish_time"] == "2021-10-22"
    assert t["p1"]["no_author"] is True and t["p2"]["no_author"] is False  # unlabelled: not scored
    assert t["p2"]["content"] == "".join(TEXT)
    assert magic_site("https://news.sina.com.cn/a.html", "x") == magic_site("https://finance.sina.cn/b", "y")


def test_magic_html_scored_as_its_own_sets(tmp_path):
    from benchmarks.eval_extract import eval_sets, magic_held_aside
    names = [f"p{i}" for i in range(6)]
    _magic(tmp_path / "m", {n: ("".join(TEXT), built("王小明")) for n in names})
    _magic(tmp_path / "m", {"f1": ("".join(TEXT), built("王小明"))}, kind="forum")
    sets = eval_sets(tmp_path / "no-eval", final=False, magic=tmp_path / "m")
    assert set(sets) == {"magic-article-dev", "magic-forum-dev"}
    assert len(sets["magic-article-dev"]) == sum(not magic_held_aside(n) for n in names)
    final = eval_sets(tmp_path / "no-eval", final=True, magic=tmp_path / "m")
    assert len(final["magic-article-held-aside"]) == sum(magic_held_aside(n) for n in names)


def test_include_spent_loads_only_the_spent_thirds(tmp_path):
    """``eval_sets(spent=True)`` (``--include-spent``) names the thirds spent in rounds 1-5
    ``*-spent`` and never loads another held-aside third (zh-fixtures2's, label6's)."""
    from benchmarks.eval_extract import SPENT, spent_name
    from benchmarks import eval_extract as E
    loaded = []

    def fake(eval_dir, held, corpus, magic, zh_fixtures):
        names = ["gne-held-aside", "zh-fixtures-held-aside", "zh-fixtures2-held-aside", "new-held-aside"]
        loaded.extend(n for n in names if held(n))
        return {"gne-dev": [1], **{n: [2] for n in names if held(n)}}
    real, E._eval_sets = E._eval_sets, fake
    try:
        sets = eval_sets(tmp_path, spent=True)
        assert loaded == ["gne-held-aside", "zh-fixtures-held-aside"]
        assert set(sets) == {"gne-dev", "gne-spent", "zh-fixtures-spent"}
        loaded.clear()
        assert set(eval_sets(tmp_path)) == {"gne-dev"} and loaded == []
        assert "zh-fixtures2-held-aside" not in SPENT and spent_name("gne-held-aside") == "gne-spent"
        assert set(eval_sets(tmp_path, final=True, spent=True)) == {"gne-dev", "gne-held-aside", "zh-fixtures-held-aside",
                                                                   "zh-fixtures2-held-aside", "new-held-aside"}
    finally:
        E._eval_sets = real
