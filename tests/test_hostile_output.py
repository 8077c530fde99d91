"""Crawled strings are hostile: what the CLI prints and what editors paste stays inert."""

from __future__ import annotations

import pytest

from archive.store import Article
from search.related import Suggestion, markdown_text, markdown_url
from tests.conftest import build_archive, cli

TITLE = "Tariffs \x1b[2J\x1b]0;owned\x07 <img src=x onerror=alert(1)> [click](javascript:x) *now*"
BODIES = [
    "Tariffs on steel and aluminium rose again on Monday, officials said, as the trade talks "
    "between the two ports stalled for a third week.",
    "Steel importers warned that the new tariffs would raise the price of cars and washing "
    "machines before the end of the year.",
    "Dock workers at both ports said the trade dispute had cut the number of ships unloading "
    "steel by half since the spring.",
]


@pytest.fixture(scope="module")
def hostile_archive(tmp_path_factory):
    archive = tmp_path_factory.mktemp("hostile") / "data"
    articles = [Article(canonical_url=f"https://h.example/{i}", url=f"https://h.example/{i}",
                        title=TITLE if i == 0 else f"Tariff story number {i}", body=BODIES[i],
                        published="2024-05-01", topics=["trade"], source="h.example")
                for i in range(3)]
    return str(build_archive(archive, articles))


def test_markdown_shows_html_and_syntax_as_text():
    md = markdown_text(TITLE)
    assert "<" not in md and "&lt;img" in md
    assert "\\[click\\]\\(javascript:x\\)" in md and "\\*now\\*" in md
    assert "\x1b" not in md and "\x07" not in md


def test_a_markdown_link_cannot_be_broken_out_of():
    link = Suggestion(url="https://h.example/a (b)<c>", title="x] (javascript:alert(1)) [y",
                      published=None, source=None, topics=[], score=1.0, terms=[])
    md = link.markdown_link()
    assert md == "[x\\] \\(javascript:alert\\(1\\)\\) \\[y](https://h.example/a%20%28b%29%3Cc%3E)"
    assert markdown_url("https://h.example/ok?q=1&r=2") == "https://h.example/ok?q=1&r=2"


def test_the_cli_prints_no_escape_sequences(hostile_archive):
    out = cli("search", "tariffs", "--archive", hostile_archive)
    assert out.returncode == 0, out.stderr
    assert "Tariffs" in out.stdout
    assert "\x1b" not in out.stdout and "\x07" not in out.stdout


def test_related_markdown_carries_no_markup(hostile_archive):
    out = cli("related", "--text", "-", "--format", "markdown", "--archive", hostile_archive,
              input="tariffs on steel and the trade talks between the ports")
    assert out.returncode == 0, out.stderr
    assert "<img" not in out.stdout and "&lt;img" in out.stdout
    assert "\x1b" not in out.stdout
