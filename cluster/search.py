"""Searching a sharded archive: one actor per shard holding its open index, gathered by
:class:`search.gather.Gather` with the whole collection's statistics.

An actor lives on the worker holding its shard (:func:`cluster.client.placement`) and keeps
its :class:`~search.engine.SearchIndex` open between searches, as a search process of
``newsarchive serve`` does. A shard that fails or does not answer within ``timeout`` seconds
is named in the results (``missing_shards``); its actor is made again on the next search, so
the answers are whole again once its worker is back.
"""

from __future__ import annotations

import pickle
import time
from pathlib import Path
from typing import Any, Callable

from archive import sharding
from archive.layout import collection_file
from search.collection import CollectionStats
from search.gather import Gather
from search.request import SearchRequest
from search.results import SearchResults

from .client import placement
from .memory import keep_arrays_in_the_heap

#: seconds a search waits for a shard before answering without it
TIMEOUT = 10.0
#: seconds before a shard that failed is tried again
RETRY_AFTER = 2.0
#: seconds a coordinator uses the concepts model before it looks whether it was refitted
MODEL_CHECK = 30.0
#: the labels of a host name whose sites a related story's source is first looked for in
#: (the others are asked if it is not there)
MAX_SITE_LABELS = 8
#: a search's steps, run on the worker's event loop (``ShardActor.quick``); the others (the
#: collection's word tables, did-you-mean's lexicon) take the actor's thread, so that a
#: long one does not hold up the worker's other work
QUICK_STEPS = frozenset({"shard_stats", "shard_answer", "shard_bonuses", "shard_fetch",
                         "shard_page", "shard_snippets", "shard_related", "shard_related_at",
                         "ids", "article"})


class ShardActor:
    """A shard's open index on its worker; ``call`` runs one of its ``shard_*`` methods."""

    def __init__(self, path: str):
        from archive.errors import StoreError
        from archive.layout import store_path
        from indexer.concepts import one_blas_thread
        from search.engine import SearchIndex, keep_loaded

        one_blas_thread()  # the worker's other shards and the next worker need the cores
        keep_arrays_in_the_heap()
        if not store_path(path).exists():  # gone, or its disk is not mounted here
            raise StoreError(f"no shard archive at {path}")
        self.path = path
        self.index = SearchIndex(path) if _has_index(path) else None
        keep_loaded()  # the worker searches its shards for as long as it runs

    def call(self, method: str, args: bytes) -> bytes:
        """``method(*args)`` of the shard's index, its arguments and what it returns pickled
        by the caller and here: Dask moves bytes in a fraction of the time it takes to
        serialise lists of small tuples and dicts itself."""
        if self.index is None and _has_index(self.path):
            from search.engine import SearchIndex

            self.index = SearchIndex(self.path)
        if self.index is None:  # an empty shard (nothing imported or crawled into it yet)
            got = _EMPTY[method](*pickle.loads(args))
        else:
            got = getattr(self.index, method)(*pickle.loads(args))
        return pickle.dumps(got, protocol=pickle.HIGHEST_PROTOCOL)

    async def quick(self, method: str, args: bytes) -> bytes:
        """``call`` on the worker's event loop: a search's step takes milliseconds, and
        handing it to the actor's thread and its answer back took a tenth of that."""
        return self.call(method, args)

    async def batch(self, calls: bytes) -> bytes:
        """Steps of several shards on this worker in one message (a message each cost a
        millisecond a round): pickled ``(actor key, method, pickled args)`` of each, run in
        turn by ``quick``; gives what each returned, or the error it raised."""
        from distributed import get_worker

        actors: Any = get_worker().state.actors
        out: list[tuple[bool, Any]] = []
        for key, method, args in pickle.loads(calls):
            try:
                out.append((True, await actors[key].quick(method, args)))
            except Exception as exc:  # noqa: BLE001 - the coordinator raises it for the shard
                out.append((False, exc))
        try:
            return pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an error that cannot be pickled: its message
            return pickle.dumps([item if ok else (False, RuntimeError(str(item)))
                                 for ok, item in out], protocol=pickle.HIGHEST_PROTOCOL)

    def concepts(self):
        """The concepts model (the whole collection's, copied into every shard)."""
        return self.index.cache.concepts if self.index is not None else None

    def concepts_signature(self) -> tuple | None:
        """Size and time of the model's file: changes when it is fitted again."""
        from archive.layout import index_dir
        from indexer.concepts import FILE

        try:
            info = (index_dir(self.path) / FILE).stat()
        except OSError:
            return None
        return info.st_size, info.st_mtime_ns


def _has_index(path: str) -> bool:
    from whoosh import index as whoosh_index

    from archive.layout import index_dir

    return whoosh_index.exists_in(str(index_dir(path)))


def _empty_stats(query, terms, expand):
    from search.stats import CorpusStats

    return CorpusStats()


def _empty_answer(plan):
    from search.results import Answer

    return Answer()


def _empty_related(step, *args):
    from search.related_shard import Ranked

    return {"frequencies": (0, 0, {}), "ranked": Ranked(0.0, [], []), "offers": [],
            "sketches": []}.get(step)


_EMPTY: dict[str, Callable[..., Any]] = {
    "ids": lambda urls: {}, "article": lambda key: None, "shard_related": _empty_related,
    "shard_fetch": lambda orders: {},
    "shard_stats": _empty_stats, "shard_answer": _empty_answer,
    "shard_terms": lambda: ("empty", _empty_stats(None, [], False), {}),
    "shard_related_at": lambda identities, step, *args: _empty_related(step, *args),
    "shard_snippets": lambda hits, terms, style: {},
    "shard_page": lambda wanted, leaders, terms, style: {},
    "shard_bonuses": lambda plan, prox, gain: ([0.0] * len(prox), [0.0] * len(gain)),
    "shard_lexicon": lambda stems, dists: [(0, [], {}) for _ in stems]}


class RemoteShard:
    local = False

    def __init__(self, name: str, actor, worker: str | None = None):
        self.name = name
        self.actor = actor
        self.worker = worker  # the address of the worker holding the actor

    def call(self, method: str, *args):
        payload = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
        if method in QUICK_STEPS:
            return _Unpickled(self.actor.quick(method, payload))
        return _Unpickled(self.actor.call(method, payload))


class _Unpickled:
    def __init__(self, future):
        self.future = future

    def result(self, timeout=None):
        return pickle.loads(self.future.result(timeout=timeout))


class _Batch:
    """The answers of one worker's shards to one step, sent in one message."""

    def __init__(self, future):
        self.future = future
        self.got: list | None = None
        self.error: Exception | None = None  # the worker's failure, told to every part

    def part(self, n: int, timeout=None):
        if self.error is not None:
            raise self.error
        if self.got is None:
            try:
                self.got = pickle.loads(self.future.result(timeout=timeout))
            except Exception as exc:
                self.error = exc  # the other shards of the worker are not waited for again
                raise
        ok, value = self.got[n]
        if not ok:
            raise value
        return pickle.loads(value)


class _Part:
    def __init__(self, batch: _Batch, n: int):
        self.batch = batch
        self.n = n

    def result(self, timeout=None):
        return self.batch.part(self.n, timeout)


class _Failed:
    """A shard whose actor could not be made: every call fails at once."""

    def __init__(self, exc: Exception):
        self.exc = exc

    def result(self, timeout=None):
        raise self.exc


class _Unreachable:
    local = False

    def __init__(self, name: str, exc: Exception):
        self.name = name
        self.exc = exc

    def call(self, method: str, *args):
        return _Failed(self.exc)


class ShardedSearch:
    """Searches over the shards of a sharded archive, on ``client``'s cluster."""

    def __init__(self, archive: str | Path, client, timeout: float = TIMEOUT):
        from indexer.concepts import one_blas_thread
        from indexer.schema import make_schema

        one_blas_thread()  # a BLAS pool's idle threads would spin on the workers' cores
        self.archive = Path(archive)
        self.map = sharding.read(archive)
        self.client = client
        self.timeout = timeout
        self.schema = make_schema()
        self._actors: dict[int, tuple[Any, str | None]] = {}
        self._failed_at: dict[int, float] = {}
        self._model = None
        self._model_signature: tuple | None = None
        self._model_checked = 0.0
        self._collection: CollectionStats | None = None
        self._collection_signature: tuple | None = None
        self._collection_stale: tuple | None = None

    def close(self) -> None:
        self._actors.clear()

    def __enter__(self) -> "ShardedSearch":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _actor(self, i: int) -> tuple[Any, str | None]:
        """Shard ``i``'s actor, made on its worker if there is none, and that worker's
        address (a step for several shards on one worker goes in one message)."""
        if i not in self._actors:
            name = self.map.names[i]
            future = self.client.submit(ShardActor, str(self.map.paths[i]), actor=True,
                                        pure=False, **placement(self.client, name, spread=i))
            try:
                actor = future.result(timeout=self.timeout)
                held = self.client.who_has([future]).get(future.key) or [None]
            except BaseException:
                future.cancel()
                raise
            self._actors[i] = actor, held[0]
        return self._actors[i]

    def worker_of(self, i: int) -> str | None:
        """The address of the worker holding shard ``i``'s open index (None: not opened)."""
        return self._actors[i][1] if i in self._actors else None

    def shards(self) -> list:
        out: list = []
        for i, name in enumerate(self.map.names):
            if i in self._failed_at and time.monotonic() - self._failed_at[i] < RETRY_AFTER:
                out.append(_Unreachable(name, RuntimeError("shard down")))
                continue
            try:
                out.append(RemoteShard(name, *self._actor(i)))
            except Exception as exc:  # noqa: BLE001 - no worker can hold it now
                self._failed_at[i] = time.monotonic()
                out.append(_Unreachable(name, exc))
        return out

    def model(self):
        """The whole collection's concepts model, from the first shard that answers; asked
        again when its file has changed (looked at once every ``MODEL_CHECK`` seconds)."""
        if self._model is not None and time.monotonic() - self._model_checked < MODEL_CHECK:
            return self._model
        for i in range(self.map.count):
            try:
                actor = self._actor(i)[0]
                signature = actor.concepts_signature().result(timeout=self.timeout)
                if self._model is None or signature != self._model_signature:
                    self._model = actor.concepts().result(timeout=self.timeout)
                    self._model_signature = signature
            except Exception:  # noqa: BLE001 - that shard is down: try the next
                continue
            self._model_checked = time.monotonic()
            break
        return self._model

    def collection(self) -> CollectionStats | None:
        """The collection's statistics kept beside the shards (:mod:`search.collection`),
        read again when the file changes; None when there is none, or when a shard has
        answered that it changed since the file was written (until the file is written
        again by the next ``newsarchive index``)."""
        try:
            info = collection_file(self.archive).stat()
        except OSError:
            return None
        signature = (info.st_size, info.st_mtime_ns)
        if signature == self._collection_stale:
            return None
        if signature != self._collection_signature:
            self._collection = CollectionStats.load(collection_file(self.archive))
            self._collection_signature = signature
        return self._collection

    def collection_stale(self) -> None:
        self._collection_stale = self._collection_signature

    # -- what the web app asks besides searches -------------------------------------------------
    # A story's number in a sharded archive is its number in its shard's store times the
    # number of shards plus the shard's: numbers stay whole numbers (the web app's article
    # pages take them) and name one story across all shards.
    def ids(self, urls: list[str]) -> dict[str, int]:
        """Numbers of the stories by canonical URL."""
        gather = self.gather()
        n = self.map.count
        out = {}
        for i, part in gather.scatter("ids", (list(urls),)).items():
            out.update({url: number * n + i for url, number in part.items()})
        return out

    def locate(self, number: int) -> tuple[int, int]:
        """(shard, number in its store) of a story's number."""
        return number % self.map.count, number // self.map.count

    def article(self, key: int) -> dict | None:
        """One story by its number, with its shard's folder (for its capture)."""
        shard, local = self.locate(int(key))
        gather = self.gather()
        got = gather.scatter("article", (local,), [shard]).get(shard)
        if got is None:
            return None
        return {**got, "id": int(key), "archive": str(self.map.paths[shard])}

    def gather(self) -> Gather:
        """A coordinator over the shards (``search.related`` asks for one)."""
        return _Tracking(self, self.shards())

    def _missed(self, shards: list, missing: list[str]) -> None:
        for name in missing:  # made again on a later search
            i = self.map.names.index(name)
            if isinstance(shards[i], RemoteShard):
                self._actors.pop(i, None)
                self._failed_at[i] = time.monotonic()

    def search(self, request: SearchRequest | str, **options) -> SearchResults:
        """As :meth:`search.engine.SearchIndex.search`, over every shard."""
        if isinstance(request, str):
            request = SearchRequest(request, **options)
        elif options:
            request = request.but(**options)
        return _Tracking(self, self.shards()).search(request)


class _Tracking(Gather):
    """A coordinator that tells its sharded search which shards failed."""

    def __init__(self, owner: ShardedSearch, shards: list):
        super().__init__(shards, owner.schema, owner.model, owner.timeout,
                         collection=owner.collection)
        self.owner = owner

    def stale(self) -> None:
        self.owner.collection_stale()

    def send(self, method: str, calls: dict[int, tuple]) -> dict:
        """A search's step goes to each worker in one message for all its shards."""
        if method not in QUICK_STEPS:
            return super().send(method, calls)
        by_worker: dict[str, list[int]] = {}
        for i in calls:
            shard = self.shards[i]
            if isinstance(shard, RemoteShard) and shard.worker:
                by_worker.setdefault(shard.worker, []).append(i)
        batched = {i for group in by_worker.values() if len(group) > 1 for i in group}
        out = super().send(method, {i: args for i, args in calls.items() if i not in batched})
        for group in by_worker.values():
            if len(group) < 2:
                continue
            payload = pickle.dumps(
                [(self.shards[i].actor.key, method,
                  pickle.dumps(calls[i], protocol=pickle.HIGHEST_PROTOCOL)) for i in group],
                protocol=pickle.HIGHEST_PROTOCOL)
            batch = _Batch(self.shards[group[0]].actor.batch(payload))
            out.update({i: _Part(batch, n) for n, i in enumerate(group)})
        return {i: out[i] for i in calls}  # in shard order, as the answers are summed

    def scatter(self, method, args_of, which=None):
        out = super().scatter(method, args_of, which)
        self.owner._missed(self.shards, self.missing)
        return out

    def locate(self, number: int) -> tuple[list[int] | None, int]:
        shard, local = self.owner.locate(number)
        return [shard], local

    def likely(self, url: str) -> list[int] | None:
        """The shard of the URL (an imported story's), and of its host's site or a site it
        is part of (a crawled story's, crawled from a seed there)."""
        from crawler.urls import canonicalize, hostname_of, site_of

        shard_map = self.owner.map
        try:
            canonical = canonicalize(url.strip())
            labels = site_of(hostname_of(canonical)).split(".")
        except Exception:  # noqa: BLE001 - not a URL: every shard says so
            return None
        labels = labels[-MAX_SITE_LABELS:]  # a hostile host name of thousands of labels
        shards = {shard_map.for_url(canonical)}
        shards |= {shard_map.for_site(".".join(labels[i:])) for i in range(len(labels) - 1)}
        return sorted(shards)
