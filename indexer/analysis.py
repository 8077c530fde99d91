"""Text analysis for news: what a word is, and how it is normalised.

``news_analyzer``: tokens are runs of word characters that may contain inner hyphens,
apostrophes, dots and commas (``Jean-Luc``, ``O'Neill``, ``U.S.``, ``3.5``, ``1,000``); such a
compound is indexed as its parts and its joined form (``jean``, ``luc``, ``jeanluc``) so either
spelling finds the name; lower-casing, accent folding (``Zürich`` = ``zurich``), English stop
words and reporting verbs removed (:data:`NEWS_STOP_WORDS`), Porter stemming (``rates`` =
``rate``). Numbers are kept.

Chosen by measuring on the TIME relevance set (``bench/relevance.py``) against Whoosh's
StemmingAnalyzer and plain StandardAnalyzer; implemented as one fused pass
(:class:`NewsAnalyzer`) because analysis is most of Whoosh's indexing time.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from whoosh.analysis import Token, Tokenizer
from whoosh.analysis.filters import STOP_WORDS
from whoosh.fields import TEXT
from whoosh.lang.porter import stem as porter_stem

TOKEN_PATTERN = r"\w+(?:[-'’.,]\w+)*"

#: English function words plus the reporting verbs every news story is full of. Whoosh's own
#: list is only 37 words; this one (general English, not drawn from any test queries) keeps
#: "said", "also", "would" from diluting long natural-language queries.
NEWS_STOP_WORDS = frozenset(STOP_WORDS) | frozenset("""
a about above across after afterwards again against all almost alone along already also although
always am among amongst an and another any anybody anyhow anyone anything anyway anywhere are
around as at back be became because become becomes becoming been before beforehand behind being
below beside besides between beyond both but by can cannot could did do does doing done down
during each either else elsewhere enough etc even ever every everybody everyone everything
everywhere except few for former formerly from further had has have having he hence her here
hereafter hereby herein hers herself him himself his how however i if in indeed into is it its
itself just last latter latterly least less many may me meanwhile might more moreover most
mostly much must my myself namely neither never nevertheless next no nobody none noone nor not
nothing now nowhere of off often on once one only onto or other others otherwise our ours
ourselves out over own per perhaps please rather same seem seemed seeming seems several she
should since so some somehow someone something sometime sometimes somewhere still such than that
the their theirs them themselves then thence there thereafter thereby therefore therein
thereupon these they this those though through throughout thru thus to together too toward
towards under until up upon us very via was we well were what whatever when whence whenever
where whereafter whereas whereby wherein whereupon wherever whether which while whither who
whoever whole whom whose why will with within without would yet you your yours yourself
yourselves said says say told asked added according get got go going gone made make makes like
""".split())


class NewsAnalyzer(Tokenizer):
    """The news analyzer as one fused pass (one regex scan, cached word normalisation).

    Does what ``RegexTokenizer | IntraWordFilter | LowercaseFilter | CharsetFilter(accent_map)
    | StopFilter | StemFilter`` would, about four times faster, and is used both to index and
    to parse queries and highlight, so the two can never disagree. For a compound word
    (``Jean-Luc``, ``O'Neill``, ``3.5``, ``1,000``) it yields the parts and then the joined
    form at the last part's position; a trailing possessive ``'s`` is dropped.
    """

    def __init__(self, stoplist=NEWS_STOP_WORDS, stem: bool = True):
        self.stoplist = frozenset(stoplist)
        self.stem = stem
        self._cache: dict[str, str | None] = {}
        self._words: dict[str, object] = {}  # for positions(): word -> term, None or parts

    def __eq__(self, other):
        return (isinstance(other, NewsAnalyzer) and self.stoplist == other.stoplist
                and self.stem == other.stem)

    def __hash__(self):
        return hash((NewsAnalyzer, self.stem, len(self.stoplist)))

    def __getstate__(self):
        return {"stoplist": self.stoplist, "stem": self.stem}

    def __setstate__(self, state):
        self.__init__(state["stoplist"], state["stem"])

    def normalise(self, word: str, removestops: bool = True) -> str | None:
        """Lower-case, accent-fold, stop and stem one word (None when it is a stop word)."""
        key = word if removestops else "\x00" + word
        try:
            return self._cache[key]
        except KeyError:
            pass
        low = fold(word.lower())
        if removestops and low in self.stoplist:
            out = None
        else:
            out = porter_stem(low) if self.stem and low.isalpha() else low
        if len(self._cache) < 500_000:
            self._cache[key] = out
        return out

    def spans(self, value: str, removestops: bool = True, norm=None):
        """(term, position, startchar, endchar) for each indexed term of ``value``.

        ``norm``: a stand-in for :meth:`normalise` (same arguments), e.g. one that skips
        words that cannot match; it must not return None for words normalise keeps."""
        pos = -1
        norm = norm or self.normalise
        for m in _WORD.finditer(value):
            word = m.group(0)
            start = m.start()
            if _DELIMS.search(word) is None:
                term = norm(word, removestops)
                if term is not None:
                    pos += 1
                    yield term, pos, start, m.end()
                continue
            parts = [(p.group(0), start + p.start(), start + p.end()) for p in _PART.finditer(word)]
            possessive = (len(parts) > 1 and parts[-1][0].lower() == "s"
                          and word[parts[-1][1] - start - 1] in "'’")
            if possessive:
                parts.pop()  # possessive 's
            emitted = False
            for text, a, b in parts:
                term = norm(text, removestops)
                if term is not None:
                    pos += 1
                    emitted = True
                    yield term, pos, a, b
            if len(parts) > 1:
                joined = norm("".join(t for t, _, _ in parts), removestops)
                if joined is not None:
                    if not emitted:
                        pos += 1
                    yield joined, pos, parts[0][1], parts[-1][2]

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value  # type: ignore[attr-defined]  # Token takes any
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        for term, pos, a, b in self.spans(value, removestops):
            t.text = term
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[a:b]  # type: ignore[attr-defined]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar, t.endchar = start_char + a, start_char + b
            yield t

    def terms(self, value: str) -> list[str]:
        """The indexed terms of ``value`` in order: what :meth:`spans` yields, without the
        positions and offsets (for term vectors). Each distinct word is looked at once, as
        in :meth:`positions`."""
        out: list[str] = []
        known = self._words.get
        term: Any  # a term, None (a stop word) or a compound's parts
        for word in _WORD.findall(value):
            term = known(word, _UNSEEN)
            if term is _UNSEEN:
                term = self._learn(word)
            if term is None:
                continue
            if term.__class__ is tuple:
                out.extend(t for t, _ in term)
            else:
                out.append(term)
        return out

    def positions(self, value: str) -> dict[str, list[int]]:
        """term -> positions, the indexing fast path (what :meth:`spans` gives, without the
        per-token generator for plain words: each distinct word is looked at once, then
        found in :attr:`_words`)."""
        out: dict[str, list[int]] = {}
        get = out.get
        words = self._words
        known = words.get
        pos = -1
        term: Any  # a term, None (a stop word) or a compound's parts
        for word in _WORD.findall(value):
            term = known(word, _UNSEEN)
            if term is _UNSEEN:
                term = self._learn(word)
            if term is None:
                continue
            if term.__class__ is tuple:  # a compound: (term, offset) of its parts and joined form
                base = pos + 1
                for part, p in term:
                    pos = base + p
                    lst = get(part)
                    if lst is None:
                        out[part] = [pos]
                    else:
                        lst.append(pos)
                continue
            pos += 1
            lst = get(term)
            if lst is None:
                out[term] = [pos]
            else:
                lst.append(pos)
        return out

    def _learn(self, word: str):
        """What :meth:`positions` does with ``word``: its term, None (a stop word) or, for a
        compound, a tuple of (term, position offset) for its parts and joined form."""
        term: Any
        if _DELIMS.search(word):
            term = tuple((t, p) for t, p, _, _ in self.spans(word))
        else:
            term = self.normalise(word)
        if len(self._words) < 500_000:
            self._words[word] = term
        return term


_UNSEEN = object()
_WORD = re.compile(TOKEN_PATTERN)
_PART = re.compile(r"\w+")
_DELIMS = re.compile(r"[-'’.,]")


def fold(text: str) -> str:
    """Accents removed: Zürich -> zurich, São -> sao (ASCII text passes through untouched)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class NewsText(TEXT):
    """A TEXT field that indexes through :meth:`NewsAnalyzer.positions` directly."""

    def index(self, value, **kwargs):
        ana = self.analyzer
        if not isinstance(ana, NewsAnalyzer) or not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        boost = self.format.field_boost
        encode = self.format.encode
        single = _SINGLE_POSITIONS.setdefault(type(self.format), {})
        for term, plist in ana.positions(value).items():
            if len(plist) == 1:  # most terms of a story: the same bytes for the same position
                p = plist[0]
                vbytes = single.get(p)
                if vbytes is None:
                    vbytes = encode(plist)
                    if p < 100_000:
                        single[p] = vbytes
                yield term.encode("utf-8"), 1, boost, vbytes
            else:
                yield term.encode("utf-8"), len(plist), len(plist) * boost, encode(plist)


#: format class -> position p -> the format's bytes for a term seen once, at p (p < 100,000)
_SINGLE_POSITIONS: dict[type, dict[int, bytes]] = {}


def news_analyzer() -> NewsAnalyzer:
    """The analyzer for title and body."""
    return NewsAnalyzer()


def name_analyzer() -> NewsAnalyzer:
    """For author names: no stemming, no stop words, accents folded."""
    return NewsAnalyzer(stoplist=(), stem=False)
