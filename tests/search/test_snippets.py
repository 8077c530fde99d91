"""Snippet fragments: our fused fragmenter gives what Whoosh's ContextFragmenter and
BasicFragmentScorer give over our analyzer's tokens, on any text."""

from __future__ import annotations

import gzip
import random
import re
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from whoosh import highlight

from indexer.analysis import news_analyzer
from search.snippets import (
    MAX_FRAGMENT_CHARS,
    SCAN_CHARS,
    SNIPPET_CHARS,
    SURROUND,
    _fragments,
    snippet,
)
from tests.conftest import shared

ANA = news_analyzer()


def whoosh_fragments(text: str, terms: set[str], top: int = 2):
    """What Whoosh's own highlighter picks: every token of the analyzer, matched or not."""
    tokens = highlight.set_matched_filter(
        ANA(text, chars=True, mode="query", removestops=False), frozenset(terms))
    fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=SURROUND,
                                             charlimit=SCAN_CHARS)
    frags = list(fragmenter.fragment_tokens(text, tokens))
    best = sorted(frags, key=highlight.BasicFragmentScorer(), reverse=True)[:top]
    best.sort(key=lambda f: f.startchar)
    return [(f.startchar, f.endchar, [(t.startchar, t.endchar, t.text) for t in f.matches])
            for f in best]


def terms_of(text: str, rnd: random.Random, k: int) -> set[str]:
    """Query terms as a search makes them: some of the text's words, normalised, and one
    word it does not hold."""
    words = re.findall(r"\w+", text)
    picked = rnd.sample(words, min(k, len(words)))
    return {t for t in (ANA.normalise(w) for w in picked) if t} | {"zzyzx"}


WORDS = ["the", "oil", "prices", "rose", "Jean-Luc", "O'Neill's", "U.S.", "3.5", "1,000",
         "Zürich", "São", "crude", "barrel", "OPEC", "said", "-", ",", ".", "...", "!", "\n",
         "\n\n", "  ", "\t", "x" * 300, "snake_case", "naïve", "co-operate", "it's", "’s",
         "1987", "Reuters", "a.b.c", "price", "pricing"]


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), max_size=400), st.randoms(use_true_random=False),
       st.integers(1, 4))
@example(["oil"] * 3000, random.Random(1), 1)  # past SCAN_CHARS
@example(["x" * 300, "oil"], random.Random(1), 1)  # a token longer than a snippet
def test_fragments_are_whoosh_s_on_any_text(words, rnd, k):
    text = " ".join(words)
    terms = terms_of(text, rnd, k)
    assert _fragments(text, terms, ANA) == whoosh_fragments(text, terms)


def test_fragments_are_whoosh_s_on_wire_stories():
    path = shared("reuters21578", "reut2-000.sgm.gz")
    text = gzip.decompress(path.read_bytes()).decode("latin-1")
    bodies = re.findall(r"<BODY>(.*?)</BODY>", text, re.S)
    rnd = random.Random(7)
    for body in bodies[:400]:
        for k in (1, 2, 3):
            terms = terms_of(body, rnd, k)
            assert _fragments(body, terms, ANA) == whoosh_fragments(body, terms), body[:80]


@pytest.mark.parametrize("terms", [{"a"}, {"oil", "a"}])
def test_one_letter_terms_are_looked_for_in_every_word(terms):
    text = "A barrel of oil, a price; Oil and a-b again."
    assert _fragments(text, terms, ANA) == whoosh_fragments(text, terms)


@pytest.mark.parametrize("tail", [
    "x" * 3000 + " oil",  # the word that ends the scan runs past the margin read first
    "." * 3000 + " oil",  # no word at all in the margin
    " oil-price" * 400,  # compounds across the scan's end
])
def test_fragments_of_texts_longer_than_the_scan(tail):
    text = "crude " * (SCAN_CHARS // 6 - 3) + "oil price " + tail
    for terms in ({"oil"}, {"oil", "price"}, {"crude"}):
        assert _fragments(text, terms, ANA) == whoosh_fragments(text, terms)


@pytest.mark.parametrize("tail", [
    " oil crude" * 100,  # the first word past the scan comes after a run without words
    "-oil" * 2000,  # a compound cut at the margin, its part past the scan
])
def test_fragments_when_the_words_before_the_margin_do_not_end_the_scan(tail):
    text = "crude oil " * 100 + "." * (SCAN_CHARS + 1500) + tail
    for terms in ({"oil"}, {"crude"}):
        assert _fragments(text, terms, ANA) == whoosh_fragments(text, terms)


@pytest.mark.parametrize("text", [". " * 1_000_000, "oil-" * 500_000 + "x",
                                  "crude " * 4000 + "\n" * 1_000_000,
                                  # no word in the first SCAN_CHARS, then megabytes of words
                                  "." * (SCAN_CHARS + 3000) + " crude oil" * 500_000])
def test_a_hostile_story_costs_a_bounded_scan(text):
    """Megabytes without a word, or one compound of half a million parts: the scan reads
    about SCAN_CHARS, not the whole story once per word (ten snippets: a page of them)."""
    started = time.perf_counter()
    for _ in range(10):
        _fragments(text, {"oil", "crude"}, ANA)
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize("gap", ["." * 1_000_000, "-" * 3_000, "=" * 600])
def test_a_run_without_words_is_not_all_shown(gap):
    """The fragmenter counts only the characters of words: a rule of dashes in a post (or
    megabytes of dots in a hostile story) after a match would all be in the snippet."""
    text = "crude " * 50 + "oil " + gap + " crude"
    shown = snippet(text, {"oil"}, ANA, "plain")
    assert len(shown["text"]) <= MAX_FRAGMENT_CHARS
    [(a, b)] = shown["matches"]
    assert shown["text"][a:b] == "oil"
    assert len(snippet(text, {"oil"}, ANA, "html")) <= 2 * MAX_FRAGMENT_CHARS


def test_control_characters_are_shown_as_spaces():
    text = "crude\x01oil\x1b[31m prices\x7f rose " * 3
    shown = snippet(text, {"oil"}, ANA, "ansi")
    assert "\x01" not in shown and "\x7f" not in shown and "\x1b[31m" not in shown
    assert "\x1b[1;33moil\x1b[0m" in shown
    lead = snippet("no\x02match " * 100, {"zzyzx"}, ANA, "plain")
    assert "\x02" not in lead["text"] and lead["text"].startswith("no match")
