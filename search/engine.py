"""Answering a search: query, filters, ranking, facets, snippets, collapsing, did-you-mean.

:class:`SearchIndex` opens an archive's index once and keeps per-commit caches (the postings
arrays of :mod:`indexer.arrays`, memory-mapped; dates and months per document; masks of recent
date ranges and filter terms), so a long-lived process (the web app, a benchmark) answers in
milliseconds; the caches are dropped when a newer commit appears.

    with SearchIndex("data") as idx:
        results = idx.search("central bank", date_from="2024-05", topic="economy")
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.query import Every, Query, Term

from archive.layout import index_dir
from archive.reader import ArchiveReader
from indexer.arrays import IndexArrays
from indexer.concepts import FILE as CONCEPTS_FILE
from indexer.concepts import ConceptModel
from indexer.fingerprint import near
from indexer.schema import FIELD_ALIASES

from . import dates as _dates
from . import rank
from .errors import QueryError
from .postings import match_mask
from .query import MAX_QUERY_CHARS, check_cost, is_plain, parse, plain_words
from .rank import (
    CONCEPT_DEPTH,
    PROXIMITY_DEPTH,
    concept_bonus,
    proximity_bonus,
    score_plain,
    top_positions,
    word_terms,
)
from .request import SearchRequest
from .snippets import snippet

POSTINGS_KEPT = 1024
#: "did you mean" respells queries of at most this many words
SPELL_WORDS = 6
#: Ranking: BM25F, title weighted through the schema's field boost; its constants are the fast
#: path's (search.rank), so that both paths score alike
WEIGHTING = scoring.BM25F(B=rank.B, K1=rank.K1)
RECENCY_HALF_LIFE_DAYS = 30.0
RECENCY_WINDOW = 500


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

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.limit)) if self.limit else 1

    def as_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "page": self.page,
                "limit": self.limit, "hits": [h.as_dict() for h in self.hits],
                "facets": self.facets, "did_you_mean": self.did_you_mean, "notes": self.notes}


class _Cache:
    """Per-commit arrays that make ranking, filters and facets cheap (see indexer.arrays)."""

    def __init__(self, searcher, index_path: Path):
        self.arrays = IndexArrays(searcher.reader(), index_path)
        self.doc_count = self.arrays.doc_count
        self.ticks, self.months = self.arrays.dates()  # 0 where undated
        self.dated = np.flatnonzero(self.ticks)
        self._topics: tuple[list[str], np.ndarray, np.ndarray] | None = None
        self.masks: OrderedDict = OrderedDict()
        self.postings: OrderedDict = OrderedDict()
        self.vectors: Any = None  # search.related's story vectors, made on first use
        self.concepts = ConceptModel.load(index_path / CONCEPTS_FILE) \
            if (index_path / CONCEPTS_FILE).exists() else None

    def date_mask(self, start: datetime | None, end: datetime | None) -> np.ndarray:
        key = ("date", start, end)
        if key not in self.masks:
            from whoosh.util.times import datetime_to_long

            mask = self.ticks > 0
            if start:
                mask &= self.ticks >= datetime_to_long(start)
            if end:
                mask &= self.ticks <= datetime_to_long(end)
            self._keep(key, mask)
        self.masks.move_to_end(key)
        return self.masks[key]

    def term_mask(self, field: str, text: str) -> np.ndarray:
        key = ("term", field, text)
        if key not in self.masks:
            self._keep(key, self.arrays.mask(field, text))
        self.masks.move_to_end(key)
        return self.masks[key]

    def _keep(self, key, value: np.ndarray) -> None:
        self.masks[key] = value
        while len(self.masks) > 64:
            self.masks.popitem(last=False)

    def body_postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """``arrays.postings("body", term)``, the last ``POSTINGS_KEPT`` terms kept: the words
        that widen queries on one subject recur ("crude", "barrel" for every query on oil),
        and joining a word's postings from every segment costs ~0.5 ms."""
        got = self.postings.get(term)
        if got is None:
            got = self.postings[term] = self.arrays.postings("body", term)
            while len(self.postings) > POSTINGS_KEPT:
                self.postings.popitem(last=False)
        self.postings.move_to_end(term)
        return got

    def topic_postings(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(topic names, document of each topic posting, topic of each posting)."""
        if self._topics is None:
            names = sorted(self.arrays.terms("topics"))
            docs, which = [], []
            for i, name in enumerate(names):
                ids = self.arrays.postings("topics", name)[0]
                docs.append(ids)
                which.append(np.full(len(ids), i, dtype=np.int32))
            self._topics = (names, np.concatenate(docs) if docs else np.zeros(0, np.int64),
                            np.concatenate(which) if which else np.zeros(0, np.int32))
        return self._topics


class SearchIndex:
    """An archive's index, opened for searching. Reopens itself when a newer commit lands."""

    def __init__(self, archive: str | Path):
        self.archive = Path(archive)
        path = index_dir(self.archive)
        if not whoosh_index.exists_in(str(path)):
            raise QueryError(f"there is no index in {path}: crawl or import some articles, "
                             f"then run `newsarchive index`")
        self.ix = whoosh_index.open_dir(str(path))
        self._searcher = self.ix.searcher(weighting=WEIGHTING)
        self._cache: _Cache | None = None
        #: the store of record, read-only (bodies for snippets and related stories, numbers)
        self.records = ArchiveReader(self.archive)

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        self._searcher.close()
        self.records.close()

    def __enter__(self) -> "SearchIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def searcher(self):
        if not self._searcher.up_to_date():
            old = self._searcher
            try:
                self._searcher = old.refresh()
            except TypeError:
                # whoosh3 cannot refresh a searcher of an empty index (it never counts as up
                # to date, and its reader has no segments to reuse): open a new one
                old.close()
                self._searcher = self.ix.searcher(weighting=WEIGHTING)
            self._cache = None
        return self._searcher

    @property
    def cache(self) -> _Cache:
        s = self.searcher
        if self._cache is None:
            self._cache = _Cache(s, index_dir(self.archive))
        return self._cache

    def article(self, key: str | int) -> dict | None:
        """One story from the store of record by its number or canonical URL: every field,
        with its number as ``id`` and the date's provenance. None when there is no such story."""
        return self.records.article(key)

    def ids(self, urls: list[str]) -> dict[str, int]:
        """Store numbers of stories by canonical URL (for links to article pages)."""
        return self.records.ids(urls)

    # -- search ----------------------------------------------------------------------------------
    def search(self, request: SearchRequest | str, **options) -> SearchResults:
        """Run a search: a :class:`SearchRequest`, or query text and the request's fields as
        keywords. Raises QueryError (with a message for the user) for bad input."""
        if isinstance(request, str):
            request = SearchRequest(request, **options)
        elif options:
            request = request.but(**options)
        text, sort, page, limit = request.text, request.sort, request.page, request.limit
        notes: list[str] = []
        searcher = self.searcher
        q = parse(text, self.ix.schema, notes)
        check_cost(q, searcher.reader())
        if isinstance(q, Every) and sort == "relevance":
            sort = "newest"  # no words to rank by: a reader browsing wants the latest first
        start, end = _dates.span(request.date_from, request.date_to)
        allowed = self._filter(start, end, request.topic, request.section, request.source)
        scored = None
        if is_plain(text) and text.strip():
            words = word_terms(plain_words(text[:MAX_QUERY_CHARS]),
                               self.ix.schema["body"].analyzer)
            model = self.cache.concepts
            weights = model.coherence(words) if model is not None and sort == "relevance" else {}
            scored = score_plain(searcher, self.cache.arrays, words, allowed, weights)
        if scored is not None:  # the fast path: one pass scores and matches
            matched, scores = scored
            total = len(matched)
            if sort == "relevance":
                proximity_bonus(searcher, self.cache.arrays, words, matched, scores,
                                PROXIMITY_DEPTH)
                concept_bonus(searcher, self.cache.arrays, model, words, matched, scores,
                              CONCEPT_DEPTH, self.cache.body_postings, weights)
            top = self._top_scored(matched, scores, sort)
        else:
            matched = self._matched(searcher, q, allowed)
            total = len(matched)
            top = None
        hits = self._ranked(searcher, q, allowed, sort, page, limit, request.recency,
                            request.collapse, total, top)
        if hits:
            self._add_snippets(searcher, q, hits, request.snippet_style)
        facet_counts = self._facets(matched) if request.facets else {}
        results = SearchResults(query=text, total=total, hits=hits, page=page, limit=limit,
                                facets=facet_counts, notes=notes)
        if request.suggest and total < 5 and text.strip():
            results.did_you_mean = self._did_you_mean(searcher, text, allowed, total)
        return results

    def _filter(self, start, end, topic, section, source) -> np.ndarray | None:
        """A boolean mask of the stories the filters allow (None: no filter)."""
        masks: list[np.ndarray] = []
        cache = self.cache
        if start or end:
            masks.append(cache.date_mask(start, end))
        for name, value in (("topics", topic), ("section", section), ("source", source)):
            if value:
                masks.append(cache.term_mask(name, value.strip().lower()))
        if not masks:
            return None
        out = masks[0].copy()
        for m in masks[1:]:
            out &= m
        return out

    def _matched(self, searcher, q: Query, allowed: np.ndarray | None) -> np.ndarray:
        """The document numbers matching ``q`` and ``allowed``, in order."""
        arrays = self.cache.arrays
        if isinstance(q, Every):
            mask = arrays.alive.copy()
        else:
            found = match_mask(arrays, q)
            if found is None:
                found = np.zeros(arrays.doc_count, dtype=bool)
                found[np.fromiter(searcher.docs_for_query(q), dtype=np.int64)] = True
            mask = found
        return arrays.live(mask, allowed)

    def _top_scored(self, docs: np.ndarray, scores: np.ndarray, sort: str):
        """A function giving the first ``n`` (docnum, score) of a fast-path result."""
        if sort == "relevance":
            keys = scores
        else:
            ticks = self.cache.ticks[docs].astype(np.float64)
            # undated stories come last either way
            keys = np.where(ticks > 0, ticks if sort == "newest" else -ticks, -np.inf)

        def first(n: int):
            pos = top_positions(keys, n)
            return [(int(d), float(sc)) for d, sc in zip(docs[pos], scores[pos])]
        return first

    def _ranked(self, searcher, q, allowed, sort, page, limit, recency, collapse, total,
                top=None) -> list[Hit]:
        if total == 0:
            return []
        want = page * limit
        window = min(total, want * 2 + 20)
        if recency > 0 and sort == "relevance":
            # re-ranking by date reaches into the text ranking's top RECENCY_WINDOW
            window = min(total, max(window, RECENCY_WINDOW))
        allowed_set = None if allowed is None or top is not None else \
            set(np.flatnonzero(allowed).tolist())  # what Whoosh's filter= takes
        while True:
            kwargs = {"limit": window, "filter": allowed_set}
            if sort != "relevance":
                kwargs.update(sortedby="published", reverse=(sort == "newest"))
            if top is not None:
                stored = searcher.stored_fields
                hits = [(d, sc, stored(d)) for d, sc in top(window)]
            else:
                results = searcher.search(q, **kwargs)
                hits = [(r.docnum, r.score or 0.0, r.fields()) for r in results]
            if sort == "relevance" and recency > 0:
                hits = self._boost_recent(hits, recency)
            groups = _collapse(hits) if collapse else [[h] for h in hits]
            if len(groups) >= want or window >= total:
                break
            window = min(total, window * 2)
        out = []
        for group in groups[(page - 1) * limit: want]:
            _, score, stored = group[0]
            published = stored.get("published")
            out.append(Hit(
                url=stored["id"], title=stored.get("title") or "",
                published=published.isoformat() if published else None,
                source=stored.get("source"),
                topics=[t for t in (stored.get("topics") or "").split(",") if t],
                section=stored.get("section"), author=stored.get("author"),
                score=round(float(score), 4) if sort == "relevance" else None, copies=len(group),
                copy_urls=[g[2]["id"] for g in group[1:]]))
            out[-1]._lead = stored.get("lead") or ""  # type: ignore[attr-defined]
        return out

    def _boost_recent(self, hits, weight: float):
        cache = self.cache
        if not len(cache.dated):
            return hits
        from whoosh.util.times import long_to_datetime

        newest = long_to_datetime(int(cache.ticks.max()))
        out = []
        for docnum, score, stored in hits:
            published = stored.get("published")
            factor = 1.0
            if published:
                age = max(0.0, (newest - published).total_seconds() / 86400)
                factor += weight * math.pow(0.5, age / RECENCY_HALF_LIFE_DAYS)
            out.append((docnum, score * factor, stored))
        out.sort(key=lambda h: -h[1])
        return out

    def _add_snippets(self, searcher, q, hits: list[Hit], style: str) -> None:
        terms = {text for field, text in q.iter_all_terms() if field in ("body", "title")}
        terms = {t.decode() if isinstance(t, bytes) else t for t in terms}
        texts = self.records.bodies([h.url for h in hits])
        analyzer = self.ix.schema["body"].analyzer
        for h in hits:
            body = texts.get(h.url) or getattr(h, "_lead", "") or ""
            h.snippet = snippet(body, terms, analyzer, style)

    def _facets(self, matched: np.ndarray) -> dict[str, dict[str, int]]:
        cache = self.cache
        codes, counts = np.unique(cache.months[matched], return_counts=True)
        months = {f"{c // 100:04d}-{c % 100:02d}": int(n)
                  for c, n in zip(codes.tolist(), counts.tolist()) if c}
        names, docs, which = cache.topic_postings()
        topics: dict[str, int] = {}
        if names and len(matched):
            mask = np.zeros(cache.doc_count, dtype=bool)
            mask[matched] = True
            per_topic = np.bincount(which[mask[docs]], minlength=len(names))
            best = top_positions(per_topic, 20)
            topics = {names[i]: int(per_topic[i]) for i in best.tolist() if per_topic[i]}
        return {"topics": topics, "months": dict(sorted(months.items(), reverse=True))}

    def _did_you_mean(self, searcher, text: str, allowed, total: int) -> str | None:
        """A respelling of the query's words that finds clearly more stories, or None."""
        words = plain_words(text) if is_plain(text) else []
        if not words or len(words) > SPELL_WORDS:
            return None  # a long question is not a typo; respelling 64 words is a long scan
        reader = searcher.reader()
        analyzer = self.ix.schema["body"].analyzer
        changed = False
        fixed = []
        for word in words:
            tokens = [t.text for t in analyzer(word)]
            if len(tokens) != 1:
                fixed.append(word)
                continue
            stem = tokens[0]
            df = reader.doc_frequency("body", stem) + reader.doc_frequency("title", stem)
            best, best_df = None, max(2, df * 3)
            if len(word) >= 4:
                for cand in _spelling_neighbours(reader, stem, 2 if len(word) > 5 else 1):
                    cdf = reader.doc_frequency("body", cand)
                    if cdf > best_df:
                        best, best_df = cand, cdf
            if best:
                fixed.append(self._surface(searcher, best, analyzer) or best)
                changed = True
            else:
                fixed.append(word)
        if not changed:
            return None
        suggestion = " ".join(fixed)
        try:
            q = parse(suggestion, self.ix.schema)
        except QueryError:
            return None
        count = len(self._matched(searcher, q, allowed))
        return suggestion if count > max(total * 2, total + 2) else None

    def _surface(self, searcher, stem: str, analyzer) -> str | None:
        """A real word (from a story's title or lead) that analyses to ``stem``."""
        import re

        for name in ("title", "body"):
            results = searcher.search(Term(name, stem), limit=3)
            for r in results:
                stored = r.fields()
                for w in re.findall(r"\w+", f"{stored.get('title', '')} {stored.get('lead', '')}"):
                    if [t.text for t in analyzer(w)] == [stem]:
                        return w.lower()
        return None


#: "did you mean" reads at most this many words of the index per query word: those sharing
#: its first two letters (a typo rarely starts a word), so a query of gibberish costs
#: milliseconds, not a scan of the whole vocabulary (Whoosh's terms_within took 20 s for six
#: such words on 200k stories)
SPELL_CANDIDATES = 2000


def _spelling_neighbours(reader, stem: str, maxdist: int):
    """Words of the index within ``maxdist`` edits of ``stem`` that share its first two
    letters, from at most ``SPELL_CANDIDATES`` of them."""
    from itertools import islice

    for cand in islice(reader.expand_prefix("body", stem[:2]), SPELL_CANDIDATES):
        cand = cand.decode("utf-8") if isinstance(cand, bytes) else cand
        if cand != stem and abs(len(cand) - len(stem)) <= maxdist \
                and _within_edits(stem, cand, maxdist):
            yield cand


def _within_edits(a: str, b: str, maxdist: int) -> bool:
    """Levenshtein distance of ``a`` and ``b`` is at most ``maxdist`` (stops early)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > maxdist:
            return False
        previous = current
    return previous[-1] <= maxdist


def _collapse(hits):
    """Group near-identical stories (MinHash sketches that agree); keeps rank order.

    Two sketches can only be near if they share a hash, so each story is compared with the
    groups that share one (in group order) instead of with every group.
    """
    groups: list[list] = []
    keys: list[str | None] = []
    by_hash: dict[str, list[int]] = {}
    for h in hits:
        sk = h[2].get("sketch")
        hashes = sk.split() if sk else []
        candidates = sorted({g for x in hashes for g in by_hash.get(x, ())})
        for i in candidates:
            if near(sk, keys[i]):
                groups[i].append(h)
                break
        else:
            for x in hashes:
                by_hash.setdefault(x, []).append(len(groups))
            groups.append([h])
            keys.append(sk)
    return groups


def search(archive: str | Path, request: SearchRequest | str, **options) -> SearchResults:
    """One search on an archive (opens and closes the index). See :meth:`SearchIndex.search`."""
    with SearchIndex(archive) as idx:
        return idx.search(request, **options)


__all__ = ["SearchIndex", "SearchResults", "Hit", "search", "FIELD_ALIASES"]
