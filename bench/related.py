"""Related-story quality and speed: newsarchive vs Whoosh more_like_this vs TF-IDF cosine.

    python bench/related.py [--shared ../shared/data] [--sources 500] [--archive DIR]

In one run, on the same index:

- **Lee** (50 ABC news documents, 1,225 pairs rated by humans; the 300 background documents
  are imported too, as the rest of the archive): Pearson r between each method's pair score
  and the mean human rating. newsarchive: ``search.related.relatedness`` (the score ``related``
  ranks by), averaged over both directions; more_like_this: the score of b in a's results (0 if
  absent), averaged likewise; TF-IDF: cosine of scikit-learn ``TfidfVectorizer(sublinear_tf)``
  vectors fitted on all 350 documents.
- **Reuters-21578** (stories with at least one topic) and **BBC News** (5 categories):
  precision@5 of the suggestions sharing a topic with the source story, over ``--sources``
  sources drawn with a fixed seed. ``related`` by default lets the stories' own topic tags
  count (shared tags add up to 50%), which these labels reward directly, so it is also
  measured on text alone (``newsarchive_text_only``, ``topic_boost=0``).
- **Latency** on the 200k-story archive of ``bench/search.py`` (``--archive``, built there):
  p50/p95 ms of ``related`` for 200 archived stories and for 100 drafts of 1,000 words, beside
  more_like_this on the same index.

scikit-learn is a benchmark-only dependency (pip install scikit-learn).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after the project: bench/search.py is not `search`


def make_archive(docs: list[dict]) -> Path:
    from archive.store import Article, Store
    from indexer import update_index

    archive = Path(tempfile.mkdtemp()) / "data"
    with Store(archive) as store, store.transaction():
        for d in docs:
            store.upsert_article(Article(
                canonical_url=d["url"], url=d["url"], title=d.get("title", ""), body=d["body"],
                published=d["published"].isoformat() if d.get("published") else None,
                topics=d.get("topics"), source=d.get("source", "bench.example"), language="en"))
    update_index(archive)
    return archive


def pearson(xs, ys) -> float:
    return statistics.correlation(xs, ys)


# -- Lee -------------------------------------------------------------------------------------------
def lee(shared: Path) -> dict:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from search import SearchIndex
    from search.related import relatedness

    root = shared / "lee-news-similarity"
    docs = [ln.strip() for ln in (root / "lee.cor").read_text("latin-1").splitlines() if ln.strip()]
    lines = (root / "lee_background.cor").read_text("latin-1").splitlines()
    background = [ln.strip() for ln in lines if ln.strip()]
    human_m = np.loadtxt(root / "similarities0-1.txt")
    pairs = [(i, j) for i in range(50) for j in range(i + 1, 50)]
    human = [human_m[i, j] for i, j in pairs]
    urls = [f"https://lee.example/{i}" for i in range(50)]
    archive = make_archive([{"url": u, "body": t} for u, t in zip(urls, docs)]
                           + [{"url": f"https://lee.example/bg/{i}", "body": t}
                              for i, t in enumerate(background)])
    ours = np.zeros((50, 50))
    mlt = np.zeros((50, 50))
    with SearchIndex(archive) as idx:
        for i in range(50):
            scores = relatedness(idx, docs[i], {j: docs[j] for j in range(50) if j != i},
                                 exclude=urls[i])
            for j, s in scores.items():
                ours[i, j] = s
            s = idx.searcher
            docnum = s.document_number(id=urls[i])
            for r in s.more_like(docnum, "body", text=docs[i], top=400):
                u = r["id"]
                if u in urls:
                    mlt[i, urls.index(u)] = r.score
    vec = TfidfVectorizer(sublinear_tf=True).fit(docs + background)
    m = vec.transform(docs)
    tfidf = (m @ m.T).toarray()
    sym = lambda a, i, j: (a[i, j] + a[j, i]) / 2  # noqa: E731
    return {"newsarchive": pearson([sym(ours, i, j) for i, j in pairs], human),
            "more_like_this": pearson([sym(mlt, i, j) for i, j in pairs], human),
            "tfidf_cosine": pearson([tfidf[i, j] for i, j in pairs], human)}


# -- topic precision -------------------------------------------------------------------------------
def topic_precision(docs: list[dict], n_sources: int) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from search import SearchIndex, related

    archive = make_archive(docs)
    by_url = {d["url"]: d for d in docs}
    rng = random.Random(7)
    sources = rng.sample(docs, min(n_sources, len(docs)))

    def precision(src, urls):
        want = set(src["topics"])
        urls = urls[:5]
        return sum(1 for u in urls if want & set(by_url[u]["topics"])) / 5

    out: dict[str, list[float]] = {"newsarchive": [], "newsarchive_text_only": [],
                                   "more_like_this": [], "tfidf_cosine": []}
    with SearchIndex(archive) as idx:
        s = idx.searcher
        for src in sources:
            _, found = related(idx, url=src["url"], limit=5)
            out["newsarchive"].append(precision(src, [f.url for f in found]))
            _, found = related(idx, url=src["url"], limit=5, topic_boost=0)
            out["newsarchive_text_only"].append(precision(src, [f.url for f in found]))
            docnum = s.document_number(id=src["url"])
            res = s.more_like(docnum, "body", text=f"{src['title']}\n{src['body']}", top=5)
            out["more_like_this"].append(precision(src, [r["id"] for r in res]))
    vec = TfidfVectorizer(sublinear_tf=True)
    m = vec.fit_transform([f"{d['title']}\n{d['body']}" for d in docs])
    index_of = {d["url"]: i for i, d in enumerate(docs)}
    for src in sources:
        i = index_of[src["url"]]
        sims = (m @ m[i].T).toarray().ravel()
        sims[i] = -1
        top = sims.argsort()[::-1][:5]
        out["tfidf_cosine"].append(precision(src, [docs[k]["url"] for k in top]))
    return {k: statistics.mean(v) for k, v in out.items()} | {"sources": len(sources),
                                                             "stories": len(docs)}


def reuters_docs(shared: Path) -> list[dict]:
    import index as corpus

    return [{**d, "url": f"https://reuters.example/{d['id']}"} for d in corpus.reuters(shared)
            if d["topics"]]


def bbc_docs(shared: Path) -> list[dict]:
    import index as corpus

    return [{**d, "url": f"https://bbc.example/{d['id']}"} for d in corpus.bbc(shared)]


# -- latency ---------------------------------------------------------------------------------------
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def latency(archive: Path) -> dict:
    import sqlite3

    from search import SearchIndex, related

    db = sqlite3.connect(archive / "store.sqlite")
    rows = db.execute("SELECT canonical_url, title, body FROM articles").fetchall()
    rng = random.Random(3)
    picks = rng.sample(rows, 200)
    drafts = []
    for _ in range(100):
        words: list[str] = []
        while len(words) < 1000:
            words += rng.choice(rows)[2].split()
        drafts.append(" ".join(words[:1000]))
    out = {}
    with SearchIndex(archive) as idx:
        related(idx, url=picks[0][0])  # warm the per-commit caches, as a server would be
        t_art, t_draft, t_mlt = [], [], []
        for url, _, _ in picks:
            t0 = time.perf_counter()
            related(idx, url=url, limit=5)
            t_art.append((time.perf_counter() - t0) * 1000)
        for text in drafts:
            t0 = time.perf_counter()
            related(idx, text=text, limit=5)
            t_draft.append((time.perf_counter() - t0) * 1000)
        s = idx.searcher
        for url, title, body in picks:
            t0 = time.perf_counter()
            docnum = s.document_number(id=url)
            list(s.more_like(docnum, "body", text=f"{title}\n{body}", top=5))
            t_mlt.append((time.perf_counter() - t0) * 1000)
        out["stories"] = s.doc_count()
    for name, xs in (("article", t_art), ("draft_1000_words", t_draft), ("more_like_this", t_mlt)):
        out[name] = {"p50": round(pct(xs, 50), 1), "p95": round(pct(xs, 95), 1)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--sources", type=int, default=500)
    ap.add_argument("--archive", type=Path, default=ROOT / "bench" / "out" / "search-archive",
                    help="the 200k-story archive bench/search.py builds (skipped if absent)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["lee", "reuters", "bbc", "latency"])
    args = ap.parse_args()
    report: dict = {"when": datetime.now().isoformat(timespec="seconds")}

    def show(key: str, r: dict) -> None:
        report[key] = r
        text_only = (f"   (text only {r['newsarchive_text_only']:.3f})"
                     if "newsarchive_text_only" in r else "")
        print(f"{key:13s} newsarchive {r['newsarchive']:.3f}{text_only}   more_like_this "
              f"{r['more_like_this']:.3f}   tfidf_cosine {r['tfidf_cosine']:.3f}", flush=True)

    if "lee" not in args.skip:
        show("lee_pearson", lee(args.shared))
    if "reuters" not in args.skip:
        show("reuters_p@5", topic_precision(reuters_docs(args.shared), args.sources))
    if "bbc" not in args.skip:
        show("bbc_p@5", topic_precision(bbc_docs(args.shared), args.sources))
    if "latency" not in args.skip and (args.archive / "index").exists():
        lat = report["latency_ms"] = latency(args.archive)
        print(f"latency on {lat['stories']:,} stories (p50/p95 ms): article "
              f"{lat['article']['p50']}/{lat['article']['p95']}   1,000-word draft "
              f"{lat['draft_1000_words']['p50']}/{lat['draft_1000_words']['p95']}   "
              f"more_like_this {lat['more_like_this']['p50']}/{lat['more_like_this']['p95']}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
