"""The cleaner: from raw HTML (+ URL, headers) to an article record.

Signals combined:

- structured data: JSON-LD ``NewsArticle`` (headline, articleBody, dates, author, section,
  keywords), Open Graph / ``article:*`` meta tags, microdata, ``<time>`` elements;
- trafilatura (precision mode) for the main text, run on the tree we already parsed;
- the date the page shows by its headline (:mod:`crawler.byline`); when nothing strong says,
  a date its text labels as the publication's, and htmldate as a fallback date finder;
- the URL (dates in the path, section in the first segment) and hints from sitemaps/feeds.

:func:`extract` never raises on bad HTML: an empty or unparsable page gives an empty record
with ``is_article`` False.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from . import byline as _byline
from . import continuation, maintext, pagekind
from . import dates as _dates
from . import headline as _headline
from . import metadata as _meta
from . import topics as _topics
from .htmltree import parse_html, unwrap_prose
from .template import (
    EMPTY,
    PageFeatures,
    TemplateView,
    container_key,
    drop_boilerplate,
    is_sentence,
    page_keys,
)

EXTRACTOR_VERSION = "3"  # 2: our own main-text reader; 3: site templates, any story length
_GENERIC_SEGMENTS = {"news", "article", "articles", "story", "stories", "www", "amp", "print",
                     "index", "content", "post", "posts", "p", "a", "en", "de", "fr", "es", "it",
                     "pt", "id", "home", "html", "item", "blog", "blogs", "live", "video", "n",
                     "section", "sections", "category", "categories", "topic", "topics", "tag",
                     "tags", "t", "archive", "archives", "cgi-bin"}


@dataclass
class Extraction:
    """What the cleaner made of one page."""

    url: str
    canonical_url: str | None = None
    title: str = ""
    body: str = ""
    published: str | None = None
    published_source: str | None = None
    published_confidence: float = 0.0
    updated: str | None = None
    authors: list[str] = field(default_factory=list)
    section: str | None = None
    topics: list[str] = field(default_factory=list)
    language: str | None = None
    description: str | None = None
    image: str | None = None
    site_name: str | None = None
    is_article: bool = False
    words: int = 0
    #: why the cleaner gave up on the page (it took too long); its capture is kept
    gave_up: str | None = None
    #: what this page tells its site's template (see crawler.template), for the crawl to count
    features: PageFeatures | None = field(default=None, repr=False, compare=False)

    @property
    def author(self) -> str | None:
        return ", ".join(self.authors) if self.authors else None

    def to_article(self, canonical_url: str, url: str, *, fetched_at: float | None,
                   warc_file: str | None = None, warc_offset: int | None = None):
        """The store's record of this page as the story at ``canonical_url``."""
        from archive.store import Article

        from . import urls

        return Article(
            canonical_url=canonical_url, url=url, title=self.title, body=self.body,
            published=self.published, published_source=self.published_source,
            published_confidence=self.published_confidence, updated=self.updated,
            author=self.author, topics=self.topics, section=self.section,
            language=self.language, description=self.description, image=self.image,
            source=urls.site_of(urls.hostname_of(canonical_url)), fetched_at=fetched_at,
            warc_file=warc_file, warc_offset=warc_offset, extractor=EXTRACTOR_VERSION)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("features", None)
        d["author"] = self.author
        return d


def _clean(text: str | None) -> str:
    """Each run of whitespace (any Unicode space or line break) as one space, none at the
    ends. ``str.split`` does it five times faster than a regex, on every line of every page."""
    return " ".join((text or "").split())


#: what bylines put before a name: "By", "Posted by", "Geschrieben von", "Autor:", "View all
#: posts by", "| " (one or more of them)
_AUTHOR_LABEL = re.compile(
    r"^(?:[|:·•–—-]\s*|(?:(?:view|show) all (?:posts|articles) (?:by|of)"
    r"|(?:zeige )?alle beiträge von"
    r"|post author|posted|written|published|geschrieben|veröffentlicht|eingestellt|erstellt"
    r"|verfasst|artikel|beitrag|rezept|interview|text|autor(?:in)?|author|auteur|autore|by|von|vom"
    r"|par|por|di)\b\s*:?\s*)+", re.I)
#: what bylines put after a name: a date or time, "said", a separator and what follows
_AUTHOR_TAIL = re.compile(
    r"(?:\s+(?:am|at|um|said|says|schrieb|stand)\b|\s*[»|–—]|\s+-(?:\s|$)|,?\s+\d{1,2}[./]\d{1,2}[./]"
    r"|,\s*\d{1,2}\.\s*\w+\s+\d{4}).*$", re.I)
#: what a comment form or an empty byline says instead of a name
_NOT_A_NAME = re.compile(r"^(?:name\b.*|no author|posted|follow|auteurs?|authors?|admin)$", re.I)


def _author_name(text: str) -> str:
    """A byline's name without its labels and what follows it: "Posted by Günter W. Kienitz
    at 18:52" -> "Günter W. Kienitz"; "" for a form label ("Name *")."""
    text = _clean(text)
    name = _AUTHOR_TAIL.sub("", _AUTHOR_LABEL.sub("", text)).strip()
    return "" if _NOT_A_NAME.match(name) else name


def _paragraphs(text: str) -> str:
    lines = [_clean(line) for line in (text or "").splitlines()]
    return "\n\n".join(line for line in lines if line)


def _drop_headline(body: str, titles: list[str]) -> str:
    """Remove a first paragraph that only repeats the headline."""
    first, _, rest = body.partition("\n\n")
    norm = re.sub(r"\W+", " ", first).strip().lower()
    if rest and norm and any(norm == re.sub(r"\W+", " ", t).strip().lower() for t in titles if t):
        return rest
    return body


def _topics_from(values: list) -> list[str]:
    out: list[str] = []
    for v in values:
        if isinstance(v, list):
            out.extend(_topics_from(v))
        elif isinstance(v, str):
            for part in re.split(r"[,;|]", v):
                part = _clean(part)
                if part and len(part) <= 60:
                    out.append(part)
    seen: set[str] = set()
    uniq = []
    for t in out:
        key = t.lower()
        if key not in seen:
            seen.add(key)
            uniq.append(t)
    return uniq


def _url_section(url: str) -> str | None:
    segments = [s for s in urlsplit(url).path.split("/") if s]
    for seg in segments[:-1]:
        low = seg.lower()
        if low in _GENERIC_SEGMENTS or re.fullmatch(r"[\d_-]+", low) or len(low) > 30:
            continue
        if re.fullmatch(r"[a-z][a-z-]{1,29}", low):
            return low.replace("-", " ")
        break
    return None


def _crumb_section(tree, nodes) -> str | None:
    """The first breadcrumb after "Home" (looked for only when the page names no section:
    finding HTML breadcrumbs means visiting every element)."""
    crumbs = _meta.jsonld_breadcrumbs(nodes) or _meta.html_breadcrumbs(tree)
    crumbs = [c for c in crumbs
              if c.lower() not in ("home", "start", "startseite", "accueil", "inicio")]
    return crumbs[0] if crumbs else None


def _date_candidates(tree, meta, article, url, hint_date, day_first: bool = False,
                     title: str | None = None, shown=None) -> list[_dates.DateCandidate]:
    cands: list[_dates.DateCandidate] = []

    def add(raw, source):
        dt = _dates.parse_date(raw if isinstance(raw, str) else None, day_first)
        if dt:
            cands.append(_dates.DateCandidate(dt, source, raw, _dates.CONFIDENCE[source]))

    if article:
        add(article.get("datePublished") or article.get("dateCreated"), "jsonld")
    for key in _dates.PUBLISHED_META:
        if key in meta:
            add(meta[key][0], "meta")
            break
    for el in tree.xpath('//*[@itemprop="datePublished"][not(self::meta)]'):
        add(el.get("datetime") or el.get("content") or el.text_content(), "microdata")
        break
    for el in tree.xpath('//time[@pubdate or contains(@class,"publish") or contains(@class,"date")'
                         ' or ancestor::*[contains(@class,"byline") or contains(@class,"meta")]]'
                         '[@datetime]'):
        add(el.get("datetime"), "time")
        break
    else:
        times = tree.xpath("//article//time[@datetime]") or tree.xpath("//time[@datetime]")
        if len(times) == 1:
            add(times[0].get("datetime"), "time")
    udt = _dates.url_date(url)
    structured = [c.value for c in cands] + ([udt] if udt else [])
    byline = _byline.shown_date(tree, title, day_first, structured, shown)
    if byline and not (udt and abs((byline - udt).days) > 1):
        cands.append(_dates.DateCandidate(byline, "byline", "", _dates.CONFIDENCE["byline"]))
    if udt:
        cands.append(_dates.DateCandidate(udt, "url", url, _dates.CONFIDENCE["url"]))
    if hint_date:
        add(hint_date, "hint")
    return cands


def _htmldate(tree, url, fetched_at, extensive: bool = False) -> _dates.DateCandidate | None:
    from htmldate import find_date

    try:
        found = find_date(tree, original_date=True, extensive_search=extensive, url=url,
                          outputformat="%Y-%m-%d",
                          max_date=(fetched_at or datetime.now()).strftime("%Y-%m-%d"))
    except Exception:  # noqa: BLE001 - htmldate raises assorted errors on odd pages
        return None
    if not found:
        return None
    dt = _dates.parse_date(found)
    source = "text" if extensive else "htmldate"
    return _dates.DateCandidate(dt, source, found, _dates.CONFIDENCE[source]) if dt else None


# Below this many characters, trafilatura's quick pass has probably missed the story (a
# page laid out in an unusual way): its full cascade, which compares readability's and
# jusText's readings, runs then. On the Zyte benchmark the two passes differ on 6 pages of
# 181, 5 of them below this length; the quick pass takes about half the time.
QUICK_PASS_ENOUGH = 1000


#: class names of the header, footer and logo blocks a page shows only on paper ("This copy
#: is for your personal, non-commercial use only ..."): never the story, but trafilatura's
#: quick pass can take one for it. Not "print-only" or "show-for-print" in general: on some
#: sites those wrap a copy of the whole story (measured on trafilatura's evaluation set).
_PRINT_ONLY = re.compile(r"^print[-_]?(?:header|footer|masthead|logo|info|disclaimer)$", re.I)
_PRINT_CANDIDATES = etree.XPath("//*[contains(@class, 'print') or contains(@class, 'Print')]")


def _drop_print_only(tree) -> None:
    for el in _PRINT_CANDIDATES(tree):
        if el.getparent() is not None and any(
                _PRINT_ONLY.match(c) for c in (el.get("class") or "").split()):
            el.drop_tree()


def _main_text(tree, url: str, html: str | bytes, full_cascade: bool = True,
               boilerplate: frozenset[str] = frozenset()) -> tuple[str, maintext.Story | None]:
    """The story's text: our own reader (:mod:`crawler.maintext`) where the page's layout
    tells where the story is; else trafilatura, on the page's only ``<article>`` when it has
    one, or on the whole page (its quick pass, then, if ``full_cascade``, its full cascade on
    a fresh tree when the quick pass found little: trafilatura prunes the tree it is given).
    Blocks shown only in print are dropped first. The tree is pruned in place. Returns the
    text and, when our reader read it, where it found the story. Our reader comes first
    because it is faster than trafilatura and, where a layout marks the story, more exact
    (figures: CHANGELOG.md).
    """
    story = maintext.find_story(tree, boilerplate)
    if story is not None and story.how != "article":
        text = maintext.read(story)
        if text is not None:
            return text, story
    elif story is not None:  # the page's lone <article>: trafilatura cleans that element
        page = lxml.html.fromstring("<html><body></body></html>")
        page.find("body").append(story.blocks[0])  # moved: the tree is trafilatura's to prune
        _drop_print_only(page)
        text = _trafilatura(page, url, fast=True)
        if len(text.split()) >= maintext.MIN_WORDS:
            return text, story
        tree = _reparse(html)  # the <article> held too little: the whole page, afresh
        if tree is None:
            return text, None
    _drop_print_only(tree)
    text = _trafilatura(tree, url, fast=True)
    if full_cascade and len(text) < QUICK_PASS_ENOUGH:
        fresh = _reparse(html)
        if fresh is not None:
            _drop_print_only(fresh)
            text = max(text, _trafilatura(fresh, url, fast=False), key=len)
    return text, None


def _reparse(html: str | bytes):
    """The page parsed afresh (trafilatura prunes the tree it is given), prose in ``<pre>``s
    made paragraphs as on the first reading."""
    tree = parse_html(html)
    if tree is not None:
        unwrap_prose(tree)
    return tree


def _trafilatura(tree, url: str, fast: bool) -> str:
    import trafilatura

    try:
        return trafilatura.extract(tree, url=url, favor_precision=True, fast=fast,
                                   include_comments=False, include_tables=True,
                                   output_format="txt", deduplicate=False,
                                   with_metadata=False) or ""
    except Exception:  # noqa: BLE001 - third-party extractor: a bad page must not stop a crawl
        return ""


@dataclass
class _Page:
    """One page as the cleaner reads it: its tree and structured data, parsed once."""

    url: str
    html: str | bytes
    tree: Any
    nodes: list
    article: dict | None
    meta: dict
    view: TemplateView

    @property
    def og_type(self) -> str:
        return (_meta.first(self.meta, "og:type") or "").lower()

    @property
    def structured_kind(self) -> str | None:
        """What the page's structured data says it is: "article", "website" (a home or
        section page: no article in its structured data and ``og:type`` website, or the
        site's root) or None."""
        if self.article is not None or self.og_type == "article":
            return "article"
        if self.og_type == "website" or not urlsplit(self.url).path.strip("/"):
            return "website"
        return None


def extract(html: str | bytes, url: str, headers: dict | None = None,
            fetched_at: datetime | None = None, hint_date: str | None = None,
            tree=None, quick_listings: bool = False,
            template: TemplateView | None = None) -> Extraction:
    """Clean one page. ``fetched_at`` bounds dates (no date after the fetch). ``tree`` is the
    page as :func:`parse_html` made it, when the caller has it already; it is pruned in place.
    ``quick_listings``: a page that cannot be an article (a home or section page) gets
    trafilatura's quick pass only, for callers that keep no text of such pages (the crawl).
    ``template``: what the site's other pages have shown to be its template (lines, title
    affixes, story containers; see :mod:`crawler.template`)."""
    result = Extraction(url=url)
    if tree is None:
        tree = parse_html(html)
    if tree is None:
        return result
    nodes = _meta.jsonld_nodes(tree)
    page = _Page(url, html, tree, nodes, _meta.jsonld_article(nodes), _meta.meta_tags(tree),
                 template or EMPTY)
    result.canonical_url = _canonical(page)
    shown_el, affixes, headlines = _read_title(page, result)
    _read_description(page, result)
    result.authors = _authors(page)
    _read_topics(page, result)
    _read_dates(page, result, fetched_at, hint_date, shown_el)
    unwrap_prose(tree)
    teaser_items, teaser_words = pagekind.teasers(tree, result.title)  # before pruning
    seen_lines = maintext.page_lines(tree)
    lone_article = sum(1 for _ in tree.iter("article")) == 1
    story = _read_body(page, result, quick_listings, seen_lines, headlines)
    container = container_key(story.blocks[-1]) if story is not None else None
    result.is_article = pagekind.is_story(
        structured=page.structured_kind, words=result.words, teaser_items=teaser_items,
        teaser_words=teaser_words, url=url, from_feed=hint_date is not None,
        one_block=story is not None or lone_article,
        known_container=container in page.view.story_containers)
    features = result.features
    if features is not None:  # what _read_body saw of the site's template
        features.affixes = affixes
        features.container = container
        features.is_article = result.is_article
    return result


def _joined(base: str, href: str) -> str | None:
    """``href`` resolved against ``base``; None when it cannot be (``http://[x``)."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def _canonical(page: _Page) -> str | None:
    canonical = _meta.link_href(page.tree, "canonical") or _meta.first(page.meta, "og:url")
    if canonical:
        joined = _joined(page.url, canonical)
        if joined and joined.startswith(("http://", "https://")):
            return joined
    return None


def _site_names(page: _Page, result: Extraction) -> list[str]:
    site = _meta.first(page.meta, "og:site_name", "application-name", "twitter:site")
    publisher = _meta.names(page.article.get("publisher")) if page.article else []
    host = (urlsplit(page.url).hostname or "").lower()
    host_parts = [p for p in host.split(".") if p not in ("www", "com", "co", "uk", "org", "net")]
    result.site_name = site or (publisher[0] if publisher else None)
    return [s for s in [site, *publisher, *host_parts, host] if s]


def _read_title(page: _Page, result: Extraction):
    """The headline (see :mod:`crawler.headline`); the element showing it, what the
    ``<title>`` adds to it (for the host's template), and every form of the headline the page
    has (a story's first line repeating one of them is the headline, not the story)."""
    site_names = _site_names(page, result)
    article, tree = page.article, page.tree
    structured = (article.get("headline") if article and isinstance(article.get("headline"), str)
                  else None) or _meta.first(page.meta, "og:title", "twitter:title")
    structured = _clean(structured) or None
    doc_title = _clean(tree.findtext(".//title"))
    shown_el, shown = _headline.shown_headline(tree, structured or doc_title, site_names)
    if shown is None and structured and doc_title:
        shown_el, shown = _headline.shown_headline(tree, doc_title, site_names)
    sections = [_url_section(page.url) or "", _meta.first(page.meta, "article:section") or ""]
    if structured:
        title = _headline.strip_site(structured, site_names, shown, page.view.affixes, sections)
    elif shown:
        title = shown
    else:
        h1s = [_clean(h.text_content()) for h in tree.iter("h1")]
        title = _headline.strip_site(doc_title or (h1s[0] if len(h1s) == 1 else ""),
                                     site_names, None, page.view.affixes, sections)
    h1s = [_clean(h.text_content()) for h in tree.iter("h1")]
    result.title = title
    headlines = [t for t in (title, structured, doc_title, shown,
                             h1s[0] if len(h1s) == 1 else None) if t]
    return shown_el, _headline.title_affixes(doc_title, shown or title), headlines


def _read_description(page: _Page, result: Extraction) -> None:
    meta, article = page.meta, page.article
    result.description = _meta.first(meta, "og:description", "description", "twitter:description")
    image = _meta.first(meta, "og:image", "twitter:image", "og:image:url")
    if not image and article and article.get("image"):
        img = article["image"]
        img = img[0] if isinstance(img, list) and img else img
        image = img.get("url") if isinstance(img, dict) else img if isinstance(img, str) else None
    result.image = _joined(page.url, image) if image else None
    in_language = article.get("inLanguage") if article else None
    lang = (page.tree.get("lang") or page.tree.get("xml:lang")
            or _meta.first(meta, "content-language", "og:locale", "language")
            or (in_language if isinstance(in_language, str) else None))
    result.language = lang.replace("_", "-").split("-")[0].lower().strip() or None if lang else None


def _authors(page: _Page) -> list[str]:
    meta = page.meta
    authors = _meta.names(page.article.get("author")) if page.article else []
    if not authors:
        author_meta = meta.get("author", []) + meta.get("article:author", []) \
            + meta.get("dc.creator", []) + meta.get("parsely-author", []) \
            + meta.get("sailthru.author", [])
        authors = [a for a in author_meta if not a.startswith("http")]
    if not authors:
        authors = _meta.byline_authors(page.tree)
    cleaned: list[str] = []
    for a in authors:
        for part in re.split(r"\s*(?:,| and | & |;)\s*", _author_name(a)):
            if part and len(part) <= 60 and not part.startswith("http") and part not in cleaned:
                cleaned.append(part)
    return cleaned[:6]


def _read_topics(page: _Page, result: Extraction) -> None:
    """The section, and the topics: the structured data's, then the tags the page shows."""
    article, meta, tree = page.article, page.meta, page.tree
    section = None
    if article and article.get("articleSection"):
        sec = article["articleSection"]
        section = sec[0] if isinstance(sec, list) and sec else sec if isinstance(sec, str) else None
    categories = _topics.category_links(tree)
    section = (section or _meta.first(meta, "article:section", "section", "parsely-section",
                                      "category") or (categories[0] if categories else None)
               or _crumb_section(tree, page.nodes) or _url_section(page.url))
    result.section = _clean(section) or None if section else None
    topic_values: list = []
    if article:
        about = article.get("about")
        topic_values += [article.get("keywords") or [], about and _meta.names(about) or []]
    topic_values += meta.get("article:tag", []) + meta.get("news_keywords", [])
    topic_values += _topics.shown_topics(tree)
    if not any(topic_values):
        topic_values += meta.get("keywords", [])[:1]
    topics = _topics_from(topic_values)
    if result.section and result.section.lower() not in (t.lower() for t in topics):
        topics.insert(0, result.section)
    result.topics = topics[:20]


def _read_dates(page: _Page, result: Extraction, fetched_at, hint_date, shown_el) -> None:
    tree, meta, article, url = page.tree, page.meta, page.article, page.url
    locale = _dates.site_locale(url, tree.get("lang"), _meta.first(meta, "og:locale"),
                                tree.get("xml:lang"))
    cands = _date_candidates(tree, meta, article, url, hint_date, locale.day_first,
                             result.title, shown_el)
    if not any(c.confidence >= 0.8 for c in cands):
        cands += [_dates.DateCandidate(dt, "label", "", _dates.CONFIDENCE["label"])
                  for dt in _dates.labelled_dates(_byline.text_lines(tree), locale.day_first)]
        found = _htmldate(tree, url, fetched_at)
        if found:
            cands.append(found)
    choice = _dates.decide(cands, fetched_at, locale.zone)
    if choice.iso is None and not any(c.confidence >= 0.8 for c in cands):
        # last resort: dates in the visible text (htmldate's extensive search), low confidence
        found = _htmldate(tree, url, fetched_at, extensive=True)
        if found:
            choice = _dates.decide(cands + [found], fetched_at, locale.zone)
    result.published, result.published_source = choice.iso, choice.source
    result.published_confidence = choice.confidence
    updated = (article.get("dateModified") if article else None) \
        or _meta.first(meta, *_dates.UPDATED_META)
    udt = _dates.parse_date(updated, locale.day_first) if isinstance(updated, str) else None
    result.updated = _dates.iso(udt) if udt else None


def _read_body(page: _Page, result: Extraction, quick_listings: bool,
               page_lines: list[str], headlines: list[str]) -> maintext.Story | None:
    """The story's paragraphs, without the lines the site's template repeats; where our
    reader found them (None when trafilatura read the page). ``page_lines``: the page's text
    lines, which with the story's tell the site's template what this page holds."""
    article, view = page.article, page.view
    runs = continuation.container_runs(page.tree)
    full = page.structured_kind != "website" or not quick_listings
    text, story = _main_text(page.tree, page.url, page.html, full_cascade=full,
                             boilerplate=view.lines)
    body = continuation.add_continuations(_paragraphs(text), runs)
    ld_body = article.get("articleBody") if article else None
    ld_body = _paragraphs(ld_body) if isinstance(ld_body, str) else ""
    if ld_body and len(ld_body) > 1.3 * len(body) and "<" not in ld_body[:200]:
        body = ld_body
    body = _drop_headline(body, headlines)
    lines = body.split("\n\n") if body else []
    body_keys = page_keys(lines)
    # a story found by its marks or its paragraphs reads the same whatever the rest of the
    # page repeats; one chosen by its text against the rest's (or trafilatura's) may not
    watch = body_keys if story is not None and story.how != "text" else None
    result.features = PageFeatures(keys=page_keys(page_lines + lines), watch=watch)
    kept = drop_boilerplate(lines, view.lines)
    if not any(map(is_sentence, kept)):
        # the template would leave no sentence: the story's text is a stock phrase of the
        # site's, not its chrome; a story is never dropped whole by its template
        chosen = set(kept)
        kept = [line for line in lines if line in chosen or is_sentence(line)]
    lines = _drop_bylines(kept, result.authors)
    if story is not None and story.how == "text":
        lines = _trim_edges(lines)
    result.body = "\n\n".join(lines)
    result.words = len(result.body.split())
    return story


def _signature(line: str) -> bool:
    """A name signed under a story: two to four capitalised words and nothing else."""
    words = line.split()
    return 2 <= len(words) <= 4 and all(
        w[0].isupper() and all(c.isalpha() or c in "'’.-" for c in w) for w in words)


#: a last paragraph this short that opens with the author's name is their biography
BIO_WORDS = 40


def _drop_bylines(lines: list[str], authors: list[str]) -> list[str]:
    """``lines`` without a first or last line that only names the story's author ("By Ana
    Silva"), or a name signed under the story: the byline, not the story."""
    names = {a.casefold() for a in authors}
    if len(lines) < 2:
        return lines

    def byline(line: str) -> bool:
        return len(line.split()) <= 8 and _author_name(line).casefold() in names

    def bio(line: str) -> bool:  # "Ana Silva is a staff writer at ..., covering trade."
        first = line.split()[:2]
        return len(first) == 2 and len(line.split()) <= BIO_WORDS and any(
            a.split()[:2] == first for a in authors)

    if byline(lines[-1]) or bio(lines[-1]):
        lines = lines[:-1]
    elif len(lines) > 2 and bio(" ".join(lines[-2:])):  # a biography its source wrapped
        lines = lines[:-2]
    elif _signature(lines[-1]) and is_sentence(lines[-2]):
        lines = lines[:-1]
    if len(lines) > 1 and byline(lines[0]):
        lines = lines[1:]
    return lines


#: a line at a story's edge this short and not a sentence is the page's chrome (a headline,
#: a byline, a date, "Printer-friendly version", "Filed under: ...")
EDGE_WORDS = 20


def _trim_edges(lines: list[str]) -> list[str]:
    """``lines`` without the short non-sentence lines that open and close them (for a story
    read from a block of text that also holds the headline, the byline and labels); the last
    line stays."""
    def chrome(line: str) -> bool:
        return len(line.split()) <= EDGE_WORDS and not is_sentence(line)

    start, end = 0, len(lines)
    while end - start > 1 and chrome(lines[start]):
        start += 1
    while end - start > 1 and chrome(lines[end - 1]):
        end -= 1
    return lines[start:end]
