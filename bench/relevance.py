"""Ranking quality on the TIME test collection: newsarchive vs plain Whoosh vs rank-bm25.

    python bench/relevance.py [--shared ../shared/data]

423 TIME articles from 1963, 83 natural-language queries, relevance judgements in TIME.REL
(documents numbered by their 1-based position in TIME.ALL). Prints MAP, nDCG@10 and P@10 for:

- newsarchive: the articles imported into a real archive (store + our indexer: news analyzer,
  title/body BM25F) and searched with ``SearchIndex.search`` (the CLI's path);
- plain Whoosh: TEXT field with Whoosh's default analyzer, BM25F, an OR of the query words;
- rank-bm25: BM25Okapi over lower-cased ``\\w+`` tokens (pip install rank-bm25).

And the per-query spread: how many queries newsarchive wins, ties and loses against the best
baseline, and the quartiles of the per-query AP difference.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import statistics
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load(shared: Path):
    root = shared / "time-magazine-ir"
    text = gzip.decompress((root / "TIME.ALL.gz").read_bytes()).decode("latin-1")
    docs = []
    for chunk in re.split(r"^\*TEXT ", text, flags=re.M)[1:]:
        header, _, body = chunk.partition("\n")
        m = re.search(r"(\d\d)/(\d\d)[/ ](\d\d)", header)
        date = datetime(1900 + int(m.group(3)), int(m.group(1)), int(m.group(2))) if m else None
        docs.append({"pos": len(docs) + 1, "date": date, "body": " ".join(body.split())})
    queries = {}
    for chunk in re.split(r"^\*FIND\s+", (root / "TIME.QUE").read_text("latin-1"), flags=re.M)[1:]:
        qid, _, q = chunk.partition("\n")
        q = " ".join(q.replace("*STOP", "").split())
        if q:
            queries[int(qid)] = q
    rels = {}
    for line in (root / "TIME.REL").read_text().splitlines():
        parts = line.split()
        if len(parts) > 1:
            rels[int(parts[0])] = {position(int(p)) for p in parts[1:]}
    queries = {q: t for q, t in queries.items() if rels.get(q)}
    return docs, queries, rels


#: TIME.REL numbers documents by position in a 425-document TIME.ALL; the copy here has 423
#: (see its README), the two missing ones falling between positions 371 and 379. From 380 on a
#: judgement names the document two places further on: doc 380 (a West German war memorial)
#: judged for "Communist Chinese trade" is 378 ("How much trade with the Reds?"), 381 (a Japanese
#: disaster) for "the new prime minister of Great Britain" is 379 (a British by-election),
#: 403 (a spy story) for "wheat deals" is 401 (the only story there about wheat), 424 and 425
#: are past the end. No judgement falls between 371 and 379, so the exact place does not matter.
SHIFTED_FROM, SHIFT = 380, 2


def position(judged: int) -> int:
    """The 1-based position in our TIME.ALL of the document TIME.REL numbers ``judged``."""
    return judged - SHIFT if judged >= SHIFTED_FROM else judged


def average_precision(ranked: list[int], relevant: set[int]) -> float:
    hits = 0
    total = 0.0
    for i, d in enumerate(ranked, 1):
        if d in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant) if relevant else 0.0


def ndcg10(ranked: list[int], relevant: set[int]) -> float:
    dcg = sum(1 / math.log2(i + 1) for i, d in enumerate(ranked[:10], 1) if d in relevant)
    ideal = sum(1 / math.log2(i + 1) for i in range(1, min(10, len(relevant)) + 1))
    return dcg / ideal if ideal else 0.0


def p10(ranked: list[int], relevant: set[int]) -> float:
    return sum(1 for d in ranked[:10] if d in relevant) / 10


def evaluate(run: dict[int, list[int]], rels) -> dict:
    aps = {q: average_precision(run[q], rels[q]) for q in run}
    return {"MAP": statistics.mean(aps.values()),
            "nDCG@10": statistics.mean(ndcg10(run[q], rels[q]) for q in run),
            "P@10": statistics.mean(p10(run[q], rels[q]) for q in run), "ap": aps}


def run_newsarchive(docs, queries) -> dict[int, list[int]]:
    from archive.store import Article, Store
    from indexer import update_index
    from search import SearchIndex

    archive = Path(tempfile.mkdtemp()) / "time"
    with Store(archive) as store, store.transaction():
        for d in docs:
            store.upsert_article(Article(
                canonical_url=f"https://time.example/{d['pos']}", url=f"https://time.example/{d['pos']}",
                title="", body=d["body"], published=d["date"].isoformat() if d["date"] else None,
                source="time.example"))
    update_index(archive)
    run = {}
    with SearchIndex(archive) as idx:
        for qid, q in queries.items():
            res = idx.search(q.lower(), limit=100, facets=False, collapse=False, suggest=False)
            run[qid] = [int(h.url.rsplit("/", 1)[1]) for h in res.hits]
    return run


def run_plain_whoosh(docs, queries) -> dict[int, list[int]]:
    from whoosh import index, qparser, scoring
    from whoosh.fields import ID, TEXT, Schema

    path = tempfile.mkdtemp()
    ix = index.create_in(path, Schema(id=ID(stored=True), body=TEXT))
    w = ix.writer()
    for d in docs:
        w.add_document(id=str(d["pos"]), body=d["body"])
    w.commit()
    parser = qparser.QueryParser("body", ix.schema, group=qparser.OrGroup)
    run = {}
    with ix.searcher(weighting=scoring.BM25F()) as s:
        for qid, q in queries.items():
            words = " ".join(re.findall(r"\w+", q))
            run[qid] = [int(r["id"]) for r in s.search(parser.parse(words), limit=100)]
    return run


def run_rank_bm25(docs, queries) -> dict[int, list[int]] | None:
    try:
        from rank_bm25 import BM25Okapi
    except ImportError:
        return None
    tok = lambda t: re.findall(r"\w+", t.lower())  # noqa: E731
    bm = BM25Okapi([tok(d["body"]) for d in docs])
    run = {}
    for qid, q in queries.items():
        scores = bm.get_scores(tok(q))
        order = sorted(range(len(docs)), key=lambda i: -scores[i])[:100]
        run[qid] = [docs[i]["pos"] for i in order if scores[i] > 0]
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    docs, queries, rels = load(args.shared)
    runs = {"newsarchive": run_newsarchive(docs, queries),
            "plain whoosh BM25F": run_plain_whoosh(docs, queries)}
    bm = run_rank_bm25(docs, queries)
    if bm is not None:
        runs["rank-bm25 BM25Okapi"] = bm
    scores = {name: evaluate(run, rels) for name, run in runs.items()}
    print(f"{len(docs)} documents, {len(queries)} judged queries")
    print(f"{'ranking':<22} {'MAP':>6} {'nDCG@10':>8} {'P@10':>6}")
    for name, s in scores.items():
        print(f"{name:<22} {s['MAP']:>6.3f} {s['nDCG@10']:>8.3f} {s['P@10']:>6.3f}")
    best = max((n for n in scores if n != "newsarchive"), key=lambda n: scores[n]["MAP"])
    ours, theirs = scores["newsarchive"]["ap"], scores[best]["ap"]
    diffs = [ours[q] - theirs[q] for q in ours]
    wins = sum(d > 1e-9 for d in diffs)
    losses = sum(d < -1e-9 for d in diffs)
    quart = statistics.quantiles(diffs, n=4)
    gain = scores["newsarchive"]["MAP"] / scores[best]["MAP"] - 1
    print(f"vs {best}: MAP {gain:+.1%}; per query: {wins} better, {len(diffs) - wins - losses} "
          f"equal, {losses} worse; AP difference quartiles {quart[0]:+.3f} / {quart[1]:+.3f} "
          f"/ {quart[2]:+.3f}")
    print(json.dumps({"bench": "relevance", "queries": len(queries),
                      **{n: {k: round(v, 4) for k, v in s.items() if k != "ap"}
                         for n, s in scores.items()},
                      "best_baseline": best, "map_gain": round(gain, 4), "better": wins,
                      "worse": losses, "ap_diff_quartiles": [round(x, 4) for x in quart]}))


if __name__ == "__main__":
    main()
