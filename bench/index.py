"""Indexing speed, size and memory: newsarchive's indexer vs a plain Whoosh writer.

    python bench/index.py [--shared ../shared/data] [--scaled 200000]

Corpora, read in place: Reuters-21578 (the ~19k stories with a body, with dates and topics),
and a scaled corpus assembled from Reuters-21578, BBC News and 20 Newsgroups: the ~42k real
texts repeated with distinct URLs, each repetition shifted by whole years and its paragraphs
rotated, until it reaches ``--scaled`` articles.

Each run is a separate process; peak RSS is the largest of it and its indexing processes.
Baseline: a plain Whoosh ``writer()`` with StemmingAnalyzer on the same fields, one commit at
the end. newsarchive: the store of record (SQLite) -> ``Indexer.update(rebuild=True)``. Then
the time to add 1,000 new articles to the scaled index with ``newsarchive``'s incremental
update. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def reuters(shared: Path):
    for path in sorted((shared / "reuters21578").glob("reut2-*.sgm.gz")):
        text = gzip.decompress(path.read_bytes()).decode("latin-1")
        for rec in re.findall(r"<REUTERS(.*?)</REUTERS>", text, re.S):
            body = re.search(r"<BODY>(.*?)</BODY>", rec, re.S)
            if not body:
                continue
            title = re.search(r"<TITLE>(.*?)</TITLE>", rec, re.S)
            date = re.search(r"<DATE>\s*(\d+-\w+-\d{4})", rec)
            tm = re.search(r"<TOPICS>(.*?)</TOPICS>", rec, re.S)
            topics = re.findall(r"<D>(.*?)</D>", tm.group(1)) if tm else []
            newid = re.search(r'NEWID="(\d+)"', rec).group(1)
            try:
                published = datetime.strptime(date.group(1), "%d-%b-%Y") if date else None
            except ValueError:
                published = None
            yield {"id": f"reuters/{newid}",
                   "title": html.unescape(title.group(1)) if title else "",
                   "body": html.unescape(body.group(1)).replace("\x03", "").strip(),
                   "published": published, "topics": topics, "source": "reuters.com"}


def bbc(shared: Path):
    with tarfile.open(shared / "bbc-news" / "bbc-fulltext.tar.gz") as tar:
        for m in tar.getmembers():
            if m.isfile() and m.name.endswith(".txt"):
                parts = m.name.split("/")
                text = tar.extractfile(m).read().decode("latin-1")
                title, _, body = text.partition("\n")
                yield {"id": f"bbc/{parts[-2]}/{parts[-1]}", "title": title.strip(),
                       "body": body.strip(), "published": datetime(2005, 1, 1),
                       "topics": [parts[-2]], "source": "bbc.co.uk"}


def newsgroups(shared: Path):
    with tarfile.open(shared / "20newsgroups-bydate" / "20news-bydate.tar.xz") as tar:
        for m in tar.getmembers():
            if m.isfile():
                parts = m.name.split("/")
                text = tar.extractfile(m).read().decode("latin-1")
                head, _, body = text.partition("\n\n")
                subj = re.search(r"^Subject: (.*)$", head, re.M)
                yield {"id": f"20ng/{parts[-3]}/{parts[-2]}/{parts[-1]}",
                       "title": subj.group(1) if subj else "", "body": body.strip(),
                       "published": datetime(1993, 4, 1), "topics": [parts[-2]],
                       "source": "usenet"}


def scaled(shared: Path, n: int):
    real = list(reuters(shared)) + list(bbc(shared)) + list(newsgroups(shared))
    out = 0
    rep = 0
    while out < n:
        for d in real:
            if out >= n:
                return
            body = d["body"]
            if rep:
                paras = body.split("\n")
                k = rep % max(1, len(paras))
                body = "\n".join(paras[k:] + paras[:k])
            pub = d["published"].replace(year=d["published"].year + rep) if d["published"] else None
            yield {**d, "id": f"{d['id']}#{rep}", "body": body, "published": pub}
            out += 1
        rep += 1


def to_article(d):
    from archive.store import Article

    url = f"https://{d['source']}/{d['id']}"
    return Article(canonical_url=url, url=url, title=d["title"], body=d["body"],
                   published=d["published"].isoformat() if d["published"] else None,
                   topics=d["topics"], source=d["source"], language="en")


# -- the measured runs (each in its own process) ----------------------------------------------
def run_baseline(docs_iter, workdir: Path) -> dict:
    from whoosh import index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

    ana = StemmingAnalyzer()
    schema = Schema(id=ID(unique=True, stored=True), title=TEXT(analyzer=ana, stored=True),
                    body=TEXT(analyzer=ana), lead=STORED(),
                    published=DATETIME(stored=True, sortable=True),
                    topics=KEYWORD(stored=True, lowercase=True, commas=True),
                    source=ID(stored=True))
    ix = index.create_in(str(workdir), schema)
    docs = list(docs_iter)
    t0 = time.perf_counter()
    w = ix.writer()
    for d in docs:
        doc = {"id": d["id"], "title": d["title"], "body": d["body"], "lead": d["body"][:400],
               "topics": ",".join(d["topics"]), "source": d["source"]}
        if d["published"]:
            doc["published"] = d["published"]
        w.add_document(**doc)
    w.commit()
    return {"docs": len(docs), "seconds": time.perf_counter() - t0}


def run_ours(docs_iter, workdir: Path, procs: int) -> dict:
    from archive.store import Store
    from indexer import Indexer

    archive = workdir / "archive"
    with Store(archive) as store:
        store.db.execute("BEGIN")
        for d in docs_iter:
            store.upsert_article(to_article(d))
        store.db.execute("COMMIT")
    t0 = time.perf_counter()
    report = Indexer(archive, procs=procs).update(rebuild=True)
    return {"docs": report.documents, "seconds": time.perf_counter() - t0}


def run_incremental(workdir: Path, shared: Path) -> dict:
    from archive.store import Store
    from indexer import update_index

    archive = workdir / "archive"
    new = [to_article({**d, "id": d["id"] + "#new"}) for d, _ in zip(reuters(shared), range(1000))]
    t0 = time.perf_counter()
    with Store(archive) as store, store.transaction():
        for a in new:
            store.upsert_article(a)
    report = update_index(archive)
    return {"added": report.added, "seconds": time.perf_counter() - t0}


def run_commands(workdir: Path, shared: Path) -> dict:
    """What a user runs, at defaults: ``newsarchive import`` of the corpus as JSONL (which
    indexes what it imported), then ``newsarchive index --rebuild``; each timed whole."""
    jsonl = workdir / "reuters.jsonl"
    with jsonl.open("w") as fh:
        for d in reuters(shared):
            fh.write(json.dumps({"url": f"https://{d['id']}.example/", "title": d["title"],
                                 "body": d["body"], "topics": d["topics"],
                                 "published": d["published"].isoformat()
                                 if d.get("published") else None}) + "\n")
    archive = workdir / "archive"
    cli = [sys.executable, "-m", "newsarchive.cli"]
    t0 = time.perf_counter()
    subprocess.run([*cli, "import", str(jsonl), "--archive", str(archive)], check=True,
                   capture_output=True)
    t1 = time.perf_counter()
    subprocess.run([*cli, "index", "--rebuild", "--archive", str(archive)], check=True,
                   capture_output=True)
    t2 = time.perf_counter()
    jsonl.unlink()
    return {"docs": sum(1 for _ in reuters(shared)), "seconds": t2 - t0,
            "import_s": round(t1 - t0, 2), "rebuild_s": round(t2 - t1, 2)}


def child(args) -> None:
    workdir = Path(args.workdir)
    shared = Path(args.shared)
    corpus = reuters(shared) if args.corpus == "reuters" else scaled(shared, args.scaled)
    if args.child == "baseline":
        out = run_baseline(corpus, workdir)
    elif args.child == "ours":
        out = run_ours(corpus, workdir, args.procs or os.cpu_count() or 1)
    elif args.child == "commands":
        out = run_commands(workdir, shared)
    else:
        out = run_incremental(workdir, shared)
    size = sum(f.stat().st_size for f in workdir.rglob("*")
               if f.is_file() and "index" in str(f.parent)
               or (args.child == "baseline" and f.is_file()))
    out["index_mb"] = round(size / 1e6, 1)
    # the largest of this process and its indexing processes (each has its own memory)
    peak = max(resource.getrusage(who).ru_maxrss
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    out["peak_rss_mb"] = round(peak / 1024, 1)
    print(json.dumps(out))


def spawn(kind: str, corpus: str, workdir: Path, args) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--corpus", corpus, "--workdir", str(workdir),
           "--shared", str(args.shared), "--scaled", str(args.scaled)]
    if args.procs:
        cmd += ["--procs", str(args.procs)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--scaled", type=int, default=200_000)
    ap.add_argument("--procs", type=int, default=None,
                    help="processes for the 'ours' run (default: one per core, as the CLI)")
    ap.add_argument("--child")
    ap.add_argument("--corpus", default="reuters")
    ap.add_argument("--workdir")
    ap.add_argument("--skip-scaled", action="store_true")
    args = ap.parse_args()
    if args.child:
        return child(args)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for kind in ("baseline", "ours", "commands"):
            (tmp / f"r-{kind}").mkdir()
            results[f"reuters/{kind}"] = spawn(kind, "reuters", tmp / f"r-{kind}", args)
        if not args.skip_scaled:
            (tmp / "s-ours").mkdir()
            results["scaled/ours"] = spawn("ours", "scaled", tmp / "s-ours", args)
            results["scaled/incremental-1000"] = spawn("incremental", "scaled", tmp / "s-ours",
                                                       args)
    print(f"{'run':<28} {'docs':>8} {'docs/s':>8} {'index MB':>9} {'peak RSS MB':>12}")
    for name, r in results.items():
        docs = r.get("docs") or r.get("added")
        print(f"{name:<28} {docs:>8} {docs / r['seconds']:>8.0f} {r['index_mb']:>9} "
              f"{r['peak_rss_mb']:>12}   ({r['seconds']:.1f} s)")
    b, o = results["reuters/baseline"], results["reuters/ours"]
    ratio = (o["docs"] / o["seconds"]) / (b["docs"] / b["seconds"])
    c = results["reuters/commands"]
    commands = b["seconds"] / c["seconds"]
    print(f"reuters: newsarchive {ratio:.2f}x the baseline's docs/s; the commands a user runs "
          f"(import {c['import_s']} s + index --rebuild {c['rebuild_s']} s, defaults) "
          f"{commands:.2f}x the baseline's time")
    print(json.dumps({"bench": "index", "speedup_reuters": round(ratio, 2),
                      "commands_vs_baseline": round(commands, 2), **results}))


if __name__ == "__main__":
    main()
