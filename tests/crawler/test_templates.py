"""Reading a page with its site's other pages in mind: templates, headlines, topics, kinds.

Each test is a case a reader of the archive would notice: a sidebar in a story, a headline cut
at its own dash, a short story taken for a listing, a navigation word taken for a topic.
"""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from crawler import pagekind
from crawler.dates import DateCandidate, decide
from crawler.extract import extract
from crawler.headline import strip_site
from crawler.htmltree import parse_html
from crawler.template import (
    HostLearner,
    PageFeatures,
    SiteTemplate,
    TemplateView,
    drop_boilerplate,
    page_keys,
    shape_keys,
)
from crawler.topics import shown_topics
from newsarchive import layouts
from newsarchive.site_stories import generate

BASE = "http://news.test"


def pages_of(layout: str, count: int = 40, seed: int = 5):
    """``count`` stories of one layout of the many-layout site, each with its page's HTML."""
    stories = generate(count * 9, seed)
    chosen = [s for s in stories if s.layout == layout][:count]
    rng = random.Random(seed)
    return [(s, layouts.story_page(s, BASE, stories, rng), BASE + layouts.story_path(s))
            for s in chosen]


def learned_view(pages) -> TemplateView:
    template = SiteTemplate()
    for _, html, url in pages:
        ex = extract(html, url)
        template.learn(ex.features)
    return template.view()


# -- templates ---------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["table1990", "blog2000"])
def test_a_one_sentence_story_needs_the_sites_template(layout):
    pages = pages_of(layout)
    story, html, url = next(p for p in pages if len(p[0].paragraphs) == 1 and p[0].words < 30)
    alone = extract(html, url)
    with_site = extract(html, url, template=learned_view(pages))
    assert with_site.body == story.body
    assert alone.body != story.body  # one page alone cannot tell the chrome from the story


def test_the_template_never_takes_a_sentence_by_its_shape():
    assert shape_keys("By Maria Lopez, Staff Writer")
    assert shape_keys("Filed under: crude, grain")
    assert shape_keys("The council approved the plan on Tuesday.") == []


def test_a_line_repeated_on_a_few_pages_is_template_and_a_line_seen_once_is_not():
    template = SiteTemplate()
    for i in range(4):
        template.learn(PageFeatures(keys=page_keys([f"Story {'abcd'[i]} said what it said.",
                                                    "Copyright 1998 The Ledger."])))
    view = template.view()
    assert view.is_boilerplate("Copyright 1999 The Ledger.")  # numbers aside
    assert not view.is_boilerplate("Story b said what it said.")


def test_boilerplate_broken_over_lines_is_found_joined():
    template = SiteTemplate()
    for _ in range(4):
        footer = "Printed from example.org. Do not redistribute."
        template.learn(PageFeatures(keys=page_keys([footer])))
    lines = ["The story.", "Printed from example.org. Do not", "redistribute."]
    assert drop_boilerplate(lines, template.view().lines) == ["The story."]


def test_pages_cleaned_before_the_template_knew_their_lines_are_cleaned_again():
    learner = HostLearner(SiteTemplate())
    empty = TemplateView()
    for i in range(6):
        learner.learn(f"/story{i}", PageFeatures(keys=page_keys(["Most read today"])), empty)
    # the line became template with the fourth page: those four were read without it, and so
    # were the pages after it that were cleaned with the old view
    assert learner.dirty == {f"/story{i}" for i in range(6)}


def test_the_templates_memory_is_bounded():
    template = SiteTemplate()
    for i in range(3000):
        template.learn(PageFeatures(keys=page_keys([f"A sentence only page {i} has."])))
    assert len(template.keys) < 1100


def test_a_template_survives_the_store_as_json():
    template = SiteTemplate()
    for _ in range(5):
        template.learn(PageFeatures(keys=page_keys(["Footer line"]), affixes=["$ - Site"],
                                    is_article=True))
    again = SiteTemplate.from_json(template.to_json())
    assert again.view() == template.view()
    assert SiteTemplate.from_json("not json").pages == 0


# -- headlines ---------------------------------------------------------------------------------
@pytest.mark.parametrize("title, shown, expected", [
    ("ROTTERDAM PORT SUBSIDY TO END JULY 1 - MINISTER", None,
     "ROTTERDAM PORT SUBSIDY TO END JULY 1 - MINISTER"),
    ("ROTTERDAM PORT SUBSIDY TO END JULY 1 - MINISTER - The Daily Ledger", None,
     "ROTTERDAM PORT SUBSIDY TO END JULY 1 - MINISTER"),
    ("Ledger Blog » Port subsidy to end", None, "Port subsidy to end"),
    ("Hamburg: Port subsidy to end | LEDGER", "Hamburg: Port subsidy to end",
     "Hamburg: Port subsidy to end"),
], ids=["dash-in-headline", "dash-and-site", "site-first", "colon-in-headline"])
def test_a_headline_keeps_its_own_separators(title, shown, expected):
    names = ["The Daily Ledger", "Ledger Blog", "LEDGER", "127", "0", "1"]
    assert strip_site(title, names, shown) == expected


def test_the_headline_the_page_shows_wins_over_the_title():
    html = ("<html><head><title>PLANS FOR A LINE - THE INSURERS - Old Paper</title></head><body>"
            "<table><tr><td><font size=5><b>PLANS FOR A LINE - THE INSURERS</b></font><br>"
            "The insurers said on Monday that the plans would go ahead as agreed last year."
            "</td></tr></table></body></html>")
    assert extract(html, "http://old.test/news/1987/0303/story1.html").title == \
        "PLANS FOR A LINE - THE INSURERS"


# -- article or listing --------------------------------------------------------------------------
TEASER = ("<div class='teaser'><h3><a href='/s{i}.html'>Headline number {i} of the day here</a>"
          "</h3><p>A teaser of the story that runs long enough to read like a paragraph of a "
          "story in its own right, as section pages write them.</p></div>")


def test_a_section_page_of_long_teasers_is_a_listing():
    html = "<html><body><h1>Business</h1>" + "".join(TEASER.format(i=i) for i in range(6)) + \
        "</body></html>"
    ex = extract(html, "http://site.test/business/2024/05/07/a-long-slug-like-a-story")
    assert not ex.is_article


def test_a_one_sentence_story_without_markup_is_a_story():
    html = ("<html><body><div class='x1'>Port subsidy to end</div><div class='x2'>"
            "<div class='x3'>The port subsidy will end on July 1, the minister said.</div></div>"
            "<div class='x4'><a href='/'>Home</a> <a href='/s'>Section</a></div></body></html>")
    ex = extract(html, "http://site.test/a/9f2-port-subsidy-to-end")
    assert ex.is_article and ex.body == "The port subsidy will end on July 1, the minister said."


@pytest.mark.parametrize("url, story", [
    ("http://s.test/news/1987/0303/story1005.html", True),
    ("http://s.test/a/3ef-port-subsidy-ends", True),
    ("http://s.test/print/story1005.htm", True),
    ("http://s.test/section/business/", False),
    ("http://s.test/section/table1990/?page=3", False),
    ("http://s.test/", False),
])
def test_url_shapes(url, story):
    assert pagekind.story_url(url) is story


def test_a_list_of_headlines_is_no_teaser():
    links = "".join(f"<a href='/s{i}'>Headline number {i} of the day</a><br>" for i in range(5))
    tree = parse_html(f"<html><body><td><b>MOST READ</b><br>{links}</td></body></html>")
    assert pagekind.teasers(tree) == (0, 0)


# -- topics --------------------------------------------------------------------------------------
@pytest.mark.parametrize("html, expected", [
    ("<font>Filed under: <a href='/t/crude'>crude</a>, <a href='/t/grain'>grain</a></font>",
     ["crude", "grain"]),
    ("<p>Tags: <a rel='tag' href='/t/a'>oil</a> Posted in <a rel='category tag' href='/c'>"
     "Business</a></p>", ["oil"]),
    ("<div class='schlagworte'>Schlagworte: <a href='/x'>Energie</a></div>", ["Energie"]),
    ("<ul class='tags'><li><a href='/x'>Section</a></li><li><a href='/y'>copper</a></li></ul>",
     ["copper"]),
    ("<nav><a href='/'>Home</a> <a href='/tags/'>Tags</a></nav>", []),
], ids=["filed-under", "rel-tag", "german-label", "navigation-word", "navigation"])
def test_topics_the_page_shows(html, expected):
    assert shown_topics(parse_html(f"<html><body>{html}</body></html>")) == expected


# -- dates of every era --------------------------------------------------------------------------
@pytest.mark.parametrize("day", ["1605-01-15", "1853-04-12", "1987-03-03"])
def test_dates_of_every_era_are_kept(day):
    when = datetime.fromisoformat(day)
    choice = decide([DateCandidate(when, "url", "", 0.85), DateCandidate(when, "byline", "", 0.97)],
                    datetime(2026, 1, 1))
    assert choice.iso == day


def test_no_date_before_printed_news_nor_after_the_fetch():
    for when in (datetime(1450, 1, 1), datetime(2030, 1, 1)):
        assert decide([DateCandidate(when, "jsonld", "", 0.95)], datetime(2026, 1, 1)).iso is None


def test_a_nineteenth_century_page_is_dated_from_its_url_and_byline():
    html = ("<html><body><h1>Telegraph line opens</h1><p>Tuesday, April 12, 1853</p>"
            "<p>The telegraph line between the two cities opened on Monday, officials said, "
            "and the first messages were sent before noon.</p></body></html>")
    ex = extract(html, "http://old.test/news/1853/04/12/telegraph-line-opens.html",
                 fetched_at=datetime(2026, 1, 1))
    assert ex.published == "1853-04-12" and ex.published_source in ("byline", "url")
