"""Moving an archive's stories to another number of shards (``newsarchive reshard``).

The new shards are built beside the old ones (in ``.reshard/``), each story with its earlier
versions routed by the archive's rules (``route(row)`` gives its shard), and their capture
references rewritten to where the WARC files will be: each old archive's ``warc/`` folder is
kept, moved to ``captures/<its name>/``. Only when every new store is complete does the switch
happen (``.reshard/READY``): WARC folders moved, old stores and indexes removed, new shards
moved in, ``shards.json`` written. A run cut short before READY is started again from scratch;
one cut short after it finishes the switch.

The crawl history moves with the stories (:data:`~archive.store.CRAWL_TABLES`): what each
crawl queued, every fetch with its conditional-request validators, redirects and the hosts'
templates go to the shard of their site (``route_crawl(table, row)``), so the next crawl of a
site asks for its pages as it would have. Every shard gets every crawl's row (a crawl spans
sites), the crawls numbered anew, and a crawl left unfinished is closed: the next one
queues again what it finds.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Callable

from . import sharding
from .errors import StoreError
from .layout import (
    INDEX_DIR,
    INDEX_LOCK,
    STORE_NAME,
    WARC_DIR,
    captures_dir,
    reshard_dir,
    shard_path,
    warc_dir,
)
from .sharding import ShardMap
from .store import CRAWL_TABLES, Store

READY = "READY"


def _sources(archive: Path) -> list[tuple[str, Path]]:
    """(name, folder) of the archives the stories are in now."""
    if sharding.is_sharded(archive):
        shard_map = sharding.read(archive)
        return list(zip(shard_map.names, shard_map.paths))
    if not (archive / STORE_NAME).exists():
        raise StoreError(f"no archive at {archive}")
    return [("archive", archive)]


def reshard(archive: str | Path, count: int, route: Callable[[dict, int], int],
            progress: Callable[[int], None] | None = None,
            route_crawl: Callable[[str, dict, int], int] | None = None) -> ShardMap:
    """Move the stories of ``archive`` (sharded or not) into ``count`` shards; ``route(row,
    count)`` names a story's shard, ``route_crawl(table, row, count)`` a crawl history row's
    (None: the history is left behind). The new shards' indexes are left to be built."""
    archive = Path(archive)
    staging = reshard_dir(archive)
    if not (staging / READY).exists():
        _build(archive, count, route, progress or (lambda n: None), route_crawl)
    return _switch(archive)


def _build(archive: Path, count: int, route, progress, route_crawl) -> None:
    if not 1 <= count <= sharding.MAX_SHARDS:
        raise StoreError(f"the number of shards must be between 1 and {sharding.MAX_SHARDS}")
    sources = _sources(archive)
    staging = reshard_dir(archive)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    width = len(str(count - 1))
    names = [f"shard-{i:0{width}d}" for i in range(count)]
    stores = [Store(shard_path(staging, name)) for name in names]
    moved = 0
    try:
        for store in stores:
            store.db.execute("BEGIN")
        crawls = _move_crawls(sources, stores) if route_crawl else {}
        for s, (name, path) in enumerate(sources):
            with Store(path, create=False) as old:
                if route_crawl:
                    _move_history(old, s, crawls, stores, route_crawl, warc_dir(path),
                                  captures_dir(archive, name),
                                  [warc_dir(shard_path(archive, n)) for n in names])
                for row, versions in old.story_rows():
                    if row.get("crawl_id") is not None:
                        row["crawl_id"] = crawls.get((s, row["crawl_id"]), row["crawl_id"])
                    i = route(row, count)
                    here = warc_dir(shard_path(archive, names[i]))
                    for r in (row, *versions):
                        r["warc_file"] = _moved(r["warc_file"], warc_dir(path),
                                                captures_dir(archive, name), here)
                    stores[i].put_story(row, versions)
                    moved += 1
                    if moved % 1000 == 0:
                        progress(moved)
        for store in stores:
            store.db.execute("COMMIT")
    finally:
        for store in stores:
            store.close()
    (staging / "shards").write_text("\n".join(names))
    (staging / READY).write_text(str(moved))


def _move_crawls(sources: list[tuple[str, Path]], stores: list[Store]
                 ) -> dict[tuple[int, int], int]:
    """Every source's crawls into every new store, numbered anew in source order and
    closed; (source, old number) -> new number."""
    numbers: dict[tuple[int, int], int] = {}
    now = time.time()
    for s, (_, path) in enumerate(sources):
        with Store(path, create=False) as old:
            for row in old.crawl_rows("crawls"):
                numbers[(s, row["id"])] = len(numbers) + 1
                row = {**row, "id": numbers[(s, row["id"])],
                       "finished_at": row["finished_at"] or now}
                for store in stores:
                    store.put_crawl_row("crawls", row)
    return numbers


def _move_history(old: Store, source: int, crawls: dict[tuple[int, int], int],
                  stores: list[Store], route_crawl, old_warc: Path, kept: Path,
                  new_warcs: list[Path]) -> None:
    """One source's crawl history (but its crawls) into the new stores, by ``route_crawl``;
    fetches' capture references rewritten as the stories' are (:func:`_moved`)."""
    for table in CRAWL_TABLES[1:]:
        for row in old.crawl_rows(table):
            if row.get("crawl_id") is not None:
                row["crawl_id"] = crawls.get((source, row["crawl_id"]), row["crawl_id"])
            i = route_crawl(table, row, len(stores))
            if table == "fetches":
                row["warc_file"] = _moved(row["warc_file"], old_warc, kept, new_warcs[i])
            stores[i].put_crawl_row(table, row)


def _moved(ref: str | None, old_warc: Path, kept: Path, new_warc: Path) -> str | None:
    """A capture reference (relative to ``old_warc``) made relative to ``new_warc``, for a
    file of ``old_warc`` that is moved to ``kept``; absolute references stay."""
    if not ref or os.path.isabs(ref):
        return ref
    where = Path(os.path.normpath(old_warc / ref))
    try:
        where = kept / where.relative_to(old_warc)
    except ValueError:
        pass  # a file kept elsewhere already (an earlier reshard's captures)
    return os.path.relpath(where, new_warc)


def _switch(archive: Path) -> ShardMap:
    staging = reshard_dir(archive)
    names = (staging / "shards").read_text().split("\n")
    if (archive / sharding.shards_file(archive).name).exists() or (archive / STORE_NAME).exists():
        for name, path in _sources(archive):
            old_warc = warc_dir(path)
            if old_warc.exists() and not captures_dir(archive, name).exists():
                captures_dir(archive, name).parent.mkdir(exist_ok=True)
                os.rename(old_warc, captures_dir(archive, name))
            _remove_archive(path, keep_folder=path == archive)
        sharding.shards_file(archive).unlink(missing_ok=True)
    for name in names:
        target = shard_path(archive, name)
        if (shard_path(staging, name)).exists():
            shutil.rmtree(target, ignore_errors=True)
            os.rename(shard_path(staging, name), target)
    shard_map = ShardMap(archive, tuple(names))
    sharding.write(shard_map)
    shutil.rmtree(staging, ignore_errors=True)
    return shard_map


def _remove_archive(path: Path, keep_folder: bool) -> None:
    """An old archive's store, index and lock (its WARC folder moved already)."""
    for suffix in ("", "-wal", "-shm"):
        (path / (STORE_NAME + suffix)).unlink(missing_ok=True)
    for name in (INDEX_DIR, INDEX_DIR + ".building", INDEX_DIR + ".old"):
        shutil.rmtree(path / name, ignore_errors=True)
    (path / INDEX_LOCK).unlink(missing_ok=True)
    if not keep_folder:
        shutil.rmtree(path, ignore_errors=True)
    else:
        shutil.rmtree(path / WARC_DIR, ignore_errors=True)
