"""Where the crawler will connect: public addresses, checked when the connection is opened."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler import Store, guard
from crawler.guard import is_public_ip
from tests.conftest import run_crawl


@pytest.mark.parametrize("addr, public", [
    ("8.8.8.8", True), ("2606:4700::1", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("192.168.0.1", False), ("169.254.169.254", False),
    ("100.64.0.1", False), ("0.0.0.0", False), ("::1", False), ("fe80::1", False),
    ("::ffff:127.0.0.1", False), ("2002:7f00:1::", False), ("64:ff9b::7f00:1", False),
    ("224.0.0.1", False), ("not an address", False),
])
def test_public_addresses(addr, public):
    assert is_public_ip(addr) is public


class _Site(BaseHTTPRequestHandler):
    """Counts what it is asked; robots.txt may redirect elsewhere."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.seen.append(self.path)
        if self.path == "/robots.txt" and self.server.robots_to:
            self.send_response(301)
            self.send_header("Location", self.server.robots_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = (b"<html><body><h1>Port reopens</h1><p>The port reopened on Monday after a week "
                b"of repairs, officials said on the quay.</p></body></html>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def servers():
    made = []

    def make(robots_to=None):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
        server.seen, server.robots_to = [], robots_to
        threading.Thread(target=server.serve_forever, daemon=True).start()
        made.append(server)
        return server, server.server_address[1]
    yield make
    for server in made:
        server.shutdown()
        server.server_close()


def test_a_robots_redirect_off_site_is_not_followed(servers, archive):
    inside, inside_port = servers()
    outside, outside_port = servers()
    inside.robots_to = f"http://localhost:{outside_port}/robots.txt"
    run_crawl(archive, [f"http://127.0.0.1:{inside_port}/"])
    assert outside.seen == []
    assert "/" in inside.seen  # no robots.txt: the site is crawled


def test_a_name_that_resolves_to_a_private_address_is_refused(servers, archive, monkeypatch):
    site, port = servers()

    async def rebinding(host, port):
        return ["127.0.0.1"]  # what a rebinding name answers when the connection is made

    monkeypatch.setattr(guard, "system_resolver", rebinding)
    stats = run_crawl(archive, [f"http://news.rebind.test:{port}/"])
    assert site.seen == []
    assert stats.outcomes["refused-address"] >= 1
    assert any("not a public address" in s and "--allow-private" in s for s in stats.error_samples)


def test_allow_private_lets_the_user_crawl_an_intranet(servers, archive, monkeypatch):
    site, port = servers()

    async def intranet(host, port):
        return ["127.0.0.1"]

    monkeypatch.setattr(guard, "system_resolver", intranet)
    run_crawl(archive, [f"http://intranet.test:{port}/"], allow_private=True)
    assert "/" in site.seen


def test_a_name_that_does_not_resolve_is_refused(archive, monkeypatch):
    async def nowhere(host, port):
        raise OSError("Name or service not known")

    monkeypatch.setattr(guard, "system_resolver", nowhere)
    stats = run_crawl(archive, ["http://nowhere.test/"])
    assert stats.outcomes["refused-address"] >= 1
    with Store(archive) as store:
        assert store.count_articles() == 0
