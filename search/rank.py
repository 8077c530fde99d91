"""Fast ranking of plain word queries: BM25F term-at-a-time over the postings arrays.

Whoosh scores a plain query (an OR of the words over title and body, a coordination bonus, a
proximity phrase per word pair) by walking every posting through a tree of matchers, several
Python calls each; the coordination bonus alone rules out its block-skipping. On 200k stories
that took 0.5–4 s per query. Here the same model is computed with numpy over the postings
arrays of :mod:`indexer.arrays`:

- each word's term in ``title`` and ``body`` adds Whoosh's BM25F (same idf, B, K1 and
  field lengths, so the scores agree with ``searcher.search`` on a single term);
- Whoosh's coordination bonus is added: (m - 1) / (T - ``COORD_SCALE``)² for m of the T
  term matchers that match (each word in title and in body, the words of each proximity pair);
- the proximity bonus (consecutive words within ``PROXIMITY_SLOP`` positions) is added for
  the top of the ranking only, by skipping Whoosh's phrase matcher to those documents.

The documents scored are exactly the documents matched, so the total and the facets come
from the same pass.
"""

from __future__ import annotations

import math

import numpy as np
from whoosh.query import Phrase

from .query import COORD_SCALE, DEFAULT_FIELDS, PROXIMITY_SLOP, PROXIMITY_WEIGHT

B, K1 = 0.75, 1.2
#: stories re-scored with the proximity bonus
PROXIMITY_DEPTH = 200


def word_terms(words: list[str], analyzer) -> list[str] | None:
    """One index term per query word (stop words drop out, repeats count once); None when a
    word is a compound (``Jean-Luc``, ``3.5``: all its parts are required, which the Whoosh
    query does)."""
    out = []
    for w in words:
        tokens = [t.text for t in analyzer(w)]
        if len(tokens) > 1:
            return None
        if tokens and tokens[0] not in out:
            out.append(tokens[0])
    return out


def score_plain(searcher, arrays, terms: list[str], allowed: np.ndarray | None
                ) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, scores) of every live story matching at least one of ``terms``
    (and ``allowed``, a boolean mask, when given), in document order."""
    n_docs = arrays.doc_count
    scores = np.zeros(n_docs, dtype=np.float64)
    counts = np.zeros(n_docs, dtype=np.int16)
    for term in terms:
        for field in DEFAULT_FIELDS:
            ids, tf = arrays.postings(field, term)
            if not len(ids):
                continue
            idf = math.log(n_docs / (len(ids) + 1)) + 1
            avg = searcher.avg_field_length(field) or 1
            lens = arrays.lengths(field)[ids]
            tf = tf.astype(np.float64)
            scores[ids] += idf * tf * (K1 + 1) / (tf + K1 * (1 - B) + (K1 * B / avg) * lens)
            counts[ids] += 1
    keep = counts > 0
    keep &= arrays.alive
    if allowed is not None:
        keep &= allowed
    docs = np.flatnonzero(keep)
    out = scores[docs]
    # Whoosh's coordination bonus, as its CoordMatcher adds it: (m - 1) / (T - scale)^2 for m
    # of the query's T term matchers (each word in title and body, each proximity pair's two
    # words), so stories matching more of the words rank first among equals
    unit = _coord_unit(len(terms))
    if unit:
        out += (counts[docs] - 1) * unit
    return docs, out


def _coord_unit(n_words: int) -> float:
    """Whoosh's coordination bonus per extra matching term for a query of ``n_words``."""
    total = 2 * n_words + 2 * max(0, n_words - 1)
    return 1.0 / (total - COORD_SCALE) ** 2 if total > 1 else 0.0


def proximity_bonus(searcher, terms: list[str], docs: np.ndarray, scores: np.ndarray,
                    depth: int) -> None:
    """Add the phrase bonus of consecutive query words to the ``depth`` best stories (in
    place; ``docs`` and ``scores`` as :func:`score_plain` returns them)."""
    if len(terms) < 2 or not len(docs):
        return
    unit = _coord_unit(len(terms))
    best = top_positions(scores, depth)
    order = best[np.argsort(docs[best])]  # the phrase matcher only moves forward
    for a, b in zip(terms, terms[1:]):
        if a == b:
            continue
        m = Phrase("body", [a, b], slop=PROXIMITY_SLOP, boost=PROXIMITY_WEIGHT).matcher(searcher)
        for i in order.tolist():
            d = int(docs[i])
            if not m.is_active():
                break
            if m.id() < d:
                m.skip_to(d)
                if not m.is_active():
                    break
            if m.id() == d:
                scores[i] += m.score() + 2 * unit


def top_positions(keys: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` largest ``keys``, largest first (ties: earlier position first)."""
    if n <= 0 or not len(keys):
        return np.zeros(0, dtype=np.int64)
    if n < len(keys):
        part = np.argpartition(-keys, n - 1)[:n]
    else:
        part = np.arange(len(keys))
    return part[np.lexsort((part, -keys[part]))]
