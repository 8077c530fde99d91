"""The collection's statistics file: its word table, and files that cannot be trusted."""

from __future__ import annotations

import numpy as np

from search.collection import CollectionStats, TermTable
from search.stats import CorpusStats


def _parts() -> list:
    a = CorpusStats(n_docs=10, live=9, lengths={"title": 30, "body": 400}, newest=5,
                    dfs={("body", "oil"): 4, ("body", "zürich"): 1, ("title", "oil"): 2})
    b = CorpusStats(n_docs=5, live=5, lengths={"title": 12, "body": 90}, newest=9,
                    dfs={("body", "oil"): 1, ("body", "öl"): 3, ("body", "a"): 2})
    return [(name, stats, {f: TermTable.of({t: n for (g, t), n in stats.dfs.items() if g == f})
                           for f in ("title", "body")})
            for name, stats in (("shard-a", a), ("shard-b", b))]


def test_the_file_holds_what_the_shards_sum_to(tmp_path):
    stats = CollectionStats.of(_parts())
    path = tmp_path / "collection-stats.npz"
    stats.save(path)
    loaded = CollectionStats.load(path)
    assert loaded is not None and loaded.identities == ["shard-a", "shard-b"]
    terms = [("body", "oil"), ("body", "zürich"), ("body", "öl"), ("title", "oil"),
             ("title", "öl"), ("body", "absent"), ("body", ""), ("body", "a")]
    expected = CorpusStats.merge(s for _, s, _ in _parts())
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


def test_merged_tables_add_up_every_words_frequencies():
    import random

    rng = random.Random(6)
    alphabet = "aäbzß€öé1"
    parts = [{"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))): rng.randint(1, 9)
              for _ in range(300)} for _ in range(4)]
    merged = TermTable.merge([TermTable.of(p) for p in parts] + [TermTable.of({})])
    expected: dict[str, int] = {}
    for p in parts:
        for word, n in p.items():
            expected[word] = expected.get(word, 0) + n
    assert len(merged) == len(expected)
    assert all(merged.get(word) == n for word, n in expected.items())
    assert [w.decode() for w, _ in merged.items()] == sorted(expected)


def test_words_sharing_their_first_eight_bytes_are_told_apart():
    import random

    rng = random.Random(9)
    words = {"internat", "internation", "international", "internationally", "internationale",
             "intern", "i", "zürichzürich", "zürichzüri", "日本語のテキスト", "日本語の"}
    words |= {"".join(rng.choice("aäbß日") for _ in range(rng.randint(1, 12)))
              for _ in range(3000)}
    counts = {w: rng.randint(1, 99) for w in words}
    table = TermTable.of(counts)
    asked = sorted(words) + ["internationa", "interna", "zürichz", "日本", "", "zzz", "ä" * 20]
    assert table.get_many(asked) == [counts.get(w, 0) for w in asked]
    assert table.get("international") == counts["international"] and table.get_many([]) == []
