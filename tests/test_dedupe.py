"""Content identity: normalisation, MinHash, LSH index, repost rule, labelled P/R."""
import random

import numpy as np
import pytest

from portal_crawler.dedupe import (MinHasher, NearDupIndex, body_hash, content_hash,
                                   normalise_body, shingles)
from portal_crawler.dedupe.repost import compare_published, is_repost, new_copy_wins
from portal_crawler.dedupe.synth import Synth, cluster, pair_precision_recall

BODY = ("今年以来，全市中小企业发展态势良好，工业增加值同比增长百分之八。\n"
        "市工信局将进一步加大扶持力度，帮助企业补齐短板、渡过疫情难关。")


def test_normalise_removes_provenance_and_punctuation():
    variants = [
        BODY,
        "来源：哈尔滨日报\n" + BODY,
        BODY + "\n（本文转自哈尔滨日报）",
        BODY.replace("，", ",").replace("。", ". ") + "\n(责任编辑:王芳 审核:刘继伟)",
        "本网讯 来源：黑龙江日报\n" + BODY.replace("\n", "\n\u3000\u3000"),
    ]
    norms = {normalise_body(v) for v in variants}
    assert len(norms) == 1
    assert "来源" not in norms.pop()
    assert len({body_hash(v) for v in variants}) == 1


def test_body_hash_short_bodies_need_same_title():
    assert body_hash("详见附件。", "关于A的通知") != body_hash("详见附件。", "关于B的通知")
    assert body_hash("详见附件。", "关于A的通知") == body_hash("详见附件", "关于A的通知")
    assert body_hash(None) is None and body_hash("   ") is None


def test_content_hash_sees_field_edits_not_clicks():
    rec = {"title": "标题", "body": BODY, "source": "哈尔滨日报", "clicks": 3}
    assert content_hash(rec) == content_hash(dict(rec, clicks=99))
    assert content_hash(rec) != content_hash(dict(rec, source="黑龙江日报"))
    assert content_hash(rec) == content_hash(dict(rec, body=BODY.replace("\n", " \n ")))


def test_minhash_estimates_jaccard():
    s = Synth(1)
    a = normalise_body("\n".join(s.article((8, 9))))
    b = a[: len(a) * 3 // 4] + normalise_body(s.paragraph(4))
    sa, sb = MinHasher().signature(a), MinHasher().signature(b)
    j = len(shingles(a) & shingles(b)) / len(shingles(a) | shingles(b))
    assert abs(MinHasher.similarity(sa, sb) - j) < 0.15
    assert MinHasher().signature("太短") is None
    sigs, ok = MinHasher().signatures([a, "太短", b])
    assert ok.tolist() == [True, False, True]
    assert (sigs[0] == sa).all() and (sigs[2] == sb).all()      # batch == single


def test_index_runs_buffer_and_load_agree():
    s = Synth(2)
    texts = [normalise_body("\n".join(s.article())) for _ in range(60)]
    texts += [t[: int(len(t) * 0.9)] for t in texts[:20]]         # near copies
    sigs, ok = MinHasher().signatures(texts)
    small = NearDupIndex(buffer_size=7)                          # many runs and merges
    for i in range(60):
        small.add(i, i, sigs[i])
    bulk = NearDupIndex()
    bulk.load(np.arange(60), np.arange(60), sigs[:60])
    for i in range(60, 80):
        a, b = small.query(sigs[i]), bulk.query(sigs[i])
        assert a == b and a[0][0] == i - 60
    assert len(small._runs) <= 4


def test_repost_rules():
    assert is_repost("harbin", "哈尔滨日报", None)
    assert is_repost("national", "中国中小企业哈尔滨网", None)
    assert not is_repost("harbin", "中国中小企业哈尔滨网", None)
    assert not is_repost("harbin", "哈尔滨市工业和信息化局", None)
    assert is_repost("harbin", None, BODY + "（本文转自黑龙江日报）")
    assert compare_published("2021-10-22", "2021-10-22T08:19:00+08:00") == 0
    assert compare_published("2021-10-21T23:00:00+08:00", "2021-10-22") == -1
    assert compare_published(None, "2021-10-22") == 1
    origin = {"published_at": "2021-10-22", "is_repost": False}
    repost = {"published_at": "2021-10-22T09:00:00+08:00", "is_repost": True}
    assert new_copy_wins(origin, repost) and not new_copy_wins(repost, origin)
    assert new_copy_wins({"published_at": "2021-10-20", "is_repost": True}, origin)
    assert not new_copy_wins(dict(origin), origin)               # tie -> lowest id


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_labelled_precision_recall(seed):
    """Thresholds of NearDupIndex give P = R = 1.0 on the labelled generator."""
    data = Synth(seed).labelled(150, 300)
    random.Random(seed).shuffle(data)
    owners = cluster([d[0] for d in data])
    p, r = pair_precision_recall([d[1] for d in data], owners)
    assert (p, r) == (1.0, 1.0)
