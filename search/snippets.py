"""Highlighted snippets, escaped for where they are shown.

One fragment finder (Whoosh's ContextFragmenter and BasicFragmentScorer, as a loop of our
own over the analyzer's words: the same fragments without a Token object per word), three
renderings:

- ``ansi``: matched words in bold yellow for a terminal; control characters in the text removed;
- ``html``: ``<mark>`` around matches, everything else HTML-escaped;
- ``plain``: the snippet text plus ``[start, end)`` character offsets of each match (JSON).

Every rendering shows a run of whitespace as one space: wire stories are hard-wrapped, and a
snippet is one line of a result list, in a terminal as on a page.
"""

from __future__ import annotations

import html
import re
from collections import deque

from whoosh import highlight

from indexer.analysis import TOKEN_PATTERN, fold

_WORD = re.compile(TOKEN_PATTERN)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SNIPPET_CHARS = 240
#: how far into a story fragments are looked for: a news story says what it is about in its
#: first 3,000 words; past that a match is not shown (the lead is, when nothing matches
#: before). Reading all of a 30,000-character post took 15 ms per hit.
SCAN_CHARS = 20_000


#: context kept around the matches of a fragment, on each side (characters)
SURROUND = 70


def _tokens(text: str, terms: set[str], analyzer):
    """The analyzer's tokens of ``text`` with ``matched`` set, as Whoosh's highlighter wants
    them (for analyzers other than ours)."""
    yield from highlight.set_matched_filter(
        analyzer(text, chars=True, mode="query", removestops=False), frozenset(terms))


def _scan(text: str, terms: set[str], analyzer) -> list[tuple[int, int, str | None]]:
    """(start, end, the term when it is one of ``terms``, else None) of each token our
    analyzer makes of ``text`` (stop words included), up to the first that ends past
    ``SCAN_CHARS``. Words that cannot match (their first two letters start no query term)
    are not normalised."""
    normalise = analyzer.normalise
    prefixes = {t[:2] for t in terms} if all(len(t) >= 2 for t in terms) else None

    def norm(word: str, removestops: bool) -> str:
        if prefixes is not None:
            p = word[:2].lower()
            if p not in prefixes and (word[:4].isascii()
                                      or fold(word[:4].lower())[:2] not in prefixes):
                return ""
        return normalise(word, removestops)

    # the words of the first SCAN_CHARS and a margin; the whole text when the token that
    # ends the scan could be cut short there (or was not reached)
    limit = SCAN_CHARS + 2000
    if len(text) > limit:
        out = _tokens_upto(text, limit, terms, prefixes, norm, analyzer)
        if out and SCAN_CHARS < out[-1][1] < limit:
            return out
    return _tokens_upto(text, len(text), terms, prefixes, norm, analyzer)


def _tokens_upto(text: str, endpos: int, terms, prefixes, norm, analyzer):
    """:func:`_scan`'s tokens of the words before ``endpos``."""
    out: list[tuple[int, int, str | None]] = []
    add = out.append
    for m in _WORD.finditer(text, 0, endpos):
        word = m.group()
        a, b = m.span()
        if word.isalnum():  # a plain word: one token (no - ' . , inside)
            if prefixes is None or word[:2].lower() in prefixes or not word[:4].isascii():
                term = norm(word, False)
                add((a, b, term if term in terms else None))
            else:
                add((a, b, None))
            if b > SCAN_CHARS:
                break
            continue
        for term, _, sa, sb in analyzer.spans(word, False, norm):
            add((a + sa, a + sb, term if term in terms else None))
            if a + sb > SCAN_CHARS:
                return out
    return out


def _context_fragments(tokens) -> list[tuple[int, int, list[tuple[int, int, str]]]]:
    """(start, end, matches) of the fragments Whoosh's ``ContextFragmenter(SNIPPET_CHARS,
    SURROUND, SCAN_CHARS)`` makes of ``tokens`` (from :func:`_scan`): its loop, step for step,
    over tuples instead of Token objects (a test compares the two)."""
    maxchars, surround, charlimit = SNIPPET_CHARS, SURROUND, SCAN_CHARS
    out = []
    first = None
    firsts: deque[int] = deque()
    countdown = -1
    tks: list[tuple[int, int, str]] = []
    endchar = 0
    currentlen = 0
    for startchar, endchar, term in tokens:
        tlength = endchar - startchar
        if endchar > charlimit:
            break
        if countdown < 0 and term is None:
            firsts.append(startchar)
            while firsts and endchar - firsts[0] > surround:
                firsts.popleft()
        elif currentlen + tlength > maxchars:
            countdown = 0
        elif term is not None:
            countdown = surround
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = startchar
                    countdown += surround
            tks.append((startchar, endchar, term))
        if countdown >= 0:
            currentlen += tlength
            countdown -= tlength
            if countdown <= 0:
                out.append((0 if first is None else first, endchar, tks))
                tks = []
                firsts = deque()
                first = None
                currentlen = 0
    if tks:
        out.append((0 if first is None else first, endchar, tks))
    return out


def _fragments(text: str, terms: set[str], analyzer, top: int = 2):
    """The ``top`` fragments of ``text`` by Whoosh's ``BasicFragmentScorer`` (matches times
    a hundred times the distinct terms matched), in text order: (start, end, matches)."""
    if getattr(analyzer, "spans", None) is not None:
        frags = _context_fragments(_scan(text, terms, analyzer))
    else:
        fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=SURROUND,
                                                 charlimit=SCAN_CHARS)
        frags = [(f.startchar, f.endchar, [(t.startchar, t.endchar, t.text) for t in f.matches])
                 for f in fragmenter.fragment_tokens(text, _tokens(text, terms, analyzer))]

    def score(frag) -> int:
        matches = frag[2]
        return len(matches) * (len({t for _, _, t in matches}) * 100 or 1)

    best = sorted(frags, key=score, reverse=True)[:top]
    best.sort(key=lambda f: f[0])
    return best


def snippet(text: str, terms: set[str], analyzer, style: str = "plain") -> dict | str:
    """The best fragments of ``text`` for query ``terms``, rendered in ``style``."""
    text = _CONTROL.sub(" ", text or "")
    frags = _fragments(text, terms, analyzer) if terms else []
    if not frags:
        lead = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] if len(text) > SNIPPET_CHARS else text
        return _render([(lead, [])], style)
    pieces = []
    for start, end, matches in frags:
        pieces.append((text[start:end], [(a - start, b - start) for a, b, _ in matches]))
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
