"""Web API throughput: /api/search with 16 concurrent clients on loopback, bounded in time.

    python bench/web.py [--archive DIR] [--seconds 30] [--clients 16]

Starts ``newsarchive serve`` on the archive (default: the 200k-story archive bench/search.py
builds) in its own process, warms it with one request, then runs ``--clients`` httpx clients
in a loop over the same 1–3 word queries bench/search.py uses, for ``--seconds``. Prints
requests/s, p50/p95/p99 latency and the number of errors (any status but 200, or a transport
error), and one JSON line. For scale, the same queries through ``SearchIndex.search`` in one
process with no HTTP are timed too (the baseline: what the web layer costs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search import SearchIndex  # noqa: E402 - before bench/search.py puts bench/ first


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


GIBBERISH = " ".join("".join(chr(97 + (i * 7 + j * 13) % 26) for j in range(7)) for i in range(64))
BIG_BODY = b'{"text": "' + b"tariffs " * (20 * 1024 * 1024 // 8) + b'"}'


async def hostile(http, i: int):
    """One of the requests an attacker (or a careless script) sends."""
    kind = i % 4
    if kind == 0:
        return "wildcards", await http.get("/api/search", params={"q": "*e* OR *a*"})
    if kind == 1:
        return "gibberish", await http.get("/api/search", params={"q": GIBBERISH})
    if kind == 2:
        return "deep page", await http.get("/api/search", params={"q": "the", "page": 1000})
    return "20 MB body", await http.post("/api/related", content=BIG_BODY,
                                         headers={"Content-Type": "application/json"})


async def load(base: str, queries: list[str], clients: int, seconds: float,
               hostile_every: int = 0) -> dict:
    """``clients`` loops of searches for ``seconds``; with ``hostile_every``, one request in
    that many is hostile (its latency and status are reported apart)."""
    import httpx

    latencies: list[float] = []
    worst: list[float] = []
    errors: list[str] = []
    server_errors = 0
    stop = time.monotonic() + seconds

    async def client(k: int) -> None:
        nonlocal server_errors
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            i, sent = k, 0
            while time.monotonic() < stop:
                q = queries[i % len(queries)]
                sent += 1
                bad = hostile_every and (sent + k) % hostile_every == 0
                i += clients
                t0 = time.perf_counter()
                try:
                    if bad:
                        what, r = await hostile(http, sent // hostile_every + k)
                    else:
                        what, r = q, await http.get("/api/search", params={"q": q})
                    if r.status_code >= 500:
                        server_errors += 1
                    if r.status_code != 200 and not bad:
                        errors.append(f"{r.status_code} {what}")
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__} {q}")
                took = (time.perf_counter() - t0) * 1000
                worst.append(took)
                if not bad:
                    latencies.append(took)

    t0 = time.monotonic()
    await asyncio.gather(*(client(k) for k in range(clients)))
    wall = time.monotonic() - t0
    return {"requests": len(worst), "seconds": round(wall, 1),
            "rps": round(len(worst) / wall, 1), "p50_ms": round(pct(latencies, 50), 1),
            "p95_ms": round(pct(latencies, 95), 1), "p99_ms": round(pct(latencies, 99), 1),
            "max_ms": round(max(worst), 1) if worst else None, "5xx": server_errors,
            "errors": len(errors), "error_samples": errors[:5]}


def in_process(archive: Path, queries: list[str]) -> dict:
    with SearchIndex(archive) as idx:
        idx.search(queries[0])
        times = []
        for q in queries:
            t0 = time.perf_counter()
            idx.search(q)
            times.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(pct(times, 50), 1), "p95_ms": round(pct(times, 95), 1),
            "per_second_one_thread": round(1000 / statistics.mean(times), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--archive", type=Path, default=ROOT / "bench" / "out" / "search-archive")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=None,
                    help="newsarchive serve --workers: search processes (default: one per core)")
    ap.add_argument("--hostile-every", type=int, default=20,
                    help="a second run where one request in this many is hostile (0: none)")
    args = ap.parse_args()
    from importlib import util

    spec = util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    bench_search = util.module_from_spec(spec)
    spec.loader.exec_module(bench_search)
    queries = bench_search.queries(args.archive)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "newsarchive.cli", "serve", "--archive", str(args.archive),
         "--port", str(port), *(["--workers", str(args.workers)] if args.workers else [])],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(base + "/api/search", params={"q": queries[0]}, timeout=120)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    why = server.stderr.read().decode() if server.stderr else ""
                    raise SystemExit(f"the server did not start: {why}") from None
                time.sleep(0.5)
        http_report = asyncio.run(load(base, queries, args.clients, args.seconds))
        attacked = asyncio.run(load(base, queries, args.clients, args.seconds,
                                    args.hostile_every)) if args.hostile_every else None
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:  # a server stuck in a search: the bench goes on
            server.kill()
            server.wait()
    direct = in_process(args.archive, queries)
    workers = args.workers or "default"
    print(f"/api/search, {args.clients} clients, search processes: {workers}, "
          f"{http_report['seconds']} s: "
          f"{http_report['rps']} requests/s, p50 {http_report['p50_ms']} ms, "
          f"p95 {http_report['p95_ms']} ms, p99 {http_report['p99_ms']} ms, "
          f"max {http_report['max_ms']} ms, errors {http_report['errors']}, "
          f"5xx {http_report['5xx']}")
    if attacked:
        print(f"the same with 1 request in {args.hostile_every} hostile: {attacked['rps']} "
              f"requests/s; normal requests p50 {attacked['p50_ms']} ms, p95 "
              f"{attacked['p95_ms']} ms ({attacked['p95_ms'] / http_report['p95_ms']:.2f}x the "
              f"clean run); slowest request {attacked['max_ms']} ms; 5xx {attacked['5xx']}; "
              f"errors {attacked['errors']} {attacked['error_samples'][:2]}")
    print(f"baseline, SearchIndex.search in one process without HTTP: p50 {direct['p50_ms']} ms, "
          f"p95 {direct['p95_ms']} ms ({direct['per_second_one_thread']} searches/s)")
    print(json.dumps({"workers": args.workers, "http": http_report, "hostile": attacked,
                      "in_process": direct}))


if __name__ == "__main__":
    main()
