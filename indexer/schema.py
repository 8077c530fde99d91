"""The index schema: what is searchable, filterable, sortable and stored.

Stored fields are what a result line needs (title, date, URL, source, topics, a snippet
source) — the full body stays in the store of record, where snippets and related-story
suggestions read it, which keeps the index small and fast to build.
"""

from __future__ import annotations

from datetime import datetime

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, Schema
from whoosh.util.numeric import to_sortable

from .analysis import NewsText, name_analyzer, news_analyzer

SCHEMA_VERSION = 4
#: Fields a user may name in a query (``topic:`` is an alias of ``topics``).
QUERY_FIELDS = ("title", "body", "author", "topics", "section", "source", "language", "published")
FIELD_ALIASES = {"topic": "topics", "tag": "topics", "site": "source", "date": "published",
                 "lang": "language", "by": "author"}


class NewsDate(DATETIME):
    """Whoosh's DATETIME, indexing a date as the same eight terms (one per precision, for
    range queries) from one conversion of the date instead of one per term."""

    def index(self, num, **kwargs):
        if not isinstance(num, datetime):
            yield from super().index(num, **kwargs)
            return
        value = self.prepare_number(self.prepare_datetime(num))
        sortable = to_sortable(self.numtype, self.bits, self.signed, value)
        for shift in range(0, self.bits, self.shift_step):
            yield self.sortable_to_bytes(sortable, shift), 1, 1.0, b""


def make_schema() -> Schema:
    ana = news_analyzer()
    return Schema(
        id=ID(unique=True, stored=True),
        # whoosh takes any analyzer-like callable; its annotation names only its own class
        title=NewsText(analyzer=ana, stored=True, field_boost=2.0),  # type: ignore[arg-type]
        body=NewsText(analyzer=ana),  # type: ignore[arg-type]
        lead=STORED(),
        published=NewsDate(stored=True, sortable=True),
        month=ID(stored=False, sortable=True),
        topics=KEYWORD(stored=True, lowercase=True, commas=True, scorable=True),
        section=KEYWORD(stored=True, lowercase=True, commas=True),
        author=NewsText(analyzer=name_analyzer(), stored=True),  # type: ignore[arg-type]
        source=ID(stored=True, sortable=True),
        language=ID(stored=True),
        sketch=STORED(),
        # archive.keys.story_key: breaks ties between equal stories the same way however the
        # archive is split into shards
        order=COLUMN(NumericColumn("q")),
    )
