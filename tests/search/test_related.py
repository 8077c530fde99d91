"""Related stories on a real on-disk index: what an editor would check by eye."""

from __future__ import annotations

import json

import pytest

from archive.store import Article
from search import QueryError, related
from tests.conftest import cli, open_test_index

FILLER = ("Officials met on Tuesday to discuss the schedule. Reporters waited outside the "
          "building for several hours before statements were issued. ")


def story(slug, title, body, published, topics, source="a.example"):
    url = f"https://{source}/{slug}"
    return Article(canonical_url=url, url=url, title=title, body=body, published=published,
                   topics=list(topics), source=source, language="en")


DIEN_BIEN_PHU = (
    "Hoa Binh province supplied rice, porters and bamboo bicycles to the Dien Bien Phu campaign "
    "in 1954. Thousands of Muong and Thai porters from Hoa Binh carried ammunition along "
    "mountain trails to the artillery positions above the valley, historians at the provincial "
    "museum said. ")
CORPUS = [
    story("hoa-binh", "Hoa Binh's part in the Dien Bien Phu campaign", DIEN_BIEN_PHU * 2,
          "2024-05-07", ["history", "vietnam"]),
    story("porters", "The porters who carried Dien Bien Phu",
          "Veterans of the Dien Bien Phu campaign remember the porters and their bamboo "
          "bicycles: each carried up to 200 kilograms of rice and ammunition over mountain "
          "trails to the artillery above the valley in 1954. " * 2, "2024-04-20",
          ["history", "vietnam"]),
    # a syndicated copy of "porters" on another site: never suggested beside the original
    story("porters-copy", "The porters who carried Dien Bien Phu",
          "Veterans of the Dien Bien Phu campaign remember the porters and their bamboo "
          "bicycles: each carried up to 200 kilograms of rice and ammunition over mountain "
          "trails to the artillery above the valley in 1954. " * 2, "2024-04-21",
          ["history", "vietnam"], source="wire.example"),
    story("museum", "Provincial museum reopens Dien Bien Phu artillery hall",
          "The museum's hall on the Dien Bien Phu campaign reopened with artillery pieces "
          "hauled up the mountain trails in 1954 and letters from porters. " + FILLER,
          "2021-03-02", ["history", "museums"]),
    story("hoa-binh-copy", "Hoa Binh's part in the Dien Bien Phu campaign",
          DIEN_BIEN_PHU * 2, "2024-05-08", ["history", "vietnam"], source="amp.example"),
    story("rice", "Rice harvest in Hoa Binh beats forecasts",
          "Farmers in Hoa Binh province brought in a record rice harvest this autumn, helped "
          "by late rain in the valley. " + FILLER, "2024-05-01", ["agriculture", "vietnam"]),
    story("bicycles", "Bamboo bicycles make a comeback in the city",
          "Designers are building bamboo bicycles for commuters, who like their light frames. "
          + FILLER, "2024-05-03", ["design"]),
    story("rates", "Central bank raises interest rates",
          "The central bank raised interest rates by a quarter point to fight inflation. "
          + FILLER * 2, "2024-05-07", ["economy"]),
]
CORPUS += [story(f"filler-{i}", f"Council meeting {i}",
                 f"The council discussed parking permit number {i} and the library roof. " + FILLER,
                 f"2023-{1 + i % 12:02d}-10", ["local"]) for i in range(30)]


@pytest.fixture(scope="module")
def idx(tmp_path_factory):
    index = open_test_index(tmp_path_factory, "related", CORPUS)
    yield index
    index.close()


def slugs(suggestions):
    return [s.url.rsplit("/", 1)[1] for s in suggestions]


def test_the_obviously_related_story_ranks_first(idx):
    _, found = related(idx, url="https://a.example/hoa-binh")
    assert slugs(found)[:2] == ["porters", "museum"]
    assert "rates" not in slugs(found)


def test_the_article_itself_and_copies_never_appear(idx):
    _, found = related(idx, url="https://a.example/hoa-binh", limit=10)
    assert "hoa-binh" not in slugs(found)
    assert "hoa-binh-copy" not in slugs(found)  # near-identical copy of the article
    assert "porters-copy" not in slugs(found)  # one per story: the copy counts on the original
    assert found[0].copies == 2


def test_explanations_name_terms_in_both_texts(idx):
    _, found = related(idx, url="https://a.example/hoa-binh")
    terms = found[0].terms
    assert terms and len(terms) <= 5
    first = CORPUS[0].body.lower() + CORPUS[0].title.lower()
    other = CORPUS[1].body.lower()
    assert all(t.lower() in first and t.lower() in other for t in terms), terms
    assert {"porters", "bamboo", "bicycles", "Dien", "Phu"} & set(terms)


def test_date_window_and_topic_options(idx):
    _, near = related(idx, url="https://a.example/hoa-binh", within="90d", limit=10)
    assert "museum" not in slugs(near)  # 2021: outside 90 days of 2024-05-07
    assert "porters" in slugs(near)
    _, before = related(idx, url="https://a.example/hoa-binh", before="2024", limit=10)
    assert slugs(before)[0] == "museum"
    _, topical = related(idx, url="https://a.example/hoa-binh", same_topic=True, limit=10)
    assert all({"history", "vietnam"} & set(s.topics) for s in topical)
    assert "bicycles" not in slugs(topical)
    _, recent = related(idx, url="https://a.example/hoa-binh", recency=True, limit=10)
    assert slugs(recent).index("museum") > slugs(recent).index("rice")


def test_a_draft_gets_suggestions_but_not_what_it_links_to(idx):
    draft = ("Draft: a new exhibition tells how porters on bamboo bicycles supplied the "
             "Dien Bien Phu campaign in 1954.")
    _, found = related(idx, text=draft)
    assert slugs(found)[0] in {"porters", "hoa-binh"}
    linked = draft + " See [our earlier story](https://a.example/porters?utm_source=x)."
    _, found = related(idx, text=linked, limit=10)
    assert "porters" not in slugs(found)
    assert "porters-copy" not in slugs(found)  # a copy of a linked story is no news either
    assert "hoa-binh" in slugs(found)


def test_bad_input_is_a_clear_error(idx):
    with pytest.raises(QueryError, match="not in the index"):
        related(idx, url="https://a.example/nope")
    with pytest.raises(QueryError, match="time window"):
        related(idx, url="https://a.example/hoa-binh", within="soon")
    with pytest.raises(QueryError, match="draft"):
        related(idx, text="porters and bicycles", same_topic=True)
    with pytest.raises(QueryError, match="some text"):
        related(idx, text="   ")


def test_cli_related_json_markdown_and_drafts_on_stdin(idx, tmp_path):
    archive = str(idx.archive_path)
    out = cli("related", "https://a.example/hoa-binh", "--archive", archive, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    first = data["suggestions"][0]
    assert {"url", "title", "published", "score", "terms"} <= set(first)
    assert first["url"] == "https://a.example/porters"
    md = cli("related", "--text", "-", "--archive", archive, "--format", "markdown",
             input="Porters on bamboo bicycles at Dien Bien Phu")
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("- [") and "](https://a.example/" in md.stdout
    html = cli("related", "1", "--archive", archive, "--format", "html")  # by store number
    assert html.returncode == 0 and '<a href="https://a.example/porters">' in html.stdout
    missing = cli("related", "--text", str(tmp_path / "none.txt"), "--archive", archive)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    nothing = cli("related", "--text", "-", "--archive", archive, input="zzzz qqqq")
    assert nothing.returncode == 1 and "Traceback" not in nothing.stderr
    empty = cli("related", "--text", "-", "--archive", archive, input=" \n")
    assert empty.returncode == 2 and "the draft is empty" in empty.stderr
    folder = cli("related", "--text", str(tmp_path), "--archive", archive)
    assert folder.returncode == 2 and "a folder, not a file" in folder.stderr
