"""A small news site served on 127.0.0.1 that misbehaves on demand.

Used by ``newsarchive demo`` (the embedded default to crawl), by the tests and by
``bench/crawl.py``. It has what real news sites have: robots.txt with a Disallow and a Sitemap
line, a sitemap index with a Google News sitemap and a gzipped one, an RSS feed, a home page,
paginated sections, articles with JSON-LD and boilerplate (navigation, "Most read", cookie
banner, comments), and the usual trouble: tracking-parameter duplicates, print copies with a
canonical link, a redirect, a calendar trap, 404s, a 500, a 503 with Retry-After, a slow page,
a truncated body, a PDF, a huge page and a windows-1252 page declared only in ``<meta>``.

    with SampleSite() as site:
        print(site.url)
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Story:
    slug: str
    section: str
    date: str  # YYYY-MM-DD
    title: str
    author: str
    topics: list[str]
    paragraphs: list[str]

    @property
    def path(self) -> str:
        y, m, d = self.date.split("-")
        return f"/{self.section}/{y}/{m}/{d}/{self.slug}.html"


STORIES = [
    Story("central-bank-raises-rates", "business", "2024-05-07",
          "Central bank raises interest rates for the third time this year", "Maria Lopez",
          ["economy", "interest rates"],
          ["The central bank raised its benchmark interest rate by a quarter point on Tuesday, "
           "the third increase this year, as policymakers tried to cool stubborn inflation.",
           "Governor Elena Fischer said the decision was unanimous and that further increases "
           "could not be ruled out if consumer prices kept rising faster than wages.",
           "Mortgage lenders said they expected to pass the higher cost on to borrowers within "
           "weeks, while exporters warned that a stronger currency would hurt their sales."]),
    Story("flood-defences-hold-in-river-valley", "world", "2024-05-06",
          "Flood defences hold as river valley braces for more rain", "Tom Becker",
          ["weather", "floods"],
          ["New flood barriers along the river held overnight as water levels reached their "
           "highest point in twenty years, officials said on Monday.",
           "Emergency crews evacuated two villages as a precaution, and forecasters warned that "
           "another band of heavy rain would arrive by the weekend.",
           "Residents praised the barriers, which were completed last autumn after years of "
           "debate over their cost."]),
    Story("striker-signs-record-contract", "sport", "2024-05-05",
          "Striker signs record contract with league champions", "Ana Silva",
          ["football", "transfers"],
          ["The league champions have signed the striker on a five-year contract, the largest "
           "in the club's history, after weeks of negotiations.",
           "The forward scored thirty-one goals last season and said she was excited to play in "
           "the continental cup next year.",
           "Supporters gathered outside the stadium to celebrate the signing."]),
    Story("election-turnout-reaches-record", "politics", "2024-05-04",
          "Election turnout reaches a record as polls close", "James O'Neill",
          ["elections", "politics"],
          ["Turnout in the regional election reached a record seventy-two percent, the "
           "electoral commission said after polls closed on Saturday evening.",
           "Long queues formed at polling stations in the capital, where some voters waited "
           "more than an hour to cast their ballots.",
           "The first results are expected early on Sunday morning."]),
    Story("new-vaccine-trial-shows-promise", "health", "2024-05-03",
          "New malaria vaccine trial shows promise in children", "Priya Nair",
          ["health", "vaccines", "malaria"],
          ["A malaria vaccine reduced severe illness in young children by more than half in a "
           "large trial, researchers reported on Friday.",
           "The vaccine, given in three doses, was tested in four countries over two rainy "
           "seasons, and side effects were mild.",
           "Health ministries said they hoped to begin wider vaccination campaigns next year."]),
    Story("tech-firm-unveils-solar-battery", "technology", "2024-05-02",
          "Tech firm unveils cheaper home solar battery", "Kenji Watanabe",
          ["technology", "energy", "solar"],
          ["A technology company unveiled a home battery on Thursday that it said would store "
           "solar power at half the price of current models.",
           "The battery uses sodium instead of lithium, which the firm said made it safer and "
           "easier to recycle.",
           "Analysts said the product could speed up the adoption of rooftop solar panels."]),
    Story("port-strike-ends-after-deal", "business", "2024-04-30",
          "Port strike ends after workers accept pay deal", "Maria Lopez",
          ["labour", "economy", "shipping"],
          ["Dock workers voted to accept a new pay deal on Tuesday, ending a strike that had "
           "left container ships waiting offshore for nine days.",
           "The union said the agreement included a raise of eight percent over two years.",
           "Shipping companies said it would take weeks to clear the backlog of cargo."]),
    Story("museum-returns-bronze-statues", "culture", "2024-04-28",
          "Museum returns bronze statues to their country of origin", "Claire Dubois",
          ["culture", "museums", "heritage"],
          ["A national museum returned twelve bronze statues on Sunday that were taken during "
           "the colonial era, in a ceremony attended by both countries' ministers.",
           "The statues will be displayed in a new museum opening later this year.",
           "Campaigners welcomed the return and called on other institutions to follow."]),
]

BOILERPLATE_TOP = (
    '<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. '
    '<button>Accept all cookies</button></div>'
    '<header><nav class="main-nav"><a href="/">Home</a> <a href="/world/">World</a> '
    '<a href="/business/">Business</a> <a href="/sport/">Sport</a> '
    '<a href="/subscribe">Subscribe to our newsletter today</a></nav></header>')
BOILERPLATE_BOTTOM = (
    '<aside class="most-read"><h2>Most read</h2><ol><li><a href="/">Celebrity chef opens '
    'restaurant on the moon</a></li><li><a href="/">Ten tricks to sleep better tonight</a></li>'
    '</ol></aside>'
    '<div class="newsletter">Sign up for our morning briefing newsletter and never miss a '
    'story.</div>'
    '<section id="comments" class="comments"><h3>Comments</h3><div class="comment">First! '
    'Great article, totally agree with the author here.</div></section>'
    '<footer>Copyright Daily Sample News. All rights reserved. <a href="/about">About us</a>'
    '</footer>')


def article_html(story: Story, base: str, body_extra: str = "") -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": story.title,
          "datePublished": f"{story.date}T09:30:00+00:00", "author": {"@type": "Person",
          "name": story.author}, "articleSection": story.section.title(),
          "keywords": story.topics, "mainEntityOfPage": base + story.path,
          "publisher": {"@type": "Organization", "name": "Daily Sample News"}}
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(story.title)} | Daily Sample News</title>
<link rel="canonical" href="{base}{story.path}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="Daily Sample News">
<meta property="og:title" content="{html.escape(story.title)}">
<meta property="article:published_time" content="{story.date}T09:30:00+00:00">
<meta property="article:section" content="{story.section.title()}">
{''.join(f'<meta property="article:tag" content="{html.escape(t)}">' for t in story.topics)}
<script type="application/ld+json">{json.dumps(ld)}</script>
</head><body>{BOILERPLATE_TOP}
<main><article><h1>{html.escape(story.title)}</h1>
<p class="byline">By <span rel="author">{html.escape(story.author)}</span>,
<time datetime="{story.date}T09:30:00Z">{story.date}</time></p>
<div class="article-body">{paras}{body_extra}</div>
<div class="share">Share this story on Facebook Twitter Email</div>
<aside class="related"><h2>Related Topics</h2><a href="/{story.section}/">More {story.section}</a></aside>
</article></main>{BOILERPLATE_BOTTOM}</body></html>"""


def listing_html(title: str, links: list[tuple[str, str]], extra: str = "") -> str:
    items = "".join(f'<li><a href="{html.escape(h)}">{html.escape(t)}</a></li>' for h, t in links)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
            f' | Daily Sample News</title><meta property="og:type" content="website"></head><body>'
            f'{BOILERPLATE_TOP}<main><h1>{html.escape(title)}</h1><ul>{items}</ul>{extra}</main>'
            f'{BOILERPLATE_BOTTOM}</body></html>')


CP1252_HTML = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    '<title>Minister \u201cconfident\u201d about talks</title></head><body><article>'
    '<h1>Minister \u201cconfident\u201d about talks</h1>'
    '<p>The minister said she was \u201cconfident\u201d that the talks would succeed \u2014 '
    'despite the opposition\u2019s doubts about the timetable and the cost of the plan.</p>'
    '<p>Negotiators will meet again on Thursday in the capital, where both sides are expected '
    'to present revised proposals on trade, fishing rights and the border arrangements.</p>'
    '<p>\u201cWe are closer than we have ever been,\u201d she told reporters outside the '
    'ministry, adding that a deal could be signed before the end of the month.</p>'
    '</article></body></html>')


@dataclass
class SiteState:
    """Knobs a test turns, and what the site saw."""

    stories: list[Story] = field(default_factory=lambda: list(STORIES))
    robots: str | None = None  # None: the default robots.txt
    robots_status: int = 200
    retry_after: str = "1"
    slow_seconds: float = 3.0
    huge_bytes: int = 5 * 1024 * 1024
    extra_articles: int = 0  # synthetic articles for benchmarks
    hits: Counter = field(default_factory=Counter)
    requests: list[tuple[str, float, dict]] = field(default_factory=list)  # path, time, headers
    edits: dict[str, str] = field(default_factory=dict)  # path -> extra paragraph
    #: stories linked from nowhere but the gzipped sitemap / the feed
    sitemap_only: list[Story] = field(default_factory=list)
    feed_only: list[Story] = field(default_factory=list)
    #: stories linked from nowhere but the "Most read" box of article pages (boilerplate the
    #: cleaner drops from the body; its links are still followed)
    most_read_only: list[Story] = field(default_factory=list)
    #: absolute URLs (another site's) in the "Most read" box of article pages
    links_out: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    log_requests: bool = True
    synthetic: list = field(default_factory=list)
    cache_key: tuple = ()
    cache: tuple = ((), {})


_WORDS = ("the minister said council report market growth city river talks plan water "
          "energy school hospital police court vote budget trade price company workers "
          "union farmers weather storm election party leader government officials "
          "police study scientists research museum festival team season match coach "
          "players league bank rates inflation housing rent transport rail airport").split()


def synthetic_story(i: int) -> Story:
    """A deterministic filler story for benchmarks (about 450 words)."""
    h = hashlib.sha1(str(i).encode()).digest()
    words = [_WORDS[(b + k * 7) % len(_WORDS)] for k, b in enumerate(h * 23)]
    paras = []
    for p in range(9):
        chunk = words[p * 50:(p + 1) * 50]
        paras.append((" ".join(chunk)).capitalize() + f" reported story {i} paragraph {p}.")
    section = ("world", "business", "sport", "politics", "health")[i % 5]
    day = 1 + i % 28
    return Story(f"story-{i}", section, f"2023-{1 + i % 12:02d}-{day:02d}",
                 f"Story number {i} about {words[0]} and {words[1]}", "Staff Reporter",
                 [section, words[2]], paras)


class _Handler(BaseHTTPRequestHandler):
    server_version = "SampleNews/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    @property
    def state(self) -> SiteState:
        return self.server.state  # type: ignore[attr-defined]

    @property
    def base(self) -> str:
        address: Any = self.server.server_address
        return f"http://{address[0]}:{address[1]}"

    def _send(self, status: int, body: bytes | str, ctype: str = "text/html; charset=utf-8",
              headers: dict | None = None) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        etag = '"' + hashlib.md5(body).hexdigest()[:16] + '"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if status == 200:
            self.send_header("ETag", etag)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def all_stories(self) -> tuple[list[Story], dict[str, Story]]:
        """Every listed story, and every story by path (the hidden ones too). Built once per
        change of the story lists: at 5,000 articles, building them per request cost the
        server more CPU than rendering the page (the crawl benchmark shares the machine)."""
        st = self.state
        with st.lock:
            if len(st.synthetic) != st.extra_articles:
                st.synthetic = [synthetic_story(i) for i in range(st.extra_articles)]
            lists = (st.stories, st.synthetic, st.sitemap_only, st.feed_only, st.most_read_only)
            key = tuple((id(x), len(x)) for x in lists)
            if st.cache_key != key:
                stories = st.stories + st.synthetic
                by_path = {s.path: s for s in stories + st.sitemap_only + st.feed_only
                           + st.most_read_only}
                st.cache_key, st.cache = key, (stories, by_path)
            return st.cache

    def do_GET(self):
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        st = self.state
        with st.lock:
            st.hits[self.path] += 1
            if st.log_requests:
                st.requests.append((self.path, time.monotonic(), dict(self.headers)))
            hits = st.hits[self.path]
        stories, by_path = self.all_stories()
        for serve in (self._discovery, self._listings, self._stories, self._traps):
            if serve(path, query, hits, stories, by_path):
                return
        self._send(404, listing_html("Page not found", []))

    def _sent(self, *args, **kwargs) -> bool:
        self._send(*args, **kwargs)
        return True

    def _discovery(self, path: str, query: dict, hits: int, stories: list, by_path: dict) -> bool:
        """robots.txt, the sitemaps and the feed."""
        st = self.state
        if path == "/robots.txt":
            if st.robots_status != 200:
                return self._sent(st.robots_status, "error", "text/plain")
            text = st.robots if st.robots is not None else (
                f"User-agent: *\nDisallow: /private/\nAllow: /private/public-note.html\n\n"
                f"Sitemap: {self.base}/sitemap_index.xml\n")
            return self._sent(200, text, "text/plain")
        if path == "/sitemap_index.xml":
            return self._sent(200, (
                '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f'<sitemap><loc>{self.base}/sitemap-news.xml</loc></sitemap>'
                f'<sitemap><loc>{self.base}/sitemap-old.xml.gz</loc></sitemap>'
                '</sitemapindex>'), "application/xml")
        if path == "/sitemap-news.xml":
            entries = "".join(
                f'<url><loc>{self.base}{s.path}</loc><news:news><news:publication>'
                f'<news:name>Daily Sample News</news:name><news:language>en</news:language>'
                f'</news:publication><news:publication_date>{s.date}T09:30:00Z'
                f'</news:publication_date><news:title>{html.escape(s.title)}</news:title>'
                f'</news:news></url>' for s in stories[:4])
            return self._sent(200, (
                '<?xml version="1.0" encoding="UTF-8"?><urlset '
                'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                f'{entries}</urlset>'), "application/xml")
        if path == "/sitemap-old.xml.gz":
            entries = "".join(f"<url><loc>{self.base}{s.path}</loc><lastmod>{s.date}</lastmod></url>"
                              for s in stories[4:] + st.sitemap_only)
            xml = ('<?xml version="1.0" encoding="UTF-8"?><urlset '
                   f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>')
            return self._sent(200, gzip.compress(xml.encode()), "application/x-gzip")
        if path in ("/feed.xml", "/rss.xml"):
            items = "".join(
                f"<item><title>{html.escape(s.title)}</title><link>{self.base}{s.path}</link>"
                f"<pubDate>{time.strftime('%a, %d %b %Y 09:30:00 GMT', time.strptime(s.date, '%Y-%m-%d'))}"
                f"</pubDate></item>" for s in stories[:6] + st.feed_only)
            return self._sent(200, (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>Daily Sample News'
                f'</title><link>{self.base}/</link>{items}</channel></rss>'),
                "application/rss+xml")
        return False

    def _listings(self, path: str, query: dict, hits: int, stories: list, by_path: dict) -> bool:
        """The front page and the section pages (paginated)."""
        if path == "/":
            first = stories[0]
            links = [(s.path, s.title) for s in stories[:6]]
            links += [(f"/{sec}/", sec.title()) for sec in sorted({s.section for s in stories})]
            links += [(first.path + "?utm_source=twitter&utm_medium=social", first.title + " (shared)"),
                      ("/print" + first.path, "Print edition"),
                      ("/old/rates-story", "Rates story (old link)"),
                      ("/calendar?day=1", "Events calendar"),
                      ("/private/secret.html", "Staff only"),
                      ("/gone.html", "A story that was removed"),
                      ("/report.pdf", "Annual report (PDF)"),
                      ("/minister-confident.html", "Minister confident"),
                      ("http://10.1.2.3/internal", "Intranet")]
            extra = '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
            return self._sent(200, listing_html("Daily Sample News", links, extra))
        section = path.strip("/")
        if path.endswith("/") and section and all(c.isalpha() for c in section):
            items = [s for s in stories if s.section == section]
            if not items:
                return self._sent(404, listing_html("Not found", []))
            page = int((query.get("page") or ["1"])[0] or 1)
            per = 20
            chunk = items[(page - 1) * per: page * per]
            links = [(s.path, s.title) for s in chunk]
            if page * per < len(items):
                links.append((f"/{section}/?page={page + 1}", "Next page"))
            return self._sent(200, listing_html(section.title(), links))
        return False

    def _stories(self, path: str, query: dict, hits: int, stories: list, by_path: dict) -> bool:
        """Stories, their print views and an old link that redirects to one."""
        st = self.state
        if path in by_path:
            story = by_path[path]
            extra = st.edits.get(path, "")
            page = article_html(story, self.base, f"<p>{html.escape(extra)}</p>" if extra else "")
            if st.most_read_only or st.links_out:
                page = page.replace("<ol>", "<ol>" + "".join(
                    f'<li><a href="{s.path}">{html.escape(s.title)}</a></li>'
                    for s in st.most_read_only) + "".join(
                    f'<li><a href="{html.escape(u)}">From our partners</a></li>'
                    for u in st.links_out), 1)
            return self._sent(200, page)
        if path.startswith("/print/") and path[len("/print"):] in by_path:
            story = by_path[path[len("/print"):]]
            return self._sent(200, article_html(story, self.base).replace(
                BOILERPLATE_TOP, "<p>Printed from Daily Sample News</p>"))
        if path == "/old/rates-story":
            return self._sent(301, "", headers={"Location": stories[0].path})
        return False

    def _traps(self, path: str, query: dict, hits: int, stories: list, by_path: dict) -> bool:
        """What a crawler must survive: an endless calendar, a private area, a PDF, a page
        in windows-1252, pages that fail once, always, slowly, cut short, huge or broken."""
        st = self.state
        if path == "/calendar":
            day = int((query.get("day") or ["1"])[0] or 1)
            return self._sent(200, listing_html(f"Events on day {day}", [
                (f"/calendar?day={day + 1}", "Next day"), (f"/calendar?day={day - 1}", "Previous day"),
                (f"/calendar?day={day}&view=week", "Week view"),
                (f"/calendar?day={day}&view=month&sort=asc", "Month view")]))
        if path.startswith("/private/"):
            return self._sent(200, listing_html("Secret", []))
        if path == "/report.pdf":
            return self._sent(200, b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
                              "application/pdf")
        if path == "/minister-confident.html":
            return self._sent(200, CP1252_HTML.encode("windows-1252"), "text/html")
        if path == "/flaky.html":
            if hits <= 2:
                return self._sent(503, "busy", "text/plain", {"Retry-After": st.retry_after})
            return self._sent(200, article_html(stories[1], self.base))
        if path == "/ratelimited.html":
            if hits <= 1:
                return self._sent(429, "slow down", "text/plain", {"Retry-After": st.retry_after})
            return self._sent(200, article_html(stories[2], self.base))
        if path == "/always500.html":
            return self._sent(500, "boom", "text/plain")
        if path == "/slow.html":
            time.sleep(st.slow_seconds)
            return self._sent(200, article_html(stories[3], self.base))
        if path == "/truncated.html":
            body = article_html(stories[4], self.base).encode()
            if hits <= 1:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return True
            return self._sent(200, body)
        if path == "/huge.html":
            para = "<p>" + "word " * 200 + "</p>"
            huge = ("<html><body><article><h1>Huge</h1>" + para * (st.huge_bytes // len(para) + 1)
                    + "</article></body></html>")
            return self._sent(200, huge)
        if path == "/malformed.html":
            return self._sent(200, "<html><body><div><p>Unclosed <b>tags <table><tr><td>cell"
                                   "<p>More text \x00\x01 here</div></span></body")
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # clients that hang up (a killed crawler, a timeout) are part of the job
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class ServedSite:
    """A test site served on loopback from a background thread: ``with Site() as site``, then
    ``site.url``. Subclasses set ``self.server`` before calling :meth:`_serve`."""

    server: _Server

    def _serve(self) -> None:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.server.server_address[0]!s}:{self.server.server_port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class SampleSite(ServedSite):
    """Serve the sample news site on 127.0.0.1 in a background thread."""

    def __init__(self, state: SiteState | None = None, host: str = "127.0.0.1", port: int = 0):
        self.state = state or SiteState()
        self.server = _Server((host, port), _Handler)
        self.server.state = self.state  # type: ignore[attr-defined]
        self._serve()


if __name__ == "__main__":  # pragma: no cover - manual use: python -m newsarchive.sample_site
    import sys

    site = SampleSite(SiteState(extra_articles=int(sys.argv[1]) if len(sys.argv) > 1 else 0,
                                log_requests=False),
                      port=int(sys.argv[2]) if len(sys.argv) > 2 else 8000,
                      host=sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1").start()
    print(site.url, flush=True)
    try:
        site.thread.join()
    except KeyboardInterrupt:
        site.stop()
