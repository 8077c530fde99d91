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
