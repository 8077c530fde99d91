"""The crawler's HTTP transport: httpx's own, with each connection's socket facts read once.

Before every request, httpcore's pool asks each of its connections whether it has expired,
and an idle one answers by asking anyio for its socket, which rebuilds a table of socket
attributes (a ``getpeername`` system call among them) on every call. With 16 connections to
one news site that was a fifth of the crawling process's time (profiled on ``bench/crawl.py``).
Here each connection looks its socket and peer address up once; whether an idle connection
was closed by the server is still asked of the socket before each reuse, as httpcore does.
"""

from __future__ import annotations

import select
import socket
import ssl
from typing import Any, Iterable

import httpcore
import httpx

from .guard import AddressGuard


def _poller(sock: socket.socket | None):
    """A poll object watching ``sock`` for input, made once per connection (making one per
    check tripled its cost), or None where the platform has no ``poll``."""
    if sock is None or not hasattr(select, "poll"):
        return None
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return poller


def _readable(sock: socket.socket | None, poller=None) -> bool:
    """True when an idle keep-alive socket has something to read: the server closed it (or
    sent junk); either way it must not be reused. httpcore's own test, without its lookups."""
    if sock is None or sock.fileno() == -1:
        return True
    if poller is not None:
        return bool(poller.poll(0))
    return bool(select.select([sock], [], [], 0)[0])


class _Stream(httpcore.AsyncNetworkStream):
    """A network stream that remembers its socket and peer address."""

    def __init__(self, inner: httpcore.AsyncNetworkStream):
        self._inner = inner
        self._sock = inner.get_extra_info("socket")
        self._poller = _poller(self._sock)
        self._facts = {"socket": self._sock, "server_addr": inner.get_extra_info("server_addr")}

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _readable(self._sock, self._poller)
        if info in self._facts:
            return self._facts[info]
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, its streams wrapped in :class:`_Stream`; with a ``guard``,
    a host is resolved once and the socket connects to an address the guard passed."""

    def __init__(self, guard: AddressGuard | None = None) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._guard = guard

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable | None = None) -> httpcore.AsyncNetworkStream:
        if self._guard is None:
            return _Stream(await self._inner.connect_tcp(host, port, timeout, local_address,
                                                         socket_options))
        failure: Exception | None = None
        for addr in await self._guard.addresses(host, port):
            try:
                return _Stream(await self._inner.connect_tcp(addr, port, timeout, local_address,
                                                             socket_options))
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # the next address the guard passed
        assert failure is not None
        raise failure

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable | None = None):
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def crawl_transport(limits: httpx.Limits,
                    guard: AddressGuard | None = None) -> httpx.AsyncHTTPTransport:
    """httpx's transport with ``limits``, its connections wrapped and guarded as above."""
    transport = httpx.AsyncHTTPTransport(limits=limits)
    pool = getattr(transport, "_pool", None)
    if isinstance(pool, httpcore.AsyncConnectionPool) and hasattr(pool, "_network_backend"):
        pool._network_backend = _Backend(guard)
    elif guard is not None:
        raise RuntimeError("httpcore's pool changed: the crawler cannot guard its connections "
                           "(pin httpcore as setup.cfg says)")
    return transport
