"""Searching a sharded archive: one actor per shard holding its open index, gathered by
:class:`search.gather.Gather` with the whole collection's statistics.

An actor lives on the worker holding its shard (:func:`cluster.client.placement`) and keeps
its :class:`~search.engine.SearchIndex` open between searches, as a search process of
``newsarchive serve`` does. A shard that fails or does not answer within ``timeout`` seconds
is named in the results (``missing_shards``); its actor is made again on the next search, so
the answers are whole again once its worker is back.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from archive import sharding
from search.gather import Gather
from search.request import SearchRequest
from search.results import SearchResults

from .client import placement

#: seconds a search waits for a shard before answering without it
TIMEOUT = 10.0
#: seconds before a shard that failed is tried again
RETRY_AFTER = 2.0


class ShardActor:
    """A shard's open index on its worker; ``call`` runs one of its ``shard_*`` methods."""

    def __init__(self, path: str):
        from archive.errors import StoreError
        from archive.layout import store_path
        from search.engine import SearchIndex

        if not store_path(path).exists():  # gone, or its disk is not mounted here
            raise StoreError(f"no shard archive at {path}")
        self.path = path
        self.index = SearchIndex(path) if _has_index(path) else None

    def call(self, method: str, *args):
        if self.index is None:  # an empty shard (nothing imported or crawled into it yet)
            if not _has_index(self.path):
                return _EMPTY[method](*args)
            from search.engine import SearchIndex

            self.index = SearchIndex(self.path)
        return getattr(self.index, method)(*args)

    def concepts(self):
        """The concepts model (the whole collection's, copied into every shard)."""
        return self.index.cache.concepts if self.index is not None else None


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


_EMPTY: dict[str, Callable[..., Any]] = {"shard_stats": _empty_stats, "shard_answer": _empty_answer,
          "shard_snippets": lambda hits, terms, style: {},
          "shard_lexicon": lambda stems, dists: [(0, [], {}) for _ in stems]}


class RemoteShard:
    local = False

    def __init__(self, name: str, actor):
        self.name = name
        self.actor = actor

    def call(self, method: str, *args):
        return self.actor.call(method, *args)


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
        from indexer.schema import make_schema

        self.archive = Path(archive)
        self.map = sharding.read(archive)
        self.client = client
        self.timeout = timeout
        self.schema = make_schema()
        self._actors: dict[int, object] = {}
        self._failed_at: dict[int, float] = {}
        self._model = None
        self._model_from: int | None = None

    def close(self) -> None:
        self._actors.clear()

    def __enter__(self) -> "ShardedSearch":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _actor(self, i: int):
        actor = self._actors.get(i)
        if actor is None:
            name = self.map.names[i]
            future = self.client.submit(ShardActor, str(self.map.paths[i]), actor=True,
                                        pure=False, **placement(self.client, name, spread=i))
            try:
                actor = self._actors[i] = future.result(timeout=self.timeout)
            except BaseException:
                future.cancel()
                raise
        return actor

    def shards(self) -> list:
        out: list = []
        for i, name in enumerate(self.map.names):
            if i in self._failed_at and time.monotonic() - self._failed_at[i] < RETRY_AFTER:
                out.append(_Unreachable(name, RuntimeError("shard down")))
                continue
            try:
                out.append(RemoteShard(name, self._actor(i)))
            except Exception as exc:  # noqa: BLE001 - no worker can hold it now
                self._failed_at[i] = time.monotonic()
                out.append(_Unreachable(name, exc))
        return out

    def model(self):
        """The whole collection's concepts model, from the first shard that answers."""
        if self._model is None:
            for i in range(self.map.count):
                try:
                    self._model = self._actor(i).concepts().result(timeout=self.timeout)
                except Exception:  # noqa: BLE001 - that shard is down: try the next
                    continue
                break
        return self._model

    def search(self, request: SearchRequest | str, **options) -> SearchResults:
        """As :meth:`search.engine.SearchIndex.search`, over every shard."""
        if isinstance(request, str):
            request = SearchRequest(request, **options)
        elif options:
            request = request.but(**options)
        shards = self.shards()
        results = Gather(shards, self.schema, self.model, self.timeout).search(request)
        for name in results.missing_shards:  # made again on a later search
            i = self.map.names.index(name)
            if isinstance(shards[i], RemoteShard):
                self._actors.pop(i, None)
                self._failed_at[i] = time.monotonic()
        return results
