"""Fetching one URL with httpx: size cap, retries with backoff, Retry-After, raw capture.

Settings used (see :mod:`crawler.settings`): ``timeout``, ``max_bytes`` (the most kept of a
response, as sent and once decompressed), ``max_tries``, ``backoff``, ``max_retry_after``.
Redirects are not followed here: the crawler records each hop and queues the target, so every
hop is captured and remembered.

Retried: connection errors, timeouts, bodies shorter than their Content-Length (truncated),
HTTP 5xx, 429. Waits follow ``Retry-After`` (seconds or HTTP date) when given, else doubling
backoff. After ``max_tries`` the last outcome is returned with ``gave_up`` set.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass, field

import httpx

from .guard import AddressRefused
from .inflate import inflate

RETRY_STATUSES = {429, 500, 502, 503, 504, 520, 521, 522, 523, 524}


@dataclass
class FetchResult:
    """What one fetch brought back (after retries)."""

    url: str
    status: int | None = None
    reason: str = ""
    http_version: str = "HTTP/1.1"
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw: bytes = b""  # as received (content-encoding intact): what the WARC keeps
    body: bytes = b""  # content-decoded
    truncated: str | None = None  # "length" when cut at max_bytes
    error: str | None = None  # why it failed for good, when it did
    outcome: str = "ok"
    tries: int = 0
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    fetched_at: float = 0.0
    ip: str | None = None

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").lower()


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now or time.time()))


async def fetch_once(client: httpx.AsyncClient, url: str, headers: dict[str, str],
                     max_bytes: int) -> FetchResult:
    """One attempt. Raises httpx errors for the caller's retry logic."""
    result = FetchResult(url=url, fetched_at=time.time())
    request = client.build_request("GET", url, headers=headers)
    result.request_headers = list(request.headers.items())
    response = await client.send(request, stream=True, follow_redirects=False)
    try:
        result.status = response.status_code
        result.reason = response.reason_phrase
        result.http_version = response.http_version
        result.headers = list(response.headers.items())
        stream = response.extensions.get("network_stream")
        if stream is not None:
            try:
                peer = stream.get_extra_info("server_addr")
                result.ip = peer[0] if peer else None
            except Exception:  # noqa: BLE001 - informational only, transports differ
                result.ip = None
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_raw():
            chunks.append(chunk)
            size += len(chunk)
            if size >= max_bytes:
                result.truncated = "length"
                break
        raw = b"".join(chunks)
        if result.truncated:
            raw = raw[:max_bytes]
        result.raw = raw
        # the decoded body has the same ceiling: 25 KB of gzip must not become 10 GB
        result.body, cut = inflate(raw, response.headers.get("content-encoding"), max_bytes)
        if cut:
            result.truncated = "length"
    finally:
        await response.aclose()
    return result


async def fetch(client: httpx.AsyncClient, url: str, *, headers: dict[str, str] | None = None,
                max_bytes: int, max_tries: int, backoff: float, max_retry_after: float,
                on_retry=None) -> FetchResult:
    """Fetch with retries. Never raises for network trouble: the result says what happened."""
    headers = dict(headers or {})
    last: FetchResult | None = None
    for attempt in range(1, max_tries + 1):
        wait = backoff * (2 ** (attempt - 1))
        try:
            result = await fetch_once(client, url, headers, max_bytes)
        except httpx.TimeoutException as exc:
            last = FetchResult(url=url, error=f"timeout ({type(exc).__name__})", outcome="timeout",
                               fetched_at=time.time())
        except httpx.RemoteProtocolError as exc:
            last = FetchResult(url=url, error=f"truncated or malformed response: {exc}",
                               outcome="truncated", fetched_at=time.time())
        except httpx.ConnectError as exc:
            if isinstance(exc.__cause__, AddressRefused):  # no retry: it will not change
                return FetchResult(url=url, error=str(exc), outcome="refused-address",
                                   fetched_at=time.time(), tries=attempt)
            last = FetchResult(url=url, error=f"connection failed: {exc or type(exc).__name__}",
                               outcome="connection-error", fetched_at=time.time())
        except (httpx.ReadError, httpx.WriteError, httpx.NetworkError) as exc:
            last = FetchResult(url=url, error=f"connection failed: {exc or type(exc).__name__}",
                               outcome="connection-error", fetched_at=time.time())
        except httpx.HTTPError as exc:
            last = FetchResult(url=url, error=f"HTTP error: {exc}", outcome="error",
                               fetched_at=time.time())
            last.tries = attempt
            return last
        else:
            result.tries = attempt
            if result.status not in RETRY_STATUSES:
                return result
            result.outcome = f"http-{result.status}"
            result.error = f"HTTP {result.status}"
            last = result
            retry_after = parse_retry_after(result.header("retry-after"))
            if retry_after is not None:
                if retry_after > max_retry_after:
                    result.error = (f"HTTP {result.status} with Retry-After {retry_after:.0f}s "
                                    f"(longer than {max_retry_after:.0f}s): gave up")
                    result.outcome = "gave-up"
                    return result
                wait = max(wait, retry_after)
        last.tries = attempt
        if attempt < max_tries:
            if on_retry:
                on_retry(url, last)
            await asyncio.sleep(wait)
    assert last is not None
    if last.status is None or last.status in RETRY_STATUSES:
        last.outcome = "gave-up"
    last.error = f"{last.error} (gave up after {last.tries} tries)"
    return last
