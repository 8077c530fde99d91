"""The corpus statistics a ranking depends on, gathered from one archive or from many shards.

BM25F scores a story with numbers of the whole collection: how many documents there are, how
many hold each word (its idf) and the average length of each field. A shard knows its own;
summed over every shard they are exactly the numbers one archive holding the same stories
would have, so a sharded archive ranks exactly like one archive (Lucene and Elasticsearch call
this the "DFS" phase of a distributed query).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

#: the fields whose lengths and frequencies BM25F uses
RANKED_FIELDS = ("title", "body")


@dataclass
class CorpusStats:
    #: documents, deleted ones included (as Whoosh's ``doc_count_all`` counts them)
    n_docs: int = 0
    #: live documents (related stories weigh words by them); not counted for a search
    live: int = 0
    #: each ranked field's total length over all documents
    lengths: dict[str, int] = field(default_factory=dict)
    #: (field, term) -> documents holding it, deleted ones included
    dfs: dict[tuple[str, str], int] = field(default_factory=dict)
    #: the latest publication date, in Whoosh's ticks (0: nothing dated)
    newest: int = 0
    #: multi-term leaves of the query (prefixes, wildcards...) -> the words they stand for
    #: (indexer.whoosh_compat.with_expansions)
    expansions: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)

    def df(self, fieldname: str, term: str) -> int:
        return self.dfs.get((fieldname, term), 0)

    def idf(self, fieldname: str, term: str) -> float:
        """Whoosh's idf: log(N / (df + 1)) + 1."""
        return math.log(self.n_docs / (self.df(fieldname, term) + 1)) + 1

    def avg(self, fieldname: str) -> float:
        """The field's average length, as Whoosh's ``avg_field_length(...) or 1``."""
        return (self.lengths.get(fieldname, 0) / (self.n_docs or 1)) or 1

    @classmethod
    def merge(cls, parts: Iterable["CorpusStats"]) -> "CorpusStats":
        """The statistics of all ``parts`` together."""
        out = cls()
        for part in parts:
            out.n_docs += part.n_docs
            out.live += part.live
            for name, n in part.lengths.items():
                out.lengths[name] = out.lengths.get(name, 0) + n
            for key, n in part.dfs.items():
                out.dfs[key] = out.dfs.get(key, 0) + n
            out.newest = max(out.newest, part.newest)
            for leaf, words in part.expansions.items():
                out.expansions[leaf] = sorted(set(out.expansions.get(leaf, [])) | set(words))
        return out
