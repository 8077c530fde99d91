"""search: ranked keyword search with date/topic filters, facets, snippets and related stories.

Public API::

    from search import SearchIndex, SearchRequest, search, related, QueryError
"""

from .engine import Hit, SearchIndex, SearchResults, search
from .errors import BadDateError, QueryError, UnknownFieldError
from .related import related
from .request import SearchRequest

__all__ = ["SearchIndex", "SearchRequest", "SearchResults", "Hit", "search", "related",
           "QueryError", "BadDateError", "UnknownFieldError"]
