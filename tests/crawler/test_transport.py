"""The crawler's httpx transport on a real loopback server that closes idle connections."""

from __future__ import annotations

import asyncio
import socket
import threading

import httpx
import pytest

from crawler.transport import crawl_transport


@pytest.fixture
def closing_server():
    """An HTTP/1.1 server that answers one request per connection, then closes it without
    saying so (no ``Connection: close``): the client must notice before reusing it."""
    listener = socket.create_server(("127.0.0.1", 0))
    connections = []

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections.append(conn)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/", connections
    listener.shutdown(socket.SHUT_RDWR)  # wakes accept(): no thread outlives the test
    listener.close()
    thread.join(5)


def test_a_connection_the_server_closed_is_not_reused(closing_server):
    url, connections = closing_server

    async def three_requests():
        transport = crawl_transport(httpx.Limits(max_connections=4, max_keepalive_connections=4))
        async with httpx.AsyncClient(transport=transport) as client:
            answers = []
            for _ in range(3):
                response = await client.get(url)
                answers.append((response.status_code, response.text,
                                response.extensions["network_stream"].get_extra_info("server_addr")))
                await asyncio.sleep(0.05)  # the server's close reaches us
            return answers

    answers = asyncio.run(three_requests())
    assert [(status, text) for status, text, _ in answers] == [(200, "ok")] * 3
    assert all(addr[0] == "127.0.0.1" for _, _, addr in answers)
    assert len(connections) == 3  # a fresh connection each time, no failed reuse


def test_the_transport_wraps_httpcores_streams():
    from crawler.transport import _Backend

    transport = crawl_transport(httpx.Limits())
    # if httpx or httpcore move this attribute, the crawl still works, only slower: say so
    assert isinstance(transport._pool._network_backend, _Backend)
