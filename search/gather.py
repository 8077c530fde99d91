"""The coordinator of a search: scatter a request to the archives holding the stories, gather
their answers, rank them as one.

One archive is one shard; a sharded archive (:mod:`cluster`) has several, each answering in its
own process, perhaps on another machine. Either way a search takes the same three steps, so
one archive and the same stories split into shards give the same answer:

1. **statistics**: every shard counts its documents, field lengths and the document
   frequencies of the query's words; summed they are the collection's
   (:class:`~search.stats.CorpusStats`). A sharded archive keeps those sums for every word
   (:mod:`search.collection`): a plain query reads them there, and a shard whose index has
   changed since answers the next step ``stale``, which sends the search back to this one;
2. **answers**: every shard scores its stories with those statistics and returns how many
   match, its facet counts and its best stories (:class:`~search.results.Answer`); for plain
   queries also the phrase bonus and the concept gain of a share of its best (all of the
   collection's best ``PROXIMITY_DEPTH`` and ``CONCEPT_DEPTH`` could be its, but rarely are:
   those beyond are asked for in one more round, :func:`_bonus_depths`);
3. **ranking**: the coordinator merges them, adds the bonuses to the collection's best,
   re-ranks by date when asked, collapses near-copies (wherever they live; every candidate
   comes with its sketch and date), asks for more of the best while near-copies leave the
   page short, then asks the shards of the page's stories for their stored fields and
   snippets (one call), and suggests a respelling from every shard's words.

Equal stories rank by their story key (:mod:`archive.keys`), which does not depend on how the
archive is split. A shard that fails or does not answer in time is left out and named in
:attr:`SearchResults.missing_shards`; bad input (a :class:`QueryError`) fails the search.
"""

from __future__ import annotations

import bisect
import math
import re
import time
import uuid
from dataclasses import replace
from typing import Any, Callable, Protocol

import numpy as np
from whoosh.query import Every, Term

from indexer.fingerprint import NEAR_JACCARD, K, near_hashes

from . import dates as _dates
from .errors import QueryError
from .query import (
    DEFAULT_FIELDS,
    MAX_QUERY_CHARS,
    check_expansions,
    is_plain,
    parse,
    plain_words,
)
from .rank import CONCEPT_DEPTH, PROXIMITY_DEPTH, apply_concepts, flat_terms, word_terms
from .request import SearchRequest
from .results import Answer, Candidate, Hit, Plan, SearchResults
from .stats import CorpusStats

#: "did you mean" respells queries of at most this many words
SPELL_WORDS = 6
RECENCY_HALF_LIFE_DAYS = 30.0
RECENCY_WINDOW = 500
SPELL_CANDIDATES = 2000


class Pending(Protocol):
    def result(self, timeout: float | None = None): ...


class Shard(Protocol):
    """One archive answering its part of searches: :class:`LocalShard` in this process,
    ``cluster.search.RemoteShard`` on a Dask worker."""

    name: str

    def call(self, method: str, *args) -> Pending: ...


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self, timeout: float | None = None):
        return self.value


class LocalShard:
    """An open :class:`~search.engine.SearchIndex` of this process as a shard (its errors
    are raised, never treated as a missing shard)."""

    local = True

    def __init__(self, index, name: str = "archive"):
        self.index = index
        self.name = name

    def call(self, method: str, *args) -> Pending:
        return _Done(getattr(self.index, method)(*args))


class Gather:
    """Searches over ``shards`` (see the module's docstring). ``model()`` gives the concepts
    model of the whole collection (or None); ``timeout`` bounds each step's wait for a
    shard."""

    def __init__(self, shards: list, schema, model: Callable, timeout: float | None = None,
                 collection: Callable | None = None):
        self.shards = shards
        self.schema = schema
        self.model = model
        self.timeout = timeout
        #: gives the collection's statistics kept beside the shards, or None
        #: (search.collection): a plain query then needs no statistics round
        self.collection = collection
        self.missing: list[str] = []

    # -- talking to the shards -------------------------------------------------------------------
    def scatter(self, method: str, args_of: Callable[[int], tuple] | tuple,
                 which: list[int] | None = None) -> dict[int, Any]:
        """Call ``method`` on the shards (``which``, default all) with ``args_of(i)`` (or the
        same args); shard number -> what it returned, leaving out those that failed or did
        not answer within ``timeout`` of the call (one wait for all of them)."""
        which = list(range(len(self.shards))) if which is None else which
        pending = self.send(method, {
            i: args_of(i) if callable(args_of) else args_of
            for i in which if self.shards[i].name not in self.missing})
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        out: dict[int, Any] = {}
        for i, p in pending.items():
            try:
                # an answer already in is taken at once (a wait of 0 would time out first)
                left = None if deadline is None else max(0.01, deadline - time.monotonic())
                out[i] = p.result(timeout=left)
            except QueryError:
                raise
            except Exception:  # noqa: BLE001 - a shard down, killed or too slow: say which
                if getattr(self.shards[i], "local", False):
                    raise
                self.missing.append(self.shards[i].name)
        return out

    def send(self, method: str, calls: dict[int, tuple]) -> dict[int, Pending]:
        """Start ``method`` on each shard of ``calls`` with its args (shard number -> args);
        what to wait on for each."""
        return {i: self.shards[i].call(method, *args) for i, args in calls.items()}

    def locate(self, number: int) -> tuple[list[int] | None, int]:
        """(the shards that may hold a story's number, its number there): here, all of them
        (a sharded archive's coordinator knows better)."""
        return None, number

    def likely(self, url: str) -> list[int] | None:
        """The shards that should hold the story of ``url`` by their sharding rule (asked
        first), or None: all of them."""
        return None

    # -- the search ------------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResults:
        self.missing = []
        self._bonuses: dict[tuple[int, int, int], float] = {}
        text, sort, page, limit = request.text, request.sort, request.page, request.limit
        notes: list[str] = []
        q = parse(text, self.schema, notes)
        if isinstance(q, Every) and sort == "relevance":
            sort = "newest"  # no words to rank by: a reader browsing wants the latest first
        _dates.span(request.date_from, request.date_to)  # bad dates fail here, once
        plan = self._plan(request, q, sort)
        plan.token = uuid.uuid4().hex
        plan.bonus_depths = _bonus_depths(len(self.shards))
        want = page * limit
        window = want * 2 + 20
        if request.recency > 0 and sort == "relevance":
            # re-ranking by date reaches into the text ranking's top RECENCY_WINDOW
            window = max(window, RECENCY_WINDOW)
        if plan.words is not None and sort == "relevance":
            # shards rank by the words at least their best CONCEPT_DEPTH (the concept bonus
            # re-ranks those): group them all, near-copies often fill the first 2 x want
            window = max(window, CONCEPT_DEPTH)
        # when near-copies are grouped, the shards send twice a short window: when it makes
        # too few groups, the next window is at least twice as long, and that round (a call
        # to every shard) is saved
        plan.window = window * 2 if request.collapse and window <= CONCEPT_DEPTH else window
        plan.share = _share(plan.window, len(self.shards), plan.bonus_depths)
        answers = self._answers(plan)
        total = sum(a.total for a in answers.values())
        facets = _facets(answers.values()) if request.facets else {}
        plan.facets = False
        bonused = sort == "relevance" and plan.words is not None
        while True:
            # the collection's best that the ranking reads are all in (the bonuses re-rank
            # its best CONCEPT_DEPTH): a shard whose share may hold more of them is asked
            answers = self._whole(plan, answers, max(window, CONCEPT_DEPTH) if bonused
                                  else window)
            ranked = self._rank(plan, answers)[:min(total, window)]
            if request.recency > 0 and sort == "relevance":
                ranked = _boost_recent(ranked, request.recency, plan.stats.newest)
            groups = _collapse(ranked) if request.collapse else [[h] for h in ranked]
            if len(groups) >= want or window >= total:
                break
            window = _next_window(window, len(groups), want, total)
            if window > plan.window:  # more than the shards sent
                plan.window = window
                plan.share = _share(window, len(self.shards), plan.bonus_depths)
                answers = self._answers(plan)
        hits = self._page(q, groups[(page - 1) * limit: want], sort, request.snippet_style)
        results = SearchResults(query=text, total=total, hits=hits, page=page, limit=limit,
                                facets=facets, notes=notes)
        if request.suggest and total < 5 and text.strip():
            results.did_you_mean = self._did_you_mean(request, text, total)
        results.missing_shards = sorted(set(self.missing))
        return results

    def _plan(self, request: SearchRequest, q, sort: str) -> Plan:
        """The request with the query's words, their weights and the words that go with
        them, and the collection's statistics for all of those."""
        words = None
        weights: dict[tuple[str, ...], float] = {}
        expansion: dict[str, float] = {}
        if is_plain(request.text) and request.text.strip():
            words = word_terms(plain_words(request.text[:MAX_QUERY_CHARS]),
                               self.schema["body"].analyzer)
            model = self.model() if sort == "relevance" else None
            if model is not None:
                weights = model.coherence(words)
                term_weights = {t: w for word, w in weights.items() for t in word}
                expansion = model.expand(flat_terms(words), weights=term_weights)
        terms = [(f, t) for word in words or [] for t in word for f in DEFAULT_FIELDS]
        terms += [("body", t) for t in expansion]
        plan = Plan(request=request, query=q, sort=sort, stats=CorpusStats(), words=words,
                    weights=weights, expansion=expansion, stat_terms=terms)
        collection = self.collection() if self.collection and words is not None else None
        if collection is not None and len(collection.identities) == len(self.shards):
            plan.stats = collection.stats_for(terms)
            plan.identities = frozenset(collection.identities)
        else:
            plan.stats = self._shard_stats(q, terms, words is None)
        return plan

    def _shard_stats(self, q, terms: list[tuple[str, str]], expand: bool) -> CorpusStats:
        """The collection's statistics for a query, asked of every shard (QueryError when
        a wildcard stands for too many of the collection's words)."""
        stats = CorpusStats.merge(self.scatter("shard_stats", (q, terms, expand)).values())
        check_expansions(q, stats.expansions)
        return stats

    def _answers(self, plan: Plan) -> dict[int, Answer]:
        """Every shard's answer to ``plan``; when a shard's index has changed since the
        collection's statistics were read, the shards are asked for them and then again."""
        answers = self.scatter("shard_answer", (plan,))
        if plan.identities is not None and any(a.stale for a in answers.values()):
            self.stale()
            plan.stats = self._shard_stats(plan.query, plan.stat_terms, plan.words is None)
            plan.identities = None
            plan.token = uuid.uuid4().hex  # the shards scored with the others: not to reuse
            answers = self.scatter("shard_answer", (plan,))
        return answers

    def _whole(self, plan: Plan, answers: dict[int, Answer], depth: int) -> dict[int, Answer]:
        """``answers`` with every shard's part of the collection's best ``depth``: a shard
        that offered only its share, and whose last offer ranks among them, may hold more
        of them (its stories beyond rank after its last), and is asked for all the window
        wants (what it scored for this search is kept: the round costs little)."""
        short = _short_shards(answers, depth)
        if not short:
            return answers
        whole = replace(plan, share=0)
        more = self.scatter("shard_answer", (whole,), short)
        if any(a.stale for a in more.values()):  # changed meanwhile: all again, as one
            return self._answers(whole)
        return {**answers, **more}

    def stale(self) -> None:
        """The collection's statistics no longer match the shards (a sharded archive's
        coordinator stops using them until they are read again)."""

    def _rank(self, plan: Plan, answers: dict[int, Answer]) -> list[tuple]:
        """Every shard's candidates as one ranking of (shard, key, order, score, document
        number in the shard, the candidate):
        for a plain query by relevance, the phrase bonus added to the collection's best
        ``PROXIMITY_DEPTH``, then the concept bonus to its best ``CONCEPT_DEPTH``."""
        cands = [(i, c) for i, a in answers.items() for c in a.candidates]
        rows: list[list[Any]] = [[i, c.key, c.order, c.score, c] for i, c in cands]

        def by_key(row):
            return (-row[1], row[2])

        rows.sort(key=by_key)
        if plan.sort == "relevance" and plan.words is not None and rows:
            self._complete_bonuses(plan, rows)
            for row in rows[:PROXIMITY_DEPTH]:
                row[1] = row[3] = row[3] + (row[4].proximity or 0.0)
            rows.sort(key=by_key)
            best = rows[:CONCEPT_DEPTH]
            scores = apply_concepts(np.array([r[3] for r in best], dtype=np.float64),
                                    np.array([r[4].gain or 0.0 for r in best], dtype=np.float64))
            for row, score in zip(best, scores.tolist()):
                row[1] = row[3] = score
            rows.sort(key=by_key)
        return [(r[0], r[1], r[2], r[3], r[4].doc, r[4]) for r in rows]

    def _complete_bonuses(self, plan: Plan, rows: list[list[Any]]) -> None:
        """The phrase bonus of each of the collection's best ``PROXIMITY_DEPTH`` and the
        concept gain of each of its best ``CONCEPT_DEPTH`` (``rows`` ranked by the words),
        asked in one round of the shards holding those beyond the depths they computed
        (``plan.bonus_depths``); kept for the rest of the search."""
        known = self._bonuses
        asked: dict[int, tuple[list[int], list[int]]] = {}
        for depth, field, n in ((PROXIMITY_DEPTH, "proximity", 0), (CONCEPT_DEPTH, "gain", 1)):
            for row in rows[:depth]:
                shard, cand = row[0], row[4]
                if getattr(cand, field) is None and (shard, cand.doc, n) not in known:
                    asked.setdefault(shard, ([], []))[n].append(cand.doc)
        if asked:
            got = self.scatter("shard_bonuses", lambda i: (plan, *asked[i]), sorted(asked))
            for shard, values in got.items():
                for n in (0, 1):
                    known.update({(shard, doc, n): v
                                  for doc, v in zip(asked[shard][n], values[n])})
        for depth, field, n in ((PROXIMITY_DEPTH, "proximity", 0), (CONCEPT_DEPTH, "gain", 1)):
            for row in rows[:depth]:
                shard, cand = row[0], row[4]
                if getattr(cand, field) is None and (shard, cand.doc, n) in known:
                    row[4] = cand._replace(**{field: known[(shard, cand.doc, n)]})

    def _fetch(self, ranked: list[tuple]) -> list[tuple]:
        """The ranking (of ``_rank``) with each story's stored fields in place of its
        document number, asked of the shards holding them; a story gone meanwhile is left
        out."""
        wanted: dict[int, list[tuple[int, int]]] = {}
        for shard, _, order, _, doc, *_ in ranked:
            wanted.setdefault(shard, []).append((order, doc))
        fetched = {}
        for shard, got in self.scatter("shard_fetch", lambda i: (wanted[i],),
                                       sorted(wanted)).items():
            fetched.update({(shard, *od): stored for od, stored in got.items()})
        return [(shard, key, order, score, fetched[(shard, order, doc)])
                for shard, key, order, score, doc, *_ in ranked if (shard, order, doc) in fetched]

    def _page(self, q, groups: list[list[tuple]], sort: str, style: str) -> list[Hit]:
        """The page's hits: the stored fields and snippets of its stories and the URLs of
        their copies, in one call to each shard holding some. A story gone since the shard
        answered is left out; a copy of it found leads its group (its fields asked for)."""
        terms = {text for field, text in q.iter_all_terms() if field in ("body", "title")}
        terms = {t.decode() if isinstance(t, bytes) else t for t in terms}
        wanted: dict[int, list[tuple[int, int]]] = {}
        leaders: dict[int, list[tuple[int, int]]] = {}
        for group in groups:
            leaders.setdefault(group[0][0], []).append((group[0][2], group[0][4]))
            for shard, _, order, _, doc, _ in group:
                wanted.setdefault(shard, []).append((order, doc))
        got: dict[tuple[int, int, int], tuple[dict, Any]] = {}
        for shard, part in self.scatter("shard_page",
                                        lambda i: (wanted[i], leaders.get(i, []), terms, style),
                                        sorted(wanted)).items():
            got.update({(shard, *od): value for od, value in part.items()})
        found = [[(shard, key, order, score, doc, got[(shard, order, doc)])
                  for shard, key, order, score, doc, _ in group if (shard, order, doc) in got]
                 for group in groups]
        gone = [rows[0] for rows, group in zip(found, groups)
                if rows and rows[0][:5] != group[0][:5]]
        fields: dict[tuple, dict] = {}
        if gone:  # rare: a page's story deleted since its shard answered
            fields = {row[:3]: row[4] for row in self._fetch([(*row[:5], None)
                                                               for row in gone])}
        hits = []
        for rows, group in zip(found, groups):
            if not rows:
                continue
            if rows[0][:5] != group[0][:5]:  # a copy leads: its stored fields were asked for
                if rows[0][:3] not in fields:
                    continue
                rows[0] = (*rows[0][:5], (fields[rows[0][:3]], None))
            hit = _hit([(*row[:4], row[5][0]) for row in rows], sort)
            hit.snippet = rows[0][5][1]
            hits.append(hit)
        return hits

    # -- did you mean ----------------------------------------------------------------------------
    def _did_you_mean(self, request: SearchRequest, text: str, total: int) -> str | None:
        """A respelling of the query's words that finds clearly more stories, or None."""
        words = plain_words(text) if is_plain(text) else []
        if not words or len(words) > SPELL_WORDS:
            return None  # a long question is not a typo; respelling 64 words is a long scan
        analyzer = self.schema["body"].analyzer
        stems = [[t.text for t in analyzer(w)] for w in words]
        asked = [(s[0], (2 if len(w) > 5 else 1) if len(w) >= 4 else 0)
                 for w, s in zip(words, stems) if len(s) == 1]
        lexicons = self.scatter("shard_lexicon", ([s for s, _ in asked],
                                                   [d for _, d in asked]))
        found = iter(_merge_lexicons(list(lexicons.values()), len(asked)))
        changed = False
        fixed = []
        for word, tokens in zip(words, stems):
            if len(tokens) != 1:
                fixed.append(word)
                continue
            df, candidates = next(found)
            best, best_df = None, max(2, df * 3)
            for cand, cdf in candidates:
                if cdf > best_df:
                    best, best_df = cand, cdf
            if best:
                fixed.append(self._surface(best, analyzer) or best)
                changed = True
            else:
                fixed.append(word)
        if not changed:
            return None
        suggestion = " ".join(fixed)
        try:
            q = parse(suggestion, self.schema)
        except QueryError:
            return None
        plan = Plan(request=request, query=q, sort="relevance", stats=CorpusStats(),
                    facets=False)
        count = sum(a.total for a in self.scatter("shard_answer", (plan,)).values())
        return suggestion if count > max(total * 2, total + 2) else None

    def _surface(self, stem: str, analyzer) -> str | None:
        """A real word (from one of the best stories' title or lead) that analyses to
        ``stem``."""
        for name in ("title", "body"):
            q = Term(name, stem)
            plan = Plan(request=SearchRequest(), query=q, sort="relevance",
                        stats=CorpusStats.merge(self.scatter(
                            "shard_stats", (q, [], True)).values()),
                        window=3, facets=False)
            best = self._rank(plan, self.scatter("shard_answer", (plan,)))[:3]
            for _, _, _, _, stored in self._fetch(best):
                for w in re.findall(r"\w+", f"{stored.get('title', '')} {stored.get('lead', '')}"):
                    if [t.text for t in analyzer(w)] == [stem]:
                        return w.lower()
        return None


def _merge_lexicons(parts: list, n: int) -> list[tuple[int, list[tuple[str, int]]]]:
    """Per stem: (documents in title and body, respelling candidates with their body document
    frequencies, in word order) over every shard, from the first ``SPELL_CANDIDATES`` words
    of the whole collection sharing its first two letters (each shard's first hold them)."""
    out = []
    for k in range(n):
        df = sum(p[k][0] for p in parts)
        words = sorted(set().union(*(p[k][1] for p in parts))) if parts else []
        last = words[SPELL_CANDIDATES - 1] if len(words) >= SPELL_CANDIDATES else None
        near_df: dict[str, int] = {}
        for p in parts:
            for cand, cdf in p[k][2].items():
                if last is None or cand <= last:
                    near_df[cand] = near_df.get(cand, 0) + cdf
        out.append((df, sorted(near_df.items())))
    return out


def _facets(answers) -> dict[str, dict[str, int]]:
    months: dict[int, int] = {}
    topics: dict[str, int] = {}
    for a in answers:
        for code, n in a.months.items():
            months[code] = months.get(code, 0) + n
        for name, n in a.topics.items():
            topics[name] = topics.get(name, 0) + n
    best = sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    return {"topics": dict(best),
            "months": {f"{c // 100:04d}-{c % 100:02d}": n
                       for c, n in sorted(months.items(), reverse=True)}}


def _boost_recent(ranked: list[tuple], weight: float, newest_ticks: int) -> list[tuple]:
    if not newest_ticks:
        return ranked
    from whoosh.util.times import long_to_datetime

    newest = long_to_datetime(newest_ticks)
    out = []
    for row in ranked:
        ticks = row[5].ticks
        factor = 1.0
        if ticks:
            age = max(0.0, (newest - long_to_datetime(ticks)).total_seconds() / 86400)
            factor += weight * math.pow(0.5, age / RECENCY_HALF_LIFE_DAYS)
        out.append((*row[:3], row[3] * factor, *row[4:]))
    out.sort(key=lambda h: -h[3])
    return out


def _bonus_depths(shards: int) -> tuple[int, int]:
    """How many of its best each of ``shards`` computes the phrase bonus and the concept gain
    for, of the collection's best ``PROXIMITY_DEPTH`` and ``CONCEPT_DEPTH`` that can all be
    its: twice its share, and two more. The collection's best rarely fall beyond (those
    that do are asked for), and a shard does not compute them for three times as many
    stories as the collection needs."""
    if shards <= 2:
        return 0, 0  # twice the share is all of them
    return (min(PROXIMITY_DEPTH, math.ceil(2 * PROXIMITY_DEPTH / shards) + 2),
            min(CONCEPT_DEPTH, math.ceil(2 * CONCEPT_DEPTH / shards) + 2))


def _share(window: int, shards: int, bonus_depths: tuple[int, int]) -> int:
    """How many of its best a shard offers of a window of the collection's best: half as
    many again as its share, and eight more (the collection's best 200 hold about 50 of each
    of 4 shards, rarely 70), and no fewer than it computes bonuses for; 0 (the whole window)
    for one shard."""
    if shards <= 1:
        return 0
    floor = max(bonus_depths) if any(bonus_depths) else CONCEPT_DEPTH
    return max(floor, math.ceil(1.5 * window / shards) + 8)


def _short_shards(answers: dict[int, Answer], depth: int) -> list[int]:
    """The shards that offered fewer than all their matches and whose last offer ranks
    within the best ``depth`` of all the offers (by key, then story key)."""
    ranks = sorted((-c.key, c.order) for a in answers.values() for c in a.candidates)
    short = []
    for i, a in answers.items():
        if a.candidates and len(a.candidates) < a.total:
            last = a.candidates[-1]
            if bisect.bisect_left(ranks, (-last.key, last.order)) < depth - 1:
                short.append(i)
    return sorted(short)


def _next_window(window: int, groups: int, want: int, total: int) -> int:
    """How many of the best to ask for next when ``window`` made only ``groups`` groups of
    near-copies: as many as the share of groups so far says ``want`` need, with a margin (at
    least twice, at most eight times as many): each round costs a call to every shard."""
    guess = window * want / max(groups, 1) * 1.25
    return int(min(total, max(window * 2, min(window * 8, guess))))


def _collapse(ranked: list[tuple]) -> list[list[tuple]]:
    """Group near-identical stories (MinHash sketches that agree, from each row's candidate);
    keeps rank order.

    Two sketches are near only if they share at least ``NEAR_JACCARD`` of the smaller
    sketch's hashes (the smallest ``K`` of their union hold at least that many). So a story's
    near group holds one of any ``m - need + 1`` of its ``m`` hashes: it is looked for among
    the groups of its rarest such hashes only, those sharing too few hashes skipped, in group
    order: common hashes are shared by thousands of groups in an archive full of copies.
    """
    groups: list[list] = []
    keys: list[frozenset[int]] = []
    by_hash: dict[int, list[int]] = {}
    for h in ranked:
        hashes = frozenset(np.frombuffer(h[5].sketch, dtype=np.uint32).tolist())
        need = NEAR_JACCARD * min(K, len(hashes)) - 1e-9
        lists = sorted((by_hash.get(x, ()) for x in hashes), key=len)
        rarest = lists[:len(hashes) - math.ceil(need) + 1]
        for i in sorted({g for groups_of in rarest for g in groups_of}):
            if len(hashes & keys[i]) >= need and near_hashes(hashes, keys[i]):
                groups[i].append(h)
                break
        else:
            for x in hashes:
                by_hash.setdefault(x, []).append(len(groups))
            groups.append([h])
            keys.append(hashes)
    return groups


def _hit(group: list[tuple], sort: str) -> Hit:
    _, _, _, score, stored = group[0]
    published = stored.get("published")
    return Hit(url=stored["id"], title=stored.get("title") or "",
               published=published.isoformat() if published else None,
               source=stored.get("source"),
               topics=[t for t in (stored.get("topics") or "").split(",") if t],
               section=stored.get("section"), author=stored.get("author"),
               score=round(float(score), 4) if sort == "relevance" and score is not None
               else None,
               copies=len(group), copy_urls=[g[4]["id"] for g in group[1:]])


__all__ = ["Gather", "LocalShard", "Shard", "Candidate"]
