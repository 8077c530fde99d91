"""A story of the store of record as the Whoosh document the index holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from archive.keys import story_key
from archive.store import Article
from crawler.dates import parse_date

from .fingerprint import fingerprint_of

#: the start of a story's body kept in the index (snippets when the store is not at hand)
LEAD_CHARS = 400


def parse_published(value: str | None) -> datetime | None:
    """A stored date as the index keeps it (naive). Stored dates are ISO 8601; a story
    imported before imports read other forms may hold ``26 Feb 1987``, read here too."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            dt = datetime.strptime(value[:10], "%Y-%m-%d")
        except ValueError:
            if value.strip().isdigit():
                return None  # a bare year (or a number) is no day
            return parse_date(value)
    return dt.replace(tzinfo=None)


def document(article: Article) -> dict:
    """The Whoosh document for a story."""
    doc: dict[str, Any] = {"id": article.canonical_url, "title": article.title or "",
                           "body": article.body or "", "lead": (article.body or "")[:LEAD_CHARS],
                           "sketch": fingerprint_of(article.title, article.body),
                           "order": story_key(article.canonical_url)}
    published = parse_published(article.published)
    if published:
        doc["published"] = published
        doc["month"] = published.strftime("%Y-%m")
    topics = [t.replace(",", " ").strip().lower() for t in (article.topics or [])
              if t and t.strip()]
    if topics:
        doc["topics"] = ",".join(dict.fromkeys(topics))
    if article.section:
        doc["section"] = article.section.replace(",", " ").lower()
    if article.author:
        doc["author"] = article.author
    if article.source:
        doc["source"] = article.source.lower()
    if article.language:
        doc["language"] = article.language
    return doc
