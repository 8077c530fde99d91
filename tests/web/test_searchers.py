"""Searches in processes (what ``serve`` runs) and the bound on waiting requests."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import httpx
import pytest

from newsarchive.web import searchers
from search import SearchRequest

from .server import serving


@pytest.fixture(scope="module")
def http(base_url):
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def processes(web_archive):
    """The app with two search processes, as ``serve --workers 2`` runs it."""
    from newsarchive.web.app import create_app

    app = create_app(web_archive, processes=2)
    with serving(web_archive, app=app) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield app, http


def test_search_processes_answer_as_the_threads_do(processes, http):
    _, in_processes = processes
    for params in ({"q": "flood"}, {"q": "interest rates", "sort": "newest"}, {"topic": "trade"}):
        threaded, spawned = http.get("/api/search", params=params), in_processes.get(
            "/api/search", params=params)
        assert spawned.status_code == threaded.status_code == 200
        assert spawned.json() == threaded.json()
    article = in_processes.get("/api/articles/1")
    assert article.status_code == 200 and article.json()["id"] == 1
    assert in_processes.get("/api/related", params={"id": 1}).status_code == 200
    assert in_processes.get("/api/articles/999999").status_code == 404
    assert in_processes.get("/api/search", params={"q": "a*"}).status_code == 400


def test_both_processes_search(processes):
    app, _ = processes
    assert len(app.state.index.warm()) == 2


def test_a_killed_search_process_is_replaced(processes):
    app, http = processes
    victim = app.state.index.warm()[0]
    os.kill(victim, signal.SIGKILL)
    time.sleep(0.5)
    answers = [http.get("/api/search", params={"q": "flood"}).status_code for _ in range(6)]
    assert answers == [200] * 6
    pids = app.state.index.warm()
    assert victim not in pids and len(set(pids)) == 2


def test_a_search_running_far_past_its_budget_is_stopped(web_archive):
    """A search that outlives its request by far has its process killed and replaced."""
    from newsarchive.web.searchers import ProcessSearchers

    pool = ProcessSearchers(web_archive, size=1, budget=0.5, hard_limit=1.5)

    async def calls():
        started = time.monotonic()
        endless = await asyncio.gather(pool.run(_sleep, seconds=60), return_exceptions=True)
        refused = time.monotonic() - started
        await asyncio.sleep(1.5)
        quick = await pool.run(searchers.search_job, request=SearchRequest("flood", facets=False))
        return endless[0], refused, quick, time.monotonic() - started

    try:
        victim = pool.warm()[0]
        endless, refused, quick, took = asyncio.run(calls())
        assert isinstance(endless, searchers.Busy) and refused < 1.5
        assert quick[0].total >= 1 and took < 10
        assert pool.warm()[0] != victim
    finally:
        pool.close()


def _sleep(idx, seconds: float):
    time.sleep(seconds)


def _frozen(idx) -> int:
    import gc

    return gc.get_freeze_count()


def test_a_warm_search_process_keeps_its_index_out_of_full_collections(web_archive):
    """What a search process loads lives as long as it does: the garbage collector's full
    collections no longer walk it (they took a search's time again every few hundred)."""
    from newsarchive.web.searchers import ProcessSearchers

    pool = ProcessSearchers(web_archive, size=1)
    try:
        pool.warm()
        frozen = asyncio.run(pool.run(_frozen))
    finally:
        pool.close()
    assert frozen > 10_000, frozen  # the index, its caches and the modules' objects


def test_a_full_queue_turns_requests_away_at_once(web_archive, slow_search, monkeypatch):
    """One searcher, one request allowed to wait: a third request is refused at the door
    while the first still searches."""
    monkeypatch.setattr(searchers, "QUEUE_PER_SEARCHER", 1)
    slow_search("slow", 2)
    pool = searchers.ThreadSearchers(web_archive, size=1)

    async def three():
        calls = [pool.run(searchers.search_job, request=SearchRequest("slow", facets=False))
                 for _ in range(3)]
        started = time.monotonic()
        done = await asyncio.gather(*calls, return_exceptions=True)
        return done, time.monotonic() - started

    try:
        (first, second, third), took = asyncio.run(three())
    finally:
        pool.close()
    assert isinstance(third, searchers.Busy) and "waiting" in str(third)
    assert first[0].query == second[0].query == "slow"
    assert 3.5 < took < 8, took
