"""A news site of many layouts and eras on 127.0.0.1, generated from a seed.

The test and benchmark ground for archiving faithfully (``bench/site.py``, the tests of the
cleaner and the crawl): nine article layouts (:mod:`newsarchive.layouts`), stories from the
1850s to today and from one sentence to thousands of words (:mod:`newsarchive.site_stories`),
section and topic pages whose teasers and introductions look like stories, a sitemap with
``lastmod`` for some layouts, an RSS feed for the blog, the rest reachable only by links, and
faults: a share of story pages answer 500 on their first request.

    with LayoutSite(stories=400, seed=3) as site:
        print(site.url, site.stories[0].title)
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import Counter
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from . import layouts
from .sample_site import ServedSite, _Server
from .site_stories import LAYOUTS, SiteStory, generate

PER_PAGE = 15
#: layouts whose stories the sitemap lists (with <lastmod>), and the feed's
SITEMAP_LAYOUTS = ("semantic", "amp", "german", "french")
FEED_LAYOUTS = ("blog2000",)
_TOPIC_PREFIXES = ("/topic/", "/tag/", "/tags/", "/t/", "/thema/", "/sujet/", "/topics/",
                   "/etiqueta/", "/wire/topic/")


class _Handler(BaseHTTPRequestHandler):
    server_version = "LayoutNews/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    @property
    def site(self) -> "LayoutSite":
        return self.server.site  # type: ignore[attr-defined]

    def _send(self, status: int, body: str, ctype: str = "text/html; charset=utf-8",
              encoding: str = "utf-8") -> None:
        data = body.encode(encoding, errors="replace")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        site = self.site
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        with site.lock:
            site.hits[path] += 1
            hits = site.hits[path]
        story = site.by_path.get(path)
        if story is not None:
            if site.faulty(path) and hits == 1:
                return self._send(500, "<h1>Internal Server Error</h1>")
            rng = random.Random(f"{site.seed}:{path}:{hits}")  # sidebars change per request
            page = layouts.story_page(story, site.url, site.stories, rng)
            if story.layout == "table1990":  # declared in <meta> only, as such sites did
                return self._send(200, page, "text/html", "windows-1252")
            return self._send(200, page)
        if path == "/robots.txt":
            return self._send(200, f"User-agent: *\nDisallow: /cgi-bin/\n\n"
                                   f"Sitemap: {site.url}/sitemap.xml\n", "text/plain")
        if path == "/sitemap.xml":
            return self._send(200, site.sitemap(), "application/xml")
        if path == "/feed.xml":
            return self._send(200, site.feed(), "application/rss+xml")
        if path == "/":
            links = "".join(f'<li><a href="/section/{name}/">{layouts.SITE_NAMES[name]} '
                            f'({name})</a></li>' for name in site.layouts)
            latest = site.stories[-PER_PAGE:]
            front = layouts.listing_page("semantic", "Front page", latest, None)
            return self._send(200, front.replace("<h1>", f"<ul>{links}</ul><h1>"))
        if path.startswith("/section/"):
            name = path.split("/")[2]
            if name not in site.layouts:
                return self._send(404, "<h1>Not found</h1>")
            page = int((query.get("page") or ["1"])[0] or 1)
            chosen = [s for s in site.stories if s.layout == name]
            start = (page - 1) * PER_PAGE
            more = f"/section/{name}/?page={page + 1}" if start + PER_PAGE < len(chosen) else None
            return self._send(200, layouts.listing_page(
                name, f"{layouts.SITE_NAMES[name]}: latest stories", chosen[start:start + PER_PAGE],
                more))
        if path.startswith(_TOPIC_PREFIXES):
            name = path.rstrip("/").rsplit("/", 1)[-1]
            chosen = [s for s in site.stories
                      if any(layouts.ascii_slug(t) == name for t in s.topics)][:PER_PAGE]
            intro = (f"Everything we have published about {name}, from the first reports to "
                     f"the latest news. Our correspondents have followed the story for many "
                     f"years, and this page collects their reporting in one place so that "
                     f"readers can follow how it unfolded over the decades.")
            return self._send(200, layouts.listing_page("semantic", name.title(), chosen, None,
                                                        intro))
        return self._send(404, "<h1>Not found</h1>")


class LayoutSite(ServedSite):
    """Serve ``stories`` generated stories (``layout_names`` in turn) in a background thread.
    ``fault_share`` of story pages answer 500 the first time they are asked for."""

    def __init__(self, stories: int = 180, seed: int = 1, fault_share: float = 0.02,
                 host: str = "127.0.0.1", port: int = 0,
                 layout_names: tuple[str, ...] = LAYOUTS):
        self.seed = seed
        self.fault_share = fault_share
        self.layouts = layout_names
        self.stories: list[SiteStory] = generate(stories, seed, layout_names)
        self.by_path = {layouts.story_path(s): s for s in self.stories}
        self.hits: Counter = Counter()
        self.lock = threading.Lock()
        self.server = _Server((host, port), _Handler)
        self.server.site = self  # type: ignore[attr-defined]
        self._serve()

    def url_of(self, story: SiteStory) -> str:
        return self.url + layouts.story_path(story)

    def faulty(self, path: str) -> bool:
        digest = hashlib.sha1(f"{self.seed}:{path}".encode()).digest()
        return digest[0] / 256 < self.fault_share

    def sitemap(self) -> str:
        urls = "".join(
            f"<url><loc>{self.url_of(s)}</loc><lastmod>{s.day.isoformat()}</lastmod></url>"
            for s in self.stories if s.layout in SITEMAP_LAYOUTS)
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')

    def feed(self) -> str:
        def rfc822(s: SiteStory) -> str:
            when = datetime(s.day.year, s.day.month, s.day.day, 9, 30, tzinfo=timezone.utc)
            try:
                return format_datetime(when)
            except (ValueError, OverflowError):
                return s.day.isoformat()

        items = "".join(
            f"<item><title>{layouts.esc(s.title)}</title><link>{self.url_of(s)}</link>"
            f"<pubDate>{rfc822(s)}</pubDate></item>"
            for s in self.stories if s.layout in FEED_LAYOUTS)
        return ('<?xml version="1.0"?><rss version="2.0"><channel><title>Ledger Blog</title>'
                f"<link>{self.url}/</link><description>Notes</description>{items}</channel></rss>")



if __name__ == "__main__":  # pragma: no cover - manual use: python -m newsarchive.layout_site N
    import sys

    site = LayoutSite(int(sys.argv[1]) if len(sys.argv) > 1 else 180,
                      port=int(sys.argv[2]) if len(sys.argv) > 2 else 8001).start()
    print(site.url, flush=True)
    try:
        site.thread.join()
    except KeyboardInterrupt:
        site.stop()
