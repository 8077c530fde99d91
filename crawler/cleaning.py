"""Cleaning processes fed and read by the crawl's event loop itself.

``concurrent.futures.ProcessPoolExecutor`` moves every job through two helper threads in the
crawling process (one queues jobs and reads results, one pickles jobs into the pipe), each
waking the other and taking the GIL from the event loop: about a seventh of the crawling
process's CPU on ``bench/crawl.py``, for pages of a few kilobytes (per-thread CPU: 10% of a
core beside the loop's 62%). Here the loop writes each job straight into a worker's pipe and
reads results as they arrive (``add_reader``/``add_writer``): no threads, no extra wake-ups.

A job is ``fn(*args)`` with a picklable ``fn``; it goes to the worker with the fewest jobs
waiting. A worker that dies (a crash in a C extension, the OOM killer) fails only its own jobs
with :class:`WorkerDied` and is replaced.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import signal
import struct
from contextlib import contextmanager

_HEAD = struct.Struct("<IQ")  # job number, length of the pickle that follows


class WorkerDied(RuntimeError):
    """The cleaning process running a job exited before answering."""


class TooSlow(BaseException):
    """A job ran past its deadline (a BaseException: extractors catch ``Exception``)."""


_IN_WORKER = False


@contextmanager
def deadline(seconds: float):
    """Raises :class:`TooSlow` in the block after ``seconds`` (of wall time) — in a cleaning
    process only, where an alarm interrupts nothing but the job; elsewhere the block runs
    unbounded. The alarm lands between Python steps, so a long call into C ends first."""
    if not _IN_WORKER:
        yield
        return

    def expire(signum, frame):
        raise TooSlow(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _read_exactly(fd: int, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _serve(jobs: int, results: int, inherited: list[int], initializer) -> None:
    """A worker's loop: read a job, run it, write back (True, value) or (False, exception).
    ``inherited``: the crawling process's ends of the pipes, closed here so that closing them
    there ends this loop."""
    global _IN_WORKER
    _IN_WORKER = True
    for fd in inherited:
        try:
            os.close(fd)
        except OSError:
            pass
    if initializer is not None:
        initializer()
    while True:
        head = _read_exactly(jobs, _HEAD.size)
        if head is None:
            return  # the crawl closed the pipe: done
        number, size = _HEAD.unpack(head)
        body = _read_exactly(jobs, size)
        if body is None:
            return
        try:
            fn, args = pickle.loads(body)
            answer = (True, fn(*args))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the caller
            answer = (False, exc)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - an unpicklable result or exception
            data = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        try:
            _write_all(results, _HEAD.pack(number, len(data)) + data)
        except BrokenPipeError:
            return  # the crawl stopped listening


class _Worker:
    def __init__(self, ctx, initializer, others: list[int]):
        job_r, self.job_w = os.pipe()
        self.res_r, res_w = os.pipe()
        inherited = [self.job_w, self.res_r, *others]
        self.process = ctx.Process(target=_serve, args=(job_r, res_w, inherited, initializer),
                                   daemon=True)
        self.process.start()
        os.close(job_r)
        os.close(res_w)
        os.set_blocking(self.job_w, False)
        os.set_blocking(self.res_r, False)
        self.out = bytearray()  # jobs not yet taken by the pipe
        self.inbox = bytearray()  # results not yet complete
        self.pending: dict[int, asyncio.Future] = {}
        self.writing = False

    def close(self) -> None:
        for fd in (self.job_w, self.res_r):
            try:
                os.close(fd)
            except OSError:
                pass


class CleaningPool:
    """``n`` worker processes (forked) running jobs for one event loop."""

    def __init__(self, n: int, initializer=None):
        self._ctx = multiprocessing.get_context("fork")
        self._initializer = initializer
        self._loop = asyncio.get_running_loop()
        self._workers: list[_Worker] = []
        self._number = 0
        self._closed = False
        for _ in range(max(1, n)):
            self._start()

    def _start(self) -> _Worker:
        others = [fd for w in self._workers for fd in (w.job_w, w.res_r)]
        worker = _Worker(self._ctx, self._initializer, others)
        self._workers.append(worker)
        self._loop.add_reader(worker.res_r, self._on_readable, worker)
        return worker

    async def run(self, fn, *args):
        """``fn(*args)`` in a worker process; its result, or its exception raised here."""
        if self._closed:
            raise RuntimeError("the cleaning pool is shut down")
        worker = min(self._workers, key=lambda w: len(w.pending))
        self._number = (self._number + 1) & 0xFFFFFFFF
        number = self._number
        data = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
        future = self._loop.create_future()
        worker.pending[number] = future
        worker.out += _HEAD.pack(number, len(data))
        worker.out += data
        self._flush(worker)
        ok, value = await future
        if ok:
            return value
        raise value

    def _flush(self, worker: _Worker) -> None:
        try:
            while worker.out:
                sent = os.write(worker.job_w, worker.out)
                del worker.out[:sent]
        except BlockingIOError:
            pass
        except OSError:  # the worker is gone; its reader sees the end and says so
            worker.out.clear()
        if worker.out and not worker.writing:
            self._loop.add_writer(worker.job_w, self._flush, worker)
            worker.writing = True
        elif not worker.out and worker.writing:
            self._loop.remove_writer(worker.job_w)
            worker.writing = False

    def _on_readable(self, worker: _Worker) -> None:
        try:
            chunk = os.read(worker.res_r, 1 << 20)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._lost(worker)
            return
        inbox = worker.inbox
        inbox += chunk
        while len(inbox) >= _HEAD.size:
            number, size = _HEAD.unpack_from(inbox)
            end = _HEAD.size + size
            if len(inbox) < end:
                break
            answer = pickle.loads(memoryview(inbox)[_HEAD.size:end])
            del inbox[:end]
            future = worker.pending.pop(number, None)
            if future is not None and not future.done():
                future.set_result(answer)

    def _lost(self, worker: _Worker) -> None:
        """A worker's result pipe ended: fail its jobs and, unless shutting down, replace it."""
        self._loop.remove_reader(worker.res_r)
        if worker.writing:
            self._loop.remove_writer(worker.job_w)
        worker.close()
        worker.process.join(timeout=1)
        code = worker.process.exitcode
        for future in worker.pending.values():
            if not future.done():
                future.set_result((False, WorkerDied(
                    f"a cleaning process exited (code {code}) while cleaning this page")))
        worker.pending.clear()
        if worker in self._workers:
            self._workers.remove(worker)
        if not self._closed:
            self._start()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Let the workers finish and exit; stop any that do not within ``timeout``."""
        self._closed = True
        for worker in list(self._workers):
            self._loop.remove_reader(worker.res_r)
            if worker.writing:
                self._loop.remove_writer(worker.job_w)
            try:
                os.close(worker.job_w)  # end of jobs: the worker's loop returns
            except OSError:
                pass
        for worker in list(self._workers):
            worker.process.join(timeout)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(1)
            try:
                os.close(worker.res_r)
            except OSError:
                pass
            for future in worker.pending.values():
                if not future.done():
                    future.cancel()
        self._workers.clear()
