"""The whole collection's term statistics, kept beside a sharded archive's shards.

A search of a sharded archive needs the collection's statistics (:mod:`search.stats`) before
any shard can score a story. Asking every shard for them costs a round of messages per search;
this file holds them instead: the number of stories, field lengths, the newest date and the
document frequency of every word of the ranked fields, summed over the shards when they were
last indexed (``cluster.work.refresh_collection``).

Each shard's part is tagged with the shard's **identity**: its index's commit and the segments
it holds with their deletions (:func:`identity`). A search that uses the file sends the
identities along, and a shard whose index has changed since answers ``stale``; the
coordinator then asks the shards for the statistics as before. So the file only ever saves
a round: it never changes an answer.

Words are kept as one sorted UTF-8 blob per field (looked up by bisection) rather than a
dictionary: a few bytes a word, loaded in milliseconds.
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .stats import RANKED_FIELDS, CorpusStats

#: what a shard answers when the statistics it was sent are not its own
STALE = "stale: the shard has changed since the collection's statistics were read"


def identity(reader) -> str:
    """What a reader holds: its commit's generation, and each segment with its deletions.

    Segment ids are random, so an index rebuilt to the same generation differs too."""
    parts = [str(reader.generation())]
    for sub, _ in reader.leaf_readers():
        seg = sub.segment()
        if seg is not None:
            parts.append(f"{seg.segment_id()}:{seg.deleted_count()}")
    return "|".join(parts)


class TermTable:
    """Document frequencies of one field's words: sorted UTF-8 words in one blob."""

    def __init__(self, blob: bytes, starts: np.ndarray, dfs: np.ndarray):
        if len(starts) != len(dfs) + 1 or (len(dfs) and (
                starts[0] != 0 or starts[-1] != len(blob) or np.any(np.diff(starts) < 0))):
            raise ValueError("a term table whose parts do not fit together")
        self.blob = blob
        self.starts = starts
        self.dfs = dfs
        #: each word's first 8 bytes as a big-endian number (made when first looked in)
        self._prefixes: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.dfs)

    @classmethod
    def of(cls, counts: dict[str, int]) -> TermTable:
        return cls._from_sorted(sorted((w.encode("utf-8"), n) for w, n in counts.items()))

    @classmethod
    def _from_sorted(cls, pairs) -> TermTable:
        """From (UTF-8 word, frequency) pairs in word order (UTF-8 sorts as code points do)."""
        words: list[bytes] = []
        dfs: list[int] = []
        for word, n in pairs:
            words.append(word)
            dfs.append(n)
        starts = np.zeros(len(words) + 1, dtype=np.int64)
        if words:
            np.cumsum([len(w) for w in words], out=starts[1:])
        return cls(b"".join(words), starts, np.array(dfs, dtype=np.int64))

    @classmethod
    def merge(cls, tables: list[TermTable]) -> TermTable:
        """One table of several (the frequencies of a word in several added up), merged in
        word order: no dictionary of every word of every table is made."""
        def summed():
            last, total = None, 0
            for word, n in heapq.merge(*(t.items() for t in tables)):
                if word != last:
                    if last is not None:
                        yield last, total
                    last, total = word, 0
                total += n
            if last is not None:
                yield last, total

        return cls._from_sorted(summed())

    def items(self):
        """(UTF-8 word, frequency) in word order."""
        blob, starts = self.blob, self.starts.tolist()
        for i, n in enumerate(self.dfs.tolist()):
            yield blob[starts[i]:starts[i + 1]], n

    def get(self, term: str) -> int:
        return self.get_many([term])[0]

    def get_many(self, terms: list[str]) -> list[int]:
        """The frequency of each of ``terms`` (0: not a word of the table). The words whose
        first 8 bytes are a term's are found by one vectorised bisection for all the terms,
        then compared whole: a related-stories lookup weighs hundreds of words, and a
        bisection in Python took 9 microseconds a word."""
        if not terms:
            return []
        if self._prefixes is None:
            self._prefixes = _prefixes(np.frombuffer(self.blob, dtype=np.uint8),
                                       self.starts)
        keys = [t.encode("utf-8") for t in terms]
        wanted = np.array([int.from_bytes(k[:8].ljust(8, b"\0"), "big") for k in keys],
                          dtype=np.uint64)
        first = np.searchsorted(self._prefixes, wanted, "left").tolist()
        last = np.searchsorted(self._prefixes, wanted, "right").tolist()
        blob, starts, dfs = self.blob, self.starts, self.dfs
        out = []
        for key, lo, hi in zip(keys, first, last):
            found = 0
            for i in range(lo, hi):  # the words sharing the key's first 8 bytes
                if blob[int(starts[i]):int(starts[i + 1])] == key:
                    found = int(dfs[i])
                    break
            out.append(found)
        return out


def _prefixes(blob: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The first 8 bytes of each word (zeros after a shorter one) as big-endian uint64s:
    never decreasing in the words' order, so the words sharing a prefix are side by side."""
    count = len(starts) - 1
    out = np.zeros(count, dtype=np.uint64)
    if not count or not len(blob):
        return out
    begin, size = starts[:-1], np.diff(starts)
    for j in range(8):
        byte = blob[np.minimum(begin + j, len(blob) - 1)].astype(np.uint64)
        out |= np.where(size > j, byte, 0).astype(np.uint64) << np.uint64(8 * (7 - j))
    return out


@dataclass
class CollectionStats:
    """The statistics of every shard together, and the identities they were read at."""

    identities: list[str]
    n_docs: int = 0
    live: int = 0
    lengths: dict[str, int] = field(default_factory=dict)
    newest: int = 0
    tables: dict[str, TermTable] = field(default_factory=dict)

    @classmethod
    def of(cls, parts: list[tuple[str, CorpusStats, dict[str, TermTable]]]) -> CollectionStats:
        """From each shard's (identity, sizes, each ranked field's words and frequencies)."""
        merged = CorpusStats.merge(stats for _, stats, _ in parts)
        return cls(identities=[ident for ident, _, _ in parts], n_docs=merged.n_docs,
                   live=merged.live, lengths=dict(merged.lengths), newest=merged.newest,
                   tables={name: TermTable.merge([t[name] for _, _, t in parts if name in t])
                           for name in RANKED_FIELDS})

    def df(self, name: str, term: str) -> int:
        return self.dfs(name, [term])[0]

    def dfs(self, name: str, terms: list[str]) -> list[int]:
        """The document frequency of each of ``terms`` in field ``name``."""
        table = self.tables.get(name)
        return table.get_many(terms) if table is not None else [0] * len(terms)

    def stats_for(self, terms: list[tuple[str, str]]) -> CorpusStats:
        """What the shards' ``shard_stats`` would sum to for a plain query's ``terms``."""
        stats = CorpusStats(n_docs=self.n_docs, lengths=dict(self.lengths), newest=self.newest)
        for name in dict.fromkeys(name for name, _ in terms):
            words = [term for field_name, term in terms if field_name == name]
            for term, df in zip(words, self.dfs(name, words)):
                stats.dfs[(name, term)] = df
        return stats

    def save(self, path: Path) -> None:
        """Write atomically (a reader sees the old file or the new one)."""
        meta = {"identities": self.identities, "n_docs": self.n_docs, "live": self.live,
                "lengths": self.lengths,
                "newest": self.newest, "fields": sorted(self.tables)}
        encoded = json.dumps(meta).encode("utf-8")
        arrays: dict[str, Any] = {"meta": np.frombuffer(encoded, dtype=np.uint8)}
        for name, table in self.tables.items():
            arrays[f"blob-{name}"] = np.frombuffer(table.blob, dtype=np.uint8)
            arrays[f"starts-{name}"] = table.starts
            arrays[f"dfs-{name}"] = table.dfs
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> CollectionStats | None:
        """The file's statistics, or None when it is missing or unreadable."""
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(z["meta"].tobytes().decode("utf-8"))
                tables = {name: TermTable(z[f"blob-{name}"].tobytes(), z[f"starts-{name}"],
                                          z[f"dfs-{name}"]) for name in meta["fields"]}
            return cls(identities=list(meta["identities"]), n_docs=int(meta["n_docs"]),
                       live=int(meta["live"]),
                       lengths={k: int(v) for k, v in meta["lengths"].items()},
                       newest=int(meta["newest"]), tables=tables)
        except (OSError, KeyError, ValueError, TypeError):
            return None
