"""Near-copy sketches: what a sketch is made of, in any script."""

from __future__ import annotations

import heapq
import random
import re
from zlib import crc32

from indexer.fingerprint import K, fingerprint_of, near, sketch

WORDS = ("İstanbul", "straße", "ΣΊΣΥΦΟΣ", "naïve", "x", "the", "Ǆemal", "ﬁle", "wire", "İ",
         "report", "São", "1,000", "U.S.", "oil", "prices")


def _reference(title: str, body: str) -> str:
    """The definition: the K smallest CRC32 hashes of the lower-cased word 3-shingles of
    the body when it has 40 words as written, else of title and body."""
    def of(text: str) -> str:
        words = re.findall(r"\w+", text.lower())[:2000]
        words += [""] * (3 - len(words))
        hashes = {crc32(" ".join(words[i:i + 3]).encode()) for i in range(len(words) - 2)}
        return " ".join(f"{h:08x}" for h in heapq.nsmallest(K, hashes))

    return of(body) if len(re.findall(r"\w+", body)) >= 40 else of(f"{title}\n{body}")


def test_sketches_follow_their_definition_in_any_script():
    rng = random.Random(4)
    for _ in range(3000):
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 90)))
        title = " ".join(rng.choice(WORDS) for _ in range(3))
        assert fingerprint_of(title, body) == _reference(title, body), body
    long = " ".join(f"word{i}" for i in range(3000))  # only the first 2,000 words count
    assert sketch(long) == sketch(" ".join(long.split()[:2000]))


def test_copies_are_near_and_other_stories_are_not():
    rng = random.Random(5)
    story = " ".join(rng.choice(WORDS) + str(rng.randint(0, 50)) for _ in range(300))
    copy = story.replace(story.split()[7], "changed", 1)
    other = " ".join(rng.choice(WORDS) + str(rng.randint(0, 50)) for _ in range(300))
    assert near(fingerprint_of("A", story), fingerprint_of("B", copy))
    assert not near(fingerprint_of("A", story), fingerprint_of("A", other))
