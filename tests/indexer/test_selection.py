"""The largest keys by block maxima: the same positions as sorting every key."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from indexer.selection import at_least_nth


def by_sorting(keys: np.ndarray, n: int) -> np.ndarray:
    """Every position whose key is at least the n-th largest, found by a full sort."""
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    if n >= len(keys):
        return np.arange(len(keys))
    nth = np.sort(keys[~np.isnan(keys)])[::-1][n - 1]
    return np.flatnonzero(keys >= nth)


keys = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64]),
    shape=st.integers(0, 2_000),
    # few distinct values: ties at the n-th are common; -inf as undated stories' keys
    elements=st.one_of(st.integers(-3, 3).map(float), st.floats(-1e6, 1e6, width=32),
                       st.just(-np.inf)))


@settings(max_examples=300, deadline=None)
@given(keys, st.integers(0, 120))
def test_same_positions_as_a_full_sort(values, n):
    assert np.array_equal(at_least_nth(values, n), by_sorting(values, n))


def test_the_largest_all_in_one_block_are_found():
    values = np.zeros(10_000)
    values[4_000:4_050] = np.arange(50) + 1.0  # the 50 largest side by side
    got = at_least_nth(values, 20)
    assert got.tolist() == list(range(4_030, 4_050))


def test_ties_with_the_nth_are_all_kept():
    values = np.array([5.0, 1.0, 3.0, 3.0, 3.0, 0.0] * 100)
    got = at_least_nth(values, 150)
    assert len(got) == 400  # 100 fives and every three: the 150th largest is a three
    assert set(values[got].tolist()) == {5.0, 3.0}
