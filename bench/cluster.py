"""Sharded archives on a Dask cluster: identity with one archive, latency, crawl cost, faults.

    python bench/cluster.py [identity|latency|crawl|warc|faults|all] [--shared ../shared/data]
                            [--docs 400000] [--out bench/out/cluster]

- **identity**: Reuters-21578 + BBC News imported as one archive, as 1 shard and as 3 shards;
  200 queries (words of the titles, with filters, sorts, pages, operators) and 50 related-story
  sources; the JSON of every answer compared with full-precision scores (must be identical:
  ids, order, scores to 1e-9, totals, facets).
- **latency**: the scaled corpus of ``bench/index.py`` (``--docs``) as one archive and as 4
  shards on a 2-worker local cluster; p50/p95 ms of 200 searches and 100 related-story
  lookups, each side warmed first, in the same run.
- **crawl**: two sample sites (on two loopback names, 1,500 articles each) crawled by one
  process and by a 2-worker cluster into 2 shards (``newsarchive crawl``, no indexing);
  CPU seconds per page over every process (the command's and its children's).
- **warc**: the real news pages of trafilatura's evaluation set in one WARC file, imported by
  one process, and into 2 shards as before (every shard cleaning every page and keeping its
  own) and as now (a share of the pages cleaned on each worker, the stories sent to their
  shards); wall and CPU seconds over every process.
- **faults**: a worker killed (SIGKILL) mid-crawl: the crawl completes with every story once;
  a worker killed mid-search: the answer is partial and names the shards, then whole again.

Prints a table per part and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def summary(ms: list[float]) -> dict:
    return {"p50": round(statistics.median(ms), 1), "p95": round(pct(ms, 95), 1)}


def write_jsonl(path: Path, docs) -> int:
    n = 0
    with path.open("w") as fh:
        for d in docs:
            fh.write(json.dumps({"url": f"https://{d['source']}/{d['id']}", "title": d["title"],
                                 "body": d["body"], "topics": d["topics"],
                                 "published": d["published"].isoformat()
                                 if d.get("published") else None}) + "\n")
            n += 1
    return n


def build(out: Path, jsonl: Path, shards: int | None, client) -> Path:
    """One archive (``shards`` None) or a sharded one of ``jsonl``, reused when present."""
    from cluster import import_sharded, index_sharded
    from indexer import import_files, update_index

    archive = out / (f"s{shards}" if shards else "one")
    if (archive / ("shards.json" if shards else "index")).exists():
        if shards:  # as a user after an upgrade: brings what index writes up to date
            index_sharded(client, archive)
        return archive
    shutil.rmtree(archive, ignore_errors=True)
    t = time.perf_counter()
    if shards:
        import_sharded(client, archive, [jsonl], shards)
        index_sharded(client, archive)
    else:
        import_files(archive, [jsonl])
        update_index(archive, procs=os.cpu_count() or 1)
    print(f"  built {archive.name} in {time.perf_counter() - t:.0f} s", flush=True)
    return archive


def title_queries(archive_jsonl: Path, k: int, seed: int = 7) -> list[str]:
    from collections import Counter

    words: Counter = Counter()
    with archive_jsonl.open() as fh:
        for i, line in enumerate(fh):
            if i >= 20000:
                break
            words.update(w.lower() for w in re.findall(r"[A-Za-z]{4,}", json.loads(line)["title"]))
    vocab = [w for w, _ in words.most_common(400)]
    rnd = random.Random(seed)
    return [" ".join(rnd.sample(vocab, rnd.choice((1, 2, 3)))) for _ in range(k)]


# -- identity ------------------------------------------------------------------------------------
def _raw_scores() -> None:
    """Hits keep their full-precision score (the JSON rounds it to 4 places)."""
    import search.gather as gather

    original = gather._hit

    def hit(group, sort):
        h = original(group, sort)
        if h.score is not None:
            h.score = float(group[0][3])
        return h

    gather._hit = hit


def _requests(qs: list[str]):
    from search import SearchRequest

    variants = [{}, {"sort": "newest"}, {"date_from": "1987-03", "date_to": "1987-04"},
                {"topic": "earn"}, {"page": 3}, {"limit": 50}, {"recency": 1.0},
                {"collapse": False}]
    for i, q in enumerate(qs):
        text = q if i % 10 else f'"{q}"' if " " in q else f"{q[:4]}*"
        yield SearchRequest(text, **variants[i % len(variants)])


def _close(a, b, path="") -> list[str]:
    """Where two JSON values differ (floats beyond 1e-9)."""
    if isinstance(a, float) and isinstance(b, float):
        return [] if abs(a - b) <= 1e-9 else [path]
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [path + "{keys}"]
        return [d for k in a for d in _close(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [path + "[len]"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _close(x, y, f"{path}[{i}]")]
    return [] if a == b else [path]


def identity(args, client) -> dict:
    import index as corpus

    from cluster import ShardedSearch
    from search import SearchIndex, related

    _raw_scores()
    out = args.out / "identity"
    out.mkdir(parents=True, exist_ok=True)
    jsonl = out / "reuters-bbc.jsonl"
    n = write_jsonl(jsonl, list(corpus.reuters(args.shared)) + list(corpus.bbc(args.shared)))
    one = build(out, jsonl, None, client)
    s1, s3 = build(out, jsonl, 1, client), build(out, jsonl, 3, client)
    qs = title_queries(jsonl, 200)
    sources = random.Random(5).sample([json.loads(line)["url"] for line in jsonl.open()], 50)
    result = {"stories": n, "queries": 0, "related_sources": 0, "differences": {}}
    with SearchIndex(one) as single, ShardedSearch(s1, client) as a, \
            ShardedSearch(s3, client) as b:
        answers = {"one": single, "1 shard": a, "3 shards": b}
        diffs: dict[str, int] = {k: 0 for k in answers}
        seen: list[str] = []

        def compare(what, got):
            for k in answers:
                where = _close(got["1 shard"], got[k])
                diffs[k] += bool(where)
                if where and len(seen) < 10:
                    seen.append(f"{k}: {what} at {where[:3]}")

        for request in _requests(qs):
            compare(request, {k: idx.search(request).as_dict() for k, idx in answers.items()})
            result["queries"] += 1
        for url in sources:
            compare(url, {k: [s.as_dict() for s in related(idx, url=url, limit=10)[1]]
                          for k, idx in answers.items()})
            result["related_sources"] += 1
        result["differences"] = diffs
        result["first_differences"] = seen
        for line in seen:
            print("  differs:", line)
    print(f"identity: {n} stories, {result['queries']} searches, {result['related_sources']} "
          f"related-story sources; answers differing from 1 shard's: "
          + ", ".join(f"{k} {v}" for k, v in diffs.items()))
    return result


# -- latency -------------------------------------------------------------------------------------
def latency(args, client) -> dict:
    import index as corpus

    from cluster import ShardedSearch
    from indexer.concepts import one_blas_thread
    from search import SearchIndex, related
    from search.engine import keep_loaded

    out = args.out / f"latency-{args.docs}"
    out.mkdir(parents=True, exist_ok=True)
    jsonl = out / "scaled.jsonl"
    if not jsonl.exists():
        write_jsonl(jsonl, ({**d, "id": d["id"].replace("#", "-")}
                            for d in corpus.scaled(args.shared, args.docs)))
    one = build(out, jsonl, None, client)
    four = build(out, jsonl, 4, client)
    qs = title_queries(jsonl, 200)
    rnd = random.Random(3)
    urls = []
    with jsonl.open() as fh:
        for line in fh:
            if rnd.random() < 200 / args.docs:
                urls.append(json.loads(line)["url"])
    urls = urls[:100]

    def timed(fn, items):
        for item in items[:20]:
            fn(item)  # warm: caches and pages in memory, as a long-running server has them
        keep_loaded()  # as serve's search processes do once warm
        ms = []
        for item in items:
            t = time.perf_counter()
            fn(item)
            ms.append((time.perf_counter() - t) * 1000)
        return summary(ms)

    one_blas_thread()  # both sides as `serve` runs them (the coordinator sets it too)
    result = {"stories": args.docs}
    with SearchIndex(one) as single:
        result["one archive"] = {
            "search": timed(lambda q: single.search(q, suggest=False), qs),
            "related": timed(lambda u: related(single, url=u), urls)}
    with ShardedSearch(four, client) as sharded:
        result["4 shards, 2 workers"] = {
            "search": timed(lambda q: sharded.search(q, suggest=False), qs),
            "related": timed(lambda u: related(sharded, url=u), urls)}
    a, b = result["one archive"], result["4 shards, 2 workers"]
    result["ratio_p95"] = {k: round(b[k]["p95"] / a[k]["p95"], 2) for k in ("search", "related")}
    print(f"latency on {args.docs:,} stories (p50/p95 ms):")
    for name in ("one archive", "4 shards, 2 workers"):
        r = result[name]
        print(f"  {name:<22} search {r['search']['p50']}/{r['search']['p95']}   "
              f"related {r['related']['p50']}/{r['related']['p95']}")
    print(f"  sharded p95 / one archive's: search {result['ratio_p95']['search']}x, "
          f"related {result['ratio_p95']['related']}x")
    return result


# -- crawl ---------------------------------------------------------------------------------------
HOSTS = ("127.0.0.1", "127.0.0.3")


def _serve(n: int, host: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "newsarchive.sample_site", str(n), "0", host],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    return proc, proc.stdout.readline().strip()


def _cpu_of(cmd: list[str], keep: tuple[int, ...] = ()) -> tuple[float, float]:
    """(CPU seconds of ``cmd`` and all its descendants, wall seconds). This process is made
    their subreaper, so that one outliving ``cmd`` (a forkserver, whose children are the
    cluster's workers) is reaped here and counted; ``keep``: children of this process that
    are not ``cmd``'s (the sites' servers; those already running are left alone too)."""
    import ctypes

    import psutil

    ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    ours = {child.pid for child in psutil.Process().children()} | set(keep)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env={**os.environ, "NEWSARCHIVE_CLUSTER": ""})
    wall = time.perf_counter() - t
    for child in psutil.Process().children():
        if child.pid not in ours:
            os.waitpid(child.pid, 0)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime), wall


def _pages(archive: Path) -> int:
    from archive import sharding
    from archive.store import Store

    paths = sharding.read(archive).paths if sharding.is_sharded(archive) else [archive]
    total = 0
    for path in paths:
        with Store(path, create=False) as store:
            total += store.db.execute("SELECT COUNT(*) FROM fetches").fetchone()[0]
    return total


def crawl(args, client=None) -> dict:
    out = args.out / "crawl"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    sites = [_serve(1500, h) for h in HOSTS]
    seeds = [url + "/" for _, url in sites]
    cli = [sys.executable, "-m", "newsarchive.cli", "crawl", *seeds, "--delay", "0",
           "--per-host", "16", "--concurrency", "32", "--no-index"]
    result = {}
    try:
        for name, extra in (("one process", []), ("2 shards, 2 workers", ["--shards", "2"])):
            archive = out / re.sub(r"\W+", "-", name)
            cpu, wall = _cpu_of([*cli, "--archive", str(archive), *extra],
                                keep=tuple(proc.pid for proc, _ in sites))
            pages = _pages(archive)
            result[name] = {"pages": pages, "cpu_s": round(cpu, 1), "wall_s": round(wall, 1),
                            "cpu_ms_per_page": round(1000 * cpu / pages, 2),
                            "pages_per_s": round(pages / wall, 1)}
    finally:
        for proc, _ in sites:
            proc.terminate()
    # what starting and stopping a local cluster of two workers costs, crawling nothing
    start = "from cluster import connect\nwith connect(None, workers=2): pass"
    fixed = _cpu_of([sys.executable, "-c", start])[0]
    a, b = result["one process"], result["2 shards, 2 workers"]
    result["cluster_start_stop_cpu_s"] = round(fixed, 1)
    result["cpu_per_page_ratio"] = round(b["cpu_ms_per_page"] / a["cpu_ms_per_page"], 3)
    result["cpu_per_page_ratio_crawling"] = round(
        (b["cpu_s"] - fixed) / b["pages"] / (a["cpu_s"] / a["pages"]), 3)
    print("crawl of two sites (1,500 articles each):")
    for name in ("one process", "2 shards, 2 workers"):
        r = result[name]
        print(f"  {name:<22} {r['pages']} pages, {r['cpu_s']} CPU s ({r['cpu_ms_per_page']} ms "
              f"per page), {r['wall_s']} s wall")
    print(f"  CPU per page, sharded / one process: {result['cpu_per_page_ratio']}x; "
          f"{result['cpu_per_page_ratio_crawling']}x without starting and stopping the "
          f"cluster ({fixed:.1f} CPU s)")
    return result


# -- faults --------------------------------------------------------------------------------------
def faults(args, client) -> dict:
    from archive import sharding
    from archive.store import Store
    from cluster import ShardedSearch, crawl_sharded
    from crawler import Crawler, CrawlSettings

    out = args.out / "faults"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    sites = [_serve(300, h) for h in HOSTS]
    seeds = [url + "/" for _, url in sites]
    settings = CrawlSettings(delay=0.01, backoff=0.05, timeout=5.0)
    killed: list[str] = []

    def kill_one(figures):
        if not killed and figures.get("pages", 0) >= 150:
            pids = client.run(os.getpid)
            victim = sorted(pids)[0]
            os.kill(pids[victim], signal.SIGKILL)
            killed.append(victim)

    try:
        Crawler(out / "one", settings).run(seeds)
        t = time.perf_counter()
        crawl_sharded(client, out / "two", seeds, settings, shards=2, progress=kill_one)
        wall = time.perf_counter() - t
    finally:
        for proc, _ in sites:
            proc.terminate()

    def stories(paths):
        got = []
        for path in paths:
            with Store(path, create=False) as store:
                got += [a.canonical_url for a in store.articles()]
        return got

    def fetched_twice(paths):
        twice = 0
        for path in paths:
            with Store(path, create=False) as store:
                twice += store.db.execute(
                    "SELECT COUNT(*) - COUNT(DISTINCT url) FROM fetches").fetchone()[0]
        return twice

    expected, got = stories([out / "one"]), stories(sharding.read(out / "two").paths)
    result = {"crawl": {"worker_killed": bool(killed), "stories": len(got),
                        "expected": len(expected), "duplicates": len(got) - len(set(got)),
                        "same_stories": sorted(got) == sorted(expected),
                        "fetched_twice": fetched_twice(sharding.read(out / "two").paths),
                        "fetched_twice_unsharded": fetched_twice([out / "one"]),
                        "seconds": round(wall, 1)}}
    from cluster import index_sharded

    index_sharded(client, out / "two")
    with ShardedSearch(out / "two", client, timeout=5) as sharded:
        whole = sharded.search("news").as_dict()
        pids = client.run(os.getpid)
        victim = sharded.worker_of(0)
        os.kill(pids[victim], signal.SIGKILL)
        partial = sharded.search("news")
        t = time.perf_counter()
        while True:
            time.sleep(0.5)
            again = sharded.search("news")
            if not again.partial or time.perf_counter() - t > 60:
                break
        result["search"] = {"partial_after_kill": partial.partial,
                            "missing": partial.missing_shards,
                            "whole_again_after_s": round(time.perf_counter() - t, 1),
                            "same_as_before": again.as_dict() == whole}
    print(f"faults: crawl with a worker killed: {result['crawl']}")
    print(f"        search with a worker killed: {result['search']}")
    return result


# -- warc ----------------------------------------------------------------------------------------
def _cpu(client) -> float:
    """CPU seconds so far of this process and of every worker."""
    def used() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        c = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime

    return used() + sum(client.run(used).values())


def warc(args, client) -> dict:
    import io

    import extract as pages_of
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from cluster import import_sharded
    from cluster.work import _import_task, _run, shard_map_for
    from indexer import import_files

    out = args.out / "warc"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    tasks, _ = pages_of.load_trafilatura(args.shared, 0)
    path = out / "pages.warc.gz"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for _, url, page, _ in tasks:
            body = page.encode("utf-8")
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.0")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body),
                http_headers=headers))

    def timed(fn) -> dict:
        cpu, t = _cpu(client), time.perf_counter()
        report = fn()
        return {"seconds": round(time.perf_counter() - t, 2),
                "cpu_seconds": round(_cpu(client) - cpu, 2),
                "stories": report["new"]}

    result = {"pages": len(tasks)}
    result["one process"] = timed(lambda: import_files(out / "one", [path]).as_dict())
    before = shard_map_for(out / "before", 2)

    def every_shard() -> dict:
        parts = _run(client, before, _import_task, [str(path)], 2, each=lambda i: (i,))
        return {"new": sum(p["new"] for p in parts)}

    result["2 shards, every shard cleans every page"] = timed(every_shard)
    result["2 shards, a share each"] = timed(
        lambda: import_sharded(client, out / "now", [path], shards=2).as_dict())
    print(f"WARC import of {len(tasks)} real news pages (seconds wall / CPU, stories):")
    for name, r in result.items():
        if isinstance(r, dict):
            print(f"  {name:<42} {r['seconds']:>6} / {r['cpu_seconds']:>6}   {r['stories']}")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("part", nargs="?", default="all",
                    choices=["identity", "latency", "crawl", "warc", "faults", "all"])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--docs", type=int, default=400_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "cluster")
    args = ap.parse_args()
    from cluster import connect

    results = {}
    with connect(None, workers=2) as client:
        for part in ("identity", "latency", "crawl", "warc", "faults"):
            if args.part in (part, "all"):
                results[part] = globals()[part](args, client)
    print(json.dumps({"bench": "cluster", **results}))


if __name__ == "__main__":
    main()
