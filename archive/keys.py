"""A story's key: a stable number made from its canonical URL.

The same on every machine and in every shard, so that whatever depends on it is independent
of how an archive is split: which shard an imported story lives in, the order of stories that
rank equal, and which stories the concepts model is fitted on.
"""

from __future__ import annotations

import hashlib


def story_key(canonical_url: str) -> int:
    """A 62-bit number for a story (it fits a signed 64-bit column)."""
    digest = hashlib.blake2b(canonical_url.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 2


def shard_of(text: str, shards: int) -> int:
    """Which of ``shards`` shards holds ``text`` (a canonical URL or a host name): a hash
    salted apart from :func:`story_key`, so that the shards' samples stay alike."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8, person=b"shard").digest()
    return int.from_bytes(digest, "big") % shards
