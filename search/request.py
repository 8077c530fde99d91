"""One search as a value: what a reader asked for, its defaults and limits in one place.

The CLI, the search page, the JSON API and the Atom feed each build a :class:`SearchRequest`
from their own inputs and hand it to :meth:`search.SearchIndex.search`; a new filter is a new
field here (and an option or a parameter where readers type it). Errors speak of values
("limit must be between 1 and 100"), not of the flags or parameters that carried them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from .errors import QueryError

SORTS = ("relevance", "newest", "oldest")
#: hits per page, and pages, a reader may ask for: a deep page costs as much as all before it
MAX_LIMIT = 100
MAX_PAGE = 1000
#: the deepest result a request may reach (page x limit), as Elasticsearch's
#: ``max_result_window``: grouping near-copies ranks every story above the page, so a deeper
#: page of a broad query in an archive full of copies costs seconds of a searcher's time
MAX_DEPTH = 10_000
#: related stories one request may ask for
MAX_SUGGESTIONS = 50
#: how strongly ``recency`` may prefer recent stories (0: not at all)
MAX_RECENCY = 10.0
SNIPPET_STYLES = ("plain", "html", "ansi")
#: the filters a request may carry (blank means none)
FILTERS = ("date_from", "date_to", "topic", "section", "source")


@dataclass(frozen=True)
class SearchRequest:
    """A search: the query text, its filters, the page of results wanted and how to show them.

    Raises :class:`~search.errors.QueryError` when a value is out of range."""

    text: str = ""
    date_from: str | None = None
    date_to: str | None = None
    topic: str | None = None
    section: str | None = None
    source: str | None = None
    sort: str = "relevance"
    page: int = 1
    limit: int = 10
    recency: float = 0.0
    snippet_style: str = "plain"
    facets: bool = True
    collapse: bool = True
    suggest: bool = True

    def __post_init__(self) -> None:
        for name in FILTERS:
            value = getattr(self, name)
            if value is not None and not str(value).strip():
                object.__setattr__(self, name, None)
        if self.sort not in SORTS:
            raise QueryError(f"unknown sort {self.sort!r}; use one of {', '.join(SORTS)}")
        if not _whole(self.limit) or not 1 <= self.limit <= MAX_LIMIT:
            raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
        if not _whole(self.page) or not 1 <= self.page <= MAX_PAGE:
            raise QueryError(f"page must be between 1 and {MAX_PAGE}")
        if self.page * self.limit > MAX_DEPTH:
            raise QueryError(f"only the first {MAX_DEPTH:,} results can be paged through "
                             f"(page {self.page} with {self.limit} per page reaches "
                             f"result {self.page * self.limit:,}); narrow the search with dates, a "
                             f"topic or more words")
        if not 0 <= self.recency <= MAX_RECENCY:
            raise QueryError(f"recency must be between 0 and {MAX_RECENCY:g}")
        if self.snippet_style not in SNIPPET_STYLES:
            raise QueryError(f"unknown snippet style {self.snippet_style!r}")

    @property
    def filtered(self) -> bool:
        """Whether any filter narrows the search."""
        return any(getattr(self, name) for name in FILTERS)

    def but(self, **changes) -> SearchRequest:
        """The same request with some fields changed (validated again)."""
        return replace(self, **changes)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


FIELDS = tuple(f.name for f in fields(SearchRequest))
