"""indexer: turn the store of record into a Whoosh index with date and topic fields.

Public API::

    from indexer import Indexer, update_index, open_index, import_files, archive_stats
"""

from . import arrays, whoosh_fix

whoosh_fix.apply()
arrays.install()

from .build import IndexReport, Indexer, index_dir, open_index, read_sync, update_index
from .errors import ImportFormatError, IndexLockedError, IndexingError, NoIndexError
from .imports import ImportReport, import_files
from .schema import make_schema
from .stats import archive_stats

__all__ = ["Indexer", "IndexReport", "update_index", "open_index", "index_dir", "read_sync",
           "IndexingError", "IndexLockedError", "NoIndexError", "ImportFormatError",
           "import_files", "ImportReport", "make_schema", "archive_stats"]
