"""The collection's statistics file: its word table, and files that cannot be trusted."""

from __future__ import annotations

import numpy as np

from search.collection import CollectionStats, TermTable
from search.stats import CorpusStats


def _parts() -> list[tuple[str, CorpusStats]]:
    a = CorpusStats(n_docs=10, live=9, lengths={"title": 30, "body": 400}, newest=5,
                    dfs={("body", "oil"): 4, ("body", "zürich"): 1, ("title", "oil"): 2})
    b = CorpusStats(n_docs=5, live=5, lengths={"title": 12, "body": 90}, newest=9,
                    dfs={("body", "oil"): 1, ("body", "öl"): 3})
    return [("shard-a", a), ("shard-b", b)]


def test_the_file_holds_what_the_shards_sum_to(tmp_path):
    stats = CollectionStats.of(_parts())
    path = tmp_path / "collection-stats.npz"
    stats.save(path)
    loaded = CollectionStats.load(path)
    assert loaded is not None and loaded.identities == ["shard-a", "shard-b"]
    terms = [("body", "oil"), ("body", "zürich"), ("body", "öl"), ("title", "oil"),
             ("title", "öl"), ("body", "absent"), ("body", "")]
    expected = CorpusStats.merge(s for _, s in _parts())
    got = loaded.stats_for(terms)
    assert (got.n_docs, got.lengths, got.newest) == (15, {"title": 42, "body": 490}, 9)
    assert got.dfs == {t: expected.df(*t) for t in terms}
    assert loaded.live == 14 and loaded.df("author", "oil") == 0
    assert len(TermTable.of({})) == 0 and TermTable.of({}).get("oil") == 0


def test_a_broken_file_is_not_used(tmp_path):
    path = tmp_path / "collection-stats.npz"
    CollectionStats.of(_parts()).save(path)
    with np.load(path) as z:
        arrays = dict(z)
    arrays["starts-body"] = arrays["starts-body"][::-1].copy()  # words that overlap
    np.savez(path, **arrays)
    assert CollectionStats.load(path) is None
    path.write_bytes(b"not a file of statistics")
    assert CollectionStats.load(path) is None
    assert CollectionStats.load(tmp_path / "missing.npz") is None
