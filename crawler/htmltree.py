"""Parsing a page once: the lxml tree the cleaner and link discovery both read."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_html(html: str | bytes):
    """The page's lxml tree, or None for an empty or unparsable page (never raises)."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    html = _XML_DECLARATION.sub("", html)  # lxml refuses a str with an encoding declaration
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


#: a <pre> of prose typed or wrapped at a fixed width: every line that goes on into the next
#: without ending a sentence is at least ``WRAPPED_CHARS`` long (and none over ``MAX_CHARS``);
#: sentences in it, and hardly any of code's symbols
WRAPPED_CHARS = 30
MAX_CHARS = 100
CODE_SYMBOLS = 0.02
_CODE = re.compile(r"[{}();=<>\[\]_#$\\|]")
_ENDS_SENTENCE = (".", "!", "?", '"', "'", ")")
#: a short line after a sentence closes its paragraph (a sign-off: "REUTER", "-- 30 --")
SIGN_OFF_CHARS = 30


def prose_paragraphs(text: str) -> list[str] | None:
    """The paragraphs of a ``<pre>`` holding prose typed at a fixed width (a wire service's
    archive, a plain-text page): blank lines separate them, wrapped lines are joined. None
    for anything else (code, tables), whose lines are the point."""
    lines = [line.strip() for line in text.splitlines()]
    filled = [line for line in lines if line]
    wrapped = [line for line, after in zip(lines, lines[1:])
               if line and after and not line.endswith(_ENDS_SENTENCE)]
    if (not wrapped or not any(line.endswith(_ENDS_SENTENCE) for line in filled)
            or max(map(len, filled)) > MAX_CHARS
            or any(len(line) < WRAPPED_CHARS for line in wrapped)
            or len(_CODE.findall(text)) > CODE_SYMBOLS * len(text)):
        return None
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        current = paragraphs[-1]
        if not line:
            if current:
                paragraphs.append([])
        elif current and len(line) < SIGN_OFF_CHARS and current[-1].endswith(_ENDS_SENTENCE):
            paragraphs.append([line])
        else:
            current.append(line)
    return [" ".join(p) for p in paragraphs if p]


def unwrap_prose(tree) -> None:
    """Turn every ``<pre>`` of prose (see :func:`prose_paragraphs`) into a ``<div>`` of
    ``<p>``s, in place, so that its paragraphs read as paragraphs."""
    for pre in list(tree.iter("pre")):
        paragraphs = prose_paragraphs(pre.text_content())
        if paragraphs is None:
            continue
        div = etree.Element("div", {"class": "prose"})
        for text in paragraphs:
            etree.SubElement(div, "p").text = text
        div.tail = pre.tail
        pre.getparent().replace(pre, div)



def bounded_text(el, limit: int) -> str | None:
    """``el``'s text when it is at most ``limit`` characters, else None: read only as far as
    the limit, so that asking it of every element of a deep page costs no more than
    ``limit`` per element (``text_content`` reads each whole subtree)."""
    parts, size = [], 0
    for piece in el.itertext():
        size += len(piece)
        if size > limit:
            return None
        parts.append(piece)
    return "".join(parts)
