"""A real Dask cluster in the tests: two worker processes on loopback, started once."""

from __future__ import annotations

import json
import random

import pytest

SUBJECTS = {
    "oil": ("crude", "barrel", "opec", "refinery", "pipeline", "output", "prices", "saudi"),
    "grain": ("wheat", "grain", "harvest", "farmers", "bushels", "export", "corn", "tonnes"),
    "harbour": ("harbour", "ferry", "dock", "sailors", "cargo", "tide", "pier", "strike"),
    "money": ("bank", "interest", "rates", "dollar", "yen", "currency", "inflation", "bonds"),
}
COMMON = ("said", "the", "week", "market", "officials", "report", "government", "year")


def corpus(n: int = 420, seed: int = 3) -> list[dict]:
    """``n`` stories on four subjects (JSONL records): dates over four decades (some
    undated), several hosts, repeated titles, and syndicated copies of a few stories under
    other URLs (they land in other shards)."""
    rng = random.Random(seed)
    out = []
    names = list(SUBJECTS)
    for i in range(n):
        topic = names[i % len(names)]
        words = SUBJECTS[topic]
        body = " ".join(rng.choice(words if rng.random() < 0.6 else COMMON)
                        for _ in range(rng.randint(30, 120)))
        title = " ".join(rng.choice(words) for _ in range(3)).title()
        if i % 7 == 0:
            title = f"{topic.title()} report"  # equal titles: ties to break
        year = 1960 + (i * 7) % 40
        record = {"url": f"https://{('wire', 'daily', 'post')[i % 3]}.example/{topic}/{i}",
                  "title": title, "body": body.capitalize() + ".", "topics": [topic],
                  "published": None if i % 11 == 0 else f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}"}
        out.append(record)
        if i % 25 == 0:  # a syndicated copy
            out.append({**record, "url": f"https://copies{i}.example/story"})
    return out


def write_jsonl(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


@pytest.fixture(scope="package")
def client():
    import logging

    import dask
    from distributed import Client, LocalCluster

    # as cluster.connect starts one: crawls may start their cleaning processes
    dask.config.set({"distributed.worker.daemon": False})
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=logging.CRITICAL)
    client = Client(cluster, direct_to_workers=True)
    yield client
    client.close()
    cluster.close()
    # Dask keeps one thread for the rest of the process; the rebuild tests fork only
    # without threads (tests/indexer/test_segment.py)
    from distributed import utils

    utils._offload_executor.shutdown(wait=True)
