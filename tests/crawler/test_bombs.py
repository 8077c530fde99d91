"""Hostile bytes: a response that inflates to far more than it weighs never costs more than
the crawl's ceiling, and the crawl goes on with the rest of the site."""

from __future__ import annotations

import asyncio
import gzip
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from crawler import Store
from crawler.discover import maybe_gunzip, sniff_kind
from crawler.fetch import fetch
from crawler.inflate import inflate
from tests.conftest import run_crawl

BOMB_BYTES = 200 * 1024 * 1024  # what the bomb inflates to
LIMIT = 1024 * 1024


def _bomb(size: int = BOMB_BYTES) -> bytes:
    """``size`` bytes of spaces, gzipped: about a thousandth of that on the wire."""
    out = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b" " * (1 << 20)
    parts = [out.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + out.flush()


BOMB = _bomb()
#: a page of 20,000 one-link blocks: seconds of cleaning for 1 MB
SLOW_PAGE = ("<html><body>" + "".join(f'<div><a href="/n/{i}">story {i}</a> text</div>'
                                      for i in range(20_000)) + "</body></html>").encode()
STORY = ("<html><head><title>Port reopens</title></head><body><article><h1>Port reopens</h1>"
         + "<p>The port reopened on Monday after a week of repairs, officials said, and the "
           "first ships were unloaded before noon.</p>" * 5 + "</article></body></html>")


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/robots.txt":
            return self._send(b"User-agent: *\n", "text/plain")
        if self.path == "/":
            return self._send(b'<html><body><a href="/bomb.html">a</a> '
                              b'<a href="/news/2024/05/07/port-reopens.html">b</a></body></html>')
        if self.path == "/with-slow/":
            return self._send(b'<html><body><a href="/news/2024/05/07/port-reopens.html">b</a> '
                              b'<a href="/slow.html">c</a></body></html>')
        if self.path == "/slow.html":
            return self._send(SLOW_PAGE)
        if self.path == "/bomb.html":
            return self._send(BOMB, encoding="gzip")
        if self.path == "/sitemap.xml":
            return self._send(BOMB, "application/xml")  # a gzipped sitemap of nothing
        if self.path == "/news/2024/05/07/port-reopens.html":
            return self._send(STORY.encode())
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, body: bytes, ctype: str = "text/html", encoding: str | None = None):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def bomb_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_bomb_is_small_on_the_wire():
    assert len(BOMB) < BOMB_BYTES / 500


def test_a_gzip_bomb_response_is_cut_at_the_ceiling(bomb_site):
    async def get():
        async with httpx.AsyncClient() as client:
            return await fetch(client, bomb_site + "/bomb.html", max_bytes=LIMIT, max_tries=1,
                               backoff=0, max_retry_after=0)

    result = asyncio.run(get())
    assert result.status == 200
    assert len(result.body) == LIMIT and result.truncated == "length"


def test_a_gzipped_sitemap_and_a_peek_are_cut_too():
    assert len(maybe_gunzip(BOMB, LIMIT)) == LIMIT
    assert sniff_kind(BOMB, "application/xml") == "other"
    assert inflate(gzip.compress(b"small"), "gzip", LIMIT) == (b"small", False)
    assert inflate(b"not gzip at all", "gzip", LIMIT) == (b"not gzip at all", False)


def test_the_crawl_stores_the_rest_of_a_site_that_serves_bombs(bomb_site, archive):
    run_crawl(archive, [bomb_site + "/"], max_bytes=LIMIT)
    with Store(archive) as store:
        stored = [a.url for a in store.articles()]
        truncated = store.db.execute(
            "SELECT truncated FROM fetches WHERE url LIKE '%/bomb.html'").fetchone()[0]
    assert stored == [bomb_site + "/news/2024/05/07/port-reopens.html"]
    assert truncated == 1


def test_a_page_built_to_be_slow_to_clean_is_given_up_on(bomb_site, archive, monkeypatch):
    """A cleaning process spends at most CLEAN_SECONDS on a page; the page's capture is kept
    and the crawl goes on with the rest of the site."""
    import time

    from crawler import crawl

    monkeypatch.setattr(crawl, "CLEAN_SECONDS", 0.3)  # the forked cleaning process inherits it
    started = time.monotonic()
    run_crawl(archive, [bomb_site + "/with-slow/"], max_bytes=LIMIT, workers=1)
    took = time.monotonic() - started
    with Store(archive) as store:
        stored = [a.url for a in store.articles()]
        slow = store.db.execute("SELECT outcome, error, warc_offset FROM fetches "
                                "WHERE url LIKE '%/slow.html'").fetchone()
    assert stored == [bomb_site + "/news/2024/05/07/port-reopens.html"]
    assert slow[0] == "too-slow" and "over 0.3 s" in slow[1] and slow[2] is not None
    assert took < 2.5, took
