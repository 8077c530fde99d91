"""Archiving faithfully: a crawl of the many-layout site holds every story, cleaned right.

The site (newsarchive.layout_site) has nine layouts from the 1850s to today, stories from one
sentence to thousands of words, listing pages whose teasers pass for stories, and server
faults. One crawl serves the whole module; each test judges one thing a user would notice.
"""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from crawler import Store
from crawler.reextract import reextract_archive
from newsarchive.layout_site import LayoutSite
from newsarchive.layouts import story_path
from newsarchive.site_stories import HELD_OUT
from newsarchive.site_stories import LAYOUTS as TUNED
from tests.conftest import cli, fast_settings

LAYOUTS = TUNED + HELD_OUT

STORIES = 15 * len(LAYOUTS)  # fifteen a layout: enough pages for each layout's template to show


def shingle_f1(pred: str, gold: str) -> float:
    def shingles(text):
        words = re.findall(r"\w+", text)
        return {tuple(words[i:i + 4]) for i in range(max(1, len(words) - 3))}
    p, g = shingles(pred), shingles(gold)
    return 2 * len(p & g) / (len(p) + len(g)) if p and g else 0.0


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The site, its archive after one crawl at 16 connections a host, and the stored
    stories by the path of the story they hold."""
    from crawler import Crawler

    archive = tmp_path_factory.mktemp("layouts") / "data"
    with LayoutSite(STORIES, seed=11, fault_share=0.05, layout_names=LAYOUTS) as site:
        stats = Crawler(archive, fast_settings(per_host_concurrency=16, workers=2)).run(
            [site.url + "/"])
        with Store(archive) as store:
            stored = {a.url[len(site.url):]: a for a in store.articles()}
        yield site, archive, stats, stored


#: what the layouts wrap stories in: none of it is any story's text
CHROME = ("Printer-friendly", "MOST READ", "Copyright", "Filed under", "See also", "Posted on",
          "Staff Writer", "Topics:", "Tags:", "©", "REUTER", "staff writer at", "Etiquetas")


def stories_of(site, layout):
    return [s for s in site.stories if s.layout == layout]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_story_is_stored_whatever_its_length(crawled, layout):
    site, _, _, stored = crawled
    missing = [(s.words, story_path(s)) for s in stories_of(site, layout)
               if story_path(s) not in stored]
    assert missing == []


def test_short_stories_are_stories(crawled):
    site, _, _, stored = crawled
    short = [s for s in site.stories if s.words < 60]
    assert len(short) >= 20
    assert all(story_path(s) in stored for s in short)


def test_listings_are_not_stored_and_the_summary_names_them(crawled):
    site, _, stats, stored = crawled
    assert set(stored) == {story_path(s) for s in site.stories}
    assert stats.outcomes["listing"] >= len(LAYOUTS)  # the sections, topic pages, home
    assert any("/section/" in u or "/topic" in u for u in stats.listing_samples)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_titles_are_the_headlines(crawled, layout):
    site, _, _, stored = crawled
    wrong = [(stored[story_path(s)].title, s.title) for s in stories_of(site, layout)
             if stored[story_path(s)].title != s.title]
    assert wrong == []


@pytest.mark.parametrize("layout", LAYOUTS)
def test_dates_of_every_era(crawled, layout):
    site, _, _, stored = crawled
    wrong = [(stored[story_path(s)].published, s.day.isoformat())
             for s in stories_of(site, layout)
             if (stored[story_path(s)].published or "")[:10] != s.day.isoformat()]
    assert wrong == []


def test_the_site_spans_the_eras(crawled):
    site, *_ = crawled
    years = [s.day.year for s in site.stories]
    assert min(years) < 1900 and max(years) >= 2000


@pytest.mark.parametrize("layout", LAYOUTS)
def test_bodies_are_the_story_alone(crawled, layout):
    site, _, _, stored = crawled
    scores = [shingle_f1(stored[story_path(s)].body, s.body) for s in stories_of(site, layout)]
    assert min(scores) >= 0.95, sorted(scores)[:3]
    for s in stories_of(site, layout):
        body = stored[story_path(s)].body
        for chrome in CHROME:
            assert chrome not in body, (chrome, story_path(s))


@pytest.mark.parametrize("layout", ["table1990", "divsoup", "print", "wire"])
def test_paragraphs_from_line_breaks_and_divs(crawled, layout):
    site, _, _, stored = crawled
    for s in stories_of(site, layout):
        assert stored[story_path(s)].body.split("\n\n") == s.paragraphs


@pytest.mark.parametrize("layout", [name for name in LAYOUTS if name != "print"])
def test_topics_the_page_shows(crawled, layout):
    site, _, _, stored = crawled
    for s in stories_of(site, layout):
        a = stored[story_path(s)]
        got, shown = {t.casefold() for t in a.topics}, {t.casefold() for t in s.topics}
        # the page's tags, and perhaps its section (the cleaner adds it)
        assert shown <= got and got - shown <= {(a.section or "").casefold()}, story_path(s)
        assert "section" not in got


def test_templates_are_kept_per_host(crawled):
    site, archive, _, _ = crawled
    with sqlite3.connect(archive / "store.sqlite") as db:
        (data,) = db.execute("SELECT data FROM site_templates").fetchone()
    assert json.loads(data)["pages"] >= STORIES


def test_reextract_applies_the_learned_templates(crawled, tmp_path):
    import shutil

    site, archive, _, _ = crawled
    copy = tmp_path / "copy"
    shutil.copytree(archive, copy)
    report = reextract_archive(copy)
    assert report["checked"] == STORIES and report["missing"] == 0
    with Store(copy) as store:
        again = {a.url[len(site.url):]: a for a in store.articles()}
    for s in site.stories:
        body = again[story_path(s)].body
        assert shingle_f1(body, s.body) >= 0.95, story_path(s)
        assert not any(chrome in body for chrome in CHROME), story_path(s)


def test_a_nineteenth_century_story_is_found_by_date_and_month(crawled, tmp_path):
    import shutil

    site, archive, _, _ = crawled
    copy = tmp_path / "dated"
    shutil.copytree(archive, copy)
    assert cli("index", "--archive", str(copy)).returncode == 0
    out = cli("search", "--from", "1850", "--to", "1899", "--json", "--limit", "100",
              "--archive", str(copy))
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    old = [s for s in site.stories if s.day.year < 1900]
    assert found["total"] == len(old) > 0
    months = found["facets"]["months"]
    for s in old:
        assert months.get(s.day.strftime("%Y-%m"), 0) >= 1
