"""Widening a query by the words the archive uses alongside it (indexer.concepts)."""

from __future__ import annotations

import random

import pytest

from archive.store import Article, Store
from indexer import update_index
from indexer.analysis import news_analyzer
from indexer.build import index_dir
from indexer.concepts import FILE, MIN_STORIES, ConceptModel
from search import SearchIndex
from tests.conftest import open_test_index

VIETNAM = ("saigon", "diem", "buddhist", "monks", "pagoda", "generals", "coup", "mekong")
GRAIN = ("wheat", "grain", "harvest", "farmers", "bushels", "export", "prairie", "elevator")
HARBOUR = ("harbour", "ferry", "dock", "sailors", "cargo", "tide", "pier", "crane")


def _text(words, rng, n=40) -> str:
    return " ".join(rng.choice(words) for _ in range(n)) + "."


def _background(n: int) -> list[Article]:
    """``n`` stories on three subjects, each with its own words."""
    rng = random.Random(7)
    out = []
    for i in range(n):
        words = (VIETNAM, GRAIN, HARBOUR)[i % 3]
        out.append(Article(canonical_url=f"https://bg.example/{i}", url=f"https://bg.example/{i}",
                           title=f"Report {i}", body=_text(words, rng), source="bg.example",
                           published="2023-05-01"))
    return out


def test_the_model_learns_which_words_go_together():
    rng = random.Random(1)
    texts = [_text((VIETNAM, GRAIN, HARBOUR)[i % 3], rng) for i in range(150)]
    model = ConceptModel.fit(texts, news_analyzer(), stories=150, rank=10)
    near = model.expand(["saigon"])
    closest = sorted(near, key=near.get, reverse=True)[:len(VIETNAM) - 1]
    assert set(closest) == {t.text for t in news_analyzer()(" ".join(VIETNAM[1:]))}
    assert "saigon" not in near and max(near.values()) == 1.0
    assert model.expand(["unknownword"]) == {}
    # a query word that does not go with the others counts less; one word alone is left be
    weights = model.coherence([("saigon",), ("diem",), ("wheat",), ("unknownword",)], strength=0.25)
    assert set(weights) == {("saigon",), ("diem",), ("wheat",)}
    assert 0.75 <= weights[("wheat",)] < 0.8 < min(weights[("saigon",)], weights[("diem",)])
    assert model.coherence([("saigon",)]) == {}
    # too few stories say nothing about which words go together
    assert ConceptModel.fit(texts[:MIN_STORIES - 1], news_analyzer(), stories=99) is None


FILLER = "The weather was mild and the trains ran on time across the region all week. "


@pytest.fixture(scope="module")
def idx(tmp_path_factory):
    # two stories match "saigon" alike; only one is about what the archive's Saigon stories
    # are about. The other is older in the index, so it comes first on the query word alone.
    stories = [
        Article(canonical_url="https://a.example/travel", url="https://a.example/travel",
                title="Weekend notes", body="Saigon. " + "The weather was mild and the "
                "trains ran on time across the region all week. " * 3, source="a.example",
                published="2023-06-01"),
        Article(canonical_url="https://a.example/crisis", url="https://a.example/crisis",
                title="Weekend notes", body="Saigon. " + "The monks at the pagoda and the "
                "generals near Diem waited all week in the region. " * 3, source="a.example",
                published="2023-06-01"),
        # one matches a Viet Nam word, the other (shorter, so BM25 ranks it higher) a grain word
        Article(canonical_url="https://a.example/diem", url="https://a.example/diem",
                title="Weekend notes", body="Diem. " + FILLER * 2, source="a.example",
                published="2023-06-01"),
        Article(canonical_url="https://a.example/wheat", url="https://a.example/wheat",
                title="Weekend notes", body="Wheat. " + FILLER, source="a.example",
                published="2023-06-01"),
    ] + _background(2 * MIN_STORIES)
    index = open_test_index(tmp_path_factory, "concepts", stories)
    yield index
    index.close()


def test_words_that_go_with_the_query_lift_the_story_about_its_subject(idx, monkeypatch):
    assert (index_dir(idx.archive_path) / FILE).exists()
    res = idx.search("saigon", facets=False, collapse=False, limit=100)
    assert _order(res) == ["crisis", "travel"]
    import search.rank

    monkeypatch.setattr(search.rank, "CONCEPT_WEIGHT", 0.0)
    plain = idx.search("saigon", facets=False, collapse=False, limit=100)
    assert plain.total == res.total  # the widening words re-rank; they add no story
    assert _order(plain) == ["travel", "crisis"]


def _order(results) -> list[str]:
    """The two test stories in the order the results give them."""
    return [h.url.rsplit("/", 1)[1] for h in results.hits if h.url.startswith("https://a.example/")]


def test_a_query_word_that_does_not_go_with_the_others_weighs_less(idx, monkeypatch):
    # "saigon diem wheat": a reader asking about Saigon and Diem, with one stray word. The
    # story matching "diem" goes above the (shorter) one matching only "wheat".
    import indexer.concepts

    res = idx.search("saigon diem wheat", source="a.example", facets=False, collapse=False)
    assert [s for s in _order(res) if s in ("diem", "wheat")] == ["diem", "wheat"]
    monkeypatch.setattr(indexer.concepts, "COHERENCE", 0.0)
    plain = idx.search("saigon diem wheat", source="a.example", facets=False, collapse=False)
    assert [s for s in _order(plain) if s in ("diem", "wheat")] == ["wheat", "diem"]
    assert plain.total == res.total


def _indexed_background(archive):
    """An indexed archive of just enough background stories for a model."""
    with Store(archive) as store, store.transaction():
        for a in _background(MIN_STORIES):
            store.upsert_article(a)
    update_index(archive)
    return archive


def test_the_model_is_refitted_only_when_the_archive_changes_much(tmp_path):
    archive = _indexed_background(tmp_path / "data")
    path = index_dir(archive) / FILE
    first = path.stat().st_mtime_ns
    assert ConceptModel.load(path).stories == MIN_STORIES
    with Store(archive) as store, store.transaction():
        store.upsert_article(Article(canonical_url="https://x.example/1", url="https://x.example/1",
                                     title="One more", body="Wheat and grain.", source="x.example"))
    update_index(archive)
    assert path.stat().st_mtime_ns == first  # one story more: the same model
    with Store(archive) as store, store.transaction():
        for a in _background(MIN_STORIES // 2):
            a.canonical_url = a.url = a.url.replace("bg.example", "more.example")
            store.upsert_article(a)
    update_index(archive)
    assert ConceptModel.load(path).stories == MIN_STORIES * 3 // 2 + 1


def test_a_model_that_cannot_be_fitted_does_not_stop_the_indexing(tmp_path, monkeypatch):
    import numpy as np

    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("SVD did not converge")

    monkeypatch.setattr(ConceptModel, "fit_counts", broken)
    archive = tmp_path / "data"
    with Store(archive) as store, store.transaction():
        for a in _background(MIN_STORIES):
            store.upsert_article(a)
    notes = []
    report = update_index(archive, on_note=notes.append)
    assert report.documents == MIN_STORIES and not (index_dir(archive) / FILE).exists()
    assert "could not learn" in notes[-1]
    with SearchIndex(archive) as idx:
        assert idx.search("wheat").total > 0


def test_a_rebuild_keeps_the_model_of_an_unchanged_archive(tmp_path):
    archive = _indexed_background(tmp_path / "data")
    before = (index_dir(archive) / FILE).read_bytes()
    notes = []
    report = update_index(archive, rebuild=True, on_note=notes.append)
    assert report.rebuilt and report.documents == MIN_STORIES
    assert (index_dir(archive) / FILE).read_bytes() == before
    assert not any("learning which words" in n for n in notes)


def test_the_model_read_from_the_index_is_the_model_of_the_stories_texts(tmp_path):
    """The index's postings (title and body, its smallest-key stories) give the matrix the
    stories' texts give, so the model is fitted without analysing them again."""
    import numpy as np

    from archive.keys import story_key
    from indexer import concepts

    stories = _background(MIN_STORIES + 60)
    for a in stories[5:7]:  # compounds and a possessive, in two stories (MIN_DF)
        a.title = "Jean-Luc O'Neill's report: U.S. wheat"
    stories[9].body = ""  # no words at all: left out of both
    rng = random.Random(3)
    for a in stories[20:30]:  # past what the model reads of a story: other words at the end
        a.body = a.body + " " + _text(HARBOUR + GRAIN, rng, n=900)
    assert len(stories[20].body) > concepts.SAMPLE_CHARS
    archive = tmp_path / "data"
    with Store(archive) as store, store.transaction():
        for a in stories:
            store.upsert_article(a)
    update_index(archive)
    model = ConceptModel.load(index_dir(archive) / FILE)
    by_key = sorted(stories, key=lambda a: story_key(a.canonical_url))
    texts = [f"{a.title}\n{a.body[:concepts.SAMPLE_CHARS]}" for a in by_key][:concepts.SAMPLE]
    expected = ConceptModel.fit(texts, news_analyzer(), stories=len(stories))
    assert model is not None and expected is not None
    assert list(model.terms) == list(expected.terms) and "jeanluc" in list(model.terms)
    assert np.array_equal(model.idf, expected.idf) and np.allclose(model.vt, expected.vt)
    # a sample smaller than the archive takes the stories with the smallest keys
    with Store(archive) as store:
        keys, counts, words = concepts.index_sample(index_dir(archive), store, 50)
    assert list(keys) == sorted(story_key(a.canonical_url) for a in stories)[:50]
    assert counts.shape == (50, len(words))
