"""Per-shard work on the cluster: import, index, stats, export — each shard's part as one
task on the worker holding its disk (:func:`cluster.client.placement`), the parts added up.

The tasks are module-level functions of paths and plain values, so any worker can run them.
Inside a task the work runs in the worker's process (its cores are the cluster's to share
out): one shard, one process.
"""

from __future__ import annotations

import heapq
from pathlib import Path
from typing import Callable, Sequence

from archive import sharding
from archive.errors import StoreError
from archive.keys import shard_of
from archive.sharding import ShardMap

from .client import ClusterError, placement


def _run(client, shard_map: ShardMap, task: Callable, *args, which: list[int] | None = None,
         each: Callable[[int], tuple] | None = None) -> list:
    """``task(shard path, *args, *each(i))`` on every shard (or ``which``), in shard order."""
    which = list(range(shard_map.count)) if which is None else which
    futures = [client.submit(task, str(shard_map.paths[i]), *args, *(each(i) if each else ()),
                             pure=False, **placement(client, shard_map.names[i]))
               for i in which]
    try:
        return client.gather(futures)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"the cluster lost a shard's work ({exc}); run the command again "
                           f"(what was done is kept)") from None


def shard_map_for(archive: str | Path, shards: int | None = None) -> ShardMap:
    """The archive's shard map; with ``shards``, a new sharded archive when there is none."""
    if sharding.is_sharded(archive):
        found = sharding.read(archive)
        if shards and shards != found.count:
            raise StoreError(f"{archive} has {found.count} shards, not {shards}; use "
                             f"`newsarchive reshard` to change that")
        return found
    if not shards:
        raise StoreError(f"{archive} is not a sharded archive")
    return sharding.create(archive, shards)


# -- import --------------------------------------------------------------------------------------
def _import_task(path: str, files: list[str], count: int, index: int) -> dict:
    from indexer import import_files

    report = import_files(path, files, accept=lambda url: shard_of(url, count) == index)
    return report.as_dict()


#: pages of a WARC file cleaned in one round: the stories the workers hold at once
WARC_ROUND = 2_000


def _clean_task(warc: str, count: int, index: int, mark, stop: int):
    """This worker's share (every ``count``-th, from ``index``) of a WARC file's pages from
    ``mark`` (:class:`indexer.imports.WarcMark`) to the ``stop``-th, cleaned: (what was read
    and wrong, each shard's stories as (ordinal, Article), the mark of the ``stop``-th page
    or None at the end of the file)."""
    from indexer.imports import ImportReport, warc_articles

    report = ImportReport()
    out: dict[int, list] = {}
    after: list = []
    for ordinal, article in warc_articles(Path(warc), report, mark=mark, stop=stop,
                                          take=lambda n: n % count == index, next_mark=after):
        out.setdefault(shard_of(article.canonical_url, count), []).append((ordinal, article))
    return report.as_dict(), out, (after[0] if after else None)


def _stories_of(cleaned: tuple, shard: int) -> list:
    return cleaned[1].get(shard, [])


def _store_task(path: str, *parts: list) -> dict:
    """Store one shard's stories of a WARC file, in the file's order."""
    from archive.store import Store
    from indexer.imports import ImportReport, recorded

    report = ImportReport()
    with Store(path) as store, store.batches(1000) as wrote:
        for _, article in heapq.merge(*parts, key=lambda pair: pair[0]):
            report.count(store.upsert_article(recorded(store, article)))
            wrote()
    return report.as_dict()


def import_sharded(client, archive: str | Path, files: Sequence[str | Path],
                   shards: int | None = None):
    """Import ``files`` into a sharded archive (made with ``shards`` shards when new).
    Returns one :class:`indexer.imports.ImportReport` for all.

    A JSONL file is read by every shard, which keeps the stories of its canonical URLs
    (reading a line costs little). A WARC file's pages are cleaned once, a share on each
    shard's worker, and each story is stored by its shard (the stories move between the
    workers, not through this process)."""
    from indexer.imports import ImportReport, is_warc, readable_warc

    shard_map = shard_map_for(archive, shards)
    paths = [str(Path(f).resolve()) for f in files]
    warcs = [p for p in paths if is_warc(p)]
    report = ImportReport()
    lines = [p for p in paths if p not in warcs]
    if lines:
        parts = _run(client, shard_map, _import_task, lines, shard_map.count,
                     each=lambda i: (i,))
        # every shard read every line: what was read and what was wrong is any one shard's
        report = ImportReport(**{**parts[0], "new": 0, "changed": 0, "unchanged": 0})
        for part in parts:
            _add_stored(report, part)
    for warc in warcs:
        readable = readable_warc(archive, Path(warc), report)
        if readable is not None:
            _import_warc(client, shard_map, str(readable), report)
        else:
            report.files += 1
    return report


def _import_warc(client, shard_map: ShardMap, warc: str, report) -> None:
    """One WARC file into the shards, ``WARC_ROUND`` pages a round: each worker cleans its
    share of them, each shard stores its stories."""
    from indexer.imports import WarcMark

    count = shard_map.count
    mark: WarcMark | None = WarcMark()
    report.files += 1
    seen: set[str] = set()  # a broken record stops every worker: told once
    while mark is not None:
        stop = mark.ordinal + WARC_ROUND
        cleaned = [client.submit(_clean_task, warc, count, i, mark, stop, pure=False,
                                 **placement(client, shard_map.names[i])) for i in range(count)]
        stored = [client.submit(_store_task, str(shard_map.paths[k]),
                                *[client.submit(_stories_of, c, k, pure=False) for c in cleaned],
                                pure=False, **placement(client, shard_map.names[k]))
                  for k in range(count)]
        try:
            read = client.gather(cleaned)
            parts = client.gather(stored)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"the cluster lost a shard's work ({exc}); run the command "
                               f"again (what was done is kept)") from None
        for part, _, _ in read:
            report.read += part["read"]
            report.skipped += part["skipped"]
            for problem in part["problems"]:
                if problem in seen:
                    report.skipped -= 1
                elif len(report.problems) < 50:
                    seen.add(problem)
                    report.problems.append(problem)
        for part in parts:
            _add_stored(report, part)
        mark = next((m for _, _, m in read if m is not None), None)


def _add_stored(report, part: dict) -> None:
    report.new += part["new"]
    report.changed += part["changed"]
    report.unchanged += part["unchanged"]


# -- index and the concepts model ----------------------------------------------------------------
def _index_task(path: str, rebuild: bool) -> dict:
    from indexer import update_index

    return update_index(path, rebuild=rebuild, procs=1, concepts=False).as_dict()


def _sample_task(path: str, n: int):
    """The shard's sample for the concepts model (:func:`indexer.concepts.sample_counts`)."""
    from whoosh import index as whoosh_index

    from archive.layout import index_dir
    from archive.store import Store
    from indexer.concepts import index_sample

    if not whoosh_index.exists_in(str(index_dir(path))):
        return None
    with Store(path, create=False) as store:
        return index_sample(index_dir(path), store, n)


def _model_state_task(path: str) -> tuple[int, int | None]:
    from archive.layout import index_dir
    from indexer.build import index_doc_count
    from indexer.concepts import FILE, fitted_stories

    model = index_dir(path) / FILE
    return index_doc_count(path), fitted_stories(model) if model.exists() else None


def _save_model_task(path: str, model) -> None:
    from archive.layout import index_dir
    from indexer.concepts import FILE

    model.save(index_dir(path) / FILE)


def index_sharded(client, archive: str | Path, rebuild: bool = False,
                  note: Callable[[str], None] | None = None) -> dict:
    """Bring every shard's index up to date (or rebuild them), then the concepts model of
    the whole collection. Returns the shards' reports added up."""
    shard_map = shard_map_for(archive)
    parts = _run(client, shard_map, _index_task, rebuild)
    refresh_concepts(client, shard_map, note)
    refresh_collection(client, shard_map)
    out = {key: sum(p[key] for p in parts) for key in ("added", "updated", "deleted",
                                                       "documents")}
    out["seconds"] = max(p["seconds"] for p in parts)
    out["rebuilt"] = any(p["rebuilt"] for p in parts)
    out["created"] = bool(parts) and all(p["created"] for p in parts)
    return out


def refresh_concepts(client, shard_map: ShardMap, note: Callable[[str], None] | None = None
                     ) -> bool:
    """Fit the concepts model on the stories of all shards when it is missing or the
    collection has changed much since (:func:`indexer.concepts.needs_fit`), and give every
    shard a copy. The sample is the stories with the smallest keys, as one archive's is, so
    the model is the one an archive of the same stories would have."""
    import numpy as np

    from indexer.concepts import SAMPLE, ConceptModel, merge_samples, needs_fit

    states = _run(client, shard_map, _model_state_task)
    stories = sum(n for n, _ in states)
    if not needs_fit(states[0][1], stories):
        return False
    if note:
        note(f"learning which words go together from {min(stories, SAMPLE):,} stories ...")
    samples = _run(client, shard_map, _sample_task, SAMPLE)
    _, counts, words = merge_samples([s for s in samples if s is not None], SAMPLE)
    try:
        model = ConceptModel.fit_counts(counts, words, stories)
    except (np.linalg.LinAlgError, ValueError, MemoryError) as exc:
        if note:
            note(f"could not learn which words go together ({exc}); searches rank without them")
        return False
    if model is None:
        return False
    # sent to the workers once, not in every shard's task
    _run(client, shard_map, _save_model_task, client.scatter(model, broadcast=True))
    return True


def _terms_task(path: str):
    from archive.errors import StoreError
    from search import QueryError, SearchIndex
    from search.stats import CorpusStats

    try:
        with SearchIndex(path) as index:
            return index.shard_terms()
    except (QueryError, StoreError):  # nothing indexed in this shard yet
        return "empty", CorpusStats(), {}


def refresh_collection(client, shard_map: ShardMap) -> None:
    """Write the collection's statistics beside the shards (:mod:`search.collection`): a
    plain search then asks the shards nothing before they score."""
    from archive.layout import collection_file
    from search.collection import CollectionStats

    parts = _run(client, shard_map, _terms_task)
    CollectionStats.of(parts).save(collection_file(shard_map.archive))


# -- stats and export ----------------------------------------------------------------------------
def _stats_task(path: str) -> dict:
    from indexer import archive_stats

    return archive_stats(path, top=1_000_000)


def stats_sharded(client, archive: str | Path, top: int = 10) -> dict:
    """``archive_stats`` of every shard, added up, with each shard's story count."""
    from collections import Counter

    shard_map = shard_map_for(archive)
    parts = _run(client, shard_map, _stats_task)
    out: dict = {"archive": str(archive), "shards": {n: p["articles"]
                                                     for n, p in zip(shard_map.names, parts)}}
    for key in ("articles", "undated", "earlier_versions", "fetches", "index_bytes",
                "index_pending_changes", "warc_bytes"):
        out[key] = sum(p[key] for p in parts)
    ranges = [p["date_range"] for p in parts if p["date_range"]]
    out["date_range"] = [min(r[0] for r in ranges), max(r[1] for r in ranges)] if ranges \
        else None
    for key in ("top_topics", "top_sources"):
        total: Counter = Counter()
        for p in parts:
            total.update(p[key])
        out[key] = dict(total.most_common(top))
    crawls = [p["last_crawl"] for p in parts if p["last_crawl"]]
    out["last_crawl"] = max(crawls, key=lambda c: c["started_at"]) if crawls else None
    return out


def export_sharded(archive: str | Path):
    """Every story of every shard (read here: the shards' folders must be reachable from this
    machine), shard after shard."""
    from archive.store import Store

    for path in shard_map_for(archive).paths:
        with Store(path, create=False) as store:
            yield from store.articles()


# -- crawl ---------------------------------------------------------------------------------------
#: how often a shard's crawl reports its figures (and hears whether to stop)
REPORT_EVERY = 1.0


def _crawl_task(path: str, settings, seeds: list[str], index: int, count: int,
                token: str, extra: list[tuple] | None = None,
                since: tuple[float, str] = (0.0, ""), crawl_sites: tuple[str, ...] = ()
                ) -> dict:
    """Crawl one shard's seeds (and the links other shards ``extra`` handed over) into it,
    leaving its crawl open (:func:`_finish_task` closes it); its figures are published as it
    goes under ``token`` (a Dask variable) and it stops after the pages in flight when the
    event of that name is set. The figures returned name the links found for other shards
    since ``since`` (``handoffs``; an earlier round sent the others) and when the last was
    found (``handoffs_since``). ``crawl_sites``: the sites of every shard's seeds, in scope
    here as in one process's crawl (and handed to their shard)."""
    import multiprocessing
    import time
    from dataclasses import replace

    from distributed import Event, Variable

    from archive.store import Store
    from crawler import Crawler

    if multiprocessing.current_process().daemon:
        settings = replace(settings, workers=0)  # a daemonic worker may not start processes
    settings = replace(settings, shard=(index, count), crawl_sites=tuple(crawl_sites))
    figures, stop = Variable(token), Event(token)
    last = [0.0]

    def report(stats) -> None:
        now = time.monotonic()
        if now - last[0] >= REPORT_EVERY:
            last[0] = now
            figures.set(stats.as_dict())
            if stop.is_set():
                crawler.stop()

    crawler = Crawler(path, settings, progress=report)
    stats = crawler.run(seeds, extra=extra or (), finish=False)
    out = stats.as_dict()
    out["error_samples"] = stats.error_samples
    out["interrupted"] = stats.interrupted
    figures.set(out)
    with Store(path, create=False) as store:
        out["handoffs"], out["handoffs_since"] = store.handoffs(stats.crawl_id, since)
    return out


def _finish_task(path: str, crawl_id: int, figures: dict) -> None:
    from archive.store import Store

    with Store(path, create=False) as store:
        store.finish_crawl(crawl_id, figures)


def partition_seeds(shard_map: ShardMap, seeds: list[str]) -> dict[int, list[str]]:
    """The seeds of each shard: by site, a subdomain's with the site it is part of (so one
    shard crawls all that a seed's scope covers)."""
    from crawler import urls

    sites = {urls.site_of(urls.hostname_of(seed)) for seed in seeds}
    out: dict[int, list[str]] = {}
    for seed in seeds:
        site = urls.site_of(urls.hostname_of(seed))
        root = min((s for s in sites if site == s or site.endswith("." + s)), key=len)
        out.setdefault(shard_map.for_site(root), []).append(seed)
    return out


def crawl_sharded(client, archive: str | Path, seeds: list[str], settings,
                  shards: int | None = None, progress: Callable[[dict], None] | None = None):
    """Crawl ``seeds`` into a sharded archive, each shard's sites in one long task on the
    cluster; ``progress(figures)`` hears the whole crawl's figures about every second.
    Returns the shards' figures added up (a dict as ``CrawlStats.as_dict``).

    A link one shard finds that is another's (a page of an allowed domain, of another
    shard's site) is kept in the finder's store; when the tasks end, the links are handed to
    their shards, which resume their crawls with them, round after round until no shard has
    new ones. Then every shard's crawl is finished. A worker that dies has its shard's crawl
    run again elsewhere by Dask, resuming from its store; Ctrl-C asks every shard to stop
    after its pages in flight (the crawls stay open: the same command resumes them)."""
    import uuid
    from dataclasses import replace

    from distributed import Variable

    from crawler import policy, urls

    shard_map = shard_map_for(archive, shards)
    token = f"newsarchive-crawl-{uuid.uuid4().hex}"
    groups = partition_seeds(shard_map, seeds)
    sites = {i: {urls.site_of(urls.hostname_of(s)) for s in group}
             for i, group in groups.items()}
    # the workers of one machine share its cores: so do their crawls' cleaning processes
    settings = replace(settings, workers=max(1, settings.workers // _per_machine(client))) \
        if settings.workers else settings
    everywhere = tuple(sorted(set().union(*sites.values())))
    rounds: dict[int, list[dict]] = {}
    handed: dict[int, set[str]] = {i: set() for i in range(shard_map.count)}
    # each shard's links for others up to then (when found, URL) were received
    since: dict[int, tuple[float, str]] = {}
    todo: dict[int, list[tuple]] = {i: [] for i in groups}
    n = 0
    while todo:
        names = {i: f"{token}-{n}-{i}" for i in todo}
        for name in names.values():  # read before a shard first reports (a get that waits
            Variable(name, client=client).set({})  # in vain is logged as an error)
        futures = {i: client.submit(_crawl_task, str(shard_map.paths[i]), settings,
                                    groups.get(i, []), i, shard_map.count, names[i], extra,
                                    since.get(i, (0.0, "")), everywhere, pure=False,
                                    **placement(client, shard_map.names[i]))
                   for i, extra in sorted(todo.items())}
        try:
            done = _wait_crawls(client, futures, names, rounds, progress)
        finally:
            for name in names.values():
                try:
                    Variable(name, client=client).delete()
                except Exception:  # noqa: BLE001 - the cluster is gone: the error is the crawl's
                    pass
        todo = {}
        for i, figures in sorted(done.items()):
            rounds.setdefault(i, []).append(figures)
            since[i] = figures.pop("handoffs_since", since.get(i, (0.0, "")))
            for link in figures.pop("handoffs", []):
                to = policy.owner(link[0], sites, settings.allow_domains, shard_map.count)
                if to is not None and to != i and link[0] not in handed[to]:
                    handed[to].add(link[0])
                    todo.setdefault(to, []).append(tuple(link))
        n += 1
    parts = {i: _shard_figures(r) for i, r in rounds.items()}
    if not any(p["interrupted"] for p in parts.values()):
        client.gather([client.submit(_finish_task, str(shard_map.paths[i]), p["crawl_id"], p,
                                     pure=False, **placement(client, shard_map.names[i]))
                       for i, p in parts.items()])
    return _figures(list(parts.values()))


def _wait_crawls(client, futures: dict, names: dict[int, str], rounds: dict[int, list[dict]],
                 progress: Callable[[dict], None] | None) -> dict[int, dict]:
    """The figures of one round's shard crawls, telling ``progress`` the whole crawl's
    (earlier rounds' included) about every second."""
    from distributed import Event, wait

    try:
        while True:
            try:
                wait(list(futures.values()), timeout=REPORT_EVERY)
                break
            except TimeoutError:
                if progress:
                    shards = {i: list(r) for i, r in rounds.items()}
                    for i in futures:
                        shards.setdefault(i, []).append(_peek(names[i]))
                    progress(_figures([_shard_figures(r) for r in shards.values()]))
    except KeyboardInterrupt:
        for name in names.values():
            Event(name).set()
        wait(list(futures.values()))
        raise
    return dict(zip(futures, client.gather(list(futures.values()))))


def _shard_figures(rounds: list[dict]) -> dict:
    """One shard's figures over the rounds of a crawl: a resumed round counts the pages
    the crawl had already (so they are its last round's); the rest add up, the time too."""
    rounds = [r for r in rounds if r]
    if not rounds:
        return {}
    out = _figures(rounds)
    out["pages"] = rounds[-1].get("pages", 0)
    out["seconds"] = sum(r.get("seconds", 0.0) for r in rounds)
    out["resumed"] = rounds[0].get("resumed", False)
    out["crawl_id"] = rounds[0].get("crawl_id", 0)
    out["interrupted"] = any(r.get("interrupted") for r in rounds)
    out.pop("shards", None)
    out.pop("pages_per_second", None)
    return out


def _per_machine(client) -> int:
    """The most worker processes on one machine."""
    from collections import Counter
    from urllib.parse import urlsplit

    hosts = Counter(urlsplit(address).hostname for address in client.ncores())
    return max(hosts.values(), default=1)


def _peek(name: str) -> dict:
    """The latest figures a shard's crawl published ({} before its first)."""
    from distributed import Variable

    try:
        return Variable(name).get(timeout=0.2)
    except TimeoutError:  # the scheduler is busy: no figures this time
        return {}


def _figures(parts: list[dict]) -> dict:
    """Shards' crawl figures added up."""
    from collections import Counter

    out: dict = {"pages": 0, "articles": 0, "articles_new": 0, "articles_changed": 0,
                 "articles_unchanged": 0, "errors": 0, "retries": 0, "bytes": 0, "queued": 0,
                 "held": 0, "recleaned": 0, "seconds": 0.0, "outcomes": Counter(),
                 "listing_samples": [], "error_samples": [], "resumed": False,
                 "interrupted": False, "crawl_id": 0, "shards": len(parts)}
    for part in parts:
        for key, value in part.items():
            if key in ("outcomes",):
                out[key].update(value)
            elif key in ("listing_samples", "error_samples"):
                out[key] += value
            elif key == "seconds":
                out[key] = max(out[key], value)
            elif key in ("resumed", "interrupted"):
                out[key] = out.get(key, False) or value
            elif key == "crawl_id":
                out[key] = max(out.get(key, 0), value)
            elif isinstance(out.get(key), int) and isinstance(value, int):
                out[key] += value
    out["pages_per_second"] = round(out["pages"] / out["seconds"], 1) if out["seconds"] else 0
    out["outcomes"] = dict(out["outcomes"])
    return out


# -- reshard -------------------------------------------------------------------------------------
def route(row: dict, count: int) -> int:
    """A stored story's shard by the rules of :mod:`archive.sharding`: a crawled story by the
    site it was fetched from, an imported one by its canonical URL."""
    from crawler import urls

    if row.get("crawl_id") is not None:
        return shard_of(urls.site_of(urls.hostname_of(row["url"])), count)
    return shard_of(row["canonical_url"], count)


def route_crawl(table: str, row: dict, count: int) -> int:
    """A crawl history row's shard (:data:`archive.store.CRAWL_TABLES`): its site's, where
    the crawl of that site runs and its stories live."""
    from crawler import urls

    if table == "site_templates":
        host = row["host"]
    else:
        host = urls.hostname_of(row["from_url"] if table == "redirects" else row["url"])
    return shard_of(urls.site_of(host), count)


def reshard(client, archive: str | Path, count: int,
            progress: Callable[[int], None] | None = None,
            note: Callable[[str], None] | None = None) -> ShardMap:
    """Move ``archive`` (sharded or not) to ``count`` shards (:mod:`archive.resharding`: run
    where every shard's folder is reachable), then build the new shards' indexes on the
    cluster."""
    from archive import resharding

    shard_map = resharding.reshard(archive, count, route, progress, route_crawl)
    index_sharded(client, archive, rebuild=True, note=note)
    return shard_map


# -- reextract -----------------------------------------------------------------------------------
def _reextract_task(path: str) -> dict:
    from crawler.reextract import reextract_archive

    return reextract_archive(path)


def reextract_sharded(client, archive: str | Path) -> dict:
    """Clean every shard's captures again, a task per shard; the reports added up."""
    shard_map = shard_map_for(archive)
    parts = _run(client, shard_map, _reextract_task)
    return {key: sum(p.get(key, 0) for p in parts) for key in parts[0]} if parts else {}
