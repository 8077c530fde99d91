"""Answering a search: query, filters, ranking, facets, snippets, collapsing, did-you-mean.

:class:`SearchIndex` opens an archive's index once and keeps per-commit caches (document
dates sorted for range filters, months and topics per document for facets, postings of
filter terms), so a long-lived process (the web app, a benchmark) answers in milliseconds;
the caches are dropped when a newer commit appears.

    with SearchIndex("data") as idx:
        results = idx.search("central bank", date_from="2024-05", topic="economy")
"""

from __future__ import annotations

import bisect
import heapq
import json
import math
import sqlite3
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.query import Every, Query, Term

from indexer.build import index_dir
from indexer.fingerprint import near
from indexer.schema import FIELD_ALIASES

from . import dates as _dates
from .errors import QueryError
from .postings import doc_ids, intersect, match_set
from .query import MAX_QUERY_CHARS, is_plain, parse, plain_words
from .rank import PROXIMITY_DEPTH, Lengths, proximity_bonus, score_plain, word_terms
from .snippets import snippet

SORTS = ("relevance", "newest", "oldest")
MAX_LIMIT = 100
MAX_PAGE = 1000
#: Ranking: BM25F with Whoosh's defaults, title weighted through the schema's field boost.
WEIGHTING = scoring.BM25F(B=0.75, K1=1.2)
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
    """Per-commit lookups that make filters and facets cheap."""

    def __init__(self, searcher):
        reader = searcher.reader()
        self.doc_count = reader.doc_count_all()
        self.dated: list[tuple[int, int]] = []  # (ticks, docnum), sorted
        months = [None] * self.doc_count
        if reader.has_column("published"):
            from whoosh.util.times import datetime_to_long

            # raw ticks; documents without a date hold a sentinel outside real dates
            col = reader.column_reader("published", translate=False)
            lo, hi = datetime_to_long(datetime(1, 1, 2)), datetime_to_long(datetime(9000, 1, 1))
            for docnum, v in enumerate(col):
                if v and lo < v < hi:
                    self.dated.append((v, docnum))
        if reader.has_column("month"):
            col = reader.column_reader("month", translate=False)
            for docnum, v in enumerate(col):
                if v:
                    months[docnum] = v.decode() if isinstance(v, bytes) else v
        self.dated.sort()
        self.ticks = [t for t, _ in self.dated]
        self.dated_docs = {d for _, d in self.dated}
        self.lengths = Lengths(reader)
        self.months = months
        self.topics: list[list[str] | None] = [None] * self.doc_count
        if "topics" in reader.indexed_field_names():
            for term in reader.field_terms("topics"):
                for docnum in reader.postings("topics", term).all_ids():
                    lst = self.topics[docnum]
                    if lst is None:
                        self.topics[docnum] = [term]
                    else:
                        lst.append(term)
        self.sets: OrderedDict = OrderedDict()

    def date_set(self, start: datetime | None, end: datetime | None) -> set[int]:
        key = ("date", start, end)
        if key in self.sets:
            self.sets.move_to_end(key)
            return self.sets[key]
        from whoosh.util.times import datetime_to_long

        lo = bisect.bisect_left(self.ticks, datetime_to_long(start)) if start else 0
        hi = bisect.bisect_right(self.ticks, datetime_to_long(end)) if end else len(self.ticks)
        found = {d for _, d in self.dated[lo:hi]}
        return self._keep(key, found)

    def term_set(self, searcher, field: str, text: str) -> set[int]:
        key = ("term", field, text)
        if key in self.sets:
            self.sets.move_to_end(key)
            return self.sets[key]
        return self._keep(key, doc_ids(searcher.reader(), field, text))

    def _keep(self, key, value: set[int]) -> set[int]:
        self.sets[key] = value
        while len(self.sets) > 256:
            self.sets.popitem(last=False)
        return value


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
        self._store: sqlite3.Connection | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        self._searcher.close()
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> "SearchIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def searcher(self):
        if not self._searcher.up_to_date():
            self._searcher = self._searcher.refresh()
            self._cache = None
        return self._searcher

    @property
    def cache(self) -> _Cache:
        s = self.searcher
        if self._cache is None:
            self._cache = _Cache(s)
        return self._cache

    def _db(self) -> sqlite3.Connection | None:
        """A read-only connection to the store of record (None when there is no store)."""
        if self._store is None:
            path = self.archive / "store.sqlite"
            if not path.exists():
                return None
            self._store = sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                          check_same_thread=False)
        return self._store

    def _by_url(self, column: str, urls: list[str]) -> dict:
        """canonical URL -> ``column`` (trusted SQL) for those of ``urls`` in the store."""
        db = self._db()
        if db is None or not urls:
            return {}
        marks = ",".join("?" for _ in urls)
        try:
            return dict(db.execute(f"SELECT canonical_url, {column} FROM articles "
                                   f"WHERE canonical_url IN ({marks})", urls).fetchall())
        except sqlite3.Error:
            return {}

    def _texts(self, urls: list[str]) -> dict[str, str]:
        """Full bodies from the store of record (the index keeps only a lead)."""
        return self._by_url("body", urls)

    def article_row(self, url: str, columns: str = "*") -> tuple | None:
        """One article's row from the store of record (``columns`` is trusted SQL)."""
        db = self._db()
        if db is None:
            return None
        try:
            return db.execute(f"SELECT {columns} FROM articles WHERE canonical_url = ?",
                              (url,)).fetchone()
        except sqlite3.Error:
            return None

    def article(self, key: str | int) -> dict | None:
        """One story from the store of record by its number or canonical URL: every field,
        with its number as ``id`` and the date's provenance. None when there is no such story."""
        db = self._db()
        if db is None:
            return None
        column = "id" if isinstance(key, int) or str(key).isdigit() else "canonical_url"
        try:
            cur = db.execute(f"SELECT * FROM articles WHERE {column} = ?", (key,))
            row = cur.fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        out = dict(zip([c[0] for c in cur.description], row))
        try:
            out["topics"] = json.loads(out.get("topics") or "[]")
        except ValueError:
            out["topics"] = []
        return out

    def ids(self, urls: list[str]) -> dict[str, int]:
        """Store numbers of stories by canonical URL (for links to article pages)."""
        return self._by_url("id", urls)

    # -- search ----------------------------------------------------------------------------------
    def search(self, text: str, *, date_from: str | None = None, date_to: str | None = None,
               topic: str | None = None, section: str | None = None, source: str | None = None,
               sort: str = "relevance", page: int = 1, limit: int = 10, recency: float = 0.0,
               snippet_style: str = "plain", facets: bool = True, collapse: bool = True,
               suggest: bool = True) -> SearchResults:
        """Run a search. Raises QueryError (with a message for the user) for bad input."""
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"--limit must be between 1 and {MAX_LIMIT}")
        if not 1 <= page <= MAX_PAGE:
            raise QueryError(f"--page must be between 1 and {MAX_PAGE}")
        notes: list[str] = []
        searcher = self.searcher
        q = parse(text, self.ix.schema, notes)
        start, end = _dates.span(date_from, date_to)
        allowed = self._filter(searcher, start, end, topic, section, source)
        scores = None
        if is_plain(text) and text.strip():
            terms = word_terms(plain_words(text[:MAX_QUERY_CHARS]),
                               self.ix.schema["body"].analyzer)
            if terms is not None:
                scores = score_plain(searcher, self.cache.lengths, terms, allowed)
        if scores is not None:  # the fast path: one pass scores and matches
            matched = scores.keys()
            total = len(scores)
            if sort == "relevance":
                proximity_bonus(searcher, terms, scores, PROXIMITY_DEPTH)
            top = self._top_scored(scores, sort)
        else:
            matched = self._matched(searcher, q, allowed)
            total = len(matched)
            top = None
        hits = self._ranked(searcher, q, allowed, sort, page, limit, recency, collapse, total,
                            top)
        if hits:
            self._add_snippets(searcher, q, hits, snippet_style)
        facet_counts = self._facets(matched) if facets else {}
        results = SearchResults(query=text, total=total, hits=hits, page=page, limit=limit,
                                facets=facet_counts, notes=notes)
        if suggest and total < 5 and text.strip():
            results.did_you_mean = self._did_you_mean(searcher, text, allowed, total)
        return results

    def _filter(self, searcher, start, end, topic, section, source) -> set[int] | None:
        sets: list[set[int]] = []
        cache = self.cache
        if start or end:
            sets.append(cache.date_set(start, end))
        for field, value in (("topics", topic), ("section", section), ("source", source)):
            if value:
                sets.append(cache.term_set(searcher, field, value.strip().lower()))
        return intersect(sets) if sets else None

    def _matched(self, searcher, q: Query, allowed: set[int] | None) -> set[int]:
        if isinstance(q, Every):
            docs = set(searcher.reader().all_doc_ids())
        else:
            docs = match_set(searcher.reader(), q)
            if docs is None:
                docs = set(searcher.docs_for_query(q))
        return docs & allowed if allowed is not None else docs

    def _top_scored(self, scores: dict[int, float], sort: str):
        """A function giving the first ``n`` (docnum, score) of a fast-path result."""
        if sort == "relevance":
            return lambda n: [(d, scores[d]) for d in heapq.nlargest(n, scores,
                                                                      key=scores.__getitem__)]
        dated = self.cache.dated
        order = reversed(dated) if sort == "newest" else iter(dated)
        picked: list[tuple[int, float]] = []

        def first(n: int):
            for _, d in order:  # continues where the last call stopped
                if len(picked) >= n:
                    break
                if d in scores:
                    picked.append((d, scores[d]))
            if len(picked) < n:  # undated stories come last
                seen = {d for d, _ in picked}
                picked.extend((d, scores[d]) for d in scores if d not in seen and
                              len(picked) < n and d not in self.cache.dated_docs)
            return picked[:n]
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
        while True:
            kwargs = {"limit": window, "filter": allowed if allowed is not None else None}
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
        if not cache.ticks:
            return hits
        from whoosh.util.times import long_to_datetime

        newest = long_to_datetime(cache.ticks[-1])
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
        texts = self._texts([h.url for h in hits])
        analyzer = self.ix.schema["body"].analyzer
        for h in hits:
            body = texts.get(h.url) or getattr(h, "_lead", "")
            h.snippet = snippet(body, terms, analyzer, style)

    def _facets(self, matched: set[int]) -> dict[str, dict[str, int]]:
        cache = self.cache
        months: Counter[str] = Counter()
        topics: Counter[str] = Counter()
        mlist, tlist = cache.months, cache.topics
        for d in matched:
            m = mlist[d]
            if m:
                months[m] += 1
            ts = tlist[d]
            if ts:
                topics.update(ts)
        return {"topics": dict(topics.most_common(20)),
                "months": dict(sorted(months.items(), reverse=True))}

    def _did_you_mean(self, searcher, text: str, allowed, total: int) -> str | None:
        """A respelling of the query's words that finds clearly more stories, or None."""
        words = plain_words(text) if is_plain(text) else []
        if not words:
            return None
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
                for cand in reader.terms_within("body", stem, 2 if len(word) > 5 else 1):
                    cdf = reader.doc_frequency("body", cand)
                    if cand != stem and cdf > best_df:
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

        for field in ("title", "body"):
            results = searcher.search(Term(field, stem), limit=3)
            for r in results:
                stored = r.fields()
                for w in re.findall(r"\w+", f"{stored.get('title', '')} {stored.get('lead', '')}"):
                    if [t.text for t in analyzer(w)] == [stem]:
                        return w.lower()
        return None


def _collapse(hits):
    """Group near-identical stories (MinHash sketches that agree); keeps rank order."""
    groups: list[list] = []
    keys: list[str | None] = []
    for h in hits:
        sk = h[2].get("sketch")
        for i, k in enumerate(keys):
            if near(sk, k):
                groups[i].append(h)
                break
        else:
            groups.append([h])
            keys.append(sk)
    return groups


def search(archive: str | Path, text: str, **options) -> SearchResults:
    """One search on an archive (opens and closes the index). See :meth:`SearchIndex.search`."""
    with SearchIndex(archive) as idx:
        return idx.search(text, **options)


__all__ = ["SearchIndex", "SearchResults", "Hit", "search", "FIELD_ALIASES"]
