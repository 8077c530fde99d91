"""One archive's part of finding related stories (see :mod:`search.related`): resolving the
source story, counting words, picking candidates from its postings. Plain data in and out, so
the archive can be a shard answering from another process or machine."""

from __future__ import annotations

from collections import Counter, OrderedDict
from datetime import datetime
from typing import NamedTuple, Sequence

import numpy as np

from crawler.charset import decode
from crawler.discover import page_links
from crawler.urls import canonicalize
from indexer.analysis import news_analyzer

from .errors import QueryError
from .rank import top_positions

MAX_CANDIDATE = 3_000  # characters of each candidate read: a story says what it is about early
STORY_CACHE = 4096  # candidates' word counts kept per index commit
_ANALYZER = news_analyzer()


class Filter(NamedTuple):
    """Which stories may be suggested: a date span, a topic, any of the source's topics."""

    start: datetime | None = None
    end: datetime | None = None
    topic: str | None = None
    any_topics: tuple[str, ...] = ()


class Offer(NamedTuple):
    """A candidate a shard offers: its score, story key, stored fields and word counts."""

    score: float
    order: int
    stored: dict
    counts: dict[str, int]


def source(idx, key: str) -> dict | None:
    """The archived story ``key`` (its URL, or its number in this archive's store): stored
    fields, body and the links on its page; None when this archive does not hold it."""
    key = key.strip()
    if key.isdigit():
        found = idx.records.canonical_url(int(key))
        if found is None:
            return None
        key = found
    searcher = idx.searcher
    docnum = searcher.document_number(id=key)
    if docnum is None:
        try:
            key = canonicalize(key)
        except Exception:  # noqa: BLE001 - not a URL: not here
            return None
        docnum = searcher.document_number(id=key)
    if docnum is None:
        return None
    stored = searcher.stored_fields(docnum)
    body = idx.records.bodies([key]).get(key) or stored.get("lead", "")
    return {"url": key, "stored": stored, "body": body, "links": sorted(_page_links(idx, key))}


def _page_links(idx, url: str) -> set[str]:
    """Links on the archived page of ``url`` (from its WARC capture), canonicalised as the
    crawler reads them."""
    row = idx.records.row(url, "warc_file, warc_offset, url")
    if not row or not row[0] or row[1] is None:
        return set()
    try:
        _, headers, payload = idx.records.capture(row[0], row[1])
    except (OSError, ValueError):  # a missing or damaged capture only loses this check
        return set()
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    return set(page_links(decode(payload, ctype)[0], row[2]))


def frequencies(idx, terms: list[str]) -> tuple[int, int, dict[str, int]]:
    """(live stories, stories with deleted ones, body document frequency of each term)."""
    arrays = idx.cache.arrays
    return (idx.searcher.reader().doc_count(), arrays.doc_count,
            {t: arrays.doc_frequency("body", t) for t in terms})


def _allowed(idx, where: Filter) -> np.ndarray | None:
    allowed = idx._filter(where.start, where.end, where.topic, None, None)
    if where.any_topics:
        cache = idx.cache
        shared = np.zeros(cache.doc_count, dtype=bool)
        for t in where.any_topics:
            shared |= cache.term_mask("topics", t.lower())
        allowed = shared if allowed is None else allowed & shared
    return allowed


def _accumulate(idx, where: Filter, chosen: list[tuple[str, float]]):
    """(documents, scores): saturated term frequency × query weight over the chosen terms'
    body postings, for the live stories the filter allows."""
    arrays = idx.cache.arrays
    acc = np.zeros(arrays.doc_count, dtype=np.float64)
    for term, weight in chosen:
        ids, freq = arrays.postings("body", term)
        freq = freq.astype(np.float64)
        acc[ids] += weight * freq / (freq + 1.2)
    docs = arrays.live(acc > 0, _allowed(idx, where))
    return docs, acc[docs]


class Ranked(NamedTuple):
    """A shard's best candidates, before their stored fields are read (:func:`ranked`)."""

    best: float  # the best score here without the topic bonus (0.0: none)
    #: (score without the bonus, story key, document number, how many of the tags it holds)
    rows: list[tuple[float, int, int, int]]
    sketches: list[str]  # of the stories the source links to that are here


def ranked(idx, where: Filter, chosen: list[tuple[str, float]], tags: list[str], limit: int,
           links: Sequence[str] = ()) -> Ranked:
    """The ``limit`` best candidates here among those holding each number of ``tags``: the
    topic bonus (a share of the best score of all shards, unknown yet) is the same for
    stories holding as many tags, so the collection's ``limit`` best are among these."""
    docs, scores = _accumulate(idx, where, chosen)
    found = sketches(idx, list(links))
    if not len(docs):
        return Ranked(0.0, [], found)
    cache = idx.cache
    held = np.zeros(len(docs), dtype=np.int64)
    for tag in tags:
        held += cache.term_mask("topics", tag)[docs]
    order = cache.order[docs]
    rows = []
    for k in np.unique(held).tolist():
        among = np.flatnonzero(held == k)
        for i in among[top_positions(scores[among], limit, order[among])].tolist():
            rows.append((float(scores[i]), int(order[i]), int(docs[i]), k))
    return Ranked(float(scores.max()), rows, found)


def offers(idx, wanted: list[tuple[float, int, int]]) -> list[Offer]:
    """The candidates ``wanted`` names (score, story key, document number) with their stored
    fields and word counts; a story gone since it was ranked is left out."""
    stored = idx.shard_fetch([(order, doc) for _, order, doc in wanted])
    found = [(score, order, stored[(order, doc)]) for score, order, doc in wanted
             if (order, doc) in stored]
    counts = _counts(idx, [f for _, _, f in found])
    return [Offer(score, order, f, counts[f["id"]]) for score, order, f in found]


def _counts(idx, found: list[dict]) -> dict[str, dict[str, int]]:
    """Word counts of the stories' title and first ``MAX_CANDIDATE`` characters, kept per
    index commit (a story is a candidate for many sources)."""
    cache = idx.cache
    if cache.vectors is None:
        cache.vectors = OrderedDict()
    kept: OrderedDict = cache.vectors
    missing = [f["id"] for f in found if f["id"] not in kept]
    texts = idx.records.bodies(missing) if missing else {}
    out = {}
    for f in found:
        url = f["id"]
        got = kept.get(url)
        if got is None:
            body = f"{f.get('title', '')}\n{texts.get(url) or f.get('lead', '')}"
            got = kept[url] = dict(Counter(_ANALYZER.terms(body[:MAX_CANDIDATE])))
            if len(kept) > STORY_CACHE:
                kept.popitem(last=False)
        else:
            kept.move_to_end(url)
        out[url] = got
    return out


def sketches(idx, urls: list[str]) -> list[str]:
    """The MinHash sketches of those ``urls`` this archive holds."""
    out = []
    searcher = idx.searcher
    for url in urls:
        docnum = searcher.document_number(id=url)
        if docnum is not None:
            sketch = searcher.stored_fields(docnum).get("sketch")
            if sketch:
                out.append(sketch)
    return out


__all__ = ["Filter", "Offer", "Ranked", "source", "frequencies", "ranked", "offers", "sketches",
           "QueryError"]
