"""Fast ranking of plain word queries: BM25F term-at-a-time over the postings arrays.

Whoosh scores a plain query (an OR of the words over title and body, a coordination bonus, a
proximity phrase per word pair) by walking every posting through a tree of matchers, several
Python calls each; the coordination bonus alone rules out its block-skipping. On 200k stories
that took 0.5–4 s per query. Here that model (with idf squared, below) is computed with numpy
over the postings arrays of :mod:`indexer.arrays`:

- each word's term in ``title`` and ``body`` adds Whoosh's BM25F (same B, K1 and field
  lengths) with its idf squared (:data:`IDF_POWER`); a compound
  word (``U.S.``, ``Jean-Luc``, ``3.5``) matches a field where all of its terms are, with the
  sum of their scores, as Whoosh's ``And`` does (such queries used to go through Whoosh's
  matchers: 5–7 s on 200k stories for ``U.S. trade deficit``);
- Whoosh's coordination bonus is added: (m - 1) / (T - ``COORD_SCALE``)² for m of the T
  term matchers that match (each word in title and in body, the words of each proximity pair);
- the proximity bonus (consecutive words within ``PROXIMITY_SLOP`` positions) is added for
  the top of the ranking only, reading the positions of just those documents;
- so is the concept bonus: the body BM25F of the words the archive uses alongside the query's
  (:mod:`indexer.concepts`), which re-ranks the stories the query matched.

The documents scored are exactly the documents matched, so the total and the facets come
from the same pass.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from indexer.selection import at_least_nth
from indexer.whoosh_compat import segment_positions

from .query import COORD_SCALE, DEFAULT_FIELDS, PROXIMITY_SLOP, PROXIMITY_WEIGHT

B, K1 = 0.75, 1.2
#: A query word's weight is its idf squared: idf in the story's vector and in the query's, as
#: the vector-space model weighs terms, so a long question's rare, telling words ("Diem",
#: "arrears") outweigh its common ones ("new", "policy").
IDF_POWER = 2
#: stories re-scored with the proximity bonus (the first three pages of ten; on the TIME
#: collection depth 20 already gives the MAP of depth 200: bench/relevance.py)
PROXIMITY_DEPTH = 30
#: stories re-scored with the words that go with the query's (indexer.concepts), and how much
#: those words weigh against the query's own: at most half the best story's score
CONCEPT_DEPTH = 100
CONCEPT_WEIGHT = 0.5


def word_terms(words: list[str], analyzer) -> list[tuple[str, ...]]:
    """The index terms of each query word: one for a plain word, several for a compound
    (``Jean-Luc``: jean, luc, jeanluc; ``U.S.``: u, s), all of which a story must hold for
    the word to match, as in the Whoosh query. Stop words drop out, repeats count once."""
    out: list[tuple[str, ...]] = []
    for w in words:
        tokens = tuple(dict.fromkeys(t.text for t in analyzer(w)))
        if tokens and tokens not in out:
            out.append(tokens)
    return out


def score_plain(stats, arrays, words: list[tuple[str, ...]], allowed: np.ndarray | None,
                weights: dict[tuple[str, ...], float] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, scores) of every live story matching at least one of ``words``
    (as :func:`word_terms` gives them; and ``allowed``, a boolean mask, when given), in
    document order, scored with the collection's statistics ``stats``
    (:class:`search.stats.CorpusStats`: this archive's, or every shard's). ``weights`` (word ->
    weight, default 1) scales each word's BM25F: how well it goes with the query's other words
    (:meth:`indexer.concepts.ConceptModel.coherence`)."""
    weights = weights or {}
    n_docs = arrays.doc_count
    scores = np.zeros(n_docs, dtype=np.float64)
    counts = np.zeros(n_docs, dtype=np.int16)
    for word in words:
        for field in DEFAULT_FIELDS:
            ids, score = _word_scores(stats, arrays, field, word)
            if not len(ids):
                continue
            scores[ids] += score * weights.get(word, 1.0)
            counts[ids] += 1
    docs = arrays.live(counts > 0, allowed)
    out = scores[docs]
    # Whoosh's coordination bonus, as its CoordMatcher adds it: (m - 1) / (T - scale)^2 for m
    # of the query's T term matchers (each word in title and body, each proximity pair's two
    # words), so stories matching more of the words rank first among equals
    unit = _coord_unit(len(words), _pair_count(words))
    if unit:
        out += (counts[docs] - 1) * unit
    return docs, out


def _word_scores(stats, arrays, field: str, word: tuple[str, ...]):
    """(documents, BM25F) of one query word in one field: for a compound, the stories that
    hold all of its terms, scored with their sum (Whoosh's And)."""
    lists = [arrays.postings(field, term) for term in word]
    if any(not len(ids) for ids, _ in lists):
        return lists[0][0][:0], None
    lengths, avg, n_docs = arrays.lengths(field), stats.avg(field), stats.n_docs
    if len(lists) == 1:
        ids, tf = lists[0]
        return ids, bm25f(tf, lengths[ids], stats.df(field, word[0]), n_docs, avg)
    both = lists[0][0]
    for ids, _ in lists[1:]:
        both = np.intersect1d(both, ids, assume_unique=True)
    total = np.zeros(len(both), dtype=np.float64)
    for term, (ids, tf) in zip(word, lists):
        total += bm25f(tf[np.searchsorted(ids, both)], lengths[both], stats.df(field, term),
                       n_docs, avg)
    return both, total


def flat_terms(words: list[tuple[str, ...]]) -> list[str]:
    """The query's terms in order, compounds spelt out (for the proximity pairs)."""
    return [t for word in words for t in word]


def _pair_count(words: list[tuple[str, ...]]) -> int:
    terms = flat_terms(words)
    return sum(1 for a, b in zip(terms, terms[1:]) if a != b)


def bm25f(tf: np.ndarray, lengths: np.ndarray, df: int, n_docs: int, avg: float) -> np.ndarray:
    """Whoosh's BM25F score of a term with document frequency ``df`` for each (term
    frequency, field length) pair, its idf raised to ``IDF_POWER``."""
    idf = (math.log(n_docs / (df + 1)) + 1) ** IDF_POWER
    tf = tf.astype(np.float64)
    return idf * tf * (K1 + 1) / (tf + K1 * (1 - B) + (K1 * B / avg) * lengths)


def _bm25_at(ids: np.ndarray, tf: np.ndarray, docs: np.ndarray, lengths: np.ndarray,
             df: int, n_docs: int, avg: float) -> tuple[np.ndarray, np.ndarray]:
    """For a term's postings (``ids``, ``tf``): which of ``docs`` (whose field lengths are
    ``lengths``) hold it, and its BM25F in each (0 where absent)."""
    if not len(ids):
        return np.zeros(len(docs), dtype=bool), np.zeros(len(docs), dtype=np.float64)
    at = np.searchsorted(ids, docs)
    at[at >= len(ids)] = 0
    has = ids[at] == docs
    return has, np.where(has, bm25f(np.where(has, tf[at], 0), lengths, df, n_docs, avg), 0.0)


def _coord_unit(n_words: int, n_pairs: int) -> float:
    """Whoosh's coordination bonus per extra matching term for a query of ``n_words`` with
    ``n_pairs`` proximity pairs."""
    total = 2 * n_words + 2 * n_pairs
    return 1.0 / (total - COORD_SCALE) ** 2 if total > 1 else 0.0


def proximity_bonus(stats, reader, arrays, words: list[tuple[str, ...]],
                    top: np.ndarray) -> np.ndarray:
    """The phrase bonus of consecutive query words for each story of ``top`` (document
    numbers, the best of the ranking).

    The bonus is what Whoosh's ``Phrase(slop=PROXIMITY_SLOP)`` adds: ``PROXIMITY_WEIGHT`` ×
    the two words' body BM25F, plus their coordination share, when the second word follows
    the first within the slop. Only stories holding both words are looked at, and only their
    positions are read (Whoosh's phrase matcher reads every story holding both words).
    """
    bonus = np.zeros(len(top), dtype=np.float64)
    terms = flat_terms(words)
    if len(terms) < 2 or not len(top):
        return bonus
    unit = _coord_unit(len(words), _pair_count(words))
    n_docs, avg = stats.n_docs, stats.avg("body")
    lens = arrays.lengths("body")
    cache: dict[str, tuple[np.ndarray, np.ndarray, dict[int, list[int]]]] = {}

    def term_in_top(term: str):
        got = cache.get(term)
        if got is None:
            ids, tf = arrays.postings("body", term)
            has, score = _bm25_at(ids, tf, top, lens[top], stats.df("body", term), n_docs, avg)
            got = cache[term] = (has, score, {})
        return got

    for a, b in zip(terms, terms[1:]):
        if a == b:
            continue
        has_a, bm_a, pos_a = term_in_top(a)
        has_b, bm_b, pos_b = term_in_top(b)
        both = np.flatnonzero(has_a & has_b)
        if not len(both):
            continue
        wanted = sorted(int(top[i]) for i in both)
        for term, pos in ((a, pos_a), (b, pos_b)):
            missing = [d for d in wanted if d not in pos]
            if missing:
                pos.update(positions(reader, "body", term, missing))
        for i in both.tolist():
            d = int(top[i])
            if _near(pos_a.get(d, ()), pos_b.get(d, ()), PROXIMITY_SLOP):
                bonus[i] += PROXIMITY_WEIGHT * (bm_a[i] + bm_b[i]) + 2 * unit
    return bonus


def _near(first, second, slop: int) -> bool:
    """Whether a position of ``second`` follows one of ``first`` by 1 to ``slop``."""
    for p in first:
        j = bisect.bisect_right(second, p)
        if j < len(second) and second[j] - p <= slop:
            return True
    return False


def positions(reader, field: str, term: str, docs: list[int]) -> dict[int, list[int]]:
    """docnum -> positions of ``term`` in ``field`` for those of ``docs`` (ascending) that
    hold it, reading only the posting blocks that contain them."""
    out: dict[int, list[int]] = {}
    fmt = reader.schema[field].format
    text = term.encode("utf-8")
    for sub, offset in reader.leaf_readers():
        lo = bisect.bisect_left(docs, offset)
        hi = bisect.bisect_left(docs, offset + sub.doc_count_all())
        if lo == hi:
            continue
        local_docs = [d - offset for d in docs[lo:hi]]
        for local, found in segment_positions(sub, field, text, fmt, local_docs):
            out[local + offset] = found
    return out


def top_positions(keys: np.ndarray, n: int, order: np.ndarray | None = None) -> np.ndarray:
    """Positions of the ``n`` largest ``keys``, largest first; ties in ascending ``order``
    (story keys: the same however the archive is split), else earlier position first."""
    if n <= 0 or not len(keys):
        return np.zeros(0, dtype=np.int64)
    # every position tied with the n-th is a candidate, so the tie-break decides
    part = at_least_nth(keys, n)
    tie = part if order is None else order[part]
    return part[np.lexsort((tie, -keys[part]))][:n]


def concept_gain(stats, arrays, expansion: dict[str, float], top: np.ndarray,
                 postings=None) -> np.ndarray:
    """For each story of ``top`` (document numbers), its body BM25F for the words the concepts
    model finds closest to the query's (``expansion``: word -> closeness), weighted by their
    closeness. :func:`apply_concepts` turns it into a bonus. ``postings(term)`` reads a word's
    body postings (default: from ``arrays``)."""
    gain = np.zeros(len(top), dtype=np.float64)
    if not expansion or not len(top):
        return gain
    n_docs, avg = stats.n_docs, stats.avg("body")
    lens = arrays.lengths("body")[top]
    postings = postings or (lambda term: arrays.postings("body", term))
    for term, weight in expansion.items():
        ids, tf = postings(term)
        gain += weight * _bm25_at(ids, tf, top, lens, stats.df("body", term), n_docs, avg)[1]
    return gain


def apply_concepts(scores: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """The best stories' ``scores`` re-ranked by their concept ``gain``: each gains up to
    ``CONCEPT_WEIGHT`` × the best score, in proportion to its gain. Stories below the depth
    the gains were computed for keep their scores, so they stay below."""
    if not len(gain) or gain.max() <= 0:
        return scores
    return scores + CONCEPT_WEIGHT * scores.max() * gain / gain.max()
