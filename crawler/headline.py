"""The story's headline: the page's title without the site's name in it.

A ``<title>`` is usually the headline with the site's name before or after a separator
(``HEADLINE - The Daily Ledger``, ``Ledger Blog » Headline``), but headlines have separators
of their own (``PORT SUBSIDY TO END JULY 1 - MINISTER``, ``Hamburg: The council ...``), so
cutting at the first or last separator loses words. What decides, in order:

1. the headline the page shows its readers: an element whose whole text is the title, or the
   title with a part before or after a separator cut off (the page's own words win);
2. a part that names the site: ``og:site_name``, the publisher, the host's name, the logo's
   text, or an affix the host's other titles share (:mod:`crawler.template`);
3. otherwise the title whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import etree

from .htmltree import bounded_text

SEPARATORS = re.compile(r"\s+[|\u2013\u2014\-·:»«/]\s+|:\s+|\s+(?:&raquo;|&laquo;)\s+")
#: elements that can show a headline (the page's text, not its scripts or its links' lists)
_HEADLINE_TAGS = frozenset(("h1", "h2", "h3", "h4", "div", "span", "b", "strong", "font", "p",
                            "td", "header", "a", "center"))
MAX_HEADLINE_CHARS = 300


def norm(text: str) -> str:
    """Text compared as readers see it: case, punctuation and spacing aside."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def splits(title: str) -> list[tuple[str, str, str]]:
    """Every way to cut ``title`` at one separator: (before, separator, after)."""
    return [(title[:m.start()].strip(), m.group(0), title[m.end():].strip())
            for m in SEPARATORS.finditer(title)]


def shown_headline(tree, title: str, site_names: Sequence[str] = ()):
    """The element showing ``title`` (or ``title`` with an affix cut off, not the site's name)
    as its whole text, and that text: the longest such reading; (None, None) when the page
    shows none. A part shorter than half the title counts only as the page's ``<h1>``: in
    "'Quoted words': the story", the quote is no headline."""
    wanted: dict[str, tuple[str, bool]] = {}  # key -> (text, only as an <h1>)
    if title:
        wanted[norm(title)] = (title, False)
        for before, _sep, after in splits(title):
            for part in (before, after):
                key = norm(part)
                if len(part) >= 8 and key not in wanted and not names_site(part, site_names):
                    wanted[key] = (part, len(part) < len(title) / 2)
    body = tree.find("body")
    if not wanted or body is None:
        return None, None
    best = best_text = None
    for el in body.iter(etree.Element):
        if el.tag not in _HEADLINE_TAGS:
            continue
        text = bounded_text(el, MAX_HEADLINE_CHARS)
        if not text:
            continue
        key = norm(text)
        found = wanted.get(key)
        if found is None or (found[1] and el.tag != "h1"):
            continue
        if best_text is None or len(found[0]) > len(best_text):
            best, best_text = el, found[0]
            if key == norm(title):
                break
    return best, best_text


def _site_key(text: str) -> str:
    key = norm(text).replace(" ", "")
    return key[3:] if key.startswith("the") and len(key) > 6 else key


def names_site(part: str, site_names: Sequence[str]) -> bool:
    """``part`` of a title names the site: equal to one of ``site_names`` (case, spaces, a
    leading "The" and the host's dots aside), or one of them is a word of a short part."""
    key = _site_key(part)
    if not key:
        return False
    for name in site_names:
        name_key = _site_key(name)
        if len(name_key) < 3 or name_key.isdigit():
            continue
        if key == name_key or (len(part.split()) <= 4 and len(name_key) >= 4
                               and (name_key in key or key in name_key)):
            return True
    return False


def strip_site(title: str, site_names: list[str], shown: str | None = None,
               affixes: tuple[str, ...] = (), sections: Sequence[str] = ()) -> str:
    """``title`` without the site's name. ``shown``: the headline the page shows (see
    :func:`shown_headline`); ``affixes``: what the host's titles share before (``^Site » ``)
    or after (``$ - The Daily Ledger``) their headlines (see :func:`title_affixes`);
    ``sections``: the page's section as its URL or metadata names it ("Headline — City | Site"
    loses " — City" only when the page is in the city section)."""
    title = " ".join(title.split())
    if not title:
        return title
    if shown and norm(shown) != norm(title) and norm(shown) in norm(title):
        return shown
    for affix in affixes:  # "$ - Site" ends titles, "^Site » " starts them
        where, text = affix[:1], affix[1:]
        if len(title) <= len(text) + 3:
            continue
        if where == "$" and title.endswith(text):
            return title[:-len(text)].strip()
        if where == "^" and title.startswith(text):
            return title[len(text):].strip()
    cuts = splits(title)
    if not cuts:
        return title
    # the name at the end ("Headline | Site"), then at the start ("Site » Headline")
    for before, _sep, after in reversed(cuts):
        if before and (names_site(after, site_names) or _names_section(after, sections)):
            return strip_site(before, site_names, sections=sections)
    for before, _sep, after in cuts:
        if after and (names_site(before, site_names) or _names_section(before, sections)):
            return strip_site(after, site_names, sections=sections)
    return title


def _names_section(part: str, sections: Sequence[str]) -> bool:
    key = norm(part)
    return bool(key) and any(key == norm(s) for s in sections if s)


def title_affixes(title: str, headline: str) -> list[str]:
    """What ``title`` adds to the page's ``headline`` before or after it (" - Site", "Site » "),
    for learning the affix a host's titles share."""
    if not headline or title == headline or headline not in title:
        return []
    i = title.find(headline)
    out = []
    if i > 0:
        out.append("^" + title[:i])
    if i + len(headline) < len(title):
        out.append("$" + title[i + len(headline):])
    return out
