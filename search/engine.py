"""Answering a search: query, filters, ranking, facets, snippets, collapsing, did-you-mean.

:class:`SearchIndex` opens an archive's index once and keeps per-commit caches (the postings
arrays of :mod:`indexer.arrays`, memory-mapped; dates and months per document; masks of recent
date ranges and filter terms), so a long-lived process (the web app, a benchmark) answers in
milliseconds; the caches are dropped when a newer commit appears.

It is also one shard of a search (:mod:`search.gather`): the ``shard_*`` methods answer its
part, and :meth:`SearchIndex.search` gathers them as a sharded archive's coordinator does.

    with SearchIndex("data") as idx:
        results = idx.search("central bank", date_from="2024-05", topic="economy")
"""

from __future__ import annotations

import gc
import os
import time
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.query import Every, Query
from whoosh.query.terms import MultiTerm
from whoosh.searching import Searcher

from archive.layout import index_dir
from archive.reader import ArchiveReader
from indexer.arrays import IndexArrays
from indexer.concepts import FILE as CONCEPTS_FILE
from indexer.concepts import ConceptModel
from indexer.schema import FIELD_ALIASES
from indexer.whoosh_compat import global_weighting

from . import dates as _dates
from . import rank
from .collection import STALE, TermTable, identity
from .errors import QueryError
from .postings import match_mask
from .query import check_cost, expansion_key, with_expansions
from .rank import (
    CONCEPT_DEPTH,
    PROXIMITY_DEPTH,
    concept_gain,
    proximity_bonus,
    score_plain,
    top_positions,
)
from .request import SearchRequest
from .results import Answer, Candidate, Hit, Plan, SearchResults
from .snippets import snippet
from .stats import RANKED_FIELDS, CorpusStats

POSTINGS_KEPT = 1024
#: Ranking: BM25F, title weighted through the schema's field boost; its constants are the fast
#: path's (search.rank), so that both paths score alike
WEIGHTING = scoring.BM25F(B=rank.B, K1=rank.K1)
#: "did you mean" reads at most this many words of the index per query word: those sharing
#: its first two letters (a typo rarely starts a word), so a query of gibberish costs
#: milliseconds, not a scan of the whole vocabulary (Whoosh's terms_within took 20 s for six
#: such words on 200k stories)
SPELL_CANDIDATES = 2000


class _Cache:
    """Per-commit arrays that make ranking, filters and facets cheap (see indexer.arrays)."""

    def __init__(self, searcher, index_path: Path):
        self.arrays = IndexArrays(searcher.reader(), index_path)
        #: what the reader holds (search.collection): a collection's statistics read at
        #: another identity are stale here
        self.identity = identity(searcher.reader())
        self.doc_count = self.arrays.doc_count
        self.ticks, self.months = self.arrays.dates()  # 0 where undated
        self.dated = np.flatnonzero(self.ticks)
        self.order = self.arrays.order()  # story keys: ties rank in this order
        self._by_order: tuple[np.ndarray, np.ndarray] | None = None
        self._topics: tuple[list[str], np.ndarray, np.ndarray] | None = None
        self.masks: OrderedDict = OrderedDict()
        self.postings: OrderedDict = OrderedDict()
        self.vectors: Any = None  # search.related's story vectors, made on first use
        self.concepts = ConceptModel.load(index_path / CONCEPTS_FILE) \
            if (index_path / CONCEPTS_FILE).exists() else None

    def live_by_order(self) -> tuple[np.ndarray, np.ndarray]:
        """(story keys of the live documents, sorted; their document numbers)."""
        if self._by_order is None:
            live = np.flatnonzero(self.arrays.alive)
            keys = self.order[live]
            sort = np.argsort(keys, kind="stable")
            self._by_order = (keys[sort], live[sort])
        return self._by_order

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


def keep_loaded() -> None:
    """Take what is alive now (an opened index, its caches, a server's own objects) out of
    the garbage collector's sight, for a process that searches for as long as it runs:
    its full collections walked them all every few hundred searches (about 30 ms each, a
    search's time again), though they live as long as the process. What searches make
    afterwards is collected as before."""
    gc.freeze()


#: seconds a folder's modification time must be old before it is trusted to tell that no
#: commit landed (file systems whose clock ticks in seconds: FAT's in two)
FRESH_SLACK = 3.0


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
        self._index_path = path
        #: the index folder's (modification time, inode) when the searcher was last found
        #: up to date with that time already old (see ``_fresh``)
        self._fresh_mark: tuple[int, int] | None = None
        self._cache: _Cache | None = None
        #: (plan token, caches, matched, scores, bonuses) of the last plain search scored: the
        #: coordinator asks again, for more of its best, when near-copies fill its page
        self._last_scored: tuple | None = None
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

    def _fresh(self) -> bool:
        """Whether the searcher reads the index's latest commit. Each commit writes a new
        table of contents into the index folder, which changes the folder's modification
        time: while that time is the one seen when the searcher was last found up to date,
        the folder is not listed again (Whoosh's check lists it, ~17 us, and a search looked
        about twenty times). A mark is kept only once its time is ``FRESH_SLACK`` seconds
        old, so a commit within a coarse clock's tick of it is still seen."""
        try:
            info = os.stat(self._index_path)
        except OSError:
            return self._searcher.up_to_date()
        mark = (info.st_mtime_ns, info.st_ino)
        if mark == self._fresh_mark:
            return True
        fresh = self._searcher.up_to_date()
        if fresh and time.time() - info.st_mtime > FRESH_SLACK:
            self._fresh_mark = mark
        return fresh

    @property
    def searcher(self):
        if not self._fresh():
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
    def schema(self):
        """The index's schema, as its current searcher read it (``ix.schema`` reads the
        table of contents again each time)."""
        return self.searcher.schema

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
        from .gather import Gather, LocalShard

        if isinstance(request, str):
            request = SearchRequest(request, **options)
        elif options:
            request = request.but(**options)
        return Gather([LocalShard(self)], self.schema, lambda: self.cache.concepts) \
            .search(request)

    # -- this archive's part of a search (see search.gather) -----------------------------------
    def shard_stats(self, query: Query, terms: list[tuple[str, str]],
                    expand: bool) -> CorpusStats:
        """This archive's statistics for a search: its size and field lengths, the document
        frequencies of ``terms`` and, when ``expand``, of every term ``query`` stands for
        (a wildcard's words). Raises QueryError for a query that would cost too much."""
        searcher = self.searcher
        reader = searcher.reader()
        check_cost(query, reader)
        cache = self.cache
        stats = CorpusStats(n_docs=reader.doc_count_all(),
                            lengths={f: reader.field_length(f) for f in RANKED_FIELDS},
                            newest=int(cache.ticks.max()) if len(cache.dated) else 0)
        for field, term in terms:
            stats.dfs[(field, term)] = cache.arrays.doc_frequency(field, term)
        if expand:
            schema = reader.schema
            for field, text in query.existing_terms(reader, expand=True):
                if schema[field].scorable:
                    term = text.decode("utf-8") if isinstance(text, bytes) else text
                    stats.dfs[(field, term)] = reader.doc_frequency(field, text)
            for leaf in query.leaves():
                if isinstance(leaf, MultiTerm):
                    stats.expansions[expansion_key(leaf)] = [
                        t.decode("utf-8") if isinstance(t, bytes) else t
                        for _, t in leaf.expanded_terms(reader)]
        return stats

    def shard_terms(self) -> tuple[str, CorpusStats, dict[str, TermTable]]:
        """This archive's identity, sizes and the document frequency of every word of the
        ranked fields: its part of a collection's statistics (:mod:`search.collection`)."""
        cache = self.cache
        reader = self.searcher.reader()
        stats = CorpusStats(n_docs=reader.doc_count_all(), live=reader.doc_count(),
                            lengths={f: reader.field_length(f) for f in RANKED_FIELDS},
                            newest=int(cache.ticks.max()) if len(cache.dated) else 0)
        return cache.identity, stats, {name: TermTable.of(cache.arrays.frequencies(name))
                                       for name in RANKED_FIELDS}

    def shard_answer(self, plan: Plan) -> Answer:
        """This archive's part of a search: how many stories match, their facet counts, and
        its best ``plan.window`` stories with what the coordinator needs to rank them. When
        the plan's statistics were read at other identities than this index's (it has
        changed since), the answer is only ``stale``."""
        request = plan.request
        searcher = self.searcher
        if plan.identities is not None and self.cache.identity not in plan.identities:
            return Answer(stale=True)
        start, end = _dates.span(request.date_from, request.date_to)
        allowed = self._filter(start, end, request.topic, request.section, request.source)
        scores = None
        bonuses: dict = {}
        last = self._last_scored  # read once: another thread may replace it
        if plan.words is not None and plan.token and last is not None \
                and last[:2] == (plan.token, self.cache):
            matched, scores, bonuses = last[2], last[3], last[4]  # the same, asking for more
        elif plan.words is not None:
            matched, scores = score_plain(plan.stats, self.cache.arrays, plan.words, allowed,
                                          plan.weights)
            self._last_scored = (plan.token, self.cache, matched, scores, bonuses)
        else:
            plan.query = with_expansions(plan.query, plan.stats.expansions)
            matched = self._matched(searcher, plan.query, allowed)
        answer = Answer(total=len(matched))
        if plan.facets:
            answer.months, answer.topics = self._facet_counts(matched)
        if plan.window > 0 and len(matched):
            if plan.sort != "relevance":
                answer.candidates = self._by_date(plan, matched)
            elif scores is not None:
                answer.candidates = self._by_score(plan, matched, scores, bonuses)
            else:
                answer.candidates = self._by_whoosh(plan, allowed, len(matched))
            answer.candidates = self._with_sketches(answer.candidates)
        return answer

    def _with_sketches(self, candidates: list[Candidate]) -> list[Candidate]:
        cache = self.cache
        docs = [c.doc for c in candidates]
        sketches = cache.arrays.sketches(docs, self.searcher.stored_fields)
        ticks = cache.ticks[docs].tolist()
        return [Candidate(c.key, c.order, c.score, c.proximity, c.gain, c.doc, sk, tick)
                for c, sk, tick in zip(candidates, sketches, ticks)]

    def _by_date(self, plan: Plan, matched: np.ndarray) -> list[Candidate]:
        cache = self.cache
        ticks = cache.ticks[matched].astype(np.float64)
        # undated stories come last either way
        keys = np.where(ticks > 0, ticks if plan.sort == "newest" else -ticks, -np.inf)
        order = cache.order[matched]
        return [Candidate(float(keys[p]), int(order[p]), None, None, None, int(matched[p]))
                for p in top_positions(keys, plan.offered(plan.window), order).tolist()]

    def _by_score(self, plan: Plan, matched: np.ndarray, scores: np.ndarray, bonuses: dict
                  ) -> list[Candidate]:
        """The best by the words' scores, with the phrase bonus of the best
        ``PROXIMITY_DEPTH`` and the concept gain of the best ``CONCEPT_DEPTH``: the stories
        the whole collection's best of each can be."""
        cache = self.cache
        order = cache.order[matched]
        pos = top_positions(scores, plan.offered(max(plan.window, CONCEPT_DEPTH)), order)
        top = matched[pos]
        if "prox" not in bonuses:  # the best do not change when more are asked for
            prox_depth, gain_depth = plan.bonus_depths
            bonuses["prox"] = proximity_bonus(plan.stats, self.searcher.reader(), cache.arrays,
                                              plan.words or [],
                                              top[:prox_depth or PROXIMITY_DEPTH])
            bonuses["gain"] = concept_gain(plan.stats, cache.arrays, plan.expansion,
                                           top[:gain_depth or CONCEPT_DEPTH],
                                           cache.body_postings)
        prox, gain = bonuses["prox"], bonuses["gain"]
        out = []
        for i, p in enumerate(pos.tolist()):
            score = float(scores[p])
            out.append(Candidate(score, int(order[p]), score,
                                 float(prox[i]) if i < len(prox) else None,
                                 float(gain[i]) if i < len(gain) else None, int(matched[p])))
        return out

    def shard_bonuses(self, plan: Plan, prox_docs: list[int], gain_docs: list[int]
                      ) -> tuple[list[float], list[float]]:
        """The phrase bonus of the stories ``prox_docs`` names and the concept gain of those
        ``gain_docs`` names (document numbers from this index's answer to ``plan``): the
        collection's best that fell beyond the depths this shard computed them to."""
        cache = self.cache
        prox = proximity_bonus(plan.stats, self.searcher.reader(), cache.arrays,
                               plan.words or [], np.asarray(prox_docs, dtype=np.int64))
        gain = concept_gain(plan.stats, cache.arrays, plan.expansion,
                            np.asarray(gain_docs, dtype=np.int64), cache.body_postings)
        return prox.tolist(), gain.tolist()

    def _by_whoosh(self, plan: Plan, allowed, total: int) -> list[Candidate]:
        """The best by Whoosh's BM25F with the whole collection's statistics (queries with
        phrases, fields, wildcards...). Stories tied with the last wanted are all fetched, so
        that ties rank by story key as on every other path."""
        weighting = global_weighting(plan.stats, rank.B, rank.K1)
        searcher = Searcher(self.searcher.reader(), weighting=weighting, closereader=False)
        allowed_set = None if allowed is None else set(np.flatnonzero(allowed).tolist())
        order = self.cache.order
        wanted = plan.offered(plan.window)
        limit = wanted
        while True:
            results = searcher.search(plan.query, limit=limit, filter=allowed_set)
            hits = [(r.score or 0.0, r.docnum) for r in results]
            if len(hits) < limit or limit >= total or \
                    hits[-1][0] < hits[wanted - 1][0]:
                break
            limit *= 2
        hits.sort(key=lambda h: (-h[0], int(order[h[1]])))
        return [Candidate(score, int(order[d]), score, None, None, d)
                for score, d in hits[:wanted]]

    def shard_fetch(self, wanted: list[tuple[int, int]]) -> dict[tuple[int, int], dict]:
        """The stored fields of the stories (story key, document number) names, found by the
        key when the index changed since it answered (a story gone meanwhile is left out)."""
        stored = self.searcher.stored_fields
        return {od: stored(doc) for od, doc in self._current(wanted).items()}

    def _current(self, wanted: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
        """(story key, document number) -> the story's document number now: the same, or
        found by the key when the index changed since it answered; a story gone meanwhile is
        left out."""
        cache = self.cache
        out = {}
        for order, asked in wanted:
            doc = asked
            if not (0 <= doc < cache.doc_count and cache.arrays.alive[doc]
                    and cache.order[doc] == order):
                keys, docs = cache.live_by_order()
                i = int(np.searchsorted(keys, order))
                if not order or i >= len(keys) or keys[i] != order:
                    continue
                doc = int(docs[i])
            out[(order, asked)] = doc
        return out

    def shard_page(self, wanted: list[tuple[int, int]], leaders: list[tuple[int, int]],
                   terms: set[str], style: str) -> dict[tuple[int, int], tuple[dict, Any]]:
        """The stored fields and snippets of the ``leaders`` (story key, document number:
        the page's hits) and the URLs of the rest of ``wanted`` (their near-copies, shown by
        their URL) as ``{"id": URL}``; ``shard_fetch`` and ``shard_snippets`` in one call."""
        first = set(leaders)
        stored = self.shard_fetch([od for od in wanted if od in first])
        copies = self._current([od for od in wanted if od not in first])
        urls = self.cache.arrays.urls(list(copies.values()), self.searcher.stored_fields)
        snippets = self.shard_snippets(
            [(s["id"], s.get("lead") or "") for s in stored.values()], terms, style)
        out: dict[tuple[int, int], tuple[dict, Any]] = {
            od: (s, snippets.get(s["id"])) for od, s in stored.items()}
        out.update({od: ({"id": url}, None) for od, url in zip(copies, urls)})
        return out

    def _facet_counts(self, matched: np.ndarray) -> tuple[dict[int, int], dict[str, int]]:
        """(stories per YYYYMM, stories per topic) of the ``matched`` documents."""
        cache = self.cache
        codes, counts = np.unique(cache.months[matched], return_counts=True)
        months = {int(c): int(n) for c, n in zip(codes.tolist(), counts.tolist()) if c}
        names, docs, which = cache.topic_postings()
        topics: dict[str, int] = {}
        if names and len(matched):
            mask = np.zeros(cache.doc_count, dtype=bool)
            mask[matched] = True
            per_topic = np.bincount(which[mask[docs]], minlength=len(names))
            topics = {names[i]: int(n) for i, n in enumerate(per_topic.tolist()) if n}
        return months, topics

    def shard_snippets(self, hits: list[tuple[str, str]], terms: set[str],
                       style: str) -> dict[str, Any]:
        """Snippets of the stories ``hits`` names (canonical URL, lead) that hold ``terms``."""
        texts = self.records.bodies([url for url, _ in hits])
        analyzer = self.schema["body"].analyzer
        return {url: snippet(texts.get(url) or lead or "", terms, analyzer, style)
                for url, lead in hits}

    def shard_lexicon(self, stems: list[str], maxdists: list[int]
                      ) -> list[tuple[int, list[str], dict[str, int]]]:
        """For "did you mean": for each stem, (its documents in title and body, and
        :func:`spelling_neighbours` within its ``maxdist`` edits)."""
        reader = self.searcher.reader()
        return [(reader.doc_frequency("body", stem) + reader.doc_frequency("title", stem),
                 *spelling_neighbours(reader, stem, maxdist))
                for stem, maxdist in zip(stems, maxdists)]

    def shard_related_at(self, identities: frozenset[str], step: str, *args):
        """:meth:`shard_related` for a step that weighs words by a collection's statistics
        read at ``identities`` (:mod:`search.collection`): ``STALE`` when this index is not
        among them (it has changed since)."""
        if self.cache.identity not in identities:
            return STALE
        return self.shard_related(step, *args)

    def shard_related(self, step: str, *args):
        """This archive's part of finding related stories: ``search.related_shard.<step>``."""
        from . import related_shard

        if step not in related_shard.__all__ or step == "QueryError":
            raise ValueError(f"no such step: {step}")
        return getattr(related_shard, step)(self, *args)

    # -- filters and matching --------------------------------------------------------------------
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


def spelling_neighbours(reader, stem: str, maxdist: int) -> tuple[list[str], dict[str, int]]:
    """The first ``SPELL_CANDIDATES`` words of the body sharing ``stem``'s first two letters,
    and those of them within ``maxdist`` edits of it, with their body document frequencies."""
    from itertools import islice

    words = [c.decode("utf-8") if isinstance(c, bytes) else c
             for c in islice(reader.expand_prefix("body", stem[:2]), SPELL_CANDIDATES)]
    near = {c: reader.doc_frequency("body", c) for c in words
            if c != stem and abs(len(c) - len(stem)) <= maxdist
            and within_edits(stem, c, maxdist)} if maxdist else {}
    return words, near


def within_edits(a: str, b: str, maxdist: int) -> bool:
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


def search(archive: str | Path, request: SearchRequest | str, **options) -> SearchResults:
    """One search on an archive (opens and closes the index). See :meth:`SearchIndex.search`."""
    with SearchIndex(archive) as idx:
        return idx.search(request, **options)


__all__ = ["SearchIndex", "SearchResults", "Hit", "search", "FIELD_ALIASES"]
