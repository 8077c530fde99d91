"""Text analysis for news: what a word is, and how it is normalised.

``news_analyzer``: tokens are runs of word characters that may contain inner hyphens,
apostrophes, dots and commas (``Jean-Luc``, ``O'Neill``, ``U.S.``, ``3.5``, ``1,000``);
IntraWordFilter then also indexes the parts and the joined form (``jean``, ``luc``, ``jeanluc``)
so either spelling finds the name; lower-casing, accent folding (``Zürich`` = ``zurich``),
English stop words and reporting verbs removed (:data:`NEWS_STOP_WORDS`), Porter stemming (``rates`` = ``rate``). Numbers are kept.

Chosen by measuring on the TIME relevance set (``bench/relevance.py``) against Whoosh's
StemmingAnalyzer and plain StandardAnalyzer.
"""

from __future__ import annotations

from whoosh.analysis import (CharsetFilter, IntraWordFilter, LowercaseFilter, RegexTokenizer,
                             StemFilter, StopFilter)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.support.charset import accent_map

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


def news_analyzer():
    """The analyzer for title and body."""
    return (RegexTokenizer(TOKEN_PATTERN)
            | IntraWordFilter(delims="-'’.,", splitwords=True, splitnums=True,
                              mergewords=True, mergenums=True)
            | LowercaseFilter()
            | CharsetFilter(accent_map)
            | StopFilter(stoplist=NEWS_STOP_WORDS, minsize=1)
            | StemFilter(cachesize=100_000))


def name_analyzer():
    """For author names: no stemming, accents folded."""
    return (RegexTokenizer(TOKEN_PATTERN) | IntraWordFilter(delims="-'’.", mergewords=True)
            | LowercaseFilter() | CharsetFilter(accent_map))
