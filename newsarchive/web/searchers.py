"""Who runs the web app's searches: a pool of processes (``serve``), or of threads (tests).

A search is CPU work in Python, so one process runs one at a time whatever its threads.
``serve`` therefore starts one search process per core behind a single HTTP process: requests
wait in one first-come, first-served queue, and whichever process is free takes the next.
(Several HTTP worker processes, each with its own searchers, share the load only as well as
the kernel shares out connections: with keep-alive clients one process often got all of them
while the other sat idle.)

Every request has a time budget: past it the reader gets a 503 at once and the searcher
finishes in the background. A queue longer than the searchers can clear within the budget is
refused at the door with a 503, so a burst never grows into minutes of waiting.

The jobs are module-level functions of a ``SearchIndex`` so that a process pool can run them.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

from indexer.concepts import one_blas_thread
from search import QueryError, SearchIndex, SearchRequest, related
from search.engine import keep_loaded

#: the longest a search or a related-stories lookup may take before its request gets a 503
TIME_BUDGET = 5.0
#: requests that may wait for a searcher, per searcher, before new ones are turned away
QUEUE_PER_SEARCHER = 32


class NoIndex(Exception):
    """The archive has no index yet."""


class Busy(Exception):
    """Too many requests are waiting, or a search ran past the time a request may take."""


# -- the jobs: what a request asks of a searcher ---------------------------------------------------
def search_job(idx: SearchIndex, request: SearchRequest):
    """A page of results and the store numbers of its stories."""
    results = idx.search(request)
    return results, idx.ids([h.url for h in results.hits])


def related_job(idx: SearchIndex, **options):
    """Related stories, their source, and their store numbers."""
    source, found = related(idx, **options)
    return source, found, idx.ids([s.url for s in found])


def article_job(idx: SearchIndex, key: int):
    """One story from the store of record, or None."""
    return idx.article(key)




class Searchers:
    """What both kinds of searchers share: the time budget and the bound on waiting requests."""

    def __init__(self, size: int, budget: float):
        self.size = size
        self.budget = budget
        self.limit = size * (QUEUE_PER_SEARCHER + 1)
        self.in_flight = 0

    async def run(self, job, **kwargs):
        """``job(idx, **kwargs)`` on the next free searcher, within the time budget."""
        if self.in_flight >= self.limit:
            raise Busy(f"{self.in_flight} searches are waiting; try again in a moment")
        self.in_flight += 1
        try:
            future = self._submit(job, kwargs)
            future.add_done_callback(_retrieve)  # a search past its budget ends unheard
            try:
                return await asyncio.wait_for(asyncio.shield(future), self.budget)
            except asyncio.TimeoutError:
                future.cancel()  # not started yet: now it never will be
                raise Busy(f"this search took longer than {self.budget:.0f} s; narrow it "
                           f"(fewer words, a date range) and try again") from None
        finally:
            self.in_flight -= 1

    def _submit(self, job, kwargs) -> asyncio.Future:
        raise NotImplementedError


def _retrieve(future) -> None:
    if not future.cancelled():
        future.exception()


# -- searches in processes (serve) ---------------------------------------------------------------
def _process_main(conn, archive: str) -> None:
    """A search process: opens the index, says it is ready, then runs jobs until its pipe
    closes. Ctrl-C is the server's to handle: it stops these processes in order."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    one_blas_thread()
    index: SearchIndex | None = None
    try:
        index = SearchIndex(archive)
        index.search("news", limit=1)  # loads what every search reads (half a second at 200k)
    except QueryError:
        pass  # no index yet: the first job after one appears opens it
    keep_loaded()
    conn.send(os.getpid())
    while True:
        try:
            job, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if index is None:
                try:
                    index = SearchIndex(archive)
                except QueryError as exc:
                    raise NoIndex(str(exc)) from None
            reply = (True, job(index, **kwargs))
        except Exception as exc:  # noqa: BLE001 - the request answers for it, not the process
            reply = (False, exc)
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - an answer that cannot be pickled
            conn.send((False, RuntimeError(f"cannot send the answer: {exc}")))


class _Process:
    """One search process and the pipe to it."""

    conn: Connection

    def __init__(self, archive: Path):
        self.archive = archive
        self.start()

    def start(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        if hasattr(self, "conn"):
            self.conn.close()
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_process_main, args=(child, str(self.archive)),
                                       daemon=True, name="newsarchive-search")
        self.process.start()
        child.close()
        self.pid: int | None = None

    def wait_ready(self, timeout: float = 120.0) -> int | None:
        """The process's pid once it has started (None if it has not within ``timeout``)."""
        if self.pid is None and self.conn.poll(timeout):
            self.pid = self.conn.recv()
        return self.pid

    def call(self, job, kwargs):
        """Sends a job and waits for its answer (in a thread of its own)."""
        self.wait_ready()
        self.conn.send((job, kwargs))
        ok, value = self.conn.recv()
        if not ok:
            raise value
        return value

    def kill(self) -> None:
        self.process.kill()
        self.process.join()

    def close(self) -> None:
        self.kill()
        self.conn.close()


class ProcessSearchers(Searchers):
    """``size`` search processes, each with its own ``SearchIndex``, fed from one queue. A
    search still running ``hard_limit`` seconds (default: the budget) after it started, when
    its reader has had a 503, has its process killed and replaced, and so has a process that
    dies by itself: no search holds a core for longer."""

    def __init__(self, archive: Path, size: int | None = None, budget: float = TIME_BUDGET,
                 hard_limit: float | None = None):
        super().__init__(size or os.cpu_count() or 1, budget)
        self.hard_limit = hard_limit or budget
        self.processes = [_Process(archive) for _ in range(self.size)]
        self.threads = ThreadPoolExecutor(self.size, thread_name_prefix="search-pipe")
        self.jobs: asyncio.Queue | None = None
        self.dispatchers: list[asyncio.Task] = []

    def _submit(self, job, kwargs) -> asyncio.Future:
        if self.jobs is None:  # made on the server's event loop
            self.jobs = asyncio.Queue()
            self.dispatchers = [asyncio.create_task(self._dispatch(p)) for p in self.processes]
        future = asyncio.get_running_loop().create_future()
        self.jobs.put_nowait((job, kwargs, future))
        return future

    async def _dispatch(self, process: _Process) -> None:
        """Feeds one process: the next job in the queue each time it is free."""
        loop = asyncio.get_running_loop()
        jobs = self.jobs
        assert jobs is not None  # made before the dispatchers
        while True:
            job, kwargs, future = await jobs.get()
            if future.done():  # its reader stopped waiting before a process was free
                continue
            if not process.process.is_alive():  # died while idle (killed, out of memory)
                process.start()
            call = loop.run_in_executor(self.threads, process.call, job, kwargs)
            try:
                value = await asyncio.wait_for(asyncio.shield(call), self.hard_limit)
            except asyncio.TimeoutError:
                process.kill()  # its pipe closes, so the thread waiting on it returns
                await asyncio.gather(call, return_exceptions=True)
                process.start()
                _settle(future, exception=Busy("this search took too long and was stopped"))
            except (EOFError, OSError):  # died in the middle of it
                process.kill()
                process.start()
                _settle(future, exception=Busy("a search process stopped; try again"))
            except Exception as exc:  # noqa: BLE001 - the job's own error, for its request
                _settle(future, exception=exc)
            else:
                _settle(future, value)

    def warm(self) -> list[int | None]:
        """Waits until every search process has started; their pids."""
        return [p.wait_ready() for p in self.processes]

    def close(self) -> None:
        for task in self.dispatchers:
            task.cancel()
        for process in self.processes:
            process.close()
        self.threads.shutdown(wait=True)


def _settle(future: asyncio.Future, value=None, exception: BaseException | None = None) -> None:
    if not future.done():
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(value)


# -- searches in threads (tests, embedding) ------------------------------------------------------
class ThreadSearchers(Searchers):
    """``size`` threads in this process, each with its own ``SearchIndex``: for tests and for
    embedding the app, where searches must run in the caller's process."""

    def __init__(self, archive: Path, size: int = 2, budget: float = TIME_BUDGET):
        super().__init__(size, budget)
        self.archive = archive
        self.free: queue.LifoQueue = queue.LifoQueue()
        self.made: list[SearchIndex] = []
        self.lock = threading.Lock()
        self.runner = ThreadPoolExecutor(max_workers=size, thread_name_prefix="search")

    def _submit(self, job, kwargs) -> asyncio.Future:
        return asyncio.wrap_future(self.runner.submit(self._with_index, job, kwargs))

    def _with_index(self, job, kwargs):
        idx = self._take()
        try:
            return job(idx, **kwargs)
        finally:
            self.free.put(idx)

    def _take(self) -> SearchIndex:
        try:
            return self.free.get_nowait()
        except queue.Empty:
            pass
        with self.lock:  # fewer searchers than threads only until each thread has made one
            try:
                idx = SearchIndex(self.archive)
            except QueryError as exc:
                raise NoIndex(str(exc)) from None
            self.made.append(idx)
            return idx

    def warm(self) -> None:
        """Open every searcher now (on a large archive that takes a while)."""
        try:
            made = [self._take() for _ in range(self.size)]
        except NoIndex:
            return
        for idx in made:
            self.free.put(idx)

    def close(self) -> None:
        self.runner.shutdown(wait=True)
        for idx in self.made:
            idx.close()


# -- a sharded archive: coordinators in threads, the shards on the cluster --------------------
class ShardedSearchers(Searchers):
    """``size`` threads, each coordinating searches over a sharded archive's shards (the
    shards' actors do the work on the cluster's workers; see :mod:`cluster.search`). The
    cluster is ``cluster`` (an address), or ``$NEWSARCHIVE_CLUSTER``, or one started here."""

    def __init__(self, archive: Path, cluster: str | None = None, size: int = 4,
                 budget: float = TIME_BUDGET):
        from cluster import connect

        super().__init__(size, budget)
        self.archive = archive
        self._connection = connect(cluster)
        self.client = self._connection.__enter__()
        self.free: queue.LifoQueue = queue.LifoQueue()
        self.runner = ThreadPoolExecutor(max_workers=size, thread_name_prefix="shards")

    def _submit(self, job, kwargs) -> asyncio.Future:
        return asyncio.wrap_future(self.runner.submit(self._with_search, job, kwargs))

    def _with_search(self, job, kwargs):
        from cluster import ShardedSearch

        try:
            sharded = self.free.get_nowait()
        except queue.Empty:
            sharded = ShardedSearch(self.archive, self.client, timeout=self.budget * 0.8)
        try:
            return job(sharded, **kwargs)
        finally:
            self.free.put(sharded)

    def warm(self) -> None:
        from cluster import ShardedSearch

        sharded = ShardedSearch(self.archive, self.client, timeout=self.budget * 0.8)
        sharded.search("news", limit=1)  # makes the shards' actors
        self.free.put(sharded)
        keep_loaded()

    def close(self) -> None:
        self.runner.shutdown(wait=True)
        self._connection.__exit__(None, None, None)
