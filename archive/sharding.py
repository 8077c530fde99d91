"""A sharded archive: one folder naming N shard archives, each an ordinary archive.

``shards.json`` in the folder names the shards (folders beside it) and the rule that puts a
story in one of them, so the story's shard is found again:

- a crawled story lives in the shard of the **site** it was crawled from (the registrable
  domain of its host: ``news.example.co.uk`` and ``www.example.co.uk`` are one site), so a
  site's politeness, frontier, templates and duplicates stay in one process;
- an imported story in the shard of its **canonical URL**.

Both are a stable hash (:func:`archive.keys.shard_of`), the same on every machine. A shard can
still be opened alone, as any archive.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import StoreError
from .keys import shard_of
from .layout import STORE_NAME, shard_path, shards_file

VERSION = 1
MAX_SHARDS = 256
RULES = {"crawl": "site", "import": "canonical-url", "hash": "blake2b-64/shard"}


@dataclass(frozen=True)
class ShardMap:
    archive: Path
    names: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def paths(self) -> list[Path]:
        return [shard_path(self.archive, name) for name in self.names]

    def for_url(self, canonical_url: str) -> int:
        """The shard of an imported story."""
        return shard_of(canonical_url, self.count)

    def for_site(self, site: str) -> int:
        """The shard of a crawled site's stories (``crawler.urls.site_of`` of its host)."""
        return shard_of(site.lower(), self.count)


def is_sharded(archive: str | Path) -> bool:
    return shards_file(archive).exists()


def read(archive: str | Path) -> ShardMap:
    """The shard map of a sharded archive (StoreError when it has none or it is broken)."""
    path = shards_file(archive)
    try:
        data = json.loads(path.read_text())
        names = tuple(str(n) for n in data["shards"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"cannot read the shard list {path}: {exc}") from exc
    if data.get("version") != VERSION or not names or data.get("rules") != RULES:
        raise StoreError(f"{path} is not a shard list this version of newsarchive reads")
    return ShardMap(Path(archive), names)


def create(archive: str | Path, count: int) -> ShardMap:
    """Make ``archive`` a sharded archive of ``count`` (empty) shards. Refuses a folder that
    already holds an archive (``newsarchive reshard`` moves one)."""
    archive = Path(archive)
    if not 1 <= count <= MAX_SHARDS:
        raise StoreError(f"the number of shards must be between 1 and {MAX_SHARDS}")
    if is_sharded(archive):
        raise StoreError(f"{archive} is already a sharded archive")
    if (archive / STORE_NAME).exists():
        raise StoreError(f"{archive} already holds an unsharded archive; "
                         f"use `newsarchive reshard` to split it")
    archive.mkdir(parents=True, exist_ok=True)
    width = len(str(count - 1))
    shard_map = ShardMap(archive, tuple(f"shard-{i:0{width}d}" for i in range(count)))
    from .store import Store

    for path in shard_map.paths:
        Store(path).close()  # every shard is an archive from the start, if an empty one
    write(shard_map)
    return shard_map


def write(shard_map: ShardMap) -> None:
    path = shards_file(shard_map.archive)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"version": VERSION, "shards": list(shard_map.names),
                               "rules": RULES}, indent=1))
    os.replace(tmp, path)
