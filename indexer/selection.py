"""The largest of many numbers without sorting or partitioning them all.

A search ranks a query's matching stories (hundreds of thousands of scores) and the concepts
model ranks its whole vocabulary for each query, to keep a few dozen. ``np.argpartition``
over all of them costs ~0.5 ms per 50,000; the maxima of blocks bound the n-th largest from
below in a tenth of that, and only the few numbers above the bound are partitioned.
"""

from __future__ import annotations

import numpy as np

#: blocks per number wanted: more blocks, a tighter bound (fewer candidates), more maxima
_BLOCKS_PER_WANTED = 4


def at_least_nth(keys: np.ndarray, n: int) -> np.ndarray:
    """Positions (ascending) of every key at least as large as the ``n``-th largest: the
    ``n`` largest and all those tied with the ``n``-th. All positions when ``n`` is at least
    their number. NaN keys are never among them (unless nothing else is)."""
    total = len(keys)
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    if n >= total:
        return np.arange(total)
    cand = None
    size = total // (n * _BLOCKS_PER_WANTED)
    if size >= 2:
        whole = size * (total // size)
        maxima = keys[:whole].reshape(-1, size).max(axis=1)
        if whole < total:
            maxima = np.append(maxima, keys[whole:].max())
        # n blocks have a maximum at least this large: so have at least n keys
        bound = np.partition(maxima, len(maxima) - n)[len(maxima) - n]
        if not np.isnan(bound):
            cand = np.flatnonzero(keys >= bound)
    if cand is None:
        cand = np.arange(total)
    if len(cand) > n:
        sub = keys[cand]
        nth = sub[np.argpartition(-sub, n - 1)[n - 1]]
        cand = cand[sub >= nth]
    return cand
