"""Text analysis for news: what a word is, and how it is normalised.

``news_analyzer``: tokens are runs of word characters that may contain inner hyphens,
apostrophes, dots and commas (``Jean-Luc``, ``O'Neill``, ``U.S.``, ``3.5``, ``1,000``);
IntraWordFilter then also indexes the parts and the joined form (``jean``, ``luc``, ``jeanluc``)
so either spelling finds the name; lower-casing, accent folding (``Zürich`` = ``zurich``),
English stop words removed, Porter stemming (``rates`` = ``rate``). Numbers are kept.

Chosen by measuring on the TIME relevance set (``bench/relevance.py``) against Whoosh's
StemmingAnalyzer and plain StandardAnalyzer.
"""

from __future__ import annotations

from whoosh.analysis import (CharsetFilter, IntraWordFilter, LowercaseFilter, RegexTokenizer,
                             StemFilter, StopFilter)
from whoosh.support.charset import accent_map

TOKEN_PATTERN = r"\w+(?:[-'’.,]\w+)*"


def news_analyzer():
    """The analyzer for title and body."""
    return (RegexTokenizer(TOKEN_PATTERN)
            | IntraWordFilter(delims="-'’.,", splitwords=True, splitnums=True,
                              mergewords=True, mergenums=True)
            | LowercaseFilter()
            | CharsetFilter(accent_map)
            | StopFilter(minsize=1)
            | StemFilter(cachesize=100_000))


def name_analyzer():
    """For author names: no stemming, accents folded."""
    return (RegexTokenizer(TOKEN_PATTERN) | IntraWordFilter(delims="-'’.", mergewords=True)
            | LowercaseFilter() | CharsetFilter(accent_map))
