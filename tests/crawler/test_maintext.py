"""Our own main-text reader: which layouts it reads itself, what it leaves out, and when it
hands the page to trafilatura."""

from __future__ import annotations

import pytest

from crawler import maintext
from crawler.extract import extract
from crawler.htmltree import parse_html

from .test_extract import PARA, page

STORY = "".join(f"<p>{PARA} Paragraph {i} of the story.</p>" for i in range(6))
URL = "https://post.example/city/2024/05/07/council-approves-budget"


@pytest.fixture
def trafilatura_calls(monkeypatch):
    """The calls the cleaner makes to trafilatura (each still runs)."""
    import trafilatura

    calls = []
    real = trafilatura.extract

    def counting(*args, **kwargs):
        calls.append(kwargs.get("fast"))
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "extract", counting)
    return calls


def test_a_marked_story_is_read_without_its_boilerplate(trafilatura_calls):
    story = (f"<p>{PARA} Paragraph 0 of the story.</p>"
             "<div class='share-bar'><a href='/s'>Share on social media</a> Share this story</div>"
             f"<p>{PARA} Paragraph 1 of the story.</p>"
             "<figure><img src='a.jpg'><figcaption>The council chamber on Monday.</figcaption>"
             "</figure>"
             "<p>Read more: <a href='/x'>Mayor promises new libraries in every district</a></p>"
             f"<p>{PARA} Paragraph 2 of the story.</p>"
             "<div style='display: none'>Subscribers only: the full vote tally.</div>"
             "<div class='newsletter-box'>Get the morning briefing in your inbox.</div>"
             f"<p>{PARA} Paragraph 3 of the story.</p>"
             "<h3>More on this topic</h3><ul><li><a href='/a'>Budget talks stall again</a></li>"
             "<li><a href='/b'>Libraries face cuts this year</a></li></ul>")
    html = page("<title>Council approves budget</title>",
                f"<h1>Council approves budget</h1><div class='article-body'>{story}</div>"
                "<div class='footer'><p>Copyright Post Example, all rights reserved forever.</p>"
                "</div>")
    body = extract(html, URL).body
    for i in range(4):
        assert f"Paragraph {i} of the story." in body
    for junk in ("Share", "council chamber", "Read more", "Subscribers only", "morning briefing",
                 "More on this topic", "Budget talks stall", "Copyright"):
        assert junk not in body, junk
    assert trafilatura_calls == []  # read by our reader alone


def test_marked_paragraphs_are_read_all_in_order(trafilatura_calls):
    parts = "<div class='photo'></div>".join(
        f"<p class='post-text'>{PARA} Marked paragraph {i}.</p>" for i in range(5))
    html = page("<title>Light festival</title>", f"<h1>Light festival</h1><div>{parts}</div>")
    body = extract(html, URL).body
    ends = [line.rsplit(" ", 1)[-1] for line in body.splitlines() if line]
    assert ends == [f"{i}." for i in range(5)]
    assert trafilatura_calls == []


def test_the_block_holding_the_paragraphs_is_read_with_its_lede_set_apart(trafilatura_calls):
    # no marks at all: the block with most of the page's paragraphs is the story; the lede
    # in a block of its own just before it (an image between) belongs to it, the footer not
    html = page("<title>Council approves budget</title>",
                "<div id='top'><h1>Council approves budget</h1>"
                "<div class='intro'><p>The city will spend more on schools and roads next year, "
                "the council decided.</p></div><div class='img'><img src='a.jpg'></div>"
                f"<div class='text'>{STORY}</div></div>"
                "<div class='legal'><p>Post Example is published by a company in the city.</p>"
                "</div>")
    body = extract(html, URL).body
    assert body.splitlines()[0].startswith("The city will spend more on schools")
    assert "Paragraph 5 of the story." in body
    assert "published by a company" not in body
    assert trafilatura_calls == []


def test_a_page_whose_only_article_element_is_all_it_has_goes_to_trafilatura_alone(
        trafilatura_calls):
    # an <article> holds the story and its furniture: trafilatura cleans that element, and
    # what stands outside it (a sidebar with its own paragraphs) never comes in
    sidebar = "".join(f"<p>{PARA} Sidebar item {i}.</p>" for i in range(3))
    html = page("<title>Council approves budget</title>",
                f"<div class='col'><article><h1>Council approves budget</h1>{STORY}</article></div>"
                f"<div class='col2'>{sidebar}</div>")
    body = extract(html, URL).body
    assert "Paragraph 5 of the story." in body and "Sidebar item" not in body
    assert trafilatura_calls == [True]


@pytest.mark.parametrize("layout", [
    # a marked container holding only a summary (the story is elsewhere)
    f"<div class='article-body'><p>{PARA}</p></div><div>{STORY}</div>",
    # paragraphs spread over several blocks, none with most of them
    "".join(f"<div class='b{i}'><p>{PARA} Block {i}.</p></div>" for i in range(4)),
])
def test_a_layout_the_reader_is_unsure_of_goes_to_trafilatura(trafilatura_calls, layout):
    extract(page("<title>Council approves budget</title>", layout), URL)
    assert trafilatura_calls  # trafilatura was asked


def test_the_reader_drops_invisible_characters():
    soft = "re\xadpair\u200bs"
    tree = parse_html(page(body=f"<div class='entry-content'><p>{soft} {PARA * 6}</p></div>"))
    text = maintext.read(maintext.find_story(tree))
    assert text.startswith("repairs ")


def test_find_story_names_how_it_found_the_story():
    marked = parse_html(page(body=f"<div itemprop='articleBody'>{STORY}</div><article>x</article>"))
    single = parse_html(page(body=f"<article>{STORY}</article>"))
    dense = parse_html(page(body=f"<div>{STORY}</div>"))
    spread = parse_html(page(body="".join(f"<div><p>{PARA}</p></div>" for _ in range(4))))
    assert maintext.find_story(marked).how == "marked"
    assert maintext.find_story(single).how == "article"
    assert maintext.find_story(dense).how == "paragraphs"
    assert maintext.find_story(spread) is None


def test_the_story_s_own_headings_stay(trafilatura_calls):
    # a subheading whose id is a table-of-contents anchor ("nav_..."), and one followed by a
    # photo: neither is the label of a left-out block
    story = (f"<p>{PARA} Paragraph 0 of the story.</p>"
             "<h3 id='nav_what_the_vote_means__1'>What the vote means</h3>"
             f"<p>{PARA} Paragraph 1 of the story.</p>"
             "<h3>Reactions in the districts</h3><div class='image-block'><img src='b.jpg'></div>"
             f"<p>{PARA} Paragraph 2 of the story.</p>")
    html = page("<title>Council approves budget</title>",
                f"<h1>Council approves budget</h1><div class='entry-content'>{story}</div>")
    body = extract(html, URL).body
    assert "What the vote means" in body and "Reactions in the districts" in body
    assert trafilatura_calls == []
