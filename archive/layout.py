"""Where an archive keeps things: one folder holding the store of record, the WARC captures
and the search index. Every path into an archive is made here."""

from __future__ import annotations

import os
from pathlib import Path

STORE_NAME = "store.sqlite"
WARC_DIR = "warc"
INDEX_DIR = "index"
#: held by the one process writing the index (see indexer.build)
INDEX_LOCK = "index.lock"


def store_path(archive: str | Path) -> Path:
    return Path(archive) / STORE_NAME


def warc_dir(archive: str | Path) -> Path:
    return Path(archive) / WARC_DIR


def index_dir(archive: str | Path) -> Path:
    return Path(archive) / INDEX_DIR


def index_lock(archive: str | Path) -> Path:
    return Path(archive) / INDEX_LOCK


def capture_path(archive: str | Path, warc_file: str) -> Path:
    """A capture's WARC file: names the store records are relative to the WARC folder (an
    imported WARC keeps the absolute path it was imported from)."""
    path = Path(warc_file)
    # normalised: a resharded story's reference climbs out of a WARC folder that may not exist
    # (../../captures/...)
    return path if path.is_absolute() else Path(os.path.normpath(warc_dir(archive) / path))


#: copies of imported WARC files that were gzipped as one piece, gzipped record by record
#: (the stories' capture references point there)
IMPORTED_DIR = "imported"


def imported_copy(archive: str | Path, name: str) -> Path:
    return Path(archive) / IMPORTED_DIR / name


def capture_ref(archive: str | Path, file: str | Path) -> str:
    """How an archive's store records a capture file it imported: relative to its WARC
    folder when the file lies in the archive's folder, or in the sharded archive's folder
    holding it (a copy made in ``imported/``), so that the archive can be moved; else the
    file's absolute path (a file imported from where it lies)."""
    file, root = Path(file).resolve(), Path(archive).resolve()
    tops = [root] + ([root.parent] if shards_file(root.parent).exists() else [])
    if any(file.is_relative_to(top) for top in tops):
        return os.path.relpath(file, warc_dir(root))
    return str(file)


#: in a sharded archive's folder: which shard archives it is made of, and its rules
SHARDS_FILE = "shards.json"


def shards_file(archive: str | Path) -> Path:
    return Path(archive) / SHARDS_FILE


#: the whole collection's term statistics beside a sharded archive's shards
#: (:mod:`search.collection`)
COLLECTION_FILE = "collection-stats.npz"


def collection_file(archive: str | Path) -> Path:
    return Path(archive) / COLLECTION_FILE


def shard_path(archive: str | Path, name: str) -> Path:
    """A shard of a sharded archive: an ordinary archive in a folder of its own."""
    return Path(archive) / name


#: in a resharded archive: the WARC files of the archives it was made from, kept where the
#: stories' capture references point
CAPTURES_DIR = "captures"
#: where a reshard builds the new shards before it switches to them
RESHARD_DIR = ".reshard"


def captures_dir(archive: str | Path, name: str) -> Path:
    return Path(archive) / CAPTURES_DIR / name


def reshard_dir(archive: str | Path) -> Path:
    return Path(archive) / RESHARD_DIR
