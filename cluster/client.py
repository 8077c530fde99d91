"""Connecting to a Dask cluster, or starting one on this machine."""

from __future__ import annotations

import logging
import multiprocessing
import os
from contextlib import contextmanager
from typing import Iterator

#: the environment variable naming the scheduler (``tcp://host:8786``) every command uses
ENV = "NEWSARCHIVE_CLUSTER"
CONNECT_TIMEOUT = 20.0


class ClusterError(Exception):
    """The cluster cannot be reached or lost the work (the message says what to do)."""


@contextmanager
def connect(address: str | None = None, workers: int | None = None) -> Iterator:
    """A Dask client: of the scheduler at ``address`` (or ``$NEWSARCHIVE_CLUSTER``), else of a
    cluster started here with one single-threaded process per core (``workers``), closed on
    exit."""
    from distributed import Client, LocalCluster

    address = address or os.environ.get(ENV) or None
    if address:
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc}); start "
                               f"it with `dask scheduler` and workers with `dask worker "
                               f"{address}`") from None
        try:
            yield client
        finally:
            client.close()
        return
    import dask

    # a crawl task starts cleaning processes, which a daemonic worker may not (the nanny
    # reads this whenever it starts or restarts a worker)
    dask.config.set({"distributed.worker.daemon": False})
    if "forkserver" in multiprocessing.get_all_start_methods():
        # workers forked from a process that has imported Dask already, not each started
        # afresh (spawn): a third less CPU to start and stop a local cluster of two
        dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
    cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                           processes=True, dashboard_address=":0",
                           # a task's failure is the command's error message, not also
                           # a worker's log with its traceback on the user's terminal
                           silence_logs=logging.CRITICAL)
    # a search's calls to its shards' actors go to their workers, not through the scheduler
    # (a third less time a round); a remote cluster's workers may not be reachable from
    # here, so there it is the Dask setting's choice
    client = Client(cluster, direct_to_workers=True)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def placement(client, shard: str, spread: int | None = None) -> dict:
    """Where a shard's work runs: on a worker started with ``--resources "<shard>=1"`` (the
    one holding its disk) when there is one, else on any worker (a shared filesystem) — or,
    for the ``spread``-th of long-lived actors, on the workers in turn, so that each holds
    its share of the shards."""
    workers = client.scheduler_info().get("workers", {})
    for info in workers.values():
        if shard in (info.get("resources") or {}):
            return {"resources": {shard: 1}}
    if spread is not None:
        addresses = sorted(client.ncores())  # asked now: a restarted worker has a new address
        if addresses:
            return {"workers": [addresses[spread % len(addresses)]]}
    return {}
