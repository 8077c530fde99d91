"""Decompression with a ceiling: a few kilobytes of gzip can inflate to gigabytes.

Every place that inflates bytes a server sent (``Content-Encoding``, gzipped sitemaps, a peek
at a body's first bytes) goes through :func:`inflate`, which stops at ``limit`` decoded bytes
and says so; a decompression bomb costs at most ``limit`` bytes of memory, and the crawl goes on
with what it got, flagged truncated.
"""

from __future__ import annotations

import zlib

GZIP_MAGIC = b"\x1f\x8b"
#: the most a sitemap may hold decoded (the sitemaps protocol's own limit)
SITEMAP_BYTES = 50 * 1024 * 1024


def _wbits(encoding: str) -> list[int]:
    if encoding in ("gzip", "x-gzip"):
        return [16 + zlib.MAX_WBITS]
    if encoding == "deflate":  # zlib-wrapped as the RFC says, or raw as some servers send it
        return [zlib.MAX_WBITS, -zlib.MAX_WBITS]
    return []


def inflate(data: bytes, encoding: str | None, limit: int) -> tuple[bytes, bool]:
    """``data`` decoded per ``encoding`` (gzip, deflate; anything else is returned as is), at
    most ``limit`` bytes of it, and whether it was cut there. Undecodable data is returned as
    it came (a server that lies about its encoding)."""
    encoding = (encoding or "").lower().strip()
    for wbits in _wbits(encoding):
        inflater = zlib.decompressobj(wbits)
        try:
            out = inflater.decompress(data, limit)
        except zlib.error:
            continue
        return out, bool(inflater.unconsumed_tail)
    return (data[:limit], len(data) > limit) if encoding in ("", "identity") else (data, False)


def gunzip(data: bytes, limit: int) -> tuple[bytes, bool]:
    """``data`` un-gzipped when it is gzip (at most ``limit`` bytes), else as it is."""
    if data[:2] != GZIP_MAGIC:
        return data, False
    return inflate(data, "gzip", limit)
