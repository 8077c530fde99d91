"""Build and update the Whoosh index from the store of record.

The index lives in ``<archive>/index``; ``sync.json`` beside its segments holds the store's
change-log position (``seq``) that the last commit covers. An update reads the store's
``changes`` after that position, deletes the changed and removed stories from the index and
adds the current version of the changed ones, committing every ``batch`` stories so a crash
loses at most one batch of work, which the next run redoes. A rebuild writes a new index
beside the live one (a segment per ``batch`` stories, in ``procs`` processes: see
:mod:`indexer.parallel`) and swaps it in when complete.

Readers never see a half-written index: Whoosh commits atomically (the table of contents is
written last) and searchers keep reading the last commit. A second writer waits up to
``lock_timeout`` seconds for the lock, telling the user it is waiting, then gives up with
:class:`IndexLockedError` instead of Whoosh's bare ``LockError``.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from whoosh import index as whoosh_index
from whoosh.index import LockError

from archive.layout import INDEX_DIR, index_dir, index_lock
from archive.store import Article, Store

from . import arrays, concepts, parallel
from .document import document
from .errors import IndexingError, IndexLockedError, NoIndexError
from .schema import SCHEMA_VERSION, make_schema
from .whoosh_compat import BulkSegmentWriter, commit_segments, index_segments

SYNC_FILE = "sync.json"


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    seconds: float = 0.0
    documents: int = 0
    rebuilt: bool = False
    #: the archive had no index: this build is its first
    created: bool = False

    def as_dict(self) -> dict:
        return dict(vars(self))


def open_index(archive: str | Path, create: bool = False):
    """The archive's Whoosh index; created empty when ``create`` and missing."""
    path = index_dir(archive)
    if whoosh_index.exists_in(str(path)):
        return whoosh_index.open_dir(str(path))
    if not create:
        raise NoIndexError(f"no index in {path}; run `newsarchive index` to build it")
    path.mkdir(parents=True, exist_ok=True)
    return whoosh_index.create_in(str(path), make_schema())


def read_sync(archive: str | Path) -> dict:
    try:
        return json.loads((index_dir(archive) / SYNC_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _write_sync(archive: str | Path, seq: int) -> None:
    path = index_dir(archive) / SYNC_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"seq": seq, "schema": SCHEMA_VERSION, "updated_at": time.time()}))
    os.replace(tmp, path)


def acquire_writer(ix, timeout: float, on_wait: Callable[[str], None] | None = None,
                   **kwargs):
    """A writer, waiting up to ``timeout`` seconds for another writer to finish."""
    def make(**wait):
        return BulkSegmentWriter(ix, **wait, **kwargs)

    try:
        return make(timeout=0.0)
    except LockError:
        pass
    if on_wait:
        on_wait(f"another process is writing the index; waiting up to {timeout:.0f}s for it")
    try:
        return make(timeout=timeout, delay=0.25)
    except LockError as exc:
        raise IndexLockedError(
            f"the index is locked by another process (still busy after {timeout:.0f}s); "
            f"try again when it has finished, or pass a longer --lock-timeout") from exc


class Indexer:
    """Keeps ``<archive>/index`` in step with ``<archive>/store.sqlite``."""

    def __init__(self, archive: str | Path, *, batch: int = 20_000, lock_timeout: float = 60.0,
                 procs: int = 1, on_wait: Callable[[str], None] | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 on_note: Callable[[str], None] | None = None, concepts: bool = True):
        self.archive = Path(archive)
        #: whether to fit the concepts model here (a shard's is fitted over all shards)
        self.concepts = concepts
        self.on_note = on_note
        self.batch = batch
        self.lock_timeout = lock_timeout
        self.procs = procs
        self.on_wait = on_wait
        self.progress = progress or (lambda done, total: None)

    def update(self, rebuild: bool = False) -> IndexReport:
        """Bring the index up to date (or rebuild it from scratch)."""
        t0 = time.perf_counter()
        report = IndexReport(rebuilt=rebuild)
        with Store(self.archive, create=False) as store, _ArchiveLock(
                self.archive, self.lock_timeout, self.on_wait):
            sync = read_sync(self.archive)
            if sync.get("schema") not in (None, SCHEMA_VERSION):
                rebuild = report.rebuilt = True  # an older schema: start again
            report.created = not whoosh_index.exists_in(str(index_dir(self.archive)))
            if rebuild or report.created:
                report.rebuilt = True
                self._rebuild(store, report)
            else:
                self._incremental(store, sync.get("seq", 0), report)
                # arrays of segments that lack them (an index from an earlier version)
                arrays.build_missing(index_dir(self.archive), self.procs)
            # which words go together, for widening queries: refitted as the archive changes
            if self.concepts:
                concepts.refresh(index_dir(self.archive), store, index_doc_count(self.archive),
                                 self.on_note)
        report.documents = index_doc_count(self.archive)
        report.seconds = round(time.perf_counter() - t0, 3)
        return report

    def _rebuild(self, store: Store, report: IndexReport) -> None:
        # Build beside the live index and swap at the end: readers keep the old one until then,
        # and a crash leaves the old index (and its sync position) untouched.
        path = index_dir(self.archive)
        building = path.with_name(INDEX_DIR + ".building")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        seq = store.last_seq()
        ix = whoosh_index.create_in(str(building), make_schema())
        ranges = parallel.plan(store.article_row_ids(), self.procs, self.batch)
        total = sum(n for _, _, n in ranges)
        writer = acquire_writer(ix, self.lock_timeout, self.on_wait)
        try:
            segments = parallel.write_segments(self.archive, building, ranges, self.procs,
                                               lambda done: self.progress(done, total))
        except BaseException:
            writer.cancel()
            ix.close()
            shutil.rmtree(building, ignore_errors=True)
            raise
        # the writer holds the lock and adds nothing itself: one table of contents names the
        # segments in the store's order (as Whoosh's MpWriter does with multisegment=True)
        commit_segments(writer, segments)
        report.added += total
        ix.close()
        arrays.build_missing(building, self.procs)
        self.progress(total, total)
        self._keep_concepts(path, building)
        (building / SYNC_FILE).write_text(json.dumps(
            {"seq": seq, "schema": SCHEMA_VERSION, "updated_at": time.time()}))
        old = path.with_name(INDEX_DIR + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if path.exists():
            os.rename(path, old)
        os.rename(building, path)
        shutil.rmtree(old, ignore_errors=True)

    def _keep_concepts(self, live: Path, building: Path) -> None:
        """Carry the live index's concepts model into the rebuilt one when both index the
        same schema (the same analysis): it depends on the stories, not on the index, and
        :func:`concepts.refresh` still refits it once the archive has changed enough."""
        model = live / concepts.FILE
        if model.exists() and read_sync(self.archive).get("schema") == SCHEMA_VERSION:
            try:
                shutil.copyfile(model, building / concepts.FILE)
            except OSError:
                pass  # refitted then

    def _incremental(self, store: Store, since: int, report: IndexReport) -> None:
        ix = open_index(self.archive, create=True)
        last, changes = store.changes_since(since)
        if not changes:
            return
        urls = list(changes)
        total = len(urls)
        for start in range(0, total, self.batch):
            chunk = urls[start:start + self.batch]
            current = store.articles_by_url(u for u in chunk if changes[u] == "upsert")
            writer = acquire_writer(ix, self.lock_timeout, self.on_wait)
            try:
                # the writer's own reader: opening another one costs seconds on a big index
                with writer.searcher() as searcher:
                    for url in chunk:
                        if searcher.document_number(id=url) is not None:
                            writer.delete_by_term("id", url)
                            if url in current:
                                report.updated += 1
                            else:
                                report.deleted += 1
                        elif url in current:
                            report.added += 1
                for url in chunk:
                    article = current.get(url)
                    if article is not None:
                        writer.add_document(**document(article))
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            self.progress(min(start + len(chunk), total), total)
        _write_sync(self.archive, last)


def index_doc_count(archive: str | Path) -> int:
    """Stories in the index, from its table of contents (no reader opened)."""
    ix = open_index(archive)
    try:
        return sum(seg.doc_count() for seg in index_segments(ix))
    finally:
        ix.close()


class _ArchiveLock:
    """One indexer per archive at a time: an flock on ``<archive>/index.lock``.

    The kernel releases it when the holder dies, so a killed run never leaves it stale.
    """

    def __init__(self, archive: Path, timeout: float, on_wait):
        self.path = index_lock(archive)
        self.timeout = timeout
        self.on_wait = on_wait

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        told = False
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if not told and self.on_wait:
                    self.on_wait("another newsarchive process is indexing this archive; "
                                 f"waiting up to {self.timeout:.0f}s for it to finish")
                    told = True
                if time.monotonic() >= deadline:
                    os.close(self.fd)
                    raise IndexLockedError(
                        f"the index of {self.path.parent} is being written by another process "
                        f"(still busy after {self.timeout:.0f}s); try again when it has "
                        f"finished, or pass a longer --lock-timeout") from None
                time.sleep(0.2)

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def update_index(archive: str | Path, rebuild: bool = False, **kwargs) -> IndexReport:
    """``Indexer(archive, **kwargs).update(rebuild)``."""
    try:
        return Indexer(archive, **kwargs).update(rebuild)
    except (OSError, ValueError) as exc:
        raise IndexingError(f"indexing {archive} failed: {exc}") from exc


def iter_documents(articles: Iterable[Article]):
    for a in articles:
        yield document(a)
