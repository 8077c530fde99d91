"""A search as a value: defaults, limits and the messages a reader sees."""

from __future__ import annotations

import pytest

from search import QueryError, SearchRequest
from search.request import MAX_DEPTH, MAX_LIMIT, MAX_PAGE
from search.results import SearchResults


def test_defaults_and_blank_filters():
    request = SearchRequest("flood", topic="  ", source="")
    assert (request.sort, request.page, request.limit) == ("relevance", 1, 10)
    assert request.topic is None and request.source is None and not request.filtered
    assert SearchRequest(date_from="2024").filtered


@pytest.mark.parametrize("changes, message", [
    ({"limit": 0}, f"limit must be between 1 and {MAX_LIMIT}"),
    ({"limit": MAX_LIMIT + 1}, f"limit must be between 1 and {MAX_LIMIT}"),
    ({"limit": True}, "limit must be"),
    ({"page": MAX_PAGE + 1}, f"page must be between 1 and {MAX_PAGE}"),
    ({"page": MAX_DEPTH // 50 + 1, "limit": 50}, "only the first 10,000 results"),
    ({"sort": "popular"}, "unknown sort 'popular'"),
    ({"recency": -1.0}, "recency must be between 0 and 10"),
    ({"snippet_style": "pdf"}, "unknown snippet style"),
])
def test_out_of_range_values_are_named_by_value_not_by_flag(changes, message):
    with pytest.raises(QueryError, match=message) as err:
        SearchRequest("flood", **changes)
    assert "--" not in str(err.value)


def test_but_validates_again():
    with pytest.raises(QueryError):
        SearchRequest("flood").but(page=0)
    assert SearchRequest("flood").but(page=3).page == 3


def test_the_deepest_page_is_the_last_a_reader_is_offered():
    assert SearchRequest("flood", page=MAX_DEPTH // 50, limit=50).page == 200
    many = SearchResults(query="flood", total=250_000, hits=[], page=1, limit=50, facets={})
    assert many.pages == 200
    assert SearchResults(query="flood", total=120, hits=[], page=1, limit=50, facets={}).pages == 3
    assert SearchResults(query="flood", total=0, hits=[], page=1, limit=50, facets={}).pages == 1
