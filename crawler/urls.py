"""URL canonicalisation, scope and trap-pattern keys.

One story must have one URL: :func:`canonicalize` lower-cases scheme and host, drops
default ports, fragments and tracking parameters (``utm_*``, ``fbclid``, ``gclid`` ...)
and sorts the query (w3lib does the percent-encoding work).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from .errors import InvalidURLError

TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid",
    "_ga", "_gl", "ref_src", "ref_url", "cmpid", "ocid", "smid", "smtyp", "ito",
    "at_medium", "at_campaign", "ns_source", "ns_mchannel", "ns_campaign", "ns_linkname",
    "ns_fee", "icid", "spm", "share", "xtor",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "__twitter", "hsa_")
PAGINATION_RE = re.compile(r"(?:[?&](?:page|p|pg|offset|start)=(\d+))|(?:/page/(\d+))", re.I)
_DIGITS = re.compile(r"\d+")


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def canonicalize(url: str, base: str | None = None) -> str:
    """The canonical form of ``url`` (resolved against ``base``), or raise InvalidURLError."""
    url = (url or "").strip()
    if base:
        try:
            url = urljoin(base, url)
        except ValueError as exc:  # a bracketed host that is no IPv6 address
            raise InvalidURLError(f"not a URL: {url!r} ({exc})") from exc
    return _canonical(url)


@lru_cache(maxsize=65536)
def _canonical(url: str) -> str:
    # pages of one site link the same URLs over and over (navigation, most-read lists)
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InvalidURLError(f"not a URL: {url!r} ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidURLError(f"not an http(s) URL: {url!r}")
    try:
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError as exc:
        raise InvalidURLError(f"bad host or port in {url!r}") from exc
    if not host:
        raise InvalidURLError(f"no host in {url!r}")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        host = host.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{netloc}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _is_tracking(k)]
    path = parts.path or "/"
    rebuilt = urlunsplit((scheme, netloc, path, urlencode(query), ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def host_of(url: str) -> str:
    """host[:port] of a URL, the unit of politeness."""
    return urlsplit(url).netloc.lower()


def hostname_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def site_of(hostname: str) -> str:
    """The site a host belongs to, for scope: ``www.`` and ``m.``/``amp.`` prefixes dropped."""
    for prefix in ("www.", "m.", "amp.", "mobile."):
        if hostname.startswith(prefix):
            return hostname[len(prefix):]
    return hostname


def in_scope(url: str, sites: set[str], allow_domains: tuple[str, ...] = ()) -> bool:
    """True when ``url``'s host is one of ``sites`` (or a subdomain) or an allowed domain."""
    host = hostname_of(url)
    site = site_of(host)
    for s in list(sites) + [d.lower().lstrip(".") for d in allow_domains]:
        if site == s or host == s or host.endswith("." + s):
            return True
    return False


def pattern_key(url: str) -> str:
    """A key shared by URLs that differ only in numbers or query values (trap detection)."""
    parts = urlsplit(url)
    names = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    path = _DIGITS.sub("N", parts.path)
    return f"{parts.netloc}{path}?{'&'.join(names)}"


def path_key(url: str) -> str:
    """host + path without the query: bounds endless parameter combinations on one path."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"


def has_query(url: str) -> bool:
    return bool(urlsplit(url).query)


def pagination_depth(url: str) -> int:
    """The page number of a paginated listing URL (``?page=7``, ``/page/7``), else 0."""
    m = PAGINATION_RE.search(url)
    if not m:
        return 0
    return int(m.group(1) or m.group(2) or 0)


@lru_cache(maxsize=4096)
def _resolve(hostname: str) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(hostname, None)
    except (OSError, UnicodeError):
        return ()
    return tuple(sorted({str(info[4][0]) for info in infos}))


def _private_ip(addr: str) -> bool:
    from .guard import is_public_ip

    return not is_public_ip(addr)


def is_private_host(hostname: str, resolve: bool = True) -> bool:
    """True when the host is, or resolves to, a private, loopback or link-local address."""
    hostname = hostname.strip("[]").lower()
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(hostname)
        return _private_ip(hostname)
    except ValueError:
        pass
    if not resolve:
        return False
    return any(_private_ip(a) for a in _resolve(hostname))
