"""The crawl loop: schedule politely, fetch, capture, clean, store, discover more.

One :class:`Crawler` runs one crawl (or resumes an interrupted one) over an archive. Hosts are
scheduled independently: each has its own queue, robots.txt rules, next-allowed time (``delay``
or robots' Crawl-delay, whichever is larger) and in-flight limit (``per_host_concurrency``).
Cleaning runs in ``workers`` processes so fetching and parsing use both cores.

Every fetched URL ends in exactly one recorded outcome in the frontier (``ok``, ``article``,
``not-modified``, ``redirect``, ``robots-disallowed``, ``http-404``, ``gave-up``, ...), so the
closing summary and ``newsarchive stats`` can say what happened to each.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import httpx

from archive.layout import capture_path
from archive.store import Article, Store
from archive.warc import Capture, Records, WarcWriter, build_exchange, read_response

from . import discover, urls
from .charset import decode
from .cleaning import CleaningPool, TooSlow, deadline
from .errors import CrawlError, InvalidURLError
from .extract import Extraction, extract
from .fetch import FetchResult, fetch
from .guard import AddressGuard, is_address
from .htmltree import parse_html
from .inflate import inflate
from .policy import LinkPolicy
from .robots import RobotsRules, rules_from_response
from .settings import CrawlSettings
from .template import HostLearner, SiteTemplate, TemplateView
from .transport import crawl_transport

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class CrawlStats:
    """Counts a crawl reports as it goes and at the end."""

    crawl_id: int = 0
    resumed: bool = False
    pages: int = 0
    articles_new: int = 0
    articles_changed: int = 0
    articles_unchanged: int = 0
    errors: int = 0
    retries: int = 0
    bytes: int = 0
    queued: int = 0
    held: int = 0
    interrupted: bool = False  # stopped early (Ctrl-C, stop()): the next run resumes
    started: float = field(default_factory=time.time)
    outcomes: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    #: a few pages classed as listings, so a user can spot a site the cleaner misreads
    listing_samples: list[str] = field(default_factory=list)
    #: pages cleaned again at the end, with the site's template as the crawl learned it
    recleaned: int = 0

    @property
    def articles(self) -> int:
        return self.articles_new + self.articles_changed + self.articles_unchanged

    @property
    def elapsed(self) -> float:
        return max(1e-9, time.time() - self.started)

    def as_dict(self) -> dict:
        return {"crawl_id": self.crawl_id, "resumed": self.resumed, "pages": self.pages,
                "articles": self.articles, "articles_new": self.articles_new,
                "articles_changed": self.articles_changed,
                "articles_unchanged": self.articles_unchanged, "errors": self.errors,
                "retries": self.retries, "bytes": self.bytes, "queued": self.queued,
                "held": self.held, "seconds": round(self.elapsed, 2),
                "pages_per_second": round(self.pages / self.elapsed, 1),
                "outcomes": dict(self.outcomes), "listing_samples": self.listing_samples,
                "recleaned": self.recleaned}


class _Host:
    def __init__(self, name: str):
        self.name = name
        self.queue: deque = deque()
        self.active = 0
        self.next_time = 0.0
        self.fetched = 0
        self.rules: RobotsRules | None = None
        self.robots_lock = asyncio.Lock()


#: The store commits the pages' writes at most this often (see Store.group_commits): a
#: commit per page was about 5% of the crawling process's time (profiled).
GROUP_COMMIT_SECONDS = 0.1
#: the most of a page handed to the cleaner: no story needs more, and parsing a 100 MB page
#: would hold a cleaning process (and its memory) for long
MAX_HTML_BYTES = 5 * 1024 * 1024
#: the longest a cleaning process spends on one page: the slowest real pages on the shared
#: benchmarks take well under a second; pages built to be slow (tens of thousands of
#: link blocks) take tens of seconds
CLEAN_SECONDS = 5.0
#: a host's template is written to the store every so many of its pages (and at the end): it
#: only guides the cleaner, so a crash loses little by it
TEMPLATE_SAVE_PAGES = 500


def _clean_page(body: bytes, content_type: str | None, url: str, fetched_at: float,
                hint_date: str | None, view: TemplateView | None = None
                ) -> tuple[Extraction, discover.Discovered]:
    """A fetched HTML page's article and links, cleaned with its host's template ``view``.
    In a cleaning process a page gets ``CLEAN_SECONDS``; past them it is given up on (its
    capture is kept): a page built to be slow to clean never holds a process for long."""
    try:
        with deadline(CLEAN_SECONDS):
            text, _enc = decode(body[:MAX_HTML_BYTES], content_type)
            when = datetime.fromtimestamp(fetched_at, timezone.utc).replace(tzinfo=None)
            tree = parse_html(text)
            # the links before the cleaner prunes the tree
            links = discover.canonical_links(discover.links_in(tree), url)
            ex = extract(text, url, fetched_at=when, hint_date=hint_date, tree=tree,
                         quick_listings=True, template=view)
    except TooSlow as exc:
        return (Extraction(url=url, gave_up=f"cleaning took {exc}"),
                discover.Discovered())
    return ex, links


def _reclean_capture(warc_path: str, offset: int, url: str, fetched_at: float,
                     hint_date: str | None, view: TemplateView) -> Extraction:
    """A stored capture cleaned again with its host's settled template."""
    _, headers, body = read_response(warc_path, offset)
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    return _clean_page(body, ctype, url, fetched_at, hint_date, view)[0]


def _html_type(ctype: str | None) -> bool:
    return not ctype or any(t in ctype for t in HTML_TYPES) or "text/plain" in ctype


def _records(result: FetchResult, meta: dict) -> Records:
    assert result.status is not None, "only responses are recorded"
    return build_exchange(
        url=result.url, method="GET", request_headers=result.request_headers,
        status=result.status, reason=result.reason, http_version=result.http_version,
        response_headers=result.headers, body=result.raw, ip=result.ip,
        truncated=result.truncated, fetched_at=result.fetched_at, metadata=meta)


def _capture_and_clean(result: FetchResult, meta: dict, hint_date: str | None,
                       view: TemplateView | None = None, max_bytes: int = MAX_HTML_BYTES):
    """In a cleaning process: the page's WARC records (compressed), article and links. The
    crawling process is left to fetch, append and decide: it is the crawl's bottleneck. It
    sends the bytes as they came (``result.body`` empty): they are inflated here again, so
    that the crawling process never holds a page's inflated bytes while it waits."""
    body = result.body or inflate(result.raw, result.header("content-encoding"), max_bytes)[0]
    return (_records(result, meta),
            *_clean_page(body, result.content_type, result.url, result.fetched_at,
                         hint_date, view))


def _run_loop(coro):
    """Run the crawl on uvloop where it is installed (everywhere but Windows): the crawling
    process is mostly event-loop and HTTP work, and uvloop gave 3-4% more pages/s on
    ``bench/crawl.py``; on asyncio's own loop otherwise."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def _ignore_sigint() -> None:
    """Cleaning processes leave Ctrl-C to the crawler, which stops them in order."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Link(NamedTuple):
    """A URL a fetch led to, with the depth, kind and date hint it is queued with."""

    url: str
    depth: int
    kind: str
    hint: str | None


@dataclass
class _Reading:
    """What one fetch says (see :meth:`Crawler._interpret`): its outcome, links relative to
    it (``found``) and canonical already (``canonical``), its story, what it taught."""

    outcome: str = "ok"
    error: str | None = None
    found: list[Link] = field(default_factory=list)
    canonical: list[Link] = field(default_factory=list)
    article: Article | None = None
    learned: tuple | None = None


class Crawler:
    """Crawl seeds into the archive at ``archive`` with ``settings``.

    ``progress`` is called with the live :class:`CrawlStats` after each page; ``log`` with
    one-line messages worth showing the user (robots trouble, giving up on a URL).
    """

    def __init__(self, archive: str | Path, settings: CrawlSettings | None = None,
                 progress: Callable[[CrawlStats], None] | None = None,
                 log: Callable[[str], None] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None):
        self.archive = Path(archive)
        self.settings = settings or CrawlSettings()
        self.progress = progress or (lambda stats: None)
        self.log = log or (lambda msg: None)
        self.transport = transport
        self.stats = CrawlStats()
        self._stop = False
        self.finish = True

    # -- public ------------------------------------------------------------------------------
    def run(self, seeds: list[str], extra: Sequence[tuple] = (), finish: bool = True
            ) -> CrawlStats:
        """Crawl (or resume); returns the stats. Raises CrawlError for unusable input only.

        In a sharded crawl (``settings.shard``) links that are another shard's are kept in
        the store for it (:meth:`archive.store.Store.handoffs`); ``extra`` are such links,
        ``(url, depth, kind, via, hint date)``, handed over to this shard, and ``finish``
        False leaves the crawl open, so a later run with more of them resumes it (the pages
        it has are not fetched again)."""
        self.finish = finish
        return _run_loop(self._run(seeds, list(extra)))

    def stop(self) -> None:
        """Ask the crawl to finish the pages in flight and stop (Ctrl-C)."""
        self._stop = True
        self.stats.interrupted = True
        wake = getattr(self, "wake", None)
        if wake is not None:
            wake.set()

    def _on_sigint(self) -> None:
        """First Ctrl-C: stop after the pages in flight. A second one: stop at once."""
        if self._stop:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            if self._task is not None:
                self._task.cancel()
            return
        self.log("stopping after the pages in flight (Ctrl-C again to stop at once); "
                 "run the same command again to resume")
        self.stop()

    # -- setup -------------------------------------------------------------------------------
    async def _run(self, seeds: list[str], extra: list[tuple]) -> CrawlStats:
        crawl_id, seeds = self._open(seeds, handed=bool(extra))
        self._seed(seeds, extra)
        self.pool = None
        if self.settings.workers > 0:
            self.pool = CleaningPool(self.settings.workers, initializer=_ignore_sigint)
        completed = False
        loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        try:  # Ctrl-C stops cleanly (even where the shell started us with SIGINT ignored)
            loop.add_signal_handler(signal.SIGINT, self._on_sigint)
            handles_sigint = True
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            handles_sigint = False
        self.store.group_commits(GROUP_COMMIT_SECONDS)
        try:
            async with self._client() as client:
                self.client = client
                await self._schedule()
            if not self._stop:
                await self._reclean()
            completed = True
        except asyncio.CancelledError:
            raise KeyboardInterrupt from None  # a second Ctrl-C
        finally:
            if handles_sigint:
                loop.remove_signal_handler(signal.SIGINT)
            self._close(crawl_id, completed)
        return self.stats

    def _open(self, seeds: list[str], handed: bool = False) -> tuple[int, list[str]]:
        """Open (or resume) the crawl in the store; its id and canonical seeds."""
        canonical_seeds = []
        for seed in seeds:
            try:
                canonical_seeds.append(urls.canonicalize(seed))
            except InvalidURLError as exc:
                self.log(f"skipping seed: {exc}")
                self.stats.outcomes["invalid-seed"] += 1
        self.store = Store(self.archive)
        if not canonical_seeds and not handed and self.store.unfinished_crawl() is None:
            # nothing to crawl: no crawl is opened (the next one would say it resumed it)
            self.store.close()
            raise InvalidURLError("no valid seed URL given (expected http:// or https:// URLs)")
        crawl_id, resumed = self.store.open_crawl(canonical_seeds, self._settings_dict())
        if resumed:
            old = self.store.crawl_seeds(crawl_id)
            canonical_seeds = list(dict.fromkeys(old + canonical_seeds))
        if not canonical_seeds and not handed:
            self.store.close()
            raise InvalidURLError("no valid seed URL given (expected http:// or https:// URLs)")
        self.stats.crawl_id, self.stats.resumed = crawl_id, resumed
        self.crawl_id = crawl_id
        self.policy = LinkPolicy(self.settings, canonical_seeds)
        self.hosts: dict[str, _Host] = {}
        self.warc = WarcWriter(self.store.warc_dir, self.settings.warc_max_bytes)
        self.wake = asyncio.Event()
        self.active = 0
        #: URLs this crawl has queued or held: found again, they are not counted again
        self.known: set[str] = set()
        #: each host's template as learned so far, and the pages to clean again with it
        self.learners: dict[str, HostLearner] = {}
        if resumed:
            self._rebuild_counters()
        return crawl_id, canonical_seeds

    def _seed(self, seeds: list[str], extra: Sequence[tuple] = ()) -> None:
        """Queue the seeds (and each seed site's usual sitemap and feed addresses) and the
        links handed over by other shards, then load the hosts' queues from the store, which
        holds what a resumed crawl had left."""
        with self.store.transaction():
            for url, depth, kind, via, hint in extra:
                self._enqueue(url, depth, kind, via=via or "link", hint=hint,
                              trusted=kind != "page")
            for seed in seeds:
                self._enqueue(seed, 0, "page", via="seed", trusted=True)
                if self.settings.discover:
                    root = seed.split("/", 3)
                    base = f"{root[0]}//{root[2]}"
                    for path in discover.SITEMAP_PATHS[:1]:
                        self._enqueue(base + path, 0, "sitemap", via="guess", trusted=True)
                    for path in discover.FEED_PATHS[:3]:
                        self._enqueue(base + path, 0, "feed", via="guess", trusted=True)
        for host in self.hosts.values():
            host.queue.clear()  # the store is the truth: load the queue from it once
        for row in self.store.queued(self.crawl_id):
            self._host(row["host"]).queue.append(
                (row["url"], row["depth"], row["kind"], row["hint_date"], row["tries"]))

    def _client(self) -> httpx.AsyncClient:
        """The crawl's HTTP client: pooled, polite headers, every connection through the
        address guard."""
        limits = httpx.Limits(max_connections=self.settings.concurrency * 2,
                              max_keepalive_connections=self.settings.concurrency)
        headers = {"User-Agent": self.settings.ua, "Accept-Encoding": "gzip, deflate",
                   "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
        guard = AddressGuard(self.settings.allow_private,
                             {h for h in self.policy.seed_hosts if is_address(h)})
        transport = self.transport or crawl_transport(limits, guard)
        return httpx.AsyncClient(timeout=httpx.Timeout(self.settings.timeout), headers=headers,
                                 transport=transport, trust_env=False)

    def _close(self, crawl_id: int, completed: bool) -> None:
        if self.pool:
            self.pool.shutdown()
        self.store.group_commits(None)
        self.warc.close()
        self.stats.queued = sum(len(h.queue) for h in self.hosts.values())
        self.stats.held = self.store.held_count(crawl_id)
        # an interrupted crawl (Ctrl-C, stop()) stays open so the next run resumes it
        if completed and not self._stop and self.finish:
            self.store.finish_crawl(crawl_id, self.stats.as_dict())
        self.store.close()

    def _settings_dict(self) -> dict:
        return {k: v for k, v in vars(self.settings).items() if k != "contact"}

    def _rebuild_counters(self) -> None:
        for row in self.store.crawl_urls(self.crawl_id):
            self.known.add(row["url"])
            if row["state"] == "handoff":
                continue  # another shard's
            if row["via"] not in ("sitemap", "feed", "seed", "guess"):
                self.policy.count(row["url"])
            if row["state"] == "done" and row["kind"] == "page":
                self.policy.record_fetch(row["url"], row["outcome"] in ("article", "duplicate"))
                self._host(urls.host_of(row["url"])).fetched += 1
                self.stats.pages += 1

    def _host(self, name: str) -> _Host:
        host = self.hosts.get(name)
        if host is None:
            host = self.hosts[name] = _Host(name)
        return host

    def _enqueue(self, url: str, depth: int, kind: str, via: str, hint: str | None = None,
                 trusted: bool = False) -> str:
        if url in self.known and hint is None:
            return "known"  # every page links the same sections: the crawl has them already
        decision = self.policy.admit(url, depth, trusted=trusted)
        if decision == "other-shard":  # kept for the shard whose it is (see run)
            self.known.add(url)
            self.store.enqueue(url, urls.host_of(url), depth, self.crawl_id, kind=kind,
                               via=via, hint_date=hint, state="handoff",
                               pattern=urls.pattern_key(url))
            return decision
        if decision not in ("queue", "hold"):
            return decision
        self.known.add(url)
        state = "queued" if decision == "queue" else "held"
        host = urls.host_of(url)
        if self.store.enqueue(url, host, depth, self.crawl_id, kind=kind, via=via,
                              hint_date=hint, state=state, pattern=urls.pattern_key(url)):
            if state == "queued":
                self._host(host).queue.append((url, depth, kind, hint, 0))
                self.wake.set()
        return decision

    # -- scheduling ----------------------------------------------------------------------------
    async def _schedule(self) -> None:
        tasks: set[asyncio.Task] = set()
        s = self.settings
        while True:
            self.store.commit_due()
            if self._stop or (s.max_pages and self.stats.pages + self.active >= s.max_pages):
                if not tasks:
                    break
            else:
                now = time.monotonic()
                soonest = None
                for host in list(self.hosts.values()):
                    while (host.queue and host.active < s.per_host_concurrency
                           and self.active < s.concurrency and host.next_time <= now
                           and not (s.max_pages and self.stats.pages + self.active >= s.max_pages)):
                        item = host.queue.popleft()
                        host.active += 1
                        self.active += 1
                        host.next_time = now + self._delay(host)
                        task = asyncio.create_task(self._process(host, *item))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    if host.queue and host.active < s.per_host_concurrency and host.next_time > now:
                        if soonest is None or host.next_time < soonest:
                            soonest = host.next_time
                if not tasks and not any(h.queue for h in self.hosts.values()):
                    break
                if soonest is not None:
                    self.wake.clear()
                    try:
                        await asyncio.wait_for(self.wake.wait(),
                                               self._idle_wait(soonest - time.monotonic()))
                    except asyncio.TimeoutError:
                        pass
                    continue
            self.wake.clear()
            if tasks:
                try:
                    await asyncio.wait_for(self.wake.wait(), self._idle_wait(1.0))
                except asyncio.TimeoutError:
                    pass

    def _idle_wait(self, seconds: float) -> float:
        """How long the scheduler may sleep: no longer than the open group of store writes
        may wait for its commit."""
        if self.store.group_open:
            seconds = min(seconds, GROUP_COMMIT_SECONDS)
        return max(0.0, seconds)

    def _delay(self, host: _Host) -> float:
        delay = self.settings.delay
        if host.rules is not None:
            delay = max(delay, host.rules.crawl_delay(self.settings.ua))
        return delay

    # -- one URL ----------------------------------------------------------------------------
    async def _process(self, host: _Host, url: str, depth: int, kind: str,
                       hint: str | None, tries: int) -> None:
        try:
            await self._process_url(host, url, depth, kind, hint)
        except Exception as exc:  # noqa: BLE001 - one bad page must never stop the crawl
            self.stats.errors += 1
            self.stats.outcomes["internal-error"] += 1
            msg = f"{url}: unexpected {type(exc).__name__}: {exc}"
            self._sample(msg)
            self.log(msg)
            try:
                self.store.finish_url(url, "failed", "internal-error")
            except Exception:  # noqa: BLE001 - the store itself failing is reported above
                pass
        finally:
            host.active -= 1
            self.active -= 1
            self.wake.set()
            self.progress(self.stats)

    def _sample(self, msg: str) -> None:
        if len(self.stats.error_samples) < 20:
            self.stats.error_samples.append(msg)

    async def _robots(self, host: _Host, url: str) -> RobotsRules:
        async with host.robots_lock:
            if host.rules is not None:
                return host.rules
            scheme = url.split(":", 1)[0]
            robots_url = f"{scheme}://{host.name}/robots.txt"
            result: FetchResult | None = None
            for _hop in range(5):
                result = await fetch(self.client, robots_url, max_bytes=500_000, max_tries=2,
                                     backoff=self.settings.backoff, max_retry_after=5,
                                     on_retry=self._on_retry)
                if result.status is not None:
                    self._capture(result, {"purpose": "robots"})
                redirected = result.status in (301, 302, 303, 307, 308)
                location = result.header("location") if redirected else None
                if not location:
                    break
                target = str(httpx.URL(robots_url).join(location))
                refused = self._robots_redirect_refused(target)
                if refused:
                    self.log(f"{host.name}: robots.txt redirects to {target} ({refused}): not "
                             f"followed; read as no robots.txt")
                    result = FetchResult(url=target, status=404)
                    break
                robots_url = target
            assert result is not None  # the loop ran at least once
            text = decode(result.body, result.content_type)[0] if result.status else None
            rules = rules_from_response(result.status, text, result.error,
                                        refused=result.outcome == "refused-address")
            if rules.status == "refused":
                msg = f"{host.name}: {rules.detail}: nothing will be fetched from this host"
                self._sample(msg)
                self.log(msg)
            elif rules.status == "unavailable":
                self.log(f"{host.name}: {rules.detail}: nothing will be fetched from this host "
                         f"(RFC 9309: an unreachable robots.txt means disallow all)")
            host.rules = rules
            if self.settings.discover and rules.sitemaps:
                with self.store.transaction():
                    for sm in rules.sitemaps:
                        try:
                            self._enqueue(urls.canonicalize(sm), 0, "sitemap", via="robots",
                                          trusted=True)
                        except InvalidURLError:
                            continue
            # the robots.txt request counts as one: wait before the first page
            await asyncio.sleep(self._delay(host))
            host.next_time = time.monotonic() + self._delay(host)
            return rules

    def _robots_redirect_refused(self, target: str) -> str | None:
        """Why a robots.txt redirect to ``target`` is not followed, or None: it goes through
        the rule every link does (scope; the address is checked when connecting)."""
        try:
            canonical = urls.canonicalize(target)
        except InvalidURLError as exc:
            return str(exc)
        reason = self.policy.scope_reason(canonical)
        return None if reason in (None, "not-a-document") else reason

    def _on_retry(self, url: str, result: FetchResult) -> None:
        self.stats.retries += 1
        self.stats.outcomes[f"retry:{result.outcome}"] += 1

    def _capture(self, result: FetchResult, meta: dict):
        return self.warc.append(_records(result, meta))

    def _is_page(self, result: FetchResult) -> bool:
        """A 2xx HTML page: cleaned, and its links followed."""
        if result.status is None or not 200 <= result.status < 300:
            return False
        return discover.sniff_kind(result.body, result.content_type) == "html" and \
            _html_type(result.content_type)

    async def _process_url(self, host: _Host, url: str, depth: int, kind: str,
                           hint: str | None) -> None:
        rules = await self._robots(host, url)
        if not rules.allowed(url, self.settings.ua):
            outcome = {"ok": "robots-disallowed", "refused": "refused-address"}.get(
                rules.status, "robots-unavailable")
            self.stats.outcomes[outcome] += 1
            self.store.finish_url(url, "skipped", outcome)
            return
        if host.fetched >= self.settings.host_budget:
            self.stats.outcomes["host-budget"] += 1
            self.store.finish_url(url, "skipped", "host-budget")
            return
        etag, last_modified = self.store.validators(url)
        cond = {}
        if etag:
            cond["If-None-Match"] = etag
        if last_modified:
            cond["If-Modified-Since"] = last_modified
        s = self.settings
        result = await fetch(self.client, url, headers=cond, max_bytes=s.max_bytes,
                             max_tries=s.max_tries, backoff=s.backoff,
                             max_retry_after=s.max_retry_after, on_retry=self._on_retry)
        host.fetched += 1
        self.stats.pages += 1
        self.stats.bytes += len(result.raw)
        capture = cleaned = None
        if result.status is not None:
            meta = {"crawl": self.crawl_id, "tries": result.tries, "outcome": result.outcome,
                    "kind": kind}
            if self.pool is not None and self._is_page(result):
                view = self._template(host.name).view()
                result.body = b""  # inflated again in the cleaning process (see there)
                records, *cleaned = await self.pool.run(_capture_and_clean, result, meta, hint,
                                                        view, s.max_bytes)
                cleaned.append(view)
                capture = self.warc.append(records)
            else:
                capture = self._capture(result, meta)
        await self._handle(url, depth, kind, hint, result, capture, cleaned)

    async def _handle(self, url, depth, kind, hint, result: FetchResult, capture,
                      cleaned: list | None = None) -> None:
        """Record one fetch and what it led to. ``cleaned`` is the page's article, links and
        the template view it was cleaned with, when a cleaning process already made them."""
        read = await self._interpret(url, depth, kind, hint, result, capture, cleaned)
        status = result.status
        fetch_row = dict(url=url, crawl_id=self.crawl_id, status=status,
                         content_type=result.header("content-type"), etag=result.header("etag"),
                         last_modified=result.header("last-modified"),
                         warc_file=capture.warc_file if capture else None,
                         warc_offset=capture.offset if capture else None,
                         warc_length=capture.length if capture else None,
                         bytes=len(result.raw), truncated=1 if result.truncated else 0,
                         fetched_at=result.fetched_at, outcome=read.outcome, error=read.error)
        released = []
        with self.store.transaction():
            self.store.add_fetch(**fetch_row)
            if read.learned is not None:
                self._learn(url, *read.learned)
            if read.article is not None:
                if self._store_article(read.article, url) == "duplicate":
                    read.outcome = "duplicate"
            self._enqueue_found(url, kind, read)
            if kind == "page" and status is not None and 200 <= status < 300:
                if self.policy.record_fetch(url, read.outcome in ("article", "duplicate")):
                    released = self.store.release_held(urls.pattern_key(url), self.crawl_id)
            failed = read.outcome in ("gave-up", "refused-address")
            self.store.finish_url(url, "failed" if failed else "done", read.outcome,
                                  result.tries)
        for row in released:
            self._host(row["host"]).queue.append(
                (row["url"], row["depth"], row["kind"], row["hint_date"], 0))
        self.stats.outcomes[read.outcome] += 1

    def _enqueue_found(self, url: str, kind: str, read: _Reading) -> None:
        """Queue the links a fetch led to (``read.found`` relative to ``url``)."""
        canonical = list(read.canonical)
        for link in read.found:
            try:
                canonical.append(link._replace(url=urls.canonicalize(link.url, base=url)))
            except InvalidURLError:
                continue
        from_feed = kind in ("sitemap", "feed")
        for link in canonical:
            self._enqueue(link.url, link.depth, link.kind, via=kind if from_feed else "link",
                          hint=link.hint, trusted=from_feed or link.kind in ("sitemap", "feed"))

    async def _interpret(self, url, depth, kind, hint, result: FetchResult, capture,
                         cleaned) -> _Reading:
        """What one fetch says: its outcome and the links and story it gives."""
        status = result.status
        read = _Reading(error=result.error)
        if status is None or result.outcome == "gave-up":
            refused = result.outcome == "refused-address"
            read.outcome = "refused-address" if refused else "gave-up"
            self.stats.errors += 1
            self._sample(f"{url}: {read.error}")
            self.log(f"{'refused' if refused else 'gave up on'} {url}: {read.error}")
        elif status == 304:
            read.outcome = "not-modified"
            if kind == "page":
                read.found = await self._relink_from_previous(url, depth)
        elif 300 <= status < 400:
            self._read_redirect(url, depth, kind, hint, result, read)
        elif status >= 400:
            read.outcome = f"http-{status}"
            if not (status == 404 and kind in ("sitemap", "feed")):
                self.stats.errors += 1
                self._sample(f"{url}: HTTP {status}")
        else:
            self._read_document(url, depth, hint, result, capture, cleaned, read)
        return read

    def _read_redirect(self, url, depth, kind, hint, result: FetchResult, read: _Reading):
        location = result.header("location")
        read.outcome = "redirect"
        if not location:
            read.outcome, read.error = "bad-redirect", f"HTTP {result.status} without Location"
            return
        try:
            target = urls.canonicalize(location, base=url)
        except InvalidURLError:
            return
        if target != url:
            self.store.add_redirect(url, target, result.status or 0)
            read.found.append(Link(target, depth, kind, hint))

    def _read_document(self, url, depth, hint, result: FetchResult, capture, cleaned,
                       read: _Reading) -> None:
        """A 2xx response: a sitemap, a feed or an HTML page."""
        ctype = result.content_type
        sniffed = "html" if cleaned else discover.sniff_kind(result.body, ctype)
        if sniffed == "sitemap":
            read.outcome = "sitemap"
            parsed = discover.parse_sitemap(result.body)
            read.found += [Link(u, depth, "sitemap", None) for u in parsed.sitemaps]
            read.found += [Link(u, depth + 1, "page", d) for u, d in parsed.pages]
        elif sniffed == "feed":
            read.outcome = "feed"
            parsed = discover.parse_feed(result.body)
            read.found += [Link(u, depth + 1, "page", d) for u, d in parsed.pages]
        elif sniffed == "html" and _html_type(ctype):
            self._read_page(url, depth, hint, result, capture, cleaned, read)
        else:
            read.outcome = "not-html"

    def _read_page(self, url, depth, hint, result: FetchResult, capture, cleaned,
                   read: _Reading) -> None:
        if cleaned:
            ex, links, view = cleaned
        else:
            view = self._template(urls.host_of(url)).view()
            ex, links = _clean_page(result.body, result.content_type, url, result.fetched_at,
                                    hint, view)
        # the next page of a listing is the same listing, not a level deeper: a section's
        # archive runs to --max-pagination pages whatever --max-depth says (links are
        # canonical already: see discover.canonical_links)
        read.canonical = [Link(href, depth if urls.pagination_depth(href) else depth + 1,
                               "page", None) for href, _ in links.pages]
        read.canonical += [Link(href, depth, "feed", None) for href in links.feeds]
        if ex.gave_up:
            read.outcome, read.error = "too-slow", ex.gave_up
            self.stats.errors += 1
            self._sample(f"{url}: {ex.gave_up}")
            self.log(f"gave up cleaning {url}: {ex.gave_up}; its capture is kept")
        else:
            read.learned = (ex, view)
            read.outcome, read.article = self._article_from(url, ex, result.fetched_at,
                                                            capture)
        if ex.canonical_url:
            try:
                canon = urls.canonicalize(ex.canonical_url)
            except InvalidURLError:
                return
            if canon != url:
                read.found.append(Link(canon, depth, "page", hint))

    def _article_from(self, url: str, ex: Extraction, fetched_at: float,
                      capture: Capture | None):
        if not ex.is_article:
            if len(self.stats.listing_samples) < 10:
                self.stats.listing_samples.append(url)
            return "listing", None
        canonical = url
        if ex.canonical_url:
            try:
                candidate = urls.canonicalize(ex.canonical_url)
                # an off-site canonical (syndication) does not make this page that story
                if urls.in_scope(candidate, self.policy.sites, self.settings.allow_domains):
                    canonical = candidate
            except InvalidURLError:
                pass
        art = ex.to_article(canonical, url, fetched_at=fetched_at,
                            warc_file=capture.warc_file if capture else None,
                            warc_offset=capture.offset if capture else None)
        return "article", art

    def _store_article(self, art: Article, fetched_url: str) -> str:
        if art.canonical_url != fetched_url:
            origin = self.store.article_origin(art.canonical_url)
            # a print/AMP/tracking copy never overwrites the story fetched from its own URL
            if origin == (art.canonical_url, self.crawl_id):
                return "duplicate"
        verdict = self.store.upsert_article(art, self.crawl_id)
        if verdict == "new":
            self.stats.articles_new += 1
        elif verdict == "changed":
            self.stats.articles_changed += 1
        else:
            self.stats.articles_unchanged += 1
        return verdict

    # -- site templates ------------------------------------------------------------------------
    def _template(self, host: str) -> SiteTemplate:
        return self._learner(host).template

    def _learner(self, host: str) -> HostLearner:
        learner = self.learners.get(host)
        if learner is None:
            template = SiteTemplate.from_json(self.store.template(host))
            learner = self.learners[host] = HostLearner(template)
        return learner

    def _learn(self, url: str, ex: Extraction, view: TemplateView) -> None:
        """Count what the page tells its host's template (in the page's transaction)."""
        if ex.features is None:
            return
        host = urls.host_of(url)
        learner = self._learner(host)
        learner.learn(url, ex.features, view)
        if learner.template.pages % TEMPLATE_SAVE_PAGES == 0:
            self.store.save_template(host, learner.template.to_json())

    async def _reclean(self) -> None:
        """Clean again, with the template the crawl has learned, the pages cleaned before it
        knew their lines: a site's first pages are read without knowing its chrome."""
        for host, learner in self.learners.items():
            with self.store.transaction():
                self.store.save_template(host, learner.template.to_json())
            view = learner.template.view()
            pages = sorted(learner.dirty)
            width = max(1, 2 * self.settings.workers)
            for start in range(0, len(pages), width):  # every cleaning process busy
                await asyncio.gather(*(self._reclean_page(url, view)
                                       for url in pages[start:start + width]))
            learner.dirty.clear()
        self.store.flush()

    async def _reclean_page(self, url: str, view: TemplateView) -> None:
        fetch, row = self.store.fetch_of(url), self.store.frontier_row(url)
        if fetch is None or row is None:
            return
        args = (str(capture_path(self.archive, fetch["warc_file"])), fetch["warc_offset"], url,
                fetch["fetched_at"], row["hint_date"], view)
        try:
            if self.pool is not None:
                ex = await self.pool.run(_reclean_capture, *args)
            else:
                ex = _reclean_capture(*args)
        except Exception as exc:  # noqa: BLE001 - the first reading stays
            self.log(f"{url}: could not clean it again ({type(exc).__name__}: {exc})")
            return
        if not ex.is_article:
            return  # a story stays stored; a listing stays a listing
        outcome, art = self._article_from(url, ex, fetch["fetched_at"],
                                          Capture(fetch["warc_file"], fetch["warc_offset"], 0))
        with self.store.transaction():
            if row["outcome"] == "listing":
                self._store_article(art, url)
                self.stats.outcomes["listing"] -= 1
                self.stats.outcomes[outcome] += 1
                self.store.finish_url(url, "done", outcome)
            else:
                self.store.replace_article(art)
        self.stats.recleaned += 1

    async def _relink_from_previous(self, url: str, depth: int) -> list[Link]:
        """On 304, rediscover the page's links from its last capture (no re-download)."""
        row = self.store.fetch_of(url)
        if not row:
            return []
        try:
            _, headers, body = read_response(capture_path(self.archive, row["warc_file"]),
                                             row["warc_offset"])
        except (OSError, ValueError) as exc:
            self.log(f"{url}: cannot re-read its last capture ({exc})")
            return []
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        text, _ = decode(body, ctype)
        return [Link(href, depth + 1, "page", None) for href in discover.page_links(text, url)]


def crawl(archive: str | Path, seeds: list[str], settings: CrawlSettings | None = None,
          **kwargs) -> CrawlStats:
    """Convenience wrapper: ``Crawler(archive, settings, **kwargs).run(seeds)``."""
    return Crawler(archive, settings, **kwargs).run(seeds)


__all__ = ["Crawler", "CrawlStats", "crawl", "CrawlError"]
