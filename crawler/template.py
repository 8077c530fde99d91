"""A site's template, learned from many of its pages: what repeats is not the story.

A crawl sees many pages of each host, and what repeats across them is the site's chrome:
footers, "Printer-friendly version", "MOST READ", the fixed words of bylines and labels
("By ..., Staff Writer", "Filed under: ..."), and the site's name in every ``<title>``. One
page alone cannot tell these from a story's text; a hundred pages can. :class:`SiteTemplate`
counts, per host:

- lines of text (case, spacing and digits aside: :func:`line_key`) on this many pages;
- the fixed words of short lines that are not sentences — their first two words or their
  last two (:func:`shape_keys`): the byline's "Staff Writer", the label "Filed under";
- what ``<title>`` adds to the headline (" - The Daily Ledger");
- the containers its stories and its listings are read from (:func:`container_key`).

A line is template once :data:`LINE_PAGES` pages hold it (a sentence, once a share of the
host's pages do); a shape once :data:`SHAPE_PAGES` do (absolute counts, not shares: one host
may have several templates, each on a minority of its pages). The counts are bounded: keys
seen once and not again within :data:`PRUNE_EVERY` pages are dropped (lossy counting), so a
host of a million pages costs kilobytes.

The crawl learns as it goes (each cleaning job gets the host's current :class:`TemplateView`),
keeps the counts in the store, and re-cleans at its end the pages cleaned before the template
settled; ``reextract`` applies them too.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

LINE_PAGES = 4
SHAPE_PAGES = 6
SENTENCE_SHARE = 0.02
AFFIX_PAGES = 3
#: a container key that held this many stories (and no listing) says "story" for the host
CONTAINER_PAGES = 3
PRUNE_EVERY = 512
#: a short line: at most this many words (a byline, a label, a date, a link's text)
SHORT_WORDS = 12
_SENTENCE_END = ("." , "!", "?", "\u201d", '"', "\u00bb", "\u2026", ")")
_DIGITS = re.compile(r"\d+")
_WORDS = re.compile(r"\w+")
_LABEL = re.compile(r"^[^\W\d_][^:.!?]{0,28}:")


#: lines longer than this are a story's paragraphs or a long notice: numbers are not masked
#: in them (a template's dated lines are short), which keeps the key cheap
MASK_CHARS = 200
#: a line longer than this is never a short line nor a piece of one broken in two
SHORT_CHARS = 120


def _norm(line: str) -> str:
    folded = line.casefold()
    if len(folded) <= MASK_CHARS:
        folded = _DIGITS.sub("0", folded)
    return " ".join(folded.split())


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).hexdigest()


def line_key(line: str) -> str:
    """A line's key: its text with case, spacing and numbers aside ("Copyright 1998" and
    "Copyright 1999" are one line of a template); a sentence's key starts with "=" (it needs
    more pages to be template, see :func:`pages_needed`)."""
    return ("=" if is_sentence(line) else "~") + _digest(_norm(line))


def pages_needed(key: str, pages: int) -> int:
    """How many of a host's ``pages`` must hold ``key`` for it to be template: a sentence
    repeated on a few pages may be a stock phrase of the site's stories ("The council
    approved the budget."), a template's sentences ("All rights reserved.") are on a good
    share of its pages."""
    kind = key[0]
    if kind in "^$":
        return SHAPE_PAGES
    if kind == "=":
        return max(LINE_PAGES, int(SENTENCE_SHARE * pages))
    return LINE_PAGES


def is_sentence(line: str) -> bool:
    return line.rstrip().endswith(_SENTENCE_END)


def shape_keys(line: str) -> list[str]:
    """The fixed words a short non-sentence line may share with the site's other pages: its
    first two words and its last two ("By Maria Lopez, Staff Writer": "by maria", "staff
    writer"). Sentences have none: a one-sentence story must never match a template."""
    if len(line) > SHORT_CHARS or is_sentence(line):
        return []
    words = _WORDS.findall(_norm(line))
    if not words or len(words) > SHORT_WORDS:
        return []
    keys = ["^" + _digest(" ".join(words[:2])), "$" + _digest(" ".join(words[-2:]))]
    label = _LABEL.match(line)
    if label:  # "Filed under: crude", "Topics: coffee · grain": the label is the fixed part
        keys.append("^" + _digest(_norm(label.group(0))))
    return keys


def is_boilerplate_line(line: str, keys: frozenset) -> bool:
    """``line`` is one of the template's ``keys``: the whole line, or its fixed words."""
    if line_key(line) in keys:
        return True
    return any(k in keys for k in shape_keys(line))


#: lines a page's source broke in two ("Copyright The Ledger. Do not" / "redistribute.") are
#: looked up joined, up to this many at a time
JOIN_LINES = 3


def drop_boilerplate(lines: list[str], keys: frozenset) -> list[str]:
    """``lines`` without those the template holds, alone or joined with the next ones."""
    if not keys:
        return lines
    out: list[str] = []
    i = 0
    while i < len(lines):
        joinable = 1
        while (joinable < JOIN_LINES and i + joinable < len(lines)
               and len(lines[i + joinable - 1]) <= SHORT_CHARS
               and len(lines[i + joinable]) <= SHORT_CHARS):
            joinable += 1
        for n in range(joinable, 0, -1):
            if is_boilerplate_line(" ".join(lines[i:i + n]), keys):
                i += n
                break
        else:
            out.append(lines[i])
            i += 1
    return out


def page_keys(lines: list[str]) -> list[str]:
    """Every key a page's lines give, each once."""
    keys: dict[str, None] = {}
    for line in dict.fromkeys(lines):
        keys[line_key(line)] = None
        for k in shape_keys(line):
            keys[k] = None
    return list(keys)


def container_key(el) -> str | None:
    """Where a page keeps its story, as a path of tags and classes (``div.css-bd00x1 <
    div.css-q7w8e9 < div.css-m41n2b``): the same on every story page of one template."""
    if el is None:
        return None
    parts = []
    node = el
    for _ in range(3):
        if node is None or not isinstance(node.tag, str):
            break
        cls = (node.get("class") or "").split()
        ident = node.get("id")
        parts.append(node.tag + ("." + cls[0] if cls else "") + ("#" + ident if ident else ""))
        node = node.getparent()
    return " < ".join(parts)


@dataclass(frozen=True)
class TemplateView:
    """What a cleaning job needs of a host's template: the keys that are template, the title
    affixes, and which containers hold stories."""

    version: int = 0
    lines: frozenset = frozenset()
    affixes: tuple = ()
    story_containers: frozenset = frozenset()

    def is_boilerplate(self, line: str) -> bool:
        return is_boilerplate_line(line, self.lines)


EMPTY = TemplateView()


@dataclass
class PageFeatures:
    """What one page tells its host's template (made by the cleaner, counted by the crawl)."""

    keys: list[str] = field(default_factory=list)
    #: the keys whose becoming template would change how this page reads (its story's
    #: lines; every line of the page when the story was chosen by its text against the rest)
    watch: list[str] | None = None
    affixes: list[str] = field(default_factory=list)
    container: str | None = None
    is_article: bool = False


class SiteTemplate:
    """The counts behind one host's template (see the module's docstring)."""

    def __init__(self, data: dict | None = None):
        data = data or {}
        self.pages: int = data.get("pages", 0)
        self.keys: dict[str, list[int]] = data.get("keys", {})  # key -> [pages, first page]
        self.affixes: dict[str, int] = data.get("affixes", {})
        self.containers: dict[str, list[int]] = data.get("containers", {})  # [stories, listings]
        self.version: int = data.get("version", 0)
        #: keys that are template: once a key has been on enough pages it stays template
        self.template: set[str] = set(data.get("template", ())) or {
            k for k, (n, _) in self.keys.items() if n >= pages_needed(k, self.pages)}
        self._view: TemplateView | None = None

    def learn(self, page: PageFeatures) -> set[str]:
        """Count one page; the keys and containers that became template with it."""
        self.pages += 1
        crossed: set[str] = set()
        for key in page.keys:
            entry = self.keys.get(key)
            if entry is None:
                self.keys[key] = [1, self.pages]
                continue
            entry[0] += 1
            if entry[0] >= pages_needed(key, self.pages) and key not in self.template:
                self.template.add(key)
                crossed.add(key)
        for affix in page.affixes if page.is_article else ():
            n = self.affixes[affix] = self.affixes.get(affix, 0) + 1
            if n == AFFIX_PAGES:
                crossed.add(affix)
        if page.container:
            counts = self.containers.setdefault(page.container, [0, 0])
            counts[0 if page.is_article else 1] += 1
            if counts[0] == CONTAINER_PAGES and not counts[1]:
                crossed.add(page.container)
        if self.pages % PRUNE_EVERY == 0:
            self._prune()
        if crossed:
            self.version += 1
            self._view = None
        return crossed

    def _prune(self) -> None:
        horizon = self.pages - PRUNE_EVERY
        self.keys = {k: v for k, v in self.keys.items()
                     if v[0] > 1 or v[1] > horizon or k in self.template}
        self.affixes = {k: v for k, v in self.affixes.items() if v > 1}
        self.containers = {k: v for k, v in self.containers.items() if sum(v) > 1}

    def view(self) -> TemplateView:
        if self._view is None:
            lines = frozenset(self.template)
            affixes = tuple(sorted((a for a, n in self.affixes.items() if n >= AFFIX_PAGES),
                                   key=len, reverse=True))
            stories = frozenset(c for c, (a, b) in self.containers.items()
                                if a >= CONTAINER_PAGES and not b)
            self._view = TemplateView(self.version, lines, affixes, stories)
        return self._view

    def to_json(self) -> str:
        return json.dumps({"pages": self.pages, "keys": self.keys, "affixes": self.affixes,
                           "containers": self.containers, "version": self.version,
                           "template": sorted(self.template)}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> "SiteTemplate":
        try:
            return cls(json.loads(text) if text else None)
        except (ValueError, TypeError, AttributeError):
            return cls()


class HostLearner:
    """One host's template as a crawl learns it, and the pages to clean again because they
    were cleaned before it knew a line they hold (or, for a listing, a container that holds
    the site's stories). Pages are remembered by URL, per key not yet template; keys the
    template forgets (seen once, long ago) are forgotten here too, so memory stays bounded."""

    def __init__(self, template: SiteTemplate):
        self.template = template
        self.pending: dict[str, list[str]] = {}
        self.dirty: set[str] = set()

    def learn(self, url: str, page: PageFeatures, used: TemplateView) -> bool:
        """Count ``page`` (cleaned with ``used``); True when the template changed."""
        crossed = self.template.learn(page)
        view = self.template.view()
        for key in page.keys if page.watch is None else page.watch:
            if key in view.lines:
                if key not in used.lines:
                    self.dirty.add(url)
            else:
                self.pending.setdefault(key, []).append(url)
        if page.container and not page.is_article:
            if page.container in view.story_containers:
                self.dirty.add(url)
            else:
                self.pending.setdefault(page.container, []).append(url)
        for key in crossed:
            self.dirty.update(self.pending.pop(key, ()))
        if self.template.pages % PRUNE_EVERY == 0:
            keys, containers = self.template.keys, self.template.containers
            self.pending = {k: v for k, v in self.pending.items() if k in keys or k in containers}
        return bool(crossed)
