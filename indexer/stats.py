"""What is in an archive: stories, dates, topics, sources, index size, last crawl."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from archive.store import Store

from .build import index_dir, read_sync


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def archive_stats(archive: str | Path, top: int = 10) -> dict:
    """A summary of the archive as a JSON-ready dict (raises StoreError when there is none)."""
    archive = Path(archive)
    with Store(archive, create=False) as store:
        counts = store.summary()
        crawl = store.last_crawl()
        last_crawl = None
        if crawl:
            last_crawl = {"id": crawl["id"], "started_at": crawl["started_at"],
                          "finished_at": crawl["finished_at"],
                          "seeds": json.loads(crawl["seeds"] or "[]"),
                          "stats": json.loads(crawl["stats"]) if crawl["stats"] else None}
        pending = store.last_seq() - int(read_sync(archive).get("seq", 0) or 0)
        warc_bytes = _dir_size(store.warc_dir)
    return {
        "archive": str(archive),
        "articles": counts["articles"],
        "undated": counts["undated"],
        "earlier_versions": counts["earlier_versions"],
        "fetches": counts["fetches"],
        "date_range": counts["date_range"],
        "top_topics": dict(Counter(counts["topics"]).most_common(top)),
        "top_sources": dict(Counter(counts["sources"]).most_common(top)),
        "index_bytes": _dir_size(index_dir(archive)),
        "index_pending_changes": max(0, pending),
        "warc_bytes": warc_bytes,
        "last_crawl": last_crawl,
    }
