"""search: ranked keyword search with date/topic filters, facets, snippets and related stories.

Public API::

    from search import SearchIndex, search, related, QueryError
"""

from .engine import Hit, SearchIndex, SearchResults, search
from .errors import BadDateError, QueryError, UnknownFieldError
from .related import related

__all__ = ["SearchIndex", "SearchResults", "Hit", "search", "related", "QueryError",
           "BadDateError", "UnknownFieldError"]
