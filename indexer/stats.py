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
        db = store.db
        articles = store.count_articles()
        first, last = db.execute(
            "SELECT MIN(substr(published,1,10)), MAX(substr(published,1,10)) FROM articles"
            " WHERE published IS NOT NULL").fetchone()
        undated = db.execute("SELECT COUNT(*) FROM articles WHERE published IS NULL").fetchone()[0]
        topics: Counter[str] = Counter()
        sources: Counter[str] = Counter()
        for row in db.execute("SELECT topics, source FROM articles"):
            for t in json.loads(row["topics"] or "[]"):
                topics[t.lower()] += 1
            sources[row["source"] or "?"] += 1
        versions = db.execute("SELECT COUNT(*) FROM article_versions").fetchone()[0]
        fetches = db.execute("SELECT COUNT(*) FROM fetches").fetchone()[0]
        crawl = store.last_crawl()
        last_crawl = None
        if crawl:
            last_crawl = {"id": crawl["id"], "started_at": crawl["started_at"],
                          "finished_at": crawl["finished_at"],
                          "seeds": json.loads(crawl["seeds"] or "[]"),
                          "stats": json.loads(crawl["stats"]) if crawl["stats"] else None}
        pending = store.last_seq() - int(read_sync(archive).get("seq", 0) or 0)
    return {
        "archive": str(archive),
        "articles": articles,
        "undated": undated,
        "earlier_versions": versions,
        "fetches": fetches,
        "date_range": [first, last] if first else None,
        "top_topics": dict(topics.most_common(top)),
        "top_sources": dict(sources.most_common(top)),
        "index_bytes": _dir_size(index_dir(archive)),
        "index_pending_changes": max(0, pending),
        "warc_bytes": _dir_size(archive / "warc"),
        "last_crawl": last_crawl,
    }
