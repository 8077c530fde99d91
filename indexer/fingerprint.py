"""Near-duplicate fingerprints: a 64-bit SimHash of word 3-shingles.

Two copies of the same story (the same wire report on two sites, a print copy) differ in a
few words; their SimHashes differ in a few bits. Search collapses hits whose fingerprints are
within :data:`NEAR_BITS` bits of each other.
"""

from __future__ import annotations

import re
from hashlib import blake2b

NEAR_BITS = 3
_WORD = re.compile(r"\w+")


def simhash(text: str, max_words: int = 600) -> int:
    words = _WORD.findall(text.lower())[:max_words]
    if len(words) < 3:
        words = words + [""] * (3 - len(words))
    weights = [0] * 64
    for i in range(len(words) - 2):
        h = int.from_bytes(blake2b(" ".join(words[i:i + 3]).encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    value = 0
    for bit, w in enumerate(weights):
        if w > 0:
            value |= 1 << bit
    return value


def near(a: int, b: int, bits: int = NEAR_BITS) -> bool:
    return bin(a ^ b).count("1") <= bits


def fingerprint_of(title: str, body: str) -> int:
    """The story's fingerprint: of the body alone when it is long enough (copies on other
    sites often reword the headline but keep the wire text), else of title and body."""
    if len(_WORD.findall(body or "")) >= 40:
        return simhash(body)
    return simhash(f"{title}\n{body}")
