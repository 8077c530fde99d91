"""The ``newsarchive`` command line: a thin shell over crawler, indexer and search.

Library errors become ``Error: ...`` lines with exit status 1 (2 for usage errors); nobody
sees a traceback for bad input.
"""

from __future__ import annotations

import errno
import json
import os
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crawler import Crawler, CrawlError, CrawlSettings, Store, StoreError, default_archive
from crawler.settings import ARCHIVE_ENV
from search.request import MAX_LIMIT, MAX_PAGE, MAX_RECENCY, MAX_SUGGESTIONS, SORTS

# the indexer and search packages (Whoosh, numpy) are imported by the commands that use
# them: `--help`, `crawl --no-index` and `extract` start in half the time
if TYPE_CHECKING:
    from search import SearchIndex

from . import __version__


class UsageProblem(click.ClickException):
    """A bad option or query: exit status 2, like click's own usage errors."""

    exit_code = 2


def archive_option(f):
    return click.option(
        "--archive", "-a", type=click.Path(file_okay=False, path_type=Path),
        default=default_archive, show_default=f"./data or ${ARCHIVE_ENV}",
        envvar=ARCHIVE_ENV,
        help="Archive directory (store, WARC files, index).")(f)


def cluster_option(f):
    return click.option(
        "--cluster", metavar="ADDRESS", envvar="NEWSARCHIVE_CLUSTER",
        help="Dask scheduler (tcp://host:8786) to run a sharded archive's work on [default: "
             "$NEWSARCHIVE_CLUSTER, else a cluster of one process per core on this "
             "machine]. Unsharded archives are worked on in this process.")(f)


def _sharded(archive: Path) -> bool:
    from archive.sharding import is_sharded

    return is_sharded(archive)


@contextmanager
def _cluster(address: str | None):
    """A Dask client for a sharded archive's work; its errors as messages."""
    from cluster import ClusterError, connect

    try:
        with connect(address) as client:
            yield client
    except ClusterError as exc:
        raise click.ClickException(str(exc)) from None


def _err(msg: str) -> None:
    _echo(msg, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="newsarchive")
def main():
    """Full-text search engine for news archives.

    Crawl news sites into an archive (raw WARC captures + a clean record of every story),
    index it, and search it by keyword, date and topic.

    \b
    Quick start:
      newsarchive crawl https://news.example.org/    # crawl, clean, store, index
      newsarchive search "central bank" --from 2024-05
      newsarchive related --text draft.txt          # stories to link from a draft
      newsarchive serve                             # the web app on 127.0.0.1:8000
    """


# -- crawl --------------------------------------------------------------------------------------
class _Progress:
    """A live status line on a terminal; a plain log line every few seconds otherwise."""

    def __init__(self):
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, stats) -> None:
        now = time.monotonic()
        if now - self.last < (0.2 if self.tty else 5.0):
            return
        self.last = now
        line = (f"pages {stats.pages}  articles {stats.articles} "
                f"(new {stats.articles_new}, changed {stats.articles_changed})  "
                f"errors {stats.errors}  {stats.pages / stats.elapsed:.1f} pages/s")
        if self.tty:
            click.echo("\r\x1b[2K" + line, err=True, nl=False)
        else:
            _err(line)

    def done(self) -> None:
        if self.tty:
            click.echo("\r\x1b[2K", err=True, nl=False)


@main.command()
@click.argument("urls", nargs=-1, required=True)
@archive_option
@click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between requests to one host (robots.txt Crawl-delay wins if "
                   "larger). Use 0 only for your own sites.")
@click.option("--per-host", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Requests in flight at once to one host.")
@click.option("--concurrency", type=click.IntRange(1, 256), default=16, show_default=True,
              help="Requests in flight at once overall.")
@click.option("--max-pages", type=click.IntRange(min=0), default=0,
              help="Stop after fetching this many pages (0: no limit).")
@click.option("--max-depth", type=click.IntRange(min=0), default=8, show_default=True,
              help="Follow links at most this many hops from a seed, sitemap or feed.")
@click.option("--host-budget", type=click.IntRange(min=1), default=50_000, show_default=True,
              help="Pages fetched from one host at most.")
@click.option("--pattern-budget", type=click.IntRange(min=1), default=40, show_default=True,
              help="Pages per URL pattern before the pattern must prove it holds articles "
                   "(trap defence: calendars, filter combinations).")
@click.option("--allow-domain", multiple=True,
              help="Also crawl this domain and its subdomains (repeatable).")
@click.option("--allow-private", is_flag=True,
              help="Follow links to private/loopback addresses from public seeds.")
@click.option("--contact", help="URL or e-mail put in the User-Agent so site owners can reach you.")
@click.option("--workers", type=click.IntRange(0, 64), default=None,
              help="Processes that clean pages (default: up to 2; 0 cleans in-process).")
@click.option("--max-bytes", type=click.IntRange(min=1024), default=10 * 1024 * 1024,
              show_default=True, help="Cut responses larger than this (flagged as truncated).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=20.0, show_default=True,
              help="Seconds to wait for a server before retrying.")
@click.option("--no-discover", is_flag=True,
              help="Do not look for sitemaps and feeds at the usual paths.")
@click.option("--no-index", is_flag=True, help="Do not update the search index afterwards.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the crawl's figures as one JSON object instead of the summary.")
@click.option("--shards", type=click.IntRange(1, 256), default=None,
              help="Make a new archive sharded in this many shards: each site's stories go "
                   "to one shard, and the shards are crawled at once on the cluster.")
@cluster_option
def crawl(urls, archive, delay, per_host, concurrency, max_pages, max_depth, host_budget,
          pattern_budget, allow_domain, allow_private, contact, workers, max_bytes, timeout,
          no_discover, no_index, as_json, shards, cluster):
    """Crawl news sites into the archive, then update the search index.

    Discovers articles from robots.txt sitemaps, /sitemap.xml, RSS/Atom feeds and links;
    obeys robots.txt; keeps every response in WARC files and every story in the store.
    Ctrl-C stops after the pages in flight; an interrupted crawl (Ctrl-C, a crash, kill -9)
    resumes when you run the same command again;
    a later crawl of the same sites re-checks pages with conditional requests.

    \b
    Example:
      newsarchive crawl https://news.example.org/ --contact mailto:me@example.org
      newsarchive crawl http://localhost:8000/ --delay 0 --max-pages 500
    """
    settings = CrawlSettings(
        delay=delay, per_host_concurrency=per_host, concurrency=concurrency,
        max_pages=max_pages, max_depth=max_depth, host_budget=host_budget,
        pattern_budget=pattern_budget, allow_domains=tuple(allow_domain),
        allow_private=allow_private, contact=contact, max_bytes=max_bytes, timeout=timeout,
        discover=not no_discover)
    if workers is not None:
        settings.workers = workers
    if shards or _sharded(archive):
        return _crawl_shards(list(urls), archive, settings, shards, cluster, no_index, as_json)
    progress = _Progress()

    def log(msg):
        progress.done()
        _err(msg)

    crawler = Crawler(archive, settings, progress=progress, log=log)
    try:
        stats = crawler.run(list(urls))
    except KeyboardInterrupt:
        progress.done()
        raise click.ClickException(
            "interrupted; run the same command again to resume where it stopped") from None
    except (CrawlError, StoreError) as exc:
        progress.done()
        raise click.ClickException(str(exc)) from None
    progress.done()
    if as_json:
        _echo(json.dumps(stats.as_dict()))
    else:
        _crawl_summary(stats)
    if not no_index:
        _index(archive, rebuild=False, lock_timeout=60.0)


_CONTROL = dict.fromkeys(c for c in range(0x20) if c not in (9, 10))
_CONTROL.update(dict.fromkeys(range(0x7f, 0xa0)))


def _crawl_shards(urls: list[str], archive: Path, settings, shards: int | None,
                  cluster: str | None, no_index: bool, as_json: bool) -> None:
    from types import SimpleNamespace

    from cluster import ClusterError, crawl_sharded

    progress = _Progress()
    with _cluster(cluster) as client:
        try:
            figures = crawl_sharded(client, archive, urls, settings, shards,
                                    progress=lambda f: progress(_Figures(f)))
        except KeyboardInterrupt:
            progress.done()
            raise click.ClickException(
                "interrupted; run the same command again to resume where it stopped") from None
        except (CrawlError, StoreError, ClusterError) as exc:
            progress.done()
            raise click.ClickException(str(exc)) from None
        progress.done()
        if as_json:
            _echo(json.dumps(figures))
        else:
            _crawl_summary(SimpleNamespace(**{**figures, "outcomes": figures["outcomes"],
                                              "elapsed": figures["seconds"] or 1e-9}))
        if not no_index:
            _index(archive, rebuild=False, lock_timeout=60.0, client=client)


class _Figures:
    """A sharded crawl's figures as the progress line reads a crawl's stats."""

    def __init__(self, figures: dict):
        self.pages = figures["pages"]
        self.articles = figures["articles"]
        self.articles_new = figures["articles_new"]
        self.articles_changed = figures["articles_changed"]
        self.errors = figures["errors"]
        self.elapsed = figures["seconds"] or 1e-9


def _printable(text: str) -> str:
    """``text`` without control characters: a crawled string cannot drive the terminal."""
    return text.translate(_CONTROL)


def _echo(message: str = "", **kwargs) -> None:
    """``click.echo`` for everything a command prints: titles, URLs and topics come from
    crawled pages, and an escape sequence in a title must not reach the terminal."""
    click.echo(_printable(message) if isinstance(message, str) else message, **kwargs)


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 page``, ``2 pages``."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _crawl_summary(stats) -> None:
    verb = "Resumed crawl" if stats.resumed else "Crawl"
    done = "stopped early (run the same command again to resume)" if stats.interrupted \
        else "finished"
    _echo(f"{verb} #{stats.crawl_id} {done} in {stats.elapsed:.1f}s: "
          f"{_count(stats.pages, 'page')} ({stats.pages / stats.elapsed:.1f}/s), "
          f"{_count(stats.articles, 'article')} ({stats.articles_new} new, "
          f"{stats.articles_changed} changed, {stats.articles_unchanged} unchanged), "
          f"{_count(stats.errors, 'error')}.")
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(stats.outcomes.items(),
                                                       key=lambda kv: -kv[1]))
    if outcomes:
        _echo(f"  outcomes: {outcomes}")
    if stats.held:
        _echo(f"  {stats.held} URLs held back by trap defence (patterns with no articles)")
    for sample in stats.error_samples[:5]:
        _echo(f"  error: {sample}")
    listings = stats.outcomes.get("listing", 0)
    if listings:
        _echo(f"  {listings} pages read as listings (home, section and topic pages), not "
                   f"stored as stories; a few, to check that none is a story:")
        for url in stats.listing_samples[:5]:
            _echo(f"    {_printable(url)}")


# -- index ---------------------------------------------------------------------------------------
def _index(archive: Path, rebuild: bool, lock_timeout: float, procs: int | None = None,
           cluster: str | None = None, client=None) -> None:
    if _sharded(archive):
        return _index_shards(archive, rebuild, cluster, client)
    procs = procs or min(16, os.cpu_count() or 1)
    bar = {"obj": None}

    def progress(done, total):
        if total < 1000 or not sys.stderr.isatty():
            return
        if bar["obj"] is None:
            bar["obj"] = click.progressbar(length=total, label="indexing", file=sys.stderr)
            bar["obj"].__enter__()
        bar["obj"].update(done - bar["obj"].pos)

    from indexer import IndexingError, update_index

    try:
        report = update_index(archive, rebuild=rebuild, lock_timeout=lock_timeout,
                              on_wait=_err, progress=progress, procs=procs,
                              on_note=_err)
    except (IndexingError, CrawlError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if bar["obj"] is not None:
            bar["obj"].__exit__(None, None, None)
    _echo(_index_summary(report.as_dict()))


def _index_shards(archive: Path, rebuild: bool, cluster: str | None, client=None) -> None:
    from cluster import ClusterError, index_sharded
    from indexer import IndexingError

    try:
        if client is None:
            with _cluster(cluster) as client:
                report = index_sharded(client, archive, rebuild, note=_err)
        else:
            report = index_sharded(client, archive, rebuild, note=_err)
    except (IndexingError, StoreError, ClusterError) as exc:
        raise click.ClickException(str(exc)) from None
    _echo(_index_summary(report))


def _index_summary(report: dict) -> str:
    """The line after an index build: built (the archive's first), rebuilt or updated."""
    how = "built" if report["created"] else "rebuilt" if report["rebuilt"] else "updated"
    return (f"Index {how} in {report['seconds']:.2f}s: {report['added']} added, "
            f"{report['updated']} updated, {report['deleted']} removed; "
            f"{_count(report['documents'], 'story', 'stories')} searchable.")


class _Counter:
    """"label N of M" as a live line on a terminal, every few seconds in a log."""

    def __init__(self, label: str):
        self.label = label
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < (0.2 if self.tty else 5.0):
            return
        self.last = now
        line = f"{self.label} {done} of {total}"
        if self.tty:
            click.echo("\r\x1b[2K" + line, err=True, nl=done >= total)
        else:
            _err(line)


@main.command()
@archive_option
@click.option("--rebuild", is_flag=True, help="Rebuild the index from the store from scratch.")
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Seconds to wait when another process is indexing.")
@click.option("--procs", type=click.IntRange(1, 16), default=None,
              help="Processes for a rebuild, each writing its own segments (default: one "
                   "per core, at most 16).")
@cluster_option
def index(archive, rebuild, lock_timeout, procs, cluster):
    """Update the search index from the store (only what changed since the last run).

    Crawls and imports update the index themselves; run this after `reextract`, or with
    --rebuild after upgrading newsarchive. Searching keeps working while it runs.

    \b
    Example:
      newsarchive index
      newsarchive index --rebuild
    """
    _index(archive, rebuild, lock_timeout, procs, cluster)


@main.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@archive_option
@click.option("--no-index", is_flag=True, help="Do not update the search index afterwards.")
@click.option("--shards", type=click.IntRange(1, 256), default=None,
              help="Make a new archive sharded in this many shards (a story goes to the "
                   "shard of its canonical URL); each shard is worked on in a cluster "
                   "process.")
@cluster_option
def import_(files, archive, no_index, shards, cluster):
    """Add articles from JSONL exports or WARC files of other crawlers.

    JSONL needs `url` and `body` on each line (`title`, `published`, `topics`, `author`,
    `section`, `fetched_at` are used when present) — the format `newsarchive export` writes;
    a `published` date may be ISO 8601, `26 Feb 1987`, RFC 2822 or seconds since 1970 (what
    is no date is imported undated, with a note). WARC files (Heritrix, Browsertrix, wget
    --warc-file) have their HTML responses cleaned like crawled pages; one gzipped as a
    whole (`gzip crawl.warc`) is read from a copy gzipped record by record that the archive
    keeps in `imported/`. Bad lines and records are reported and skipped.

    \b
    Example:
      newsarchive import stories.jsonl
      newsarchive import crawl-2024.warc.gz
      newsarchive import stories.jsonl --shards 4
    """
    if shards or _sharded(archive):
        return _import_shards(files, archive, no_index, shards, cluster)
    from indexer import import_files

    report = import_files(archive, list(files), on_file=lambda p: _err(f"importing {p} ..."))
    _import_summary(report)
    if not no_index:
        _index(archive, rebuild=False, lock_timeout=60.0)


def _import_shards(files, archive: Path, no_index: bool, shards: int | None,
                   cluster: str | None) -> None:
    from cluster import ClusterError, import_sharded

    _err(f"importing {len(files)} files into the shards of {archive} ...")
    with _cluster(cluster) as client:
        try:
            report = import_sharded(client, archive, list(files), shards)
        except (StoreError, ClusterError) as exc:
            raise click.ClickException(str(exc)) from None
        _import_summary(report)
        if not no_index:
            _index(archive, rebuild=False, lock_timeout=60.0, client=client)


def _import_summary(report) -> None:
    _echo(f"Imported {report.new} new and {report.changed} changed articles "
          f"({report.unchanged} unchanged, {report.skipped} skipped) "
          f"from {_count(report.files, 'file')}.")
    for problem in report.problems[:10]:
        _err(f"  skipped: {problem}")
    if len(report.problems) > 10:
        _err(f"  ... and {len(report.problems) - 10} more")
    for note in report.notes[:10]:
        _err(f"  note: {note}")
    if len(report.notes) > 10:
        _err(f"  ... and {len(report.notes) - 10} more notes")
    if report.files == 0:
        raise click.ClickException("nothing could be imported")


@main.command()
@archive_option
@click.option("--shards", type=click.IntRange(1, 256), required=True,
              help="The number of shards the archive should have.")
@cluster_option
def reshard(archive, shards, cluster):
    """Move an archive to another number of shards (an unsharded archive becomes sharded).

    Each story goes to its shard by the archive's rules: crawled stories by their site,
    imported ones by their canonical URL. WARC files stay where they are (under captures/);
    the new shards' indexes are built afterwards. The crawl history (what was fetched, with
    its validators) goes with its site, so the next crawl asks only for what changed; an
    unfinished crawl is closed. Run it where every shard's folder is reachable, with nothing
    else writing to the archive.

    \b
    Examples:
      newsarchive reshard --shards 4
      newsarchive reshard --shards 8 --cluster tcp://scheduler:8786
    """
    from cluster import ClusterError
    from cluster import reshard as move

    _err(f"moving the stories of {archive} into {shards} shards ...")
    with _cluster(cluster) as client:
        try:
            shard_map = move(client, archive, shards, progress=lambda n: _err(f"  {n} stories"),
                             note=_err)
        except (StoreError, ClusterError) as exc:
            raise click.ClickException(str(exc)) from None
    _echo(f"{archive} now has {_count(shard_map.count, 'shard')}.")


# -- export / extract / reextract -----------------------------------------------------------------
def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds") if ts else None


@main.command()
@archive_option
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: standard output).")
def export(archive, fmt, output):
    """Write every article as one JSON object per line.

    Fields: url, canonical_url, title, body, published, author, topics, section, language,
    fetched_at, warc_file, warc_offset.

    \b
    Example:
      newsarchive export > stories.jsonl
    """
    try:
        if _sharded(archive):
            from cluster import export_sharded

            _write_export(export_sharded(archive), output)
            return
        store = Store(archive, create=False)
    except (CrawlError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    with store:
        _write_export(store.articles(), output)


def _write_export(articles, output) -> None:
    for a in articles:
        output.write(json.dumps({
            "url": a.url, "canonical_url": a.canonical_url, "title": a.title, "body": a.body,
            "published": a.published, "author": a.author, "topics": a.topics or [],
            "section": a.section, "language": a.language, "fetched_at": _iso(a.fetched_at),
            "warc_file": a.warc_file, "warc_offset": a.warc_offset,
        }, ensure_ascii=False) + "\n")


def _extract_one(item: str) -> dict:
    from crawler.charset import decode
    from crawler.extract import extract as clean

    if item.startswith(("http://", "https://")):
        import httpx

        from crawler.settings import user_agent

        try:
            r = httpx.get(item, headers={"User-Agent": user_agent()}, follow_redirects=True,
                          timeout=20)
        except httpx.HTTPError as exc:
            return {"url": item, "error": f"fetch failed: {exc}"}
        text, _ = decode(r.content, r.headers.get("content-type"))
        ex = clean(text, str(r.url))
        return {"url": item, **_fields(ex)}
    path = Path(item)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return {"file": item, "error": f"cannot read: {exc.strerror or exc}"}
    if data[:2] == b"\x1f\x8b":
        import gzip

        try:
            data = gzip.decompress(data)
        except OSError as exc:
            return {"file": item, "error": f"bad gzip file: {exc}"}
    text, _ = decode(data)
    ex = clean(text, f"file://{path.resolve()}")
    return {"file": item, **_fields(ex)}


def _fields(ex) -> dict:
    d = ex.to_dict()
    d.pop("url", None)
    return d


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--jsonl", is_flag=True, help="One compact JSON object per line (default: indented).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes for many inputs (default: the number of cores).")
def extract(inputs, jsonl, workers):
    """Show what the cleaner makes of saved pages or URLs, storing nothing.

    One JSON object per input, in input order: `file` (or `url`) and the record fields
    (title, body, published with its source and confidence, authors, section, topics,
    language, canonical_url, description, image, is_article).

    \b
    Example:
      newsarchive extract saved/*.html --jsonl
      newsarchive extract https://news.example.org/2024/05/07/story.html
    """
    items = list(inputs)
    if len(items) > 4:
        import concurrent.futures

        with concurrent.futures.ProcessPoolExecutor(workers or os.cpu_count() or 1) as pool:
            results = pool.map(_extract_one, items, chunksize=8)
            _print_extractions(results, jsonl)
    else:
        _print_extractions(map(_extract_one, items), jsonl)


def _print_extractions(results, jsonl: bool) -> None:
    failed = 0
    for r in results:
        failed += "error" in r
        _echo(json.dumps(r, ensure_ascii=False, indent=None if jsonl else 2))
    if failed:
        raise SystemExit(1)


@main.command()
@archive_option
@click.option("--no-index", is_flag=True, help="Do not update the search index afterwards.")
@cluster_option
def reextract(archive, no_index, cluster):
    """Clean every stored capture again from the WARC files (no re-fetching).

    Run it after upgrading newsarchive's cleaner: stories whose text or metadata change get a
    new version (the earlier one is kept) and are re-indexed.

    \b
    Example:
      newsarchive reextract
    """
    from crawler.reextract import reextract_archive

    try:
        if _sharded(archive):
            from cluster import reextract_sharded

            with _cluster(cluster) as client:
                report = reextract_sharded(client, archive)
        else:
            report = reextract_archive(archive, progress=_Counter("re-cleaned"))
    except (CrawlError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    _echo(f"Re-cleaned {report['checked']} captures: {report['changed']} changed, "
               f"{report['unchanged']} unchanged, {report['missing']} captures missing.")
    if not no_index:
        _index(archive, rebuild=False, lock_timeout=60.0)


# -- stats ----------------------------------------------------------------------------------------
@main.command()
@archive_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@cluster_option
def stats(archive, as_json, cluster):
    """Summarise the archive: articles, date range, topics, sources, index, last crawl.

    \b
    Example:
      newsarchive stats
      newsarchive stats --json | jq .articles
    """
    from indexer import archive_stats

    try:
        if _sharded(archive):
            from cluster import stats_sharded

            with _cluster(cluster) as client:
                s = stats_sharded(client, archive)
        else:
            s = archive_stats(archive)
    except (CrawlError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _echo(json.dumps(s, indent=2))
        return
    _echo(f"Archive {s['archive']}")
    _echo(f"  articles: {s['articles']} ({s['undated']} undated, "
               f"{s['earlier_versions']} earlier versions kept)")
    if "shards" in s:
        _echo(f"  shards: {len(s['shards'])} ("
              + ", ".join(f"{k}: {v}" for k, v in s["shards"].items()) + ")")
    if s["date_range"]:
        _echo(f"  dates: {s['date_range'][0]} to {s['date_range'][1]}")
    _echo(f"  top topics: {', '.join(f'{k} ({v})' for k, v in s['top_topics'].items()) or '-'}")
    _echo(f"  top sources: {', '.join(f'{k} ({v})' for k, v in s['top_sources'].items()) or '-'}")
    _echo(f"  index: {s['index_bytes'] / 1e6:.1f} MB, {s['index_pending_changes']} changes "
               f"not yet indexed; WARC: {s['warc_bytes'] / 1e6:.1f} MB")
    lc = s["last_crawl"]
    if lc:
        state = "finished" if lc["finished_at"] else "unfinished (run crawl again to resume)"
        _echo(f"  last crawl: #{lc['id']} started {_iso(lc['started_at'])}, {state}")


# -- search ---------------------------------------------------------------------------------------
def _open_index(archive: Path) -> SearchIndex:
    from search import QueryError, SearchIndex

    try:
        return SearchIndex(archive)
    except QueryError as exc:
        raise click.ClickException(str(exc)) from None


@main.command(name="search")
@click.argument("query", nargs=-1)
@archive_option
@click.option("--from", "date_from", metavar="DATE",
              help="Earliest date: 2024, 2024-05 or 2024-05-07.")
@click.option("--to", "date_to", metavar="DATE", help="Latest date (inclusive), same forms.")
@click.option("--topic", help="Only stories with this topic.")
@click.option("--section", help="Only stories from this section.")
@click.option("--source", help="Only stories from this site (e.g. bbc.co.uk).")
@click.option("--sort", type=click.Choice(SORTS), default="relevance",
              show_default=True,
              help="relevance ranks by the words (newest first when there are none).")
@click.option("--recency", type=click.FloatRange(0, MAX_RECENCY), default=0.0, show_default=True,
              help="Boost recent stories (0: none; 1: a story from today scores up to 2x).")
@click.option("--page", type=click.IntRange(1, MAX_PAGE), default=1, show_default=True)
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object: total, hits, facets, did_you_mean.")
@click.option("--jsonl", is_flag=True, help="One JSON object per hit.")
@click.option("--no-collapse", is_flag=True, help="Show near-identical copies as separate hits.")
@cluster_option
def search_cmd(query, archive, date_from, date_to, topic, section, source, sort, recency, page,
               limit, as_json, jsonl, no_collapse, cluster):
    """Search the archive. Exit status: 0 with results, 1 with none, 2 for bad input, 3 when
    a shard of a sharded archive did not answer (the results are the other shards').

    The query language: words (stories with all of them first, then most of them),
    "exact phrases", AND / OR / NOT (with brackets to group them), field:term for title,
    body, author, topic, section, source; wildcards (elect*); dates in the query
    (date:2024-05, date:[2024-01 to 2024-03]). With any of these, words not joined by OR
    are all required. For plain words, stories that also use the words this archive puts
    with yours (crude, barrel for "oil prices") rank higher among those that match, and a
    word that does not go with your others counts a little less.

    \b
    Examples:
      newsarchive search central bank interest rates
      newsarchive search '"interest rates" NOT mortgage' --from 2024 --sort newest
      newsarchive search 'topic:economy strike' --json
    """
    from search import QueryError, SearchRequest

    text = " ".join(query)
    style = "ansi" if (not as_json and not jsonl and sys.stdout.isatty()) else "plain"
    try:
        request = SearchRequest(
            text, date_from=date_from, date_to=date_to, topic=topic, section=section,
            source=source, sort=sort, page=page, limit=limit, recency=recency,
            snippet_style=style, collapse=not no_collapse)
        if _sharded(archive):
            from cluster import ShardedSearch

            with _cluster(cluster) as client:
                results = ShardedSearch(archive, client).search(request)
        else:
            with _open_index(archive) as idx:
                results = idx.search(request)
    except QueryError as exc:
        raise UsageProblem(str(exc)) from None
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _echo(json.dumps(results.as_dict(), ensure_ascii=False, indent=2))
    elif jsonl:
        for h in results.hits:
            _echo(json.dumps(h.as_dict(), ensure_ascii=False))
    else:
        _print_results(results, style)
    if results.partial:
        _err(f"warning: no answer from {', '.join(results.missing_shards)}: these results "
             f"are the other shards'")
        sys.exit(3)
    sys.exit(0 if results.total else 1)


def _print_results(results, style: str) -> None:
    for note in results.notes:
        _err(f"note: {note}")
    if results.did_you_mean:
        _echo(f"Did you mean: {results.did_you_mean}?")
    if not results.total:
        _echo("No stories found.")
        return
    first = (results.page - 1) * results.limit + 1
    _echo(f"{_count(results.total, 'story', 'stories')}; page {results.page} of {results.pages} "
          f"(from #{first})\n")
    for i, h in enumerate(results.hits, first):
        date = (h.published or "")[:10] or "undated"
        title = click.style(h.title or "(untitled)", bold=True) if style == "ansi" else h.title
        copies = f"  [{h.copies} copies]" if h.copies > 1 else ""
        _echo(f"{i:>3}. {title}{copies}")
        _echo(f"     {date}  {h.source or ''}  {', '.join(h.topics[:4])}")
        _echo(f"     {h.url}")
        snip = h.snippet if isinstance(h.snippet, str) else (h.snippet or {}).get("text", "")
        if snip:
            _echo(f"     {snip}")
        _echo()
    topics = results.facets.get("topics") or {}
    months = results.facets.get("months") or {}
    if topics:
        _echo("Topics: " + ", ".join(f"{k} ({v})" for k, v in list(topics.items())[:10]))
    if months:
        _echo("Months: " + ", ".join(f"{k} ({v})" for k, v in list(months.items())[:12]))


@main.command(name="related")
@click.argument("article", required=False, metavar="[URL|ID]")
@archive_option
@click.option("--text", metavar="FILE|-",
              help="Find stories for a draft in FILE ('-' reads standard input) instead.")
@click.option("--limit", type=click.IntRange(1, MAX_SUGGESTIONS), default=5, show_default=True)
@click.option("--within", metavar="SPAN",
              help="Only stories this close in time to the article (to today for a draft): "
                   "90d, 12w, 6m, 2y.")
@click.option("--after", metavar="DATE", help="Only stories published after DATE (2024-05).")
@click.option("--before", metavar="DATE", help="Only stories published before DATE.")
@click.option("--same-topic", is_flag=True, help="Only stories sharing a topic with the article.")
@click.option("--topic", help="Only stories with this topic.")
@click.option("--recency", is_flag=True, help="Prefer recent coverage over older stories.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: source and suggestions (url, title, published, "
                   "score, terms).")
@click.option("--format", "fmt", type=click.Choice(["table", "html", "markdown"]),
              default="table", show_default=True, help="Ready-to-paste links: html or markdown.")
@cluster_option
def related_cmd(article, archive, text, limit, within, after, before, same_topic, topic,
                recency, as_json, fmt, cluster):
    """Suggest archived stories to link from an article or from a draft.

    ARTICLE is a story's URL (as search shows it) or its number in the store. For a draft
    that is not published yet, give --text FILE or pipe it in with --text -. The article
    itself, its copies (syndicated or print/AMP versions) and stories it already links to
    are never suggested; each suggestion names the terms it shares with your text.

    \b
    Examples:
      newsarchive related https://news.example.org/2024/05/07/rates.html
      newsarchive related 1234 --within 90d --same-topic
      newsarchive related --text draft.md --format markdown
      pbpaste | newsarchive related --text - --json
    """
    from search import QueryError, related

    if article and text:
        raise UsageProblem("give an article or --text, not both")
    if text is not None:
        name, text = text, _read_draft(text)
        if not text.strip():
            raise UsageProblem(f"--text {name}: the draft is empty")
    if not article and not text:
        raise UsageProblem("give an article URL or ID, or a draft with --text FILE|-")
    options = dict(url=article, text=text, limit=limit, within=within, after=after,
                   before=before, same_topic=same_topic, topic=topic, recency=recency)
    try:
        if _sharded(archive):
            from cluster import ShardedSearch

            with _cluster(cluster) as client:
                source, suggestions = related(ShardedSearch(archive, client), **options)
        else:
            with _open_index(archive) as idx:
                source, suggestions = related(idx, **options)
    except QueryError as exc:
        raise UsageProblem(str(exc)) from None
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _echo(json.dumps({"source": source.url or None, "suggestions":
                          [s.as_dict() for s in suggestions],
                          "partial": bool(source.missing_shards),
                          "missing_shards": source.missing_shards},
                         ensure_ascii=False, indent=2))
    elif fmt == "html":
        _echo("<ul>")
        for s in suggestions:
            _echo(f"  <li>{s.html_link()}</li>")
        _echo("</ul>")
    elif fmt == "markdown":
        for s in suggestions:
            _echo(f"- {s.markdown_link()}")
    else:
        if not suggestions:
            _err("No related stories found (try a wider --within or without --same-topic).")
        for i, s in enumerate(suggestions, 1):
            copies = f"  [{s.copies} copies]" if s.copies > 1 else ""
            _echo(f"{i}. {s.title}  ({s.published or 'undated'}, {s.source or '?'})  "
                       f"score {s.score:.2f}{copies}\n   {s.url}\n   shares: {', '.join(s.terms)}")
    if source.missing_shards:
        _err(f"warning: no answer from {', '.join(source.missing_shards)}: these suggestions "
             f"are the other shards'")
        sys.exit(3)
    sys.exit(0 if suggestions else 1)


#: characters of a draft read (its words are read from the first 20,000; its links from all)
MAX_DRAFT_CHARS = 2_000_000


def _read_draft(name: str) -> str:
    """The draft of ``--text``: a file, or standard input for ``-``; at most
    ``MAX_DRAFT_CHARS`` of it (a draft is no multi-gigabyte file)."""
    if name == "-":
        text = sys.stdin.read(MAX_DRAFT_CHARS + 1)
    else:
        path = Path(name)
        if not path.exists():
            raise UsageProblem(f"--text {name}: no such file (use --text - to read standard "
                               f"input)")
        if path.is_dir():
            raise UsageProblem(f"--text {name}: a folder, not a file")
        try:
            with path.open(encoding="utf-8", errors="replace") as fh:
                text = fh.read(MAX_DRAFT_CHARS + 1)
        except OSError as exc:
            raise UsageProblem(f"--text {name}: {exc.strerror}") from None
    if len(text) > MAX_DRAFT_CHARS:
        _err(f"note: only the first {MAX_DRAFT_CHARS:,} characters of the draft are read")
        text = text[:MAX_DRAFT_CHARS]
    return text


# -- serve ----------------------------------------------------------------------------------------
@main.command()
@archive_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 makes the archive reachable from other "
                   "machines; it has no login).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Search processes (default: one per core). One more process answers "
                   "HTTP and hands each search to whichever of them is free.")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="A name the archive is served as (repeatable; default: 127.0.0.1, "
                   "localhost and ::1). Requests for any other Host get 400, so a web page "
                   "cannot read your archive through DNS rebinding.")
@cluster_option
def serve(archive, host, port, workers, allowed_hosts, cluster):
    """Serve the search page, article pages, the editor page and the JSON API.

    Read-only over the archive's index: run `newsarchive crawl` or `index` beside it and the
    pages show the new stories after each commit. The API is described at /docs (OpenAPI
    at /openapi.json); browsers can add the archive as a search engine (OpenSearch).

    \b
    Examples:
      newsarchive serve                      # http://127.0.0.1:8000/
      newsarchive serve --host 0.0.0.0 --allowed-host archive.example.org
      curl 'http://127.0.0.1:8000/api/search?q=flood&from=2024'
    """
    import uvicorn

    from archive.layout import index_dir

    from .web.app import create_app
    from .web.security import LOOPBACK_NAMES

    if not index_dir(archive).exists() and not _sharded(archive):
        _err(f"note: there is no index in {archive} yet; pages will say so until you crawl "
             f"or import some articles")
    _check_listen(host, port)
    workers = workers or os.cpu_count() or 1
    names = tuple(allowed_hosts) or LOOPBACK_NAMES
    if host not in ("0.0.0.0", "::") and host not in names:
        names += (host,)
    _echo(f"Serving {archive} at http://{host}:{port}/ as {', '.join(names)} with "
          f"{workers} search process{'es' if workers > 1 else ''} (Ctrl-C stops)", err=True)
    app = create_app(archive.resolve(), names, processes=workers, cluster=cluster)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _check_listen(host: str, port: int) -> None:
    """Fail before anything starts when ``host:port`` cannot be listened on (the server
    would log its own error after the search processes had started)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise click.ClickException(f"cannot listen on {host}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            sock.bind(address)
        except OSError as exc:
            hint = " (pick another with --port)" if exc.errno == errno.EADDRINUSE else ""
            raise click.ClickException(f"cannot listen on {host}:{port}: "
                                       f"{exc.strerror}{hint}") from None


# -- demo -----------------------------------------------------------------------------------------
@main.command()
@archive_option
def demo(archive):
    """Crawl the built-in sample news site into the archive, index it and search it.

    Serves a small news site on 127.0.0.1 (sitemaps, a feed, sections, articles and the usual
    traps), crawls it with the default settings but no delay, and runs a sample search.

    \b
    Example:
      newsarchive demo && newsarchive search flood
    """
    from .sample_site import SampleSite

    with SampleSite() as site:
        _echo(f"Serving the sample news site at {site.url}/")
        ctx = click.get_current_context()
        ctx.invoke(crawl, urls=(site.url + "/",), archive=archive, delay=0.0, per_host=4,
                   concurrency=16, max_pages=0, max_depth=8, host_budget=50_000,
                   pattern_budget=40, allow_domain=(), allow_private=False, contact=None,
                   workers=None, max_bytes=10 * 1024 * 1024, timeout=5.0, no_discover=False,
                   no_index=False)
    _echo("\n$ newsarchive search interest rates")
    with _open_index(archive) as idx:
        _print_results(idx.search("interest rates", snippet_style="plain"), "plain")


if __name__ == "__main__":  # pragma: no cover
    main()
