"""What every request and response of the web app goes through, before any page runs.

- **Host**: only the names the app is served as (``serve --allowed-host``; the loopback names
  by default) get an answer, so a DNS-rebinding page cannot read a local archive through a
  browser; others get 400.
- **Bodies**: at most :data:`MAX_BODY` bytes, counted as they arrive (a lying or missing
  ``Content-Length`` does not help): 413 past it.
- **Cross-site posts**: a form post to ``/editor`` must come from the app's own pages
  (``Origin``, ``Sec-Fetch-Site`` or ``Referer`` say so when a browser sends it), and the JSON
  API takes only ``application/json`` bodies, which a cross-site page cannot send without the
  browser asking first.
- **Headers**: ``nosniff`` and a referrer policy on everything; on pages, a Content Security
  Policy without inline script, and no framing (``frame-ancestors 'none'``). A response that
  sets its own policy (an archived capture, sandboxed) keeps it.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

MAX_BODY = 1024 * 1024
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
COMMON_HEADERS = [(b"x-content-type-options", b"nosniff"),
                  (b"referrer-policy", b"same-origin")]
PAGE_HEADERS = [(b"content-security-policy", PAGE_POLICY.encode()),
                (b"x-frame-options", b"DENY")]


class _TooLarge(Exception):
    pass


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Security:
    """The ASGI middleware described in the module's docstring."""

    def __init__(self, app, allowed_hosts: tuple[str, ...] = LOOPBACK_NAMES,
                 max_body: int = MAX_BODY):
        self.app = app
        self.allowed = {_hostname(h) for h in allowed_hosts}
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        problem = self._refusal(scope, headers)
        if problem:
            return await _answer(send, scope, *problem)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _TooLarge
            return message

        started = False

        async def secured_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = _secured(list(message.get("headers", [])))
            await send(message)

        try:
            await self.app(scope, limited_receive, secured_send)
        except _TooLarge:
            if not started:
                await _answer(send, scope, 413, f"the request body is over {self.max_body:,} "
                                                f"bytes")

    def _refusal(self, scope, headers: dict[str, str]) -> tuple[int, str] | None:
        host = _hostname(headers.get("host", ""))
        if host not in self.allowed:
            return 400, (f"this archive is not served as {host or 'an empty Host'!r} "
                         f"(newsarchive serve --allowed-host NAME)")
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            return 413, f"the request body is over {self.max_body:,} bytes"
        if scope["method"] != "POST":
            return None
        if scope["path"].startswith("/api/"):
            if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
                return 415, "send the request body as JSON (Content-Type: application/json)"
            return None
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return 403, "forms are accepted from this archive's own pages only"
        origin = headers.get("origin") or headers.get("referer")
        if origin and (origin == "null" or _hostname(urlsplit(origin).netloc) not in self.allowed):
            return 403, "forms are accepted from this archive's own pages only"
        return None


def _secured(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    names = {k.lower() for k, _ in headers}
    ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    out = headers + [h for h in COMMON_HEADERS if h[0] not in names]
    if ctype.startswith(b"text/html") and b"content-security-policy" not in names:
        out += PAGE_HEADERS
    return out


async def _answer(send, scope, status: int, message: str) -> None:
    """A refusal: the API's JSON error object under /api/, plain text elsewhere."""
    if scope["path"].startswith("/api/"):
        body, ctype = json.dumps({"error": message}).encode(), b"application/json"
    else:
        body, ctype = (message + "\n").encode(), b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": _secured([(b"content-type", ctype),
                                     (b"content-length", str(len(body)).encode())])})
    await send({"type": "http.response.body", "body": body})
