"""Near-duplicate fingerprints: a bottom-k MinHash sketch of word 3-shingles.

Two copies of the same story (the same wire report on two sites, a print copy) share almost
all their word 3-shingles. The sketch keeps the :data:`K` smallest CRC32 hashes of a story's
shingles; the share of the smallest K hashes of the union that both sketches hold estimates the
Jaccard similarity of the two stories. Copies score above :data:`NEAR_JACCARD`; different
stories on the same subject score far below it.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Set
from zlib import crc32

K = 16
NEAR_JACCARD = 0.7
_WORD = re.compile(r"\w+")


def sketch(text: str, max_words: int = 2000) -> str:
    return _sketch(_WORD.findall(text.lower())[:max_words])


def _sketch(words: list[str]) -> str:
    """The sketch of lower-cased words."""
    if len(words) < 3:
        words = words + [""] * (3 - len(words))
    hashes = {crc32(s.encode()) for s in map(" ".join, zip(words, words[1:], words[2:]))}
    return " ".join(f"{h:08x}" for h in heapq.nsmallest(K, hashes))


def fingerprint_of(title: str, body: str) -> str:
    """The story's sketch: of the body alone when it is long enough (copies on other sites
    often reword the headline but keep the wire text), else of title and body."""
    body = body or ""
    words = _WORD.findall(body.lower())
    # lower-casing ASCII keeps the words as they are; other scripts are counted as written
    if (len(words) if body.isascii() else len(_WORD.findall(body))) >= 40:
        return _sketch(words[:2000])
    return sketch(f"{title}\n{body}")


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of two sketches."""
    return _estimate(set(a.split()), set(b.split()))


def _estimate(sa: Set, sb: Set) -> float:
    """The share of the smallest K hashes of the union that both sketches hold."""
    if not sa or not sb:
        return 0.0
    union_k = set(heapq.nsmallest(K, sa | sb))
    return len(union_k & sa & sb) / len(union_k)


def near(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and bool(a) and bool(b) \
        and similarity(a, b) >= NEAR_JACCARD


def hashes_of(sketch: str | None) -> list[int]:
    """A sketch's hashes as numbers, in its order (smallest first)."""
    return [int(h, 16) for h in sketch.split()] if sketch else []


def near_hashes(a: frozenset[int], b: frozenset[int]) -> bool:
    """:func:`near` of two sketches given as sets of their hashes (:func:`hashes_of`): the
    same answer, as hex strings of one width sort as their numbers do."""
    return _estimate(a, b) >= NEAR_JACCARD
