"""Public addresses only: the check every connection the crawler opens goes through.

A crawled page can link anywhere, robots.txt can redirect anywhere, and a name can resolve to
a public address when a link is admitted and to ``127.0.0.1`` a second later (DNS rebinding).
So the check is made where the connection is opened: the host is resolved once, each address
is checked, and the socket connects to an address that passed — never to a name resolved
again. Addresses that are not globally routable (private, loopback, link-local, shared
``100.64.0.0/10``, reserved, and IPv4 inside IPv6: mapped, 6to4, Teredo, NAT64) are refused
unless ``--allow-private``, and so is a name that does not resolve. Seeds given as an address
or as ``localhost`` are the user's own choice and stay allowed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import AbstractSet, Awaitable, Callable

import httpcore

Resolver = Callable[[str, int], Awaitable[list[str]]]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_ip(addr: str) -> bool:
    """``addr`` is globally routable, and so is any IPv4 address it carries."""
    try:
        ip = ipaddress.ip_address(addr.split("%")[0])
    except ValueError:
        return False
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = [ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None]
        if ip in _NAT64:
            inner.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        return all(v4 is None or (v4.is_global and not v4.is_multicast) for v4 in inner)
    return True


def is_address(host: str) -> bool:
    """``host`` is an IP address (or ``localhost``), not a name to resolve."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class AddressRefused(httpcore.ConnectError):
    """The crawler will not connect there (a private address, or a name that does not
    resolve); the message says which and what to do."""


class AddressGuard:
    """Resolves a host once and keeps the addresses a connection may go to."""

    def __init__(self, allow_private: bool = False, trusted_hosts: AbstractSet[str] = frozenset(),
                 resolver: Resolver | None = None):
        self.allow_private = allow_private
        self.trusted_hosts = {h.strip("[]").lower() for h in trusted_hosts}
        self.resolver = resolver or system_resolver

    async def addresses(self, host: str, port: int) -> list[str]:
        """The addresses a connection to ``host`` may use, or :class:`AddressRefused`."""
        name = host.strip("[]").lower()
        if is_address(name):
            addrs = ["127.0.0.1"] if name == "localhost" or name.endswith(".localhost") else [name]
            if self.allow_private or name in self.trusted_hosts or all(map(is_public_ip, addrs)):
                return addrs
            raise AddressRefused(f"{host} is not a public address (crawl it with --allow-private)")
        try:
            addrs = await self.resolver(name, port)
        except (OSError, UnicodeError) as exc:
            raise AddressRefused(f"{host} does not resolve ({exc})") from exc
        if not addrs:
            raise AddressRefused(f"{host} does not resolve")
        if self.allow_private:
            return addrs
        public = [a for a in addrs if is_public_ip(a)]
        if not public:
            raise AddressRefused(f"{host} resolves to {', '.join(addrs)}, not a public address "
                                 f"(crawl it with --allow-private)")
        return public
