"""What a search gives back (:class:`SearchResults`, :class:`Hit`), and what passes between the
coordinator of a search and the archives (shards) that answer it (:class:`Plan`,
:class:`Answer`). All of it is plain data, so a shard can be another process or machine."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from .request import MAX_DEPTH, SearchRequest
from .stats import CorpusStats


@dataclass
class Hit:
    url: str
    title: str
    published: str | None
    source: str | None
    topics: list[str]
    section: str | None
    author: str | None
    score: float | None
    snippet: object = None
    copies: int = 1
    copy_urls: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[Hit]
    page: int
    limit: int
    facets: dict[str, dict[str, int]]
    did_you_mean: str | None = None
    notes: list[str] = field(default_factory=list)
    #: shards that did not answer in time: the results are those of the others
    missing_shards: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """Pages a reader can open: all the hits', up to the deepest a request may reach."""
        if not self.limit:
            return 1
        return max(1, min(math.ceil(self.total / self.limit), MAX_DEPTH // self.limit))

    @property
    def partial(self) -> bool:
        return bool(self.missing_shards)

    def as_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "page": self.page,
                "limit": self.limit, "hits": [h.as_dict() for h in self.hits],
                "facets": self.facets, "did_you_mean": self.did_you_mean, "notes": self.notes,
                "partial": self.partial, "missing_shards": list(self.missing_shards)}


@dataclass
class Plan:
    """What a shard needs to answer its part of a search."""

    request: SearchRequest
    query: Any  # the parsed Whoosh query
    sort: str  # the sort in effect (a query without words sorts by date)
    stats: CorpusStats  # the whole collection's
    #: the query's words (search.rank.word_terms) when it is plain, else None (Whoosh ranks)
    words: list[tuple[str, ...]] | None = None
    weights: dict[tuple[str, ...], float] = field(default_factory=dict)
    expansion: dict[str, float] = field(default_factory=dict)
    window: int = 0  # candidates wanted
    facets: bool = True
    #: names one search: asked again for a longer window, a shard reuses what it scored
    token: str = ""
    #: the shard identities ``stats`` were read at, when read from the collection's file
    #: (search.collection): a shard not among them answers ``stale``
    identities: frozenset[str] | None = None
    #: the (field, term) pairs ``stats`` holds the frequencies of
    stat_terms: list[tuple[str, str]] = field(default_factory=list)
    #: how many of its best a shard computes the phrase bonus and the concept gain for (0:
    #: ``PROXIMITY_DEPTH`` and ``CONCEPT_DEPTH``, all that can be the collection's); the
    #: coordinator asks for those of the collection's best that fall beyond
    bonus_depths: tuple[int, int] = (0, 0)
    #: how many of its best a shard offers at most (0: all the window asks for): a share of
    #: the window, the coordinator asking a shard for the rest when its share may fall short
    share: int = 0

    def offered(self, wanted: int) -> int:
        """How many of ``wanted`` best a shard offers."""
        return min(wanted, self.share) if self.share else wanted


class Candidate(NamedTuple):
    """One story a shard offers for the top of the ranking (its stored fields are asked for
    only if it makes the page: ``shard_page``)."""

    key: float  # what the ranking sorts by, largest first (the score, or a date)
    order: int  # the story key: equal stories rank in this order
    score: float | None
    proximity: float | None  # the phrase bonus, for the shard's best by score
    gain: float | None  # the concept gain (search.rank.concept_gain), for its best by score
    doc: int = -1  # its document number in the shard's index when it answered
    #: its near-copy sketch (bytes of uint32 hashes, indexer.fingerprint) and publication
    #: ticks (0: undated): near-copies collapse and recent stories rise without a fetch
    sketch: bytes = b""
    ticks: int = 0


@dataclass
class Answer:
    total: int = 0
    months: dict[int, int] = field(default_factory=dict)
    topics: dict[str, int] = field(default_factory=dict)
    candidates: list[Candidate] = field(default_factory=list)
    #: the plan's statistics are not this shard's (its index changed): nothing else is set
    stale: bool = False
