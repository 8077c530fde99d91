"""The documents a query matches, from the postings arrays instead of Whoosh's matchers.

Whoosh's matchers cost microseconds per posting, which is most of the time of counting the
matches of a common word on an archive of 200k stories; the arrays of :mod:`indexer.arrays`
answer terms combined with And/Or (what plain word queries are) with a few numpy operations.
"""

from __future__ import annotations

import numpy as np


def match_mask(arrays, q) -> np.ndarray | None:
    """A boolean mask of the live documents matching ``q`` when it is made of terms combined
    with And/Or; None for anything else (use Whoosh's matcher).

    A proximity Phrase inside an Or adds no documents when all its words are terms of the
    Or's other branches (plain queries are built that way), so it is skipped there.
    """
    from whoosh.query import And, Or, Phrase, Term

    if isinstance(q, Term):
        text = q.text
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:  # a date's or a number's bytes: no words' arrays
                return None
        return arrays.mask(q.fieldname, text)
    if isinstance(q, And):
        found = [match_mask(arrays, sub) for sub in q.subqueries]
        masks = [m for m in found if m is not None]
        if not masks or len(masks) < len(found):
            return None
        out = masks[0].copy()
        for m in masks[1:]:
            out &= m
        return out
    if isinstance(q, Or):
        plain = [sub for sub in q.subqueries if not isinstance(sub, Phrase)]
        covered = {(f, t) for sub in plain for f, t in sub.iter_all_terms()}
        for sub in q.subqueries:
            if isinstance(sub, Phrase) and not all((sub.fieldname, w) in covered
                                                   for w in sub.words):
                return None
        out = np.zeros(arrays.doc_count, dtype=bool)
        for sub in plain:
            sub_mask = match_mask(arrays, sub)
            if sub_mask is None:
                return None
            out |= sub_mask
        return out
    return None
