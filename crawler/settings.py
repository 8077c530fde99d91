"""Crawl settings: one home for every knob, with its default and what it does.

The CLI maps its options onto :class:`CrawlSettings`; nothing else in the crawler
hard-codes a limit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from . import __version__ as _version

#: Environment variable naming the archive directory when ``--archive`` is not given.
ARCHIVE_ENV = "NEWSARCHIVE_DIR"
DEFAULT_ARCHIVE = "data"


def default_archive() -> str:
    """The archive directory used when none is given: $NEWSARCHIVE_DIR or ./data."""
    return os.environ.get(ARCHIVE_ENV) or DEFAULT_ARCHIVE


def user_agent(contact: str | None = None) -> str:
    """The User-Agent we send: names the tool, and a contact when the archivist gives one."""
    ua = f"newsarchive/{_version} (+https://pypi.org/project/newsarchive/)"
    if contact:
        ua = f"newsarchive/{_version} (+{contact})"
    return ua


@dataclass
class CrawlSettings:
    """Everything that shapes a crawl. Defaults are polite enough for other people's sites."""

    #: Seconds between two requests to the same host (robots.txt Crawl-delay wins if larger).
    delay: float = 1.0
    #: Requests in flight at once to one host.
    per_host_concurrency: int = 2
    #: Requests in flight at once overall.
    concurrency: int = 16
    #: Stop after this many fetched pages (all hosts); 0 means no limit.
    max_pages: int = 0
    #: Links deeper than this many hops from a seed (or a sitemap/feed entry) are not followed.
    max_depth: int = 8
    #: Pages fetched from one host in one crawl at most.
    host_budget: int = 50_000
    #: Pages sharing one URL pattern (path with numbers masked + query parameter names).
    pattern_budget: int = 40
    #: Deepest ``page=N`` / ``/page/N`` pagination followed.
    max_pagination: int = 25
    #: Bytes read from one response; the rest is cut and the capture flagged as truncated.
    max_bytes: int = 10 * 1024 * 1024
    #: Seconds for connect/read/write/pool timeouts.
    timeout: float = 20.0
    #: Attempts per URL for retryable failures (5xx, timeouts, truncated bodies, 429).
    max_tries: int = 4
    #: First retry backoff in seconds; doubles each try.
    backoff: float = 0.5
    #: Longest Retry-After we wait for; longer ones are recorded and the URL given up.
    max_retry_after: float = 120.0
    #: Extra domains (and their subdomains) the crawl may enter besides the seeds' sites.
    allow_domains: tuple[str, ...] = ()
    #: Follow links that resolve to private/loopback/link-local addresses from a public seed.
    allow_private: bool = False
    #: Contact URL or e-mail put in the User-Agent.
    contact: str | None = None
    #: Processes used to clean pages (0 = clean in the crawling process).
    workers: int = field(default_factory=lambda: min(2, os.cpu_count() or 1))
    #: Rotate WARC files when they pass this size.
    warc_max_bytes: int = 1024 * 1024 * 1024
    #: Look for sitemaps and feeds at the usual paths of each seed's site.
    discover: bool = True
    #: (this shard, shards) when crawling one shard of a sharded archive: sites that belong
    #: to another shard (``archive.keys.shard_of`` of the site) are left to it
    shard: tuple[int, int] | None = None
    #: the sites of the whole sharded crawl's seeds: in its scope, as in one process's, and
    #: handed to the shard crawling them
    crawl_sites: tuple[str, ...] = ()

    @property
    def ua(self) -> str:
        return user_agent(self.contact)
