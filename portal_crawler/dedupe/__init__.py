"""Content identity: normalisation and hashes, MinHash LSH, the same-article rule.

Pipeline for a new URL (store.archive, grouping.find_article): `normalise_body` (letters
and digits only; 来源 lines, `（本文转自…）` notes and the editor line removed) and
`normalise_title` (site-name suffix, page suffix, 转载/转自 markers removed) -> candidates:
articles with the same exact `body_hash`, owners of near-duplicate index hits (MinHash of
character 5-shingles, 128 one-permutation slots of 16 bits; LSH 64 bands x 4 slots,
verified on the full signature at Jaccard >= THRESHOLD = 0.3; `NearDupIndex` in memory,
the archive's own on disk: store/neardup.py, same banding) and articles with the same
normalised title -> the first candidate the same-article rule (rule.py: R1 exact, or
body AND title AND a 7-day date window, against EVERY copy of the article) accepts.
`repost.new_copy_wins` picks the canonical copy.

Why these parameters:
- THRESHOLD 0.3: on the body-only repost generator (`synth.Synth(seed).labelled(300,
  600)`, seeds 1-8) P = 1.0 from 0.2 to 0.5, R >= 0.998 at 0.3 and falling above;
  on the replica's tuning seeds 1-4 (README "Deduplication" table) with R3 and R4,
  P = 1.0 from 0.3 to 0.5 (0.2 merges same-titled notices within a week), R falls at 0.5.
- 64 bands of 4 slots: candidate probability 1-(1-J^4)^64 = 0.98 at J=0.5, 0.9999 at
  J=0.7, 0.006 at J=0.1, so the index finds reposts and rarely touches unrelated
  articles.  Bands beyond 128/4 come from fixed slot permutations (no extra bytes).
- 5-character shingles: 2-4 character shingles are mostly common words shared by
  unrelated Chinese texts; 5 keeps a repost's J high (a header line or a note changes
  few shingles) while unrelated bodies stay near 0.
- short bodies (< 50 normalised characters) get no signature; exact matching of a
  body under 30 characters also requires the same title.
Known limits: a copy that matches two existing articles joins the best one; the two
are not merged.  A repost cut to a fraction of its origin (J < 0.3) stays apart.
"""
from portal_crawler.dedupe.normalise import (normalise_body, normalise_title, body_hash,
                                            content_hash, has_repost_note, CONTENT_FIELDS,
                                            MIN_EXACT_CHARS)
from portal_crawler.dedupe.minhash import MinHasher, shingles, SHINGLE
from portal_crawler.dedupe.rule import Rule, Member, RULE, LENIENT, THRESHOLD, WINDOW_DAYS
from portal_crawler.dedupe.index import NearDupIndex
from portal_crawler.dedupe.grouping import Grouper, find_article

__all__ = ["normalise_body", "normalise_title", "body_hash", "content_hash", "has_repost_note",
           "CONTENT_FIELDS", "MIN_EXACT_CHARS", "MinHasher", "shingles", "SHINGLE",
           "NearDupIndex", "THRESHOLD", "Rule", "Member", "RULE", "LENIENT", "WINDOW_DAYS",
           "Grouper", "find_article"]
