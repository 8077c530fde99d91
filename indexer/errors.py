"""The indexer's errors.

    IndexingError          base of everything the indexer raises on purpose
    ├── IndexLockedError   another process holds the index's write lock past our timeout
    ├── NoIndexError       there is no index yet where one was asked for
    └── ImportFormatError  an import file that is not JSONL or WARC, or a bad line in it
"""


class IndexingError(Exception):
    """Base class for indexer errors."""


class IndexLockedError(IndexingError):
    """Another writer holds the lock."""


class NoIndexError(IndexingError):
    """No index at the given place."""


class ImportFormatError(IndexingError):
    """An import file we cannot read."""
