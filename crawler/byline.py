"""The date a page shows its readers: by the headline, labelled in the text, or opening it.

Structured data often carries a first draft's or a re-publication's timestamp; the date under
the headline is the one the publisher stands by. :func:`shown_date` reads the short lines
just after the headline (or, when they hold no date, a single date just above it), and
:func:`text_lines` gives the page's text for :func:`crawler.dates.labelled_dates`.

The headline is the ``<h1>`` that reads like the page's title: the first ``<h1>`` is often
the site's logo. Dates a reader does not see as the publication's are skipped: a
``dateModified`` or ``class="updated"`` element, and hidden ones. Each of these rules earns
its place on trafilatura's evaluation set (``bench/extract.py``; figures: CHANGELOG.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from lxml import etree

from . import dates as _dates

#: the text after the headline, where the page shows its date (the byline); only so much of it
_AFTER = etree.XPath("following::text()[position() <= 40]")
AFTER_CHARS = 400
#: the text just above the headline, where some sites put the byline (non-blank nodes)
_BEFORE = etree.XPath("preceding::text()[normalize-space()][position() <= 12]")
BEFORE_CHARS = 200
#: a byline's date stands in a short line of its own ("11.01.2022, 09:50 Uhr", "PUBLISHED:
#: April 24, 2020 at 9:11 a.m."); a date inside a sentence of the lede is an event's
LINE_CHARS = 60
#: under a headline that is no <h1>, the byline is one of the first lines or none
SHOWN_LINES = 2
#: a headline shares at least this share of its words with the page's title (Jaccard)
HEADLINE_MATCH = 0.5

#: classes that hide an element (not ``hidden-xs`` and the like, which hide it on some screens,
#: nor Drupal's ``field--label-hidden``, which hides a field's label)
_HIDDEN_CLASSES = frozenset(("hidden", "rich-snippet-hidden", "d-none", "sr-only",
                             "visually-hidden", "visuallyhidden"))
_MODIFIED_CLASSES = frozenset(("updated", "modified", "date-modified"))


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def headline(tree, title: str | None, shown=None):
    """The page's headline element: the ``<h1>`` that reads most like ``title`` (the first of
    equals), else the first ``<h1>``; on a page without ``<h1>``, ``shown`` (the element that
    shows the title: see :func:`crawler.headline.shown_headline`); None without any."""
    h1s = list(tree.iter("h1"))
    want = _words(title or "")
    best, best_score = None, HEADLINE_MATCH
    for el in h1s if want else ():
        got = _words(el.text_content())
        score = len(got & want) / len(got | want) if got else 0.0
        if score > best_score or (best is None and score >= best_score):
            best, best_score = el, score
    if best is not None:
        return best
    if h1s:
        return h1s[0]
    return shown


def _not_shown(el) -> bool:
    """``el`` holds a page's last-modified date rather than its publication date
    (``itemprop="dateModified"``, a class ``updated`` alone: ``<time class="updated">``, but
    not ``<time class="entry-date updated">``, which some themes use for the date shown, nor
    ``itemprop="datePublished"``), or is hidden (``class="updated rich-snippet-hidden"``)."""
    if el.get("itemprop") in ("dateModified", "datePublished") or el.get("pubdate") is not None:
        return el.get("itemprop") == "dateModified"
    tokens = (el.get("class") or "").lower().split()
    if el.get("hidden") is not None or any(t in _HIDDEN_CLASSES for t in tokens):
        return True
    others = [t for t in tokens if t not in _MODIFIED_CLASSES]
    return len(others) < len(tokens) and not any("date" in t or "publish" in t for t in others)


def _short_lines(texts, budget: int) -> list[str]:
    """The short lines among ``texts`` (text nodes), until ``budget`` characters are read."""
    out, size = [], 0
    for text in texts:
        parent = text.getparent()
        if not text.is_tail and (parent.tag in ("script", "style") or _not_shown(parent)):
            continue
        line = text.strip()
        if line and len(line) <= LINE_CHARS:
            out.append(line)
        size += len(line)
        if size >= budget:
            break
    return out


def after_lines(head) -> list[str]:
    """The short lines among the first ``AFTER_CHARS`` characters after ``head``."""
    return _short_lines(_AFTER(head), AFTER_CHARS)


def before_lines(head) -> list[str]:
    """The short lines among the last ``BEFORE_CHARS`` characters before ``head``, in order."""
    return _short_lines(reversed(_BEFORE(head)), BEFORE_CHARS)[::-1]


def shown_date(tree, title: str | None, day_first: bool,
               structured: Sequence[datetime] = (), shown=None) -> datetime | None:
    """The date shown by the headline: the first date after it, or else the one date above it
    (several dates there are a list of other stories). ``structured`` (the page's structured
    dates) settles an ambiguous ``11/01/2021`` (see :func:`crawler.dates.visible_dates`)."""
    head = headline(tree, title, shown)
    if head is None:
        return None
    lines = after_lines(head)
    if head.tag != "h1":  # a headline in a <div> or an <h3>: only the line right under it
        lines = lines[:SHOWN_LINES]
    after = _dates.visible_dates("\n".join(lines), day_first, settled_by=structured)
    if after:
        return after[0]
    if head.tag != "h1":
        return None
    before = _dates.visible_dates("\n".join(before_lines(head)), day_first, settled_by=structured)
    return before[0] if len(before) == 1 else None


_NOT_TEXT = frozenset(("script", "style", "noscript"))


def text_lines(tree) -> list[str]:
    """The page's text, one text node a line, without scripts, styles and comments. (One pass
    over the elements: an XPath query for the same text nodes takes up to 40 times longer.)"""
    body = tree.find("body")
    if body is None:
        return []
    lines = []
    for event, el in etree.iterwalk(body, events=("start", "end", "comment", "pi")):
        if event == "start":
            if el.text and el.tag not in _NOT_TEXT:
                lines.append(el.text)
        elif el.tail and el is not body:  # the end of an element, or a comment
            lines.append(el.tail)
    return [" ".join(line.split()) for line in lines if not line.isspace()]
