"""KeySet behaves as a set of the keys it was given, across merges of its buffer."""
from portal_crawler.crawler import keyset
from portal_crawler.crawler.keyset import KeySet


def test_membership_matches_a_python_set(monkeypatch):
    monkeypatch.setattr(keyset, "BUFFER", 64)  # many merges in a small test
    ks, ref = KeySet(), set()
    for i in range(3000):
        k = f"sme{i % 7}.example.cn/a/{i * 7919 % 2000}.html"
        assert (k in ks) == (k in ref)
        ks.add(k)
        ref.add(k)
    assert len(ks) == len(ref) > 2000
    assert all(k in ks for k in ref)
    assert not any(f"other/{i}" in ks for i in range(3000))
    ks.update([b"\x00" * 20, b"\x00" * 20])
    assert b"\x00" * 20 in ks and len(ks) == len(ref) + 1 and "\x00" * 20 not in ref
