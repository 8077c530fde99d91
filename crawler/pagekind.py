"""Story or listing: decided from the page's structure, its URL and the site's other pages.

A story is one block of running text, however short: a one-paragraph correction or a
forty-word wire brief is a story. A listing (a home, section or topic page) is many items of
a headline link and a teaser, however long its teasers or its introduction. So no word count
decides; in order:

1. structured data that says "article" (JSON-LD, ``og:type``), or "website" without one;
2. teasers: :data:`MIN_TEASERS` or more items that pair a headline-like link with text of
   their own make a listing, and so do fewer when their teasers make half the page's text
   (a topic page with an introduction and two stories);
3. a page without any story text is a listing;
4. one block of running text (the reader found the story's container, or the page's lone
   ``<article>``) makes a story, and so does a container where
   :data:`crawler.template.CONTAINER_PAGES` of the host's stories were read (and none of its
   listings);
5. the URL's shape (a date, a slug of several words, an id with an extension) or a sitemap or
   feed entry that led here makes a story;
6. otherwise only a long text is a story.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from . import dates as _dates
from .htmltree import bounded_text

MIN_TEASERS = 3
HEADLINE_WORDS = 4  # a link of this many words reads as a headline
TEASER_WORDS = 12  # text of its own beside the headline link makes an item a teaser
MAX_ITEM_WORDS = 150  # a larger block is a story with a link in it, not a teaser
MAX_ITEM_CHARS = 20 * MAX_ITEM_WORDS  # read no further to count an item's words
LONG_TEXT_WORDS = 150
#: boxes beside a story that list other stories (with teasers): not what the page is
_ASIDE = re.compile(r"related|recommend|more-?(?:on|from|stories)|most-?(?:read|popular)|"
                    r"trending|sidebar|(?:^|[\s_-])rail(?:$|[\s_-])|widget|outbrain|taboola", re.I)
_ITEM_TAGS = frozenset(("li", "div", "article", "section", "td", "tr", "dd", "p", "header"))
_NOT_ITEMS = frozenset(("nav", "header", "footer", "aside", "menu"))
_SLUG_WORDS = re.compile(r"[a-z0-9]+", re.I)
_ID_PAGE = re.compile(r"\d{3,}.*\.(?:s?html?|php|aspx?|jsp|cms)$|\.amp\.html?$", re.I)


def teasers(tree, headline: str = "") -> tuple[int, int]:
    """How many items of the page pair a headline link with a teaser of their own, and the
    words of those teasers. An item is the link's nearest list item or block (``<li>``,
    ``<div>``, ``<article>`` ...); a list of bare links (a sidebar, "MOST READ") has none,
    a story's own "related stories" box does not count, nor does an item that holds the
    page's own ``headline`` (the story, with a link in it)."""
    items: dict = {}
    judged: set = set()  # each item is read once, whatever the number of its links
    asides: dict = {}  # element -> inside navigation or a box of other stories
    own = " ".join(headline.split())
    for a in tree.iter("a"):
        if not a.get("href"):
            continue
        link_words = len(a.text_content().split())
        if link_words < HEADLINE_WORDS:
            continue
        if _aside(a.getparent(), asides):
            continue
        item = next((anc for anc in a.iterancestors() if anc.tag in _ITEM_TAGS), None)
        if item is None or item in judged:
            continue
        judged.add(item)
        text = bounded_text(item, MAX_ITEM_CHARS)
        if text is None:
            continue  # a story with a link in it, not a teaser
        headlines = (x for x in item.iter("a") if len(x.text_content().split()) >= HEADLINE_WORDS)
        if next(headlines, None) is not None and next(headlines, None) is not None:
            continue  # headlines in a row: a list of links ("MOST READ"), no teaser
        words = len(text.split())
        if TEASER_WORDS <= words - link_words and words <= MAX_ITEM_WORDS \
                and not (own and own in " ".join(text.split())):
            items[item] = words - link_words
    return len(items), sum(items.values())


def _aside(el, known: dict) -> bool:
    """``el`` is, or is inside, navigation or a box of other stories; remembered per element,
    so a page of many links on deep nesting is walked once."""
    path = []
    verdict = False
    while el is not None:
        if el in known:
            verdict = known[el]
            break
        path.append(el)
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        if el.tag in _NOT_ITEMS or _ASIDE.search(marks):
            verdict = True
            break
        el = el.getparent()
    for seen in path:
        known[seen] = verdict
    return verdict


def story_url(url: str) -> bool:
    """The URL looks like one story's: a date in it, a slug of three words or more, or an
    id before an extension (``story1005.html``)."""
    if _dates.url_date(url):
        return True
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return False
    last = segments[-1]
    if len(_SLUG_WORDS.findall(last.rsplit(".", 1)[0])) >= 3:
        return True
    return bool(_ID_PAGE.search(last))


def is_story(*, structured: str | None, words: int, teaser_items: int, url: str,
             teaser_words: int = 0,
             from_feed: bool = False, one_block: bool = False,
             known_container: bool = False) -> bool:
    """The decision above. ``structured``: "article", "website" or None; ``words``: the
    story text found; ``from_feed``: a sitemap or feed listed the URL; ``one_block``: the text
    was read from one container of running text; ``known_container``: the story was read from
    a container that holds this site's stories."""
    if structured == "article":
        return words > 0
    if structured == "website":
        return False
    if teaser_items >= MIN_TEASERS or words == 0 or (teaser_items and 2 * teaser_words >= words):
        return False
    if one_block or known_container or story_url(url) or from_feed:
        return True
    return words >= LONG_TEXT_WORDS


