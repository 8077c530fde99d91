"""The crawler's errors.

    CrawlError            base of everything the crawler raises on purpose
    ├── InvalidURLError   a seed or link that is not a fetchable http(s) URL
    └── FetchError        a fetch that failed for good (after retries); carries the reason

``StoreError`` (the store of record cannot be opened or is not ours) is the archive layer's
(:mod:`archive.errors`), re-exported here.

Third-party errors (httpx, sqlite3, warcio) are translated at the boundary with
``raise CrawlError(...) from exc`` so the CLI can show one clear line.
"""

from archive.errors import StoreError

__all__ = ["CrawlError", "InvalidURLError", "FetchError", "StoreError"]


class CrawlError(Exception):
    """Base class for crawler errors."""


class InvalidURLError(CrawlError):
    """A URL that cannot be crawled (bad scheme, no host, unparsable)."""


class FetchError(CrawlError):
    """A fetch that failed for good; ``reason`` is a short machine-readable tag."""

    def __init__(self, message: str, reason: str = "error"):
        super().__init__(message)
        self.reason = reason

