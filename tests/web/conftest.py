"""One crawled archive (the sample site) plus a hostile story, served for real."""

from __future__ import annotations

import pytest

from archive.store import Article, Store
from indexer import update_index
from newsarchive.sample_site import SampleSite, SiteState
from tests.conftest import run_crawl

from .server import serving

XSS_URL = "https://hostile.example/letters/script"
XSS_TITLE = 'Reader letter <script>window.__xss = 1</script> about "tariffs" & trade'
XSS_BODY = ('A reader wrote <script>window.__xss = 2</script><img src=x onerror="window.__xss=3"> '
            "about tariffs and trade barriers between the two ports.\nSecond paragraph on tariffs.")


@pytest.fixture(scope="module")
def web_archive(tmp_path_factory):
    archive = tmp_path_factory.mktemp("web") / "data"
    with SampleSite(SiteState()) as site:
        run_crawl(archive, [site.url + "/"])
    with Store(archive) as store, store.transaction():
        store.upsert_article(Article(
            canonical_url=XSS_URL, url=XSS_URL, title=XSS_TITLE, body=XSS_BODY,
            published="2024-05-01", topics=["trade", "<b>bold</b>"], source="hostile.example",
            language="en"))
    update_index(archive)
    return archive


@pytest.fixture(scope="module")
def base_url(web_archive):
    with serving(web_archive) as url:
        yield url


@pytest.fixture
def slow_search(monkeypatch):
    """Make searches for one word take ``seconds`` (a query the engine cannot answer fast)."""
    import time

    from search import SearchIndex

    real = SearchIndex.search

    def slow(word: str, seconds: float) -> None:
        def search(self, request, **options):
            if getattr(request, "text", request) == word:
                time.sleep(seconds)
            return real(self, request, **options)
        monkeypatch.setattr(SearchIndex, "search", search)
    return slow
