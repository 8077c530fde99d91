"""cluster: sharded archives on a Dask cluster.

A sharded archive (:mod:`archive.sharding`) is N ordinary archives; the work on each (crawl,
import, index, stats) runs as a task on the worker that holds its disk, and searches are
answered by one long-lived actor per shard, gathered by :mod:`search.gather` with the whole
collection's statistics, so a sharded archive answers as one archive would.

    with connect(None) as client:          # $NEWSARCHIVE_CLUSTER, or a local cluster
        report = import_sharded(client, "data", ["stories.jsonl"])
        results = ShardedSearch("data", client).search(SearchRequest("oil prices"))
"""

from .client import ClusterError, connect
from .search import ShardedSearch
from .work import (
    crawl_sharded,
    export_sharded,
    import_sharded,
    index_sharded,
    reextract_sharded,
    reshard,
    stats_sharded,
)

__all__ = ["connect", "ClusterError", "ShardedSearch", "import_sharded", "index_sharded",
           "stats_sharded", "export_sharded", "crawl_sharded", "reshard",
           "reextract_sharded"]
