"""Highlighted snippets, escaped for where they are shown.

One fragment finder (Whoosh's ContextFragmenter over the story's text), three renderings:

- ``ansi``: matched words in bold yellow for a terminal; control characters in the text removed;
- ``html``: ``<mark>`` around matches, everything else HTML-escaped;
- ``plain``: the snippet text plus ``[start, end)`` character offsets of each match (JSON).

Every rendering shows a run of whitespace as one space: wire stories are hard-wrapped, and a
snippet is one line of a result list, in a terminal as on a page.
"""

from __future__ import annotations

import html
import re

from whoosh import highlight
from whoosh.analysis import Token

from indexer.analysis import fold

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SNIPPET_CHARS = 240
#: how far into a story fragments are looked for: a news story says what it is about in its
#: first 3,000 words; past that a match is not shown (the lead is, when nothing matches
#: before). Reading all of a 30,000-character post took 15 ms per hit.
SCAN_CHARS = 20_000


class _Collect(highlight.Formatter):
    """Returns the fragments themselves; rendering happens below."""

    def format(self, fragments, replace=False):
        return fragments


def _tokens(text: str, terms: set[str], analyzer):
    """The analyzer's tokens of ``text`` with ``matched`` set, as Whoosh's highlighter wants
    them. With our analyzer, words that cannot match (their first two letters start no query
    term) are not normalised: same tokens, a third of the time."""
    spans = getattr(analyzer, "spans", None)
    if spans is None:
        yield from highlight.set_matched_filter(
            analyzer(text, chars=True, mode="query", removestops=False), frozenset(terms))
        return
    normalise = analyzer.normalise
    prefixes = {t[:2] for t in terms}
    norm = normalise
    if all(len(t) >= 2 for t in terms):
        def norm(word: str, removestops: bool) -> str:
            p = word[:2].lower()
            if p in prefixes or (not word[:4].isascii() and fold(word[:4].lower())[:2] in prefixes):
                return normalise(word, removestops)
            return ""

    t = Token(positions=False, chars=True, removestops=False, mode="query")
    t.boost = 1.0
    t.stopped = False
    for term, _, a, b in spans(text, False, norm):
        t.text = term
        t.startchar, t.endchar = a, b
        t.matched = term in terms  # type: ignore[attr-defined]  # Token takes any
        yield t


def _fragments(text: str, terms: set[str], analyzer, top: int = 2):
    tokens = _tokens(text, terms, analyzer)
    fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70,
                                             charlimit=SCAN_CHARS)
    frags = list(fragmenter.fragment_tokens(text, tokens))
    scored = sorted(frags, key=highlight.BasicFragmentScorer(), reverse=True)[:top]
    scored.sort(key=lambda f: f.startchar)
    return scored


def snippet(text: str, terms: set[str], analyzer, style: str = "plain") -> dict | str:
    """The best fragments of ``text`` for query ``terms``, rendered in ``style``."""
    text = _CONTROL.sub(" ", text or "")
    frags = _fragments(text, terms, analyzer) if terms else []
    if not frags:
        lead = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] if len(text) > SNIPPET_CHARS else text
        return _render([(lead, [])], style)
    pieces = []
    for f in frags:
        chunk = text[f.startchar:f.endchar]
        spans = [(t.startchar - f.startchar, t.endchar - f.startchar) for t in f.matches]
        pieces.append((chunk, spans))
    return _render(pieces, style)


def _render(pieces, style: str):
    if style == "plain":
        out, spans, pos = [], [], 0
        for i, (chunk, matches) in enumerate(pieces):
            if i:
                out.append(" … ")
                pos += 3
            chunk, matches = _squeezed(chunk, matches)
            out.append(chunk)
            spans += [[pos + a, pos + b] for a, b in matches]
            pos += len(chunk)
        return {"text": "".join(out), "matches": spans}
    rendered = []
    for chunk, matches in pieces:
        parts, last = [], 0
        for a, b in sorted(matches):
            parts.append(_esc(chunk[last:a], style))
            parts.append(_mark(chunk[a:b], style))
            last = b
        parts.append(_esc(chunk[last:], style))
        rendered.append("".join(parts))
    return " … ".join(rendered)


_SPACE = re.compile(r"\s+")


def _squeezed(text: str, matches) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with each run of whitespace as one space, and ``matches`` (offsets into
    ``text``, never inside a run: a match is a word) moved to where they now are."""
    out, kept, last = [], [], 0
    removed = 0
    for run in _SPACE.finditer(text):
        out.append(text[last:run.start()])
        out.append(" ")
        removed += len(run.group()) - 1
        kept.append((run.end(), removed))
        last = run.end()
    out.append(text[last:])

    def moved(at: int) -> int:
        gone = 0
        for end, total in kept:
            if end > at:
                break
            gone = total
        return at - gone

    return "".join(out), [(moved(a), moved(b)) for a, b in matches]


def _esc(text: str, style: str) -> str:
    text = _SPACE.sub(" ", text)
    return html.escape(text, quote=True) if style == "html" else text


def _mark(text: str, style: str) -> str:
    if style == "html":
        return f"<mark>{html.escape(text, quote=True)}</mark>"
    if style == "ansi":
        return f"\x1b[1;33m{text}\x1b[0m"
    return text
