"""Re-clean stored captures from the WARC files after the cleaner improves (no fetching)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .charset import decode
from .extract import extract
from .store import Store
from .warc import read_response


def reextract_archive(archive: str | Path, progress: Callable | None = None) -> dict:
    """Re-clean every article's capture; changed stories get a new version. Returns counts."""
    report = {"checked": 0, "changed": 0, "unchanged": 0, "missing": 0}
    with Store(archive, create=False) as store:
        articles = [a for a in store.articles() if a.warc_file and a.warc_offset is not None]
        for article in articles:
            path = Path(article.warc_file)
            if not path.is_absolute():
                path = store.warc_dir / path
            try:
                _, headers, body = read_response(path, article.warc_offset)
            except (OSError, ValueError):
                report["missing"] += 1
                continue
            report["checked"] += 1
            ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
            text, _ = decode(body, ctype)
            when = datetime.fromtimestamp(article.fetched_at or 0, timezone.utc).replace(tzinfo=None)
            hint = None
            row = store.frontier_row(article.url)
            if row is not None:
                hint = row["hint_date"]
            ex = extract(text, article.url, fetched_at=when, hint_date=hint)
            if not ex.is_article:
                report["unchanged"] += 1
                continue
            fresh = ex.to_article(article.canonical_url, article.url,
                                  fetched_at=article.fetched_at, warc_file=article.warc_file,
                                  warc_offset=article.warc_offset)
            with store.transaction():
                verdict = store.upsert_article(fresh)
            report["changed" if verdict == "changed" else "unchanged"] += 1
    return report
