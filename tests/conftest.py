"""Shared fixtures: a real news site on 127.0.0.1 and archives in temp dirs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler import Crawler, CrawlSettings
from newsarchive.sample_site import SampleSite, SiteState

#: The shared corpora live beside the checkout; tests that need them skip without them.
SHARED = Path(os.environ.get("NEWSARCHIVE_SHARED",
                             Path(__file__).resolve().parents[2] / "shared" / "data"))


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared corpus not available: {path} (set NEWSARCHIVE_SHARED)")
    return path


@pytest.fixture
def site():
    with SampleSite(SiteState()) as s:
        yield s


@pytest.fixture
def archive(tmp_path) -> Path:
    return tmp_path / "data"


def fast_settings(**overrides) -> CrawlSettings:
    """No delay, in-process cleaning, short backoffs: the test site is ours."""
    values = dict(delay=0.0, workers=0, backoff=0.05, timeout=5.0, max_retry_after=5.0)
    values.update(overrides)
    return CrawlSettings(**values)


def run_crawl(archive: Path, seeds: list[str], **overrides):
    return Crawler(archive, fast_settings(**overrides)).run(seeds)


def build_archive(archive: Path, articles) -> Path:
    """An archive holding ``articles`` (store of record + index), as an import would leave it."""
    from archive.store import Store
    from indexer import update_index

    with Store(archive) as store, store.transaction():
        for a in articles:
            store.upsert_article(a)
    update_index(archive)
    return archive


def open_test_index(tmp_path_factory, name: str, articles):
    """A SearchIndex over ``articles`` in a fresh archive (``.archive_path`` names it)."""
    from search import SearchIndex

    archive = build_archive(tmp_path_factory.mktemp(name) / "data", articles)
    index = SearchIndex(archive)
    index.archive_path = archive
    return index


def cli(*args: str, env: dict | None = None, input: str | None = None, timeout: float = 120):
    """Run the installed CLI in a subprocess (as a user would)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "newsarchive.cli", *args], capture_output=True,
                          text=True, env=full_env, input=input, timeout=timeout)


def write_warc(path: Path, pages: dict[str, str],
               others: tuple[tuple[str, bytes, str], ...] = ()) -> str:
    """A gzipped WARC file of HTML ``pages`` (URL -> page) as another crawler would write
    it, then the ``others`` (URL, payload, content type)."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    records = [(url, page.encode("utf-8"), "text/html; charset=utf-8")
               for url, page in pages.items()] + list(others)
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, body, ctype in records:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.0")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body),
                http_headers=headers))
    return str(path)
