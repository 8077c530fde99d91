"""The crawl's cleaning processes: jobs, results, errors, crashes and shutdown, for real."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from crawler.cleaning import CleaningPool, WorkerDied


def _echo(value):
    return value


def _pid(_=None):
    return os.getpid()


def _fail(message):
    raise ValueError(message)


def _die(_=None):
    os.kill(os.getpid(), signal.SIGKILL)


def _run(coro):
    return asyncio.run(coro)


def test_results_come_back_to_their_own_callers():
    async def main():
        pool = CleaningPool(2)
        try:
            values = [bytes([i]) * (i * 1000) for i in range(40)]
            got = await asyncio.gather(*(pool.run(_echo, v) for v in values))
            pids = await asyncio.gather(*(pool.run(_pid) for _ in range(20)))
        finally:
            pool.shutdown()
        return values, got, pids

    values, got, pids = _run(main())
    assert got == values
    assert os.getpid() not in pids
    assert len(set(pids)) == 2, "jobs should be spread over both workers"


def test_a_job_larger_than_a_pipe_buffer_goes_through():
    big = os.urandom(3 << 20)  # a 3 MB page: many times a pipe's 64 KB

    async def main():
        pool = CleaningPool(1)
        try:
            return await asyncio.gather(pool.run(_echo, big), pool.run(_echo, b"small"))
        finally:
            pool.shutdown()

    assert _run(main()) == [big, b"small"]


def test_an_exception_in_a_job_is_raised_to_its_caller_only():
    async def main():
        pool = CleaningPool(1)
        try:
            with pytest.raises(ValueError, match="bad page"):
                await pool.run(_fail, "bad page")
            return await pool.run(_echo, "next")
        finally:
            pool.shutdown()

    assert _run(main()) == "next"


def test_a_worker_that_dies_fails_its_job_and_is_replaced():
    async def main():
        pool = CleaningPool(1)
        try:
            before = await pool.run(_pid)
            with pytest.raises(WorkerDied, match="exited"):
                await pool.run(_die)
            after = await pool.run(_pid)
            return before, after, await pool.run(_echo, "still cleaning")
        finally:
            pool.shutdown()

    before, after, last = _run(main())
    assert before != after, "the dead worker should have been replaced by a new process"
    assert last == "still cleaning"


def test_shutdown_ends_every_worker():
    async def main():
        pool = CleaningPool(2)
        await asyncio.gather(*(pool.run(_pid) for _ in range(4)))
        procs = [w.process for w in pool._workers]
        pool.shutdown(timeout=5)
        return procs

    procs = _run(main())
    assert procs and all(not p.is_alive() for p in procs)
    assert all(p.exitcode == 0 for p in procs), "workers should leave on their own, not be killed"
