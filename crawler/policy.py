"""What the crawl may follow: scope, safety and trap defence.

Settings used: ``allow_domains``, ``allow_private``, ``max_depth``, ``pattern_budget``,
``max_pagination``.

Trap defence works on URL *patterns* (:func:`crawler.urls.pattern_key`: numbers masked, query
values dropped). Links found in pages are admitted freely until a pattern has ``pattern_budget``
URLs; past that, more are *held* unless pages of that pattern have proven to be articles (at
least half of those fetched). Calendars (``?day=N``), endless filter combinations and similar
traps yield no articles, so they stop at the budget; a news section whose URLs all look alike
(``/news/12345``) keeps going because its pages are articles. Held URLs are released as soon as
their pattern proves itself. URLs from sitemaps and feeds are trusted and not held.
"""

from __future__ import annotations

from collections import Counter

from archive.keys import shard_of

from . import urls
from .discover import looks_fetchable
from .settings import CrawlSettings


class LinkPolicy:
    """Decides, per discovered URL, whether to queue it, hold it, or drop it (and why)."""

    def __init__(self, settings: CrawlSettings, seed_urls: list[str]):
        self.settings = settings
        self.seed_hosts = {urls.hostname_of(u) for u in seed_urls}
        self.sites = {urls.site_of(h) for h in self.seed_hosts}
        self.enqueued: Counter[str] = Counter()
        self.per_path: Counter[str] = Counter()
        self.fetched: Counter[str] = Counter()
        self.articles: Counter[str] = Counter()

    def add_seeds(self, seed_urls: list[str]) -> None:
        for u in seed_urls:
            host = urls.hostname_of(u)
            self.seed_hosts.add(host)
            self.sites.add(urls.site_of(host))

    def scope_reason(self, url: str) -> str | None:
        """None when ``url`` is in scope, else why not."""
        if not urls.in_scope(url, self.sites | set(self.settings.crawl_sites),
                             self.settings.allow_domains):
            return "off-site"
        if self.settings.shard and not self._own_shard(url):
            return "other-shard"
        if not looks_fetchable(url):
            return "not-a-document"
        host = urls.hostname_of(url)
        # an address in the URL is refused here; a name is resolved and checked when the
        # connection is opened (crawler.guard), so a rebinding name cannot slip through
        if (not self.settings.allow_private and host not in self.seed_hosts
                and urls.is_private_host(host, resolve=False)):
            return "private-address"
        return None

    def _own_shard(self, url: str) -> bool:
        """In a sharded crawl, whether ``url`` is this shard's (see :func:`owner`; the seeds
        are this shard's)."""
        index, count = self.settings.shard or (0, 1)
        if urls.in_scope(url, self.sites):
            return True
        return allowed_domain_shard(url, self.settings.allow_domains, count) == index

    def proven(self, pattern: str) -> bool:
        fetched = self.fetched[pattern]
        return fetched > 0 and self.articles[pattern] * 2 >= fetched

    def admit(self, url: str, depth: int, trusted: bool = False) -> str:
        """'queue', 'hold', or a drop reason, for a URL at ``depth``; counts what it queues."""
        reason = self.scope_reason(url)
        if reason:
            return reason
        if depth > self.settings.max_depth:
            return "too-deep"
        if urls.pagination_depth(url) > self.settings.max_pagination:
            return "pagination-limit"
        pattern = urls.pattern_key(url)
        if not trusted:
            budget = self.settings.pattern_budget
            if self.enqueued[pattern] >= budget and not self.proven(pattern):
                return "hold"
            if urls.has_query(url) and self.per_path[urls.path_key(url)] >= 4 * budget:
                return "parameter-limit"
        self.count(url)
        return "queue"

    def count(self, url: str) -> None:
        self.enqueued[urls.pattern_key(url)] += 1
        if urls.has_query(url):
            self.per_path[urls.path_key(url)] += 1

    def record_fetch(self, url: str, is_article: bool) -> bool:
        """Note a fetched page's yield; True when its pattern just proved itself."""
        pattern = urls.pattern_key(url)
        was = self.proven(pattern)
        self.fetched[pattern] += 1
        if is_article:
            self.articles[pattern] += 1
        return not was and self.proven(pattern)


def allowed_domain_shard(url: str, allow_domains, count: int) -> int | None:
    """The shard of ``url`` as a page of an allowed domain: its site's, where the story it
    holds is stored (:func:`cluster.work.route` finds it there again); None when no allowed
    domain holds it."""
    host = urls.hostname_of(url)
    for domain in (d.lower().lstrip(".") for d in allow_domains):
        if host == domain or host.endswith("." + domain):
            return shard_of(urls.site_of(host), count)
    return None


def owner(url: str, sites_by_shard: dict[int, set[str]], allow_domains, count: int
          ) -> int | None:
    """Which shard of a sharded crawl fetches ``url``: the one crawling its site (the site
    of one of that shard's seeds), else the one of its allowed domain (None: neither)."""
    for shard, sites in sorted(sites_by_shard.items()):
        if urls.in_scope(url, sites):
            return shard
    return allowed_domain_shard(url, allow_domains, count)
