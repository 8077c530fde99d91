"""Fast reads of Whoosh postings: whole blocks instead of several Python calls per posting.

Whoosh's matchers cost microseconds per posting, which is most of the time of a filter, a
facet count or a related-stories pass on an archive of 200k stories. A plain segment's
matcher (the whoosh3 codec) hands over a block of ids and weights at once; segments with
deleted documents, and other codecs, keep the public, filtered path.
"""

from __future__ import annotations

from typing import Iterator


def _parts(matcher):
    """(leaf matcher, docnum offset) for each segment of a (multi-segment) matcher."""
    if hasattr(matcher, "offsets") and hasattr(matcher, "matchers"):
        return list(zip(matcher.matchers, matcher.offsets))
    return [(matcher, 0)]


def frequencies(reader, field: str, term: str) -> Iterator[tuple[int, float]]:
    """(docnum, weight) for every document holding ``term`` in ``field``."""
    if (field, term) not in reader:
        return
    for sub, offset in _parts(reader.postings(field, term)):
        if hasattr(sub, "_read_ids") and hasattr(sub, "_next_block"):
            while sub.is_active():
                sub._read_ids()
                sub._read_weights()
                if offset:
                    yield from ((d + offset, w) for d, w in zip(sub._ids, sub._weights))
                else:
                    yield from zip(sub._ids, sub._weights)
                sub._next_block()
        else:
            while sub.is_active():
                yield sub.id() + offset, sub.weight()
                sub.next()


def doc_ids(reader, field: str, term: str) -> set[int]:
    """The set of documents holding ``term`` in ``field``."""
    if (field, term) not in reader:
        return set()
    out: set[int] = set()
    for sub, offset in _parts(reader.postings(field, term)):
        if hasattr(sub, "_read_ids") and hasattr(sub, "_next_block"):
            while sub.is_active():
                sub._read_ids()
                out.update((d + offset for d in sub._ids) if offset else sub._ids)
                sub._next_block()
        else:
            out.update(d + offset for d in sub.all_ids())
    return out


def intersect(sets: list[set[int]]) -> set[int]:
    """The documents in all of ``sets`` (a new set; the smallest is copied first)."""
    sets = sorted(sets, key=len)
    out = set(sets[0])
    for s in sets[1:]:
        out &= s
    return out


def match_set(reader, q) -> set[int] | None:
    """The documents matching ``q``, from postings, for queries of terms combined with
    And/Or (what plain word queries are); None for anything else (use Whoosh's matcher).

    A proximity Phrase inside an Or adds no documents when all its words are terms of the
    Or's other branches (plain queries are built that way), so it is skipped there.
    """
    from whoosh.query import And, Or, Phrase, Term

    if isinstance(q, Term):
        return doc_ids(reader, q.fieldname, q.text)
    if isinstance(q, And):
        sets = [match_set(reader, sub) for sub in q.subqueries]
        if any(s is None for s in sets) or not sets:
            return None
        return intersect(sets)
    if isinstance(q, Or):
        plain = [sub for sub in q.subqueries if not isinstance(sub, Phrase)]
        covered = {(f, t) for sub in plain for f, t in sub.iter_all_terms()}
        for sub in q.subqueries:
            if isinstance(sub, Phrase) and not all((sub.fieldname, w) in covered
                                                   for w in sub.words):
                return None
        out: set[int] = set()
        for sub in plain:
            s = match_set(reader, sub)
            if s is None:
                return None
            out |= s
        return out
    return None
