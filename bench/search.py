"""Search latency on a large archive: newsarchive's SearchIndex vs plain Whoosh, same index.

    python bench/search.py [--docs 200000] [--archive DIR]

Builds (or reuses) an archive of the scaled corpus of ``bench/index.py``, then times 200
queries of 1–3 words (frequent title words, fixed seed) in five modes, after one warm-up pass:
plain; with a date range; with a date range and topic + month facet counts; sorted by date;
and, plain again, with the compound ``U.S.`` in front of each query (a word of several parts).

Baseline in the same run, on the same index files: a plain Whoosh searcher, MultifieldParser
over title/body (OR group), a ``DateRange`` filter, ``groupedby`` facets (topics, month) and
``sortedby="published"``. Prints p50/p95 ms per mode and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# this file is bench/search.py: keep bench/ behind the project so `search` is the package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))


def build(archive: Path, shared: Path, n: int) -> None:
    import index as corpus

    from archive.store import Store
    from indexer import Indexer

    with Store(archive) as store:
        store.db.execute("BEGIN")
        for d in corpus.scaled(shared, n):
            store.upsert_article(corpus.to_article(d))
        store.db.execute("COMMIT")
    Indexer(archive, procs=2).update(rebuild=True)


def queries(archive: Path, k: int = 200) -> list[str]:
    import sqlite3

    db = sqlite3.connect(archive / "store.sqlite")
    words = Counter()
    for (title,) in db.execute("SELECT title FROM articles LIMIT 20000"):
        words.update(w.lower() for w in re.findall(r"[A-Za-z]{4,}", title or ""))
    vocab = [w for w, _ in words.most_common(400)]
    rnd = random.Random(7)
    return [" ".join(rnd.sample(vocab, rnd.choice((1, 2, 3)))) for _ in range(k)]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def timed(fn, qs):
    fn(qs[0])
    out = []
    for q in qs:
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return {"p50": round(statistics.median(out), 1), "p95": round(pct(out, 95), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--docs", type=int, default=200_000)
    ap.add_argument("--archive", type=Path, default=ROOT / "bench" / "out" / "search-archive")
    args = ap.parse_args()
    if not (args.archive / "index").exists():
        build(args.archive, args.shared, args.docs)
    qs = queries(args.archive)
    compound = [f"U.S. {q}" for q in qs]

    from whoosh import qparser, sorting
    from whoosh.query import DateRange

    from search import SearchIndex

    idx = SearchIndex(args.archive)
    # one untimed pass over the queries, as the docstring says: per-commit caches and the
    # index files' pages in memory, as a long-running server has them (the baseline too)
    for q in qs:
        idx.search(q, date_from="1988-01", facets=True, suggest=False)
    ours = {
        "plain": timed(lambda q: idx.search(q, facets=False, suggest=False), qs),
        "date range": timed(lambda q: idx.search(q, date_from="1988-01", date_to="1990-06",
                                                 facets=False, suggest=False), qs),
        "date + facets": timed(lambda q: idx.search(q, date_from="1988-01", date_to="1990-06",
                                                    suggest=False), qs),
        "sorted by date": timed(lambda q: idx.search(q, sort="newest", facets=False,
                                                     suggest=False), qs),
        "with U.S.": timed(lambda q: idx.search(q, facets=False, suggest=False), compound),
    }
    ix = idx.ix
    s = ix.searcher()
    parser = qparser.MultifieldParser(["title", "body"], ix.schema, group=qparser.OrGroup)
    for q in qs:
        s.search(parser.parse(q), limit=10)
    dr = DateRange("published", datetime(1988, 1, 1), datetime(1990, 6, 30, 23, 59))
    facets = sorting.Facets()
    facets.add_field("topics", allow_overlap=True)
    facets.add_field("month")
    base = {
        "plain": timed(lambda q: s.search(parser.parse(q), limit=10), qs),
        "date range": timed(lambda q: s.search(parser.parse(q), limit=10, filter=dr), qs),
        "date + facets": timed(lambda q: s.search(parser.parse(q), limit=10, filter=dr,
                                                  groupedby=facets), qs),
        "sorted by date": timed(lambda q: s.search(parser.parse(q), limit=10,
                                                   sortedby="published", reverse=True), qs),
        "with U.S.": timed(lambda q: s.search(parser.parse(q), limit=10), compound),
    }
    print(f"{ix.doc_count()} documents, {len(qs)} queries")
    print(f"{'mode':<16} {'ours p50':>9} {'ours p95':>9} {'whoosh p50':>11} {'whoosh p95':>11}")
    for mode in ours:
        print(f"{mode:<16} {ours[mode]['p50']:>9} {ours[mode]['p95']:>9} "
              f"{base[mode]['p50']:>11} {base[mode]['p95']:>11}")
    print(json.dumps({"bench": "search", "docs": ix.doc_count(), "newsarchive": ours,
                      "plain_whoosh": base}))


if __name__ == "__main__":
    main()
