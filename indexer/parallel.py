"""Writing a fresh index's segments, one range of stories per segment, in several processes.

Whoosh's own ``MpWriter`` keeps the parent process busy: it builds every document, pickles it
to a temporary file for a sub-writer to unpickle, and on a two-core machine that parent work
competes with the writers. Here the parent only shares out ranges of the store's row ids; each
worker reads its stories from the store itself, builds the documents (analysis, near-duplicate
sketches) and writes whole segments with :class:`~indexer.whoosh_compat.BulkSegmentWriter`. The
caller then commits one table of contents naming the segments in row-id order, so document
numbers follow the store's order as they would with a single writer.

With one process the same ranges are written one after the other in this process.
"""

from __future__ import annotations

import math
import multiprocessing
import threading
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable

from archive.store import Store

from .document import document
from .errors import IndexingError
from .whoosh_compat import BulkSegmentWriter, abandon_segment, finish_segment

#: how often a worker adds what it has done to the shared progress counter
_PROGRESS_EVERY = 250
_report: Callable[[int], None] | None = None


def plan(row_ids: list[int], procs: int, per_segment: int) -> list[tuple[int, int, int]]:
    """Ranges ``(after, upto, stories)`` of row ids, one per segment: at most ``per_segment``
    stories each, and at least ``procs`` ranges when there are that many stories."""
    if not row_ids:
        return []
    size = max(1, min(per_segment, math.ceil(len(row_ids) / max(1, procs))))
    out = []
    for i in range(0, len(row_ids), size):
        chunk = row_ids[i:i + size]
        out.append((row_ids[i - 1] if i else 0, chunk[-1], len(chunk)))
    return out


def write_segment(archive: str, index_path: str, after: int, upto: int):
    """Write the stories with row ids in ``(after, upto]`` as one new segment of the index at
    ``index_path`` (no lock taken: the caller holds it) and return the segment."""
    from whoosh import index as whoosh_index


    ix = whoosh_index.open_dir(index_path)
    writer = BulkSegmentWriter(ix, _lk=False)
    done = 0
    try:
        with Store(archive, create=False) as store:
            for article in store.articles(after=after, upto=upto):
                writer.add_document(**document(article))
                done += 1
                if done % _PROGRESS_EVERY == 0:
                    _count(_PROGRESS_EVERY)
        segment = finish_segment(writer)
    except BaseException:
        # not writer.cancel(): it would remove the temporary folder the other workers share;
        # the caller drops the whole half-built index
        try:
            abandon_segment(writer)
        except Exception:  # noqa: BLE001 - the original error is the one to report
            pass
        raise
    _count(done % _PROGRESS_EVERY)
    return segment


def write_segments(archive: Path, index_path: Path, ranges: list[tuple[int, int, int]],
                   procs: int, progress: Callable[[int], None]) -> list:
    """The segments of ``ranges`` (see :func:`plan`), in order; ``progress`` is called now
    and then with the number of stories written so far."""
    global _report
    if procs <= 1 or len(ranges) < 2:
        done = 0

        def report(n: int) -> None:
            nonlocal done
            done += n
            progress(done)

        _report = report
        try:
            return [write_segment(str(archive), str(index_path), a, b) for a, b, _ in ranges]
        finally:
            _report = None
    # fork starts quickly and needs no importable __main__; a process with threads must not fork
    ctx = multiprocessing.get_context("fork" if threading.active_count() == 1 else "spawn")
    counter = ctx.Value("q", 0)
    pool = ProcessPoolExecutor(max_workers=min(procs, len(ranges)), mp_context=ctx,
                               initializer=_init, initargs=(counter,))
    try:
        futures = [pool.submit(write_segment, str(archive), str(index_path), a, b)
                   for a, b, _ in ranges]
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_EXCEPTION)
            progress(counter.value)
            for f in finished:
                f.result()  # a worker's error stops the build here
        return [f.result() for f in futures]
    except BrokenProcessPool as exc:
        raise IndexingError("an indexing process died (out of memory? try fewer --procs); "
                            "the index was left as it was") from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _init(counter) -> None:
    """Worker start-up: die with the parent (a killed rebuild leaves no orphan writing into
    the abandoned index), report progress to its shared counter."""
    global _report
    _die_with_parent()

    def report(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    _report = report


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (elsewhere: nothing)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _count(n: int) -> None:
    if _report is not None and n:
        _report(n)
