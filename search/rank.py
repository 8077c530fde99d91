"""Fast ranking of plain word queries: BM25F term-at-a-time over the postings.

Whoosh scores a plain query (an OR of the words over title and body, a coordination bonus, a
proximity phrase per word pair) by walking every posting through a tree of matchers, several
Python calls each; the coordination bonus alone rules out its block-skipping. On 200k stories
that took 0.5–4 s per query. Here the same model is computed directly:

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

import heapq
import math

from whoosh.query import Phrase

from .postings import frequencies
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


class Lengths:
    """Per-document field lengths of one commit, read once (Whoosh reads them per call)."""

    def __init__(self, reader):
        self.reader = reader
        self._fields: dict[str, list[int]] = {}

    def __call__(self, field: str) -> list[int]:
        got = self._fields.get(field)
        if got is None:
            got = []
            segments = getattr(self.reader, "readers", None) or [self.reader]
            for seg in segments:
                n = seg.doc_count_all()
                per_doc = getattr(seg, "_perdoc", None)
                if per_doc is not None and hasattr(per_doc, "doc_field_length_reader"):
                    get = per_doc.doc_field_length_reader(field, 1)
                    got.extend((get(d) or 1) for d in range(n))
                else:
                    got.extend(seg.doc_field_length(d, field, 1) or 1 for d in range(n))
            self._fields[field] = got
        return got


def score_plain(searcher, lengths: Lengths, terms: list[str], allowed: set[int] | None
                ) -> dict[int, float]:
    """docnum -> score for every story matching at least one of ``terms``."""
    reader = searcher.reader()
    n_docs = reader.doc_count_all()
    scores: dict[int, float] = {}
    matched: dict[int, int] = {}
    seen_field: list[int] = []
    for term in terms:
        for field in DEFAULT_FIELDS:
            df = reader.doc_frequency(field, term)
            if not df:
                continue
            idf = math.log(n_docs / (df + 1)) + 1
            avg = searcher.avg_field_length(field) or 1
            lens = lengths(field)
            a, b = K1 * (1 - B), K1 * B / avg
            get = scores.get
            for d, tf in frequencies(reader, field, term):
                if allowed is not None and d not in allowed:
                    continue
                scores[d] = get(d, 0.0) + idf * tf * (K1 + 1) / (tf + a + b * lens[d])
                seen_field.append(d)
            for d in seen_field:
                matched[d] = matched.get(d, 0) + 1
            seen_field.clear()
    # Whoosh's coordination bonus, as its CoordMatcher adds it: (m - 1) / (T - scale)^2 for m
    # of the query's T term matchers (each word in title and body, each proximity pair's two
    # words), so stories matching more of the words rank first among equals
    unit = _coord_unit(len(terms))
    if unit:
        for d, m in matched.items():
            scores[d] += (m - 1) * unit
    return scores


def _coord_unit(n_words: int) -> float:
    """Whoosh's coordination bonus per extra matching term for a query of ``n_words``."""
    total = 2 * n_words + 2 * max(0, n_words - 1)
    return 1.0 / (total - COORD_SCALE) ** 2 if total > 1 else 0.0


def proximity_bonus(searcher, terms: list[str], scores: dict[int, float], depth: int) -> None:
    """Add the phrase bonus of consecutive query words to the ``depth`` best stories."""
    if len(terms) < 2 or not scores:
        return
    unit = _coord_unit(len(terms))
    top = sorted(heapq.nlargest(depth, scores, key=scores.__getitem__))
    for a, b in zip(terms, terms[1:]):
        if a == b:
            continue
        m = Phrase("body", [a, b], slop=PROXIMITY_SLOP, boost=PROXIMITY_WEIGHT).matcher(searcher)
        for d in top:
            if not m.is_active():
                break
            if m.id() < d:
                m.skip_to(d)
                if not m.is_active():
                    break
            if m.id() == d:
                scores[d] += m.score() + 2 * unit
