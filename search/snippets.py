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

import bisect
import html
import itertools
import operator
import re

from whoosh import highlight

from indexer.analysis import TOKEN_PATTERN, fold

_WORD = re.compile(TOKEN_PATTERN)
_SPLIT = re.compile(f"({TOKEN_PATTERN})")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SNIPPET_CHARS = 240
#: how far into a story fragments are looked for: a news story says what it is about in its
#: first 3,000 words; past that a match is not shown (the lead is, when nothing matches
#: before). Reading all of a 30,000-character post took 15 ms per hit.
SCAN_CHARS = 20_000


#: context kept around the matches of a fragment, on each side (characters)
SURROUND = 70
#: the most of a story one fragment shows (characters, separators included)
MAX_FRAGMENT_CHARS = 2 * SNIPPET_CHARS


def _tokens(text: str, terms: set[str], analyzer):
    """The analyzer's tokens of ``text`` with ``matched`` set, as Whoosh's highlighter wants
    them (for analyzers other than ours)."""
    yield from highlight.set_matched_filter(
        analyzer(text, chars=True, mode="query", removestops=False), frozenset(terms))


def _scan(text: str, terms: set[str], analyzer) -> tuple[list[int], list[int], list]:
    """The tokens our analyzer makes of ``text`` (stop words included), up to the first that
    ends past ``SCAN_CHARS``: their starts, their ends, and for each the term when it is one
    of ``terms``, else None. Words that cannot match (their first two letters start no query
    term) are not normalised."""
    normalise = analyzer.normalise
    terms = {t for t in terms if t}
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
        out = _tokens_upto(text[:limit], terms, prefixes, norm, analyzer)
        if out[1] and SCAN_CHARS < out[1][-1] < limit:
            return out
        text = text[:_scan_end(text, limit)]
    return _tokens_upto(text, terms, prefixes, norm, analyzer)


def _scan_end(text: str, limit: int) -> int:
    """Where the word that ends the scan ends, when the words before ``limit`` did not say:
    none of them ends past ``SCAN_CHARS``, or the one that does was cut short at ``limit``.
    (The scan then reads up to there, never the whole of a long story.)"""
    last = None
    for last in _WORD.finditer(text, 0, limit):
        if last.end() > SCAN_CHARS:
            break
    if last is None:
        found = _WORD.search(text, limit)
    elif last.end() > SCAN_CHARS:
        found = _WORD.match(text, last.start())
    else:
        found = _WORD.search(text, last.end())
    if found:
        return found.end()
    return last.end() if last is not None else 0  # no word past the scan: up to the last


def _tokens_upto(text: str, terms: set[str], prefixes: set[str] | None, norm, analyzer):
    """:func:`_scan`'s tokens of ``text``, found with one split of the text and a look at
    each distinct word (a story repeats its words), not a step per word."""
    parts = _SPLIT.split(text)  # separator, word, separator, word, ..., separator
    words = parts[1::2]
    if not words:
        return [], [], []
    offsets = list(itertools.accumulate(map(len, parts)))
    ends = offsets[1::2]
    # the words up to the first that ends past the scan (one of its parts may end before)
    words = words[:bisect.bisect_right(ends, SCAN_CHARS) + 1]
    starts = offsets[0:2 * len(words):2]
    del ends[len(words):]
    plain = list(map(str.isalnum, words))  # no - ' . , inside: one token
    found = {}
    for word in set(words):
        # (norm's own test, without a call for each word that cannot match)
        if prefixes is not None and word[:2].lower() not in prefixes and word[:4].isascii():
            continue
        if word.isalnum():
            term = norm(word, False)
            if term in terms:
                found[word] = term
    found_of = list(map(found.get, words))
    if all(plain):
        return starts, ends, found_of
    out_starts: list[int] = []
    out_ends: list[int] = []
    out_found: list = []
    last = 0
    for i in itertools.compress(range(len(words)), map(operator.not_, plain)):
        out_starts += starts[last:i]
        out_ends += ends[last:i]
        out_found += found_of[last:i]
        last = i + 1
        at = starts[i]
        for term, _, a, b in analyzer.spans(words[i], False, norm):
            out_starts.append(at + a)
            out_ends.append(at + b)
            out_found.append(term if term in terms else None)
            if at + b > SCAN_CHARS:
                return out_starts, out_ends, out_found
    out_starts += starts[last:]
    out_ends += ends[last:]
    out_found += found_of[last:]
    return out_starts, out_ends, out_found


def _context_fragments(starts: list[int], ends: list[int], found: list
                       ) -> list[tuple[int, int, list[tuple[int, int, str]]]]:
    """(start, end, matches) of the fragments Whoosh's ``ContextFragmenter(SNIPPET_CHARS,
    SURROUND, SCAN_CHARS)`` makes of the tokens of :func:`_scan` (a test compares the two).

    Its loop, step for step, from each match until its fragment ends; between fragments it
    only remembers where the tokens within ``SURROUND`` characters before the next match
    start, which is looked up when that match comes, not kept up to date at every word."""
    maxchars, surround = SNIPPET_CHARS, SURROUND
    n = len(starts)
    # the fragmenter stops at the first token ending past the scan (its end closes the last
    # fragment); ends never decrease
    stop = bisect.bisect_right(ends, SCAN_CHARS)
    matches = list(itertools.compress(range(stop), found))
    out = []
    first: int | None = None
    front: int | None = None  # the start of the earliest token within SURROUND before
    countdown = -1
    tks: list[tuple[int, int, str]] = []
    currentlen = 0
    next_match = 0
    i = 0
    while i < stop:
        if countdown < 0:  # between fragments: on to the next match
            while next_match < len(matches) and matches[next_match] < i:
                next_match += 1
            if next_match == len(matches):
                break
            j = matches[next_match]
            front = _front(starts, ends, i, j, surround) if j > i else None
            i = j
        startchar, endchar, term = starts[i], ends[i], found[i]
        tlength = endchar - startchar
        if currentlen + tlength > maxchars:
            countdown = 0
        elif term is not None:
            countdown = surround
            if first is None:
                if front is not None:
                    first = front
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
                front = first = None
                currentlen = 0
        i += 1
    if tks:
        endchar = ends[stop] if stop < n else ends[-1]
        out.append((0 if first is None else first, endchar, tks))
    return out


def _front(starts: list[int], ends: list[int], i: int, j: int, surround: int) -> int | None:
    """Where the fragmenter's first remembered token starts when it meets the match at
    ``j``, tokens ``i`` to ``j - 1`` being no matches: the first of them (in order) that
    starts within ``surround`` characters of where token ``j - 1`` ends."""
    floor = ends[j - 1] - surround
    # a token ending before the floor starts before it too
    for k in range(bisect.bisect_left(ends, floor, i, j), j):
        if starts[k] >= floor:
            return starts[k]
    return None


def _fragments(text: str, terms: set[str], analyzer, top: int = 2):
    """The ``top`` fragments of ``text`` by Whoosh's ``BasicFragmentScorer`` (matches times
    a hundred times the distinct terms matched), in text order: (start, end, matches)."""
    if getattr(analyzer, "spans", None) is not None:
        frags = _context_fragments(*_scan(text, terms, analyzer))
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
    text = text or ""
    # control characters become spaces in what is shown only: they are no word characters,
    # as a space is not, so the fragments are the same (and a long story is not copied)
    frags = _fragments(text, terms, analyzer) if terms else []
    if not frags:
        lead = _CONTROL.sub(" ", text[:SNIPPET_CHARS + 1])
        lead = lead[:SNIPPET_CHARS].rsplit(" ", 1)[0] if len(lead) > SNIPPET_CHARS else lead
        return _render([(lead, [])], style)
    pieces = []
    for start, end, matches in frags:
        start, end, matches = _clipped(start, end, matches)
        pieces.append((_CONTROL.sub(" ", text[start:end]),
                       [(a - start, b - start) for a, b, _ in matches]))
    return _render(pieces, style)


def _clipped(start: int, end: int, matches: list) -> tuple[int, int, list]:
    """A fragment cut to at most ``MAX_FRAGMENT_CHARS`` from ``SURROUND`` characters before
    its first match, with the matches inside. The fragmenter counts only the characters of
    words, so a run without words (a rule of dashes in a post, or megabytes of them in a
    hostile story) would otherwise all be shown."""
    if end - start <= MAX_FRAGMENT_CHARS:
        return start, end, matches
    start = max(start, matches[0][0] - SURROUND) if matches else start
    end = min(end, start + MAX_FRAGMENT_CHARS)
    return start, end, [m for m in matches if m[0] >= start and m[1] <= end]


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
