"""indexer: turn the store of record into a Whoosh index with date and topic fields.

Public API::

    from indexer import Indexer, update_index, open_index, import_files, archive_stats
"""

from . import whoosh_compat

whoosh_compat.apply()

# the patches go in before the modules that rely on them are imported
from .build import (  # noqa: E402
    Indexer,
    IndexReport,
    index_dir,
    open_index,
    read_sync,
    update_index,
)
from .errors import ImportFormatError, IndexingError, IndexLockedError, NoIndexError  # noqa: E402
from .imports import ImportReport, import_files  # noqa: E402
from .schema import make_schema  # noqa: E402
from .stats import archive_stats  # noqa: E402

__all__ = ["Indexer", "IndexReport", "update_index", "open_index", "index_dir", "read_sync",
           "IndexingError", "IndexLockedError", "NoIndexError", "ImportFormatError",
           "import_files", "ImportReport", "make_schema", "archive_stats"]
