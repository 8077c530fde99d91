"""The topics a page shows its readers: tag lists, "Filed under:", ``rel="tag"`` links.

Structured data (JSON-LD ``keywords``, ``article:tag``) often says nothing on older or simpler
sites, but their pages show the story's tags under a label ("Filed under:", "Topics:",
"Schlagworte:", "Mots-clés :", "Từ khóa:") or in a block named for them (``class="tags"``).
Only the links inside such a block or after such a label count, never the site's navigation;
words that name a kind of page rather than a subject ("section", "more", "home") are left out.
"""

from __future__ import annotations

import re

from lxml import etree

#: a class or id naming a block of tags: "tags", "post-tags", "amp-wp-tax-tag", "tag-list"
#: (not WordPress's "tag-crude" on a whole post, which names one tag the post has)
_TAG_BLOCK = re.compile(
    r"^(?:[\w-]*[-_])?(?:tags?|keywords?|topics?|schlagworte|stichworte|themen|mots-?cl[eé]s|"
    r"etiquetas|temas|parole-?chiave)(?:[-_](?:list|links|box|wrap|wrapper|container))?$", re.I)
_LABEL = re.compile(
    r"^\s*(?:filed under|topics?|tags?|tagged|keywords?|related topics|schlagworte|"
    r"stichworte|themen|mots-?cl[eé]s|sujets|th[eè]mes|từ khóa|chủ đề|etiquetas|temas|"
    r"argomenti)\s*:", re.I)
#: link texts that name a kind of page or an action, not a subject
_NOT_TOPICS = frozenset((
    "home", "section", "sections", "topic", "topics", "tag", "tags", "more", "all", "news",
    "latest", "index", "category", "categories", "archive", "archives", "next", "previous",
    "read more", "share", "comments", "print", "email", "subscribe"))
MAX_TOPICS = 20
MAX_LINKS = 25  # a "tag block" with more links is a tag cloud or a menu
MAX_CHARS = 60


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _link_texts(el) -> list[str]:
    links = [_clean(a.text_content()) for a in el.iter("a")]
    return links if len(links) <= MAX_LINKS else []


def shown_topics(tree) -> list[str]:
    """The tags the page shows for its story, in page order, each once."""
    body = tree.find("body")
    if body is None:
        return []
    found: list[str] = []
    for el in body.iter(etree.Element):
        tag = el.tag
        if tag == "a":
            rel = (el.get("rel") or "").lower().split()
            if "tag" in rel and "category" not in rel:
                found.append(_clean(el.text_content()))
            continue
        if tag in ("nav", "header", "footer", "script", "style"):
            continue
        marks = f"{el.get('class') or ''} {el.get('id') or ''}".split()
        if any(_TAG_BLOCK.match(m) for m in marks):
            found += _link_texts(el)
        elif el.text and _LABEL.match(el.text):
            found += _labelled_links(el) if len(el) else _links_after(el)
    return _unique(found)


def _links_after(label) -> list[str]:
    """The links that follow a label element ("<b>Topics:</b> <a>crude</a> <a>grain</a>"),
    up to the next line break or block."""
    out = []
    for sib in label.itersiblings():
        if sib.tag != "a":
            break
        if "category" not in (sib.get("rel") or "").lower().split():
            out.append(_clean(sib.text_content()))
    return out if len(out) <= MAX_LINKS else []


def _labelled_links(el) -> list[str]:
    """The links after a label in ``el`` ("Filed under: <a>crude</a>, <a>grain</a>"), up to
    the next line break or block."""
    out = []
    for child in el:
        if child.tag == "br":
            break
        if child.tag == "a" and "category" not in (child.get("rel") or "").lower().split():
            out.append(_clean(child.text_content()))
    return out if len(out) <= MAX_LINKS else []


def category_links(tree) -> list[str]:
    """The story's category as the page links it (``rel="category tag"``): its section."""
    return _unique([_clean(a.text_content()) for a in tree.iter("a")
                    if "category" in (a.get("rel") or "").lower().split()])


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for v in values:
        key = v.casefold()
        if v and len(v) <= MAX_CHARS and key not in _NOT_TOPICS and key not in seen:
            seen.add(key)
            out.append(v)
    return out[:MAX_TOPICS]
