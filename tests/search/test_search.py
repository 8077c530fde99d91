"""Searching a real on-disk index built from articles the tests write."""

from __future__ import annotations

import json

import pytest

from archive.store import Article
from search import BadDateError, QueryError, SearchIndex, UnknownFieldError
from tests.conftest import cli, open_test_index

FILLER = ("Officials met on Tuesday to discuss the schedule. Reporters waited outside the "
          "building for several hours before statements were issued. ")


def story(slug, title, body, published="2024-05-01", topics=("economy",), section="business",
          source="a.example", author="Staff"):
    return Article(canonical_url=f"https://{source}/{slug}", url=f"https://{source}/{slug}",
                   title=title, body=body, published=published, topics=list(topics),
                   section=section, source=source, author=author, language="en")


CORPUS = [
    story("rates", "Central bank raises interest rates",
          "The central bank raised interest rates again. " + FILLER * 3, "2024-05-07",
          ["economy", "interest rates"]),
    story("rates-mention", "Markets close higher",
          FILLER * 3 + "Some traders mentioned interest rates in passing.", "2024-04-02",
          ["markets"]),
    story("flood-all", "Flood barrier holds as river rises",
          "The flood barrier on the river held overnight. " + FILLER * 2, "2024-03-15",
          ["weather", "floods"], section="world"),
    story("flood-two", "River levels fall",
          "The river fell as the flood eased. " + FILLER * 2, "2023-12-01", ["weather"],
          section="world"),
    story("flood-one", "Rain expected",
          "More rain is expected near the river. " + FILLER * 2, "2023-11-20", ["weather"],
          section="world"),
    story("wire-1", "Election turnout reaches record",
          "Turnout in the regional election reached a record seventy-two percent, the electoral "
          "commission said after polls closed on Saturday evening. Long queues formed at polling "
          "stations in the capital, where some voters waited more than an hour. " + FILLER,
          "2024-05-04", ["elections", "politics"], section="politics", source="wire.example"),
    story("wire-2", "Election turnout reaches a record",
          "Turnout in the regional election reached a record seventy-two percent, the electoral "
          "commission said after polls closed on Saturday evening. Long queues formed at polling "
          "stations in the capital, where some voters waited more than an hour. " + FILLER,
          "2024-05-04", ["elections", "politics"], section="politics", source="b.example"),
    story("html", "Script tags <b>in</b> a story",
          'A reader wrote <script>alert("x")</script> about tariffs & trade \x1b[31mred\x1b[0m. '
          + FILLER, "2024-02-02", ["trade"]),
    story("jeanluc", "Jean-Luc O'Neill wins award",
          "Jean-Luc O'Neill won the award for 2024, with 1,000 votes and a 3.5% lead in Zürich. "
          + FILLER, "2024-01-10", ["culture"], section="culture"),
]
_PLACES = ("north", "south", "east", "west", "harbour", "valley", "hills", "lake", "forest",
           "market", "bridge", "castle", "meadow", "mill", "quarry", "station", "tower")
_VERBS = ("praised", "questioned", "welcomed", "criticised", "reviewed", "confirmed", "delayed")


def _district(i: int) -> str:
    place, other = _PLACES[i % len(_PLACES)], _PLACES[(i * 7 + 3) % len(_PLACES)]
    verb = _VERBS[i % len(_VERBS)]
    return (f"Election officials counted ballots in the {place} district number {i}. "
            f"Volunteers from {other} {verb} the count, which took {i + 2} hours, and "
            f"observers from {place} {other} said district {i} results arrive late.")


CORPUS += [story(f"election-{i}", f"Election update {i}", _district(i),
                 f"2022-{1 + i % 12:02d}-05", ["elections"], section="politics")
           for i in range(35)]


@pytest.fixture(scope="module")
def idx(tmp_path_factory):
    index = open_test_index(tmp_path_factory, "search", CORPUS)
    yield index
    index.close()


def urls(results):
    return [h.url.rsplit("/", 1)[1] for h in results.hits]


def test_title_and_frequency_rank_first(idx):
    r = idx.search("interest rates")
    assert urls(r)[:2] == ["rates", "rates-mention"]
    assert r.hits[0].score > r.hits[1].score > 0


def test_stories_with_all_words_rank_before_those_with_some(idx):
    r = idx.search("flood barrier river")
    assert urls(r)[:3] == ["flood-all", "flood-two", "flood-one"]


def test_long_natural_question_still_finds_its_story(idx):
    r = idx.search("what did the central bank decide about interest rates this spring")
    assert urls(r)[0] == "rates"


def test_brackets_in_prose_do_not_make_every_word_required(idx):
    # no story holds "spring" or "monetary": read as a query language query, every word
    # would be required and nothing found
    r = idx.search("central bank (monetary authority) decision on interest rates this spring")
    assert urls(r)[0] == "rates"
    assert idx.search("(interest OR rates) spring").total == 0, "with OR the brackets group"


def test_query_language(idx):
    assert urls(idx.search('"interest rates" NOT traders')) == ["rates"]
    assert set(urls(idx.search("title:flood OR title:river"))) == {"flood-all", "flood-two"}
    assert "wire-1" in urls(idx.search("electo*"))
    assert urls(idx.search("topic:floods")) == ["flood-all"]
    assert set(urls(idx.search("source:wire.example"))) == {"wire-1"}
    assert set(urls(idx.search("river date:2024"))) == {"flood-all"}
    assert set(urls(idx.search("river date:[2023-11 to 2023-12]"))) == {"flood-two", "flood-one"}


def test_hyphenated_names_numbers_and_accents_are_searchable(idx):
    for q in ("Jean-Luc", "jeanluc", "luc", "O'Neill", "oneill", "1,000", "3.5", "zurich",
              "Zürich"):
        assert urls(idx.search(q))[:1] == ["jeanluc"], q


@pytest.mark.parametrize("query, top", [
    ("Jean-Luc", "jeanluc"), ("Jean-Luc award votes", "jeanluc"), ("O'Neill 3.5% lead", "jeanluc"),
    ("1,000 votes", "jeanluc"), ("U.S. interest rates", "rates")])
def test_word_lists_with_compounds_take_the_fast_path_and_match_what_whoosh_matches(
        idx, monkeypatch, query, top):
    from search.query import parse, plain_words

    # a story matches when it matches one of the words (a compound: all of its parts)
    expected_urls = {r["id"].rsplit("/", 1)[1] for word in plain_words(query)
                     for r in idx.searcher.search(parse(word, idx.ix.schema), limit=None)}

    def slow(*args):
        raise AssertionError("a plain word list went through Whoosh's matchers")

    monkeypatch.setattr(SearchIndex, "_matched", slow)  # 5-7 s per query on 200k stories
    res = idx.search(query, limit=100, suggest=False)
    assert res.total == len(expected_urls) > 0
    assert set(urls(res)) == expected_urls
    assert urls(res)[0] == top


@pytest.mark.parametrize("opts, expected", [
    ({"date_from": "2024-03", "date_to": "2024-03"}, {"flood-all"}),
    ({"date_from": "2023"}, {"flood-all", "flood-two", "flood-one"}),
    ({"date_to": "2023-11-20"}, {"flood-one"}),
    ({"date_from": "2023-11-21", "date_to": "2024-03-14"}, {"flood-two"}),
    ({"topic": "floods"}, {"flood-all"}),
    ({"topic": "Weather", "date_to": "2023"}, {"flood-two", "flood-one"}),
    ({"section": "world"}, {"flood-all", "flood-two", "flood-one"}),
    ({"source": "a.example", "topic": "nonexistent"}, set()),
], ids=["month", "year-from", "day-to", "between", "topic", "topic+date", "section", "empty"])
def test_filters(idx, opts, expected):
    assert set(urls(idx.search("river", limit=50, **opts))) == expected


def test_sorts(idx):
    newest = idx.search("river", sort="newest")
    oldest = idx.search("river", sort="oldest")
    assert urls(newest) == ["flood-all", "flood-two", "flood-one"]
    assert urls(oldest) == list(reversed(urls(newest)))


def test_browsing_without_words_lists_the_newest_first(idx):
    r = idx.search("", date_from="2024-04", limit=50, collapse=False)
    days = [h.published[:10] for h in r.hits]
    assert len(days) >= 4 and days == sorted(days, reverse=True)
    assert urls(r)[0] == "rates"


def test_recency_boost_lifts_recent_stories(idx):
    plain = idx.search("election", limit=3, collapse=False)
    boosted = idx.search("election", limit=3, recency=5.0, collapse=False)
    assert not {"wire-1", "wire-2"} & set(urls(plain))  # by text alone they rank lower
    assert set(urls(boosted)[:2]) == {"wire-1", "wire-2"}


def test_facets_count_the_whole_result_set(idx):
    r = idx.search("election", limit=5, collapse=False)
    assert r.total == 37
    assert r.facets["topics"]["elections"] == 37
    assert r.facets["topics"]["politics"] == 2
    assert sum(r.facets["months"].values()) == 37
    assert r.facets["months"]["2024-05"] == 2


def test_near_identical_copies_collapse_into_one_hit(idx):
    r = idx.search("turnout record polling", limit=5)
    top = r.hits[0]
    assert top.copies == 2 and len(top.copy_urls) == 1
    assert {top.url, top.copy_urls[0]} == {"https://wire.example/wire-1", "https://b.example/wire-2"}
    assert idx.search("turnout record polling", collapse=False).hits[1].copies == 1


def test_a_pages_copies_are_named_without_reading_their_stored_fields(idx, monkeypatch):
    """A hit's near-copies are shown by URL alone, read from the index's arrays (a story's
    stored fields cost ~50 us each, and a syndicated story has tens of copies)."""
    read: list[int] = []
    stored = idx.searcher.stored_fields
    monkeypatch.setattr(idx.searcher, "stored_fields", lambda doc: read.append(doc) or
                        stored(doc))
    r = idx.search("turnout record polling", limit=5)
    assert {r.hits[0].url, *r.hits[0].copy_urls} == {"https://wire.example/wire-1",
                                                     "https://b.example/wire-2"}
    assert len(read) == len(r.hits)  # the hits' own fields only


def test_a_hit_whose_story_went_since_the_ranking_is_led_by_its_copy(idx, monkeypatch):
    top = idx.search("turnout record polling", limit=5).hits[0]
    page = idx.shard_page

    def without_the_leader(wanted, leaders, terms, style):
        got = page(wanted, leaders, terms, style)
        return {od: v for od, v in got.items() if v[0]["id"] != top.url}

    monkeypatch.setattr(idx, "shard_page", without_the_leader)
    hit = idx.search("turnout record polling", limit=5).hits[0]
    assert (hit.url, hit.copies, hit.copy_urls) == (top.copy_urls[0], 1, [])
    assert hit.title and hit.published  # its own stored fields, asked for


def test_pagination_stays_correct_far_into_results(idx):
    seen = []
    for page in range(1, 6):
        r = idx.search("ballots counted district", page=page, limit=8)
        seen += [h.url for h in r.hits]
    assert len(seen) == len(set(seen)) == 35
    beyond = idx.search("ballots counted district", page=50, limit=8)
    assert beyond.hits == [] and beyond.total == 35


def test_did_you_mean(idx):
    r = idx.search("electon")
    assert r.total == 0 and r.did_you_mean == "election"
    assert idx.search("election").did_you_mean is None


def test_snippets_are_escaped_for_each_medium(idx):
    html = idx.search("tariffs", snippet_style="html").hits[0].snippet
    assert "<mark>tariffs</mark>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    ansi = idx.search("tariffs", snippet_style="ansi").hits[0].snippet
    assert "\x1b[1;33mtariffs\x1b[0m" in ansi and "\x1b[31m" not in ansi
    plain = idx.search("tariffs", snippet_style="plain").hits[0].snippet
    (start, end), = plain["matches"]
    assert plain["text"][start:end] == "tariffs"


def test_snippets_show_the_best_early_passage_of_a_long_story():
    from indexer.analysis import news_analyzer
    from search.snippets import SCAN_CHARS, snippet

    filler = "The committee met again and adjourned without a vote. "
    lead = "Harbour works continue. "
    late = lead + filler * (SCAN_CHARS // len(filler) + 10) + "A lighthouse keeper retired."
    early = lead + filler * 20 + "A lighthouse keeper retired. " + filler * 400
    ana = news_analyzer()
    found = snippet(early, {"lighthous"}, ana)
    assert [found["text"][a:b] for a, b in found["matches"]] == ["lighthouse"]
    # past the scanned part a match is not looked for: the story's lead stands in
    missed = snippet(late, {"lighthous"}, ana)
    assert missed["matches"] == [] and missed["text"].startswith("Harbour works continue.")


def test_snippets_of_hard_wrapped_stories_are_one_line_with_matches_in_place():
    from indexer.analysis import news_analyzer
    from search.snippets import snippet

    wire = ("Japanese oil traders generally expect oil\nprices to remain steady through\n"
            "June,   when the next\n\n    meeting of oil\tministers is held.")
    ana = news_analyzer()
    plain = snippet(wire, {"oil", "price"}, ana)
    assert "\n" not in plain["text"] and "  " not in plain["text"] and "\t" not in plain["text"]
    assert [plain["text"][a:b] for a, b in plain["matches"]] == ["oil", "oil", "prices", "oil"]
    for style in ("ansi", "html"):
        shown = snippet(wire, {"oil", "price"}, ana, style=style)
        assert "\n" not in shown and "  " not in shown


def test_a_range_of_too_many_words_is_refused_with_advice(idx, monkeypatch):
    from search import QueryError
    from search import query as query_module

    monkeypatch.setattr(query_module, "MAX_EXPANSION", 3)
    with pytest.raises(QueryError, match="narrow the range"):
        idx.search("body:[a TO z]")


@pytest.mark.parametrize("query", ['"unbalanced quote', "(open bracket river", "river)", "[river",
                                   "x" * 10_000, "river " * 3000, "AND OR NOT", "*", "title:",
                                   "[:TO]", "title:[a TO c]", "{river TO}", "date:-"])
def test_bad_queries_degrade_gracefully(idx, query):
    r = idx.search(query)
    assert r.total >= 0


def test_bad_input_raises_clear_errors(idx):
    with pytest.raises(UnknownFieldError, match="unknown field 'colour'"):
        idx.search("colour:red")
    with pytest.raises(BadDateError):
        idx.search("river", date_from="2024-02-30")
    with pytest.raises(BadDateError):
        idx.search("river", date_from="2024-05", date_to="2024-01")
    with pytest.raises(BadDateError):
        idx.search("date:2024-13-01")
    with pytest.raises(QueryError):
        idx.search("river", limit=0)


def test_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(QueryError, match="no index"):
        SearchIndex(tmp_path / "nowhere")


def test_an_empty_index_answers_and_later_commits_are_seen(archive):
    from archive.store import Store
    from indexer import update_index

    with Store(archive):
        pass
    update_index(archive)  # an archive whose crawl found no articles yet
    with SearchIndex(archive) as empty:
        assert empty.search("river").total == 0
        assert empty.search("river").total == 0
        with Store(archive) as store, store.transaction():
            store.upsert_article(CORPUS[2])
        update_index(archive)
        assert [h.url for h in empty.search("river").hits] == [CORPUS[2].canonical_url]
    result = cli("search", "river", "--archive", str(archive / "nowhere"))
    assert result.returncode != 0 and "Traceback" not in result.stderr


def test_cli_search_output_and_exit_codes(idx):
    archive = str(idx.archive_path)
    ok = cli("search", "river", "--archive", archive, "--json")
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert {"total", "hits", "facets", "did_you_mean"} <= set(data)
    fields = {"url", "title", "published", "source", "topics", "score", "snippet"}
    assert fields <= set(data["hits"][0])
    assert set(data["facets"]) == {"topics", "months"}
    none = cli("search", "zzzzqqq", "--archive", archive)
    assert none.returncode == 1 and "No stories found" in none.stdout
    bad = cli("search", "colour:red", "--archive", archive)
    assert bad.returncode == 2 and "unknown field" in bad.stderr and "Traceback" not in bad.stderr
    bad_date = cli("search", "river", "--from", "2024-13", "--archive", archive)
    assert bad_date.returncode == 2 and "Traceback" not in bad_date.stderr
    table = cli("search", "river", "--archive", archive, "--topic", "weather")
    assert table.returncode == 0
    assert "Flood barrier holds" in table.stdout and "Topics:" in table.stdout
    lines = cli("search", "river", "--archive", archive, "--jsonl").stdout.splitlines()
    assert len(lines) == 3 and all(json.loads(line)["url"] for line in lines)
    missing = cli("search", "river", "--archive", archive + "-missing")
    assert missing.returncode == 1 and "no index" in missing.stderr



def test_did_you_mean_reads_a_bounded_share_of_the_vocabulary():
    from search.engine import SPELL_CANDIDATES, spelling_neighbours

    class Reader:
        """A vocabulary ten times larger than what a lookup may read, counting reads."""

        read = 0

        def expand_prefix(self, field, prefix):
            for i in range(10 * SPELL_CANDIDATES):
                Reader.read += 1
                yield f"{prefix}{i:06d}"

        def doc_frequency(self, field, term):
            return 1

    found = list(spelling_neighbours(Reader(), "tr000001", 1)[1])
    assert "tr000002" in found and "tr000011" in found
    assert "tr000001" not in found and "tr000022" not in found  # itself; two edits away
    Reader.read = 0
    spelling_neighbours(Reader(), "trewq", 2)
    assert Reader.read == SPELL_CANDIDATES


def test_stored_fields_are_fetched_by_story_key_when_document_numbers_moved(idx):
    """The second step of a search asks for the stories that made the ranking by (story key,
    document number): a number that no longer holds that story is looked up by its key, and
    an index without story keys (built before them) is served by number."""
    from archive.keys import story_key

    url = idx.search("river").hits[0].url
    doc = idx.searcher.document_number(id=url)
    key = story_key(url)
    other = (doc + 1) % idx.cache.doc_count
    assert idx.shard_fetch([(key, doc)])[(key, doc)]["id"] == url
    assert idx.shard_fetch([(key, other)])[(key, other)]["id"] == url  # moved: found by key
    assert idx.shard_fetch([(key + 1, other)]) == {}  # a story gone meanwhile
    idx.cache.order[doc] = 0  # as an index without keys has them
    try:
        assert idx.shard_fetch([(0, doc)])[(0, doc)]["id"] == url
    finally:
        idx.cache.order[doc] = key


def test_collapsing_many_stories_groups_as_comparing_with_every_group():
    """The coordinator looks for a story's group among few groups only: it must find the same
    groups as comparing the story with every group in turn (copies made by changing words)."""
    import random

    import numpy as np

    from indexer.fingerprint import fingerprint_of, hashes_of, near
    from search.gather import _collapse
    from search.results import Candidate

    rnd = random.Random(5)
    words = [f"w{i}" for i in range(300)] + ["the", "said", "market"] * 30
    texts = []
    for _ in range(60):
        base = [rnd.choice(words) for _ in range(60)]
        for _ in range(rnd.choice((1, 2, 4))):
            copy = list(base)
            for _ in range(rnd.choice((0, 1, 3, 12))):
                copy[rnd.randrange(len(copy))] = rnd.choice(words)
            texts.append(" ".join(copy))
    texts += ["the said market", "", "market"]
    rnd.shuffle(texts)
    sketches = [fingerprint_of("", t) for t in texts]
    rows = [(0, 0.0, i, 0.0, i, Candidate(0.0, i, None, None, None, i,
                                          np.asarray(hashes_of(sk), dtype=np.uint32).tobytes()))
            for i, sk in enumerate(sketches)]
    expected: list[list[int]] = []
    for i, sk in enumerate(sketches):
        for group in expected:
            if near(sk, sketches[group[0]]):
                group.append(i)
                break
        else:
            expected.append([i])
    got = [[row[2] for row in group] for group in _collapse(rows)]
    assert got == expected
    assert any(len(g) > 1 for g in expected) and len(expected) > 40


def test_a_page_of_groups_of_many_copies_takes_one_round_of_answers(tmp_path_factory,
                                                                   monkeypatch):
    """Syndicated stories come in many copies: when the best hundred make fewer groups than
    a page, the next window the coordinator needs was sent with the first answer (a call to
    every shard saved), and the page is the page of grouped copies."""
    import random

    from search.gather import Gather

    rnd = random.Random(3)
    vocabulary = [f"{a}{b}" for a in ("tal", "mor", "vex", "dun", "pri", "sol", "kar")
                  for b in ("ba", "do", "ki", "lu", "me", "no", "ra", "si", "tu", "ve")]
    bodies = [f"Farmers in region {i} brought in the harvest. " + "Harvest. " * i
              + " ".join(rnd.choice(vocabulary) for _ in range(80)) for i in range(11)]
    records = [story(f"copy-{i}-{c}", f"Harvest report {i}", body, f"2024-03-{1 + i:02d}",
                     ["farming"], source=f"paper{c}.example")
               for i, body in enumerate(bodies) for c in range(12)]
    index = open_test_index(tmp_path_factory, "copies", records)
    asked: list[int] = []
    answers = Gather._answers

    def counting(self, plan):
        asked.append(plan.window)
        return answers(self, plan)

    monkeypatch.setattr(Gather, "_answers", counting)
    try:
        r = index.search("harvest farmers region", limit=10)
    finally:
        index.close()
    assert r.total == 132 and len(r.hits) == 10
    assert [h.copies for h in r.hits] == [12] * 10
    assert len(asked) == 1, asked
