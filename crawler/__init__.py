"""crawler: discover article URLs, fetch them politely, capture WARC, clean, store.

Public API::

    from crawler import Crawler, CrawlSettings, Store, extract, canonicalize
"""

__version__ = "0.1.0"

from archive.store import Store  # noqa: E402

from .crawl import Crawler, CrawlStats  # noqa: E402
from .errors import CrawlError, FetchError, InvalidURLError, StoreError  # noqa: E402
from .extract import Extraction, extract  # noqa: E402
from .settings import CrawlSettings, default_archive  # noqa: E402
from .urls import canonicalize  # noqa: E402

__all__ = [
    "CrawlError", "FetchError", "InvalidURLError", "StoreError",
    "CrawlSettings", "default_archive", "canonicalize",
    "Extraction", "extract", "Store", "Crawler", "CrawlStats",
]
