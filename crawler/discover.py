"""Discovery: URLs from sitemaps, feeds and pages.

- Sitemaps: ``<urlset>`` (with Google News ``<news:publication_date>`` and ``<lastmod>`` as
  date hints), ``<sitemapindex>`` (children are more sitemaps), gzipped or not.
- Feeds: RSS and Atom through feedparser; entry dates become date hints.
- Pages: ``<a href>`` links and ``<link rel="alternate">`` feed autodiscovery, read from the
  lxml tree the cleaner parses anyway (one parse per page).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import feedparser
from lxml import etree

from .errors import InvalidURLError
from .htmltree import parse_html
from .inflate import SITEMAP_BYTES, gunzip
from .urls import canonicalize

#: Paths tried on each seed's site for sitemaps and feeds when robots.txt names none.
SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml")
FEED_PATHS = ("/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/xml", "text/xml")


@dataclass
class Discovered:
    """Links found in one document: (url, date hint or None) pairs plus more sitemaps/feeds."""

    pages: list[tuple[str, str | None]] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)


def maybe_gunzip(body: bytes, limit: int = SITEMAP_BYTES) -> bytes:
    """``body`` un-gzipped when it is gzip (a ``.xml.gz`` sitemap), at most ``limit`` bytes."""
    return gunzip(body, limit)[0]


#: how much of a body is looked at to tell what it is
SNIFF_BYTES = 4096


def sniff_kind(body: bytes, content_type: str) -> str:
    """'sitemap', 'feed', 'html', or 'other' from the first bytes and the content type."""
    head = gunzip(body[:65536], SNIFF_BYTES)[0][:SNIFF_BYTES].lstrip().lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if b"<rss" in head or (b"<feed" in head and b"xmlns" in head) or b"<rdf:rdf" in head:
        return "feed"
    if "html" in content_type or b"<html" in head or b"<!doctype html" in head or b"<body" in head:
        return "html"
    if not content_type and (b"<p" in head or b"<div" in head):
        return "html"
    return "other"


def parse_sitemap(body: bytes) -> Discovered:
    """URLs and date hints from a sitemap or sitemap index. Tolerates junk."""
    found = Discovered()
    data = maybe_gunzip(body)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return found
    if root is None:
        return found
    is_index = etree.QName(root).localname.lower() == "sitemapindex"
    for node in root:
        if not isinstance(node.tag, str):
            continue
        loc = date = None
        for child in node.iter():
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname.lower()
            text = (child.text or "").strip()
            parent = etree.QName(child.getparent()).localname.lower()
            if name == "loc" and loc is None and parent in ("url", "sitemap"):
                loc = text
            elif name == "publication_date" and text:
                date = text
            elif name == "lastmod" and text and date is None:
                date = text
        if loc:
            if is_index:
                found.sitemaps.append(loc)
            else:
                found.pages.append((loc, date))
    return found


def parse_feed(body: bytes) -> Discovered:
    found = Discovered()
    parsed = feedparser.parse(body)
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        date = None
        for key in ("published_parsed", "updated_parsed"):
            t = entry.get(key)
            if t:
                date = time.strftime("%Y-%m-%dT%H:%M:%SZ", t)
                break
        found.pages.append((link, date))
    return found


def links_in(tree) -> Discovered:
    """Links and feed links in a parsed page (hrefs as written; the caller resolves and
    filters). Read before the cleaner prunes the tree."""
    found = Discovered()
    if tree is None:
        return found
    for el in tree.iter("a", "area", "link"):
        href = el.get("href")
        if not href:
            continue
        href = href.strip()
        rel = (el.get("rel") or "").lower()
        if el.tag == "link":
            typ = (el.get("type") or "").lower()
            if "alternate" in rel and any(t in typ for t in ("rss", "atom")):
                found.feeds.append(href)
            elif "next" in rel.split():
                found.pages.append((href, None))
            continue
        if "nofollow" in rel and "ugc" in rel:
            continue
        if not href or href.startswith(("mailto:", "javascript:", "tel:", "#", "data:")):
            continue
        found.pages.append((href, None))
    return found


def parse_links(html: str, base_url: str) -> Discovered:
    """Links and feed links in a page's HTML (see :func:`links_in`)."""
    return links_in(parse_html(html))


def canonical_links(found: Discovered, base: str) -> Discovered:
    """The page's links resolved and canonicalised, each once, invalid ones dropped. Done
    where the page is cleaned (a cleaning process, in a crawl), not by the crawling process."""
    def canon(hrefs):
        out: dict[str, None] = {}
        for href in hrefs:
            try:
                out[canonicalize(href, base=base)] = None
            except InvalidURLError:
                continue
        return list(out)
    return Discovered(pages=[(u, None) for u in canon(h for h, _ in found.pages)],
                      feeds=canon(found.feeds))


def page_links(html: str, base: str) -> list[str]:
    """The canonical URLs a page's HTML links to (not its feeds): what the crawler follows,
    and what related stories leave out as already linked."""
    return [url for url, _ in canonical_links(links_in(parse_html(html)), base).pages]


_BINARY_EXT = re.compile(
    r"(?:\.(?:jpe?g|png|gif|webp|svg|ico|css|js|mp[34]|m4a|wav|avi|mov|zip|tgz|rar|7z|exe|dmg|"
    r"woff2?|ttf|eot|iso|bin)|(?<!\.xml)\.gz)(?:$|\?)", re.I)


def looks_fetchable(url: str) -> bool:
    """False for links to obvious non-documents (images, scripts, archives)."""
    return not _BINARY_EXT.search(url)
