"""The postings arrays beside each segment: the same as Whoosh's postings, kept in step with
the index, and searches give the same answers with them, without them, and after updates."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from whoosh.query import Term

from archive.store import Store
from indexer import Indexer, arrays, index_dir, open_index
from search import SearchIndex
from tests.conftest import build_archive
from tests.search.test_search import CORPUS, story

QUERIES = [
    ("interest rates", {}), ("flood river rises", {}), ("election district turnout", {}),
    ("river", {"sort": "newest"}), ("election", {"sort": "oldest"}),
    ("election", {"date_from": "2022-03", "date_to": "2022-08"}),
    ("election count", {"topic": "elections"}), ("turnout record", {}),
    ('"interest rates"', {}), ("title:flood OR body:election", {}), ("elect*", {}),
]


def answers(archive):
    with SearchIndex(archive) as idx:
        out = []
        for q, opts in QUERIES:
            r = idx.search(q, limit=20, **opts).as_dict()
            out.append((r["total"], [(h["url"], h["score"], h["copies"], h["copy_urls"])
                                    for h in r["hits"]],
                        r["facets"]))
        return out, idx.cache.arrays.complete


def folders(archive):
    root = index_dir(archive) / arrays.ARRAYS_DIR
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def segment_ids(archive):
    ix = open_index(archive)
    try:
        return sorted(s.segment_id() for s in ix._segments())
    finally:
        ix.close()


def test_captured_arrays_equal_whooshs_postings(archive):
    build_archive(archive, CORPUS)
    assert folders(archive) == segment_ids(archive)
    ix = open_index(archive)
    with ix.reader() as reader:
        fast = arrays.IndexArrays(reader, index_dir(archive))
        live = arrays.IndexArrays(reader)  # read from Whoosh
        assert fast.complete and not live.complete
        for field in arrays.FIELDS:
            terms = live.terms(field)
            assert terms and fast.terms(field) == terms
            for term in terms:
                ids, tf = fast.postings(field, term)
                ref_ids, ref_tf = live.postings(field, term)
                assert ids.tolist() == ref_ids.tolist() and tf.tolist() == ref_tf.tolist()
                assert ids.tolist() == sorted(reader.postings(field, term).all_ids())
        for field in arrays.RANKED:
            assert fast.lengths(field).tolist() == live.lengths(field).tolist()
        assert [a.tolist() for a in fast.dates()] == [a.tolist() for a in live.dates()]
        newest = max(a.published for a in CORPUS)
        assert int(fast.dates()[1].max()) == int(newest[:4] + newest[5:7])
        docs = list(range(reader.doc_count_all()))
        stored = reader.stored_fields
        assert fast.sketches(docs, stored) == live.sketches(docs, stored)
        got = fast.sketches(docs, stored)
        assert all(got) and [np.frombuffer(b, dtype=np.uint32).tolist() for b in got] == \
            [[int(h, 16) for h in stored(d)["sketch"].split()] for d in docs]
        assert fast.urls(docs[::-1], stored) == live.urls(docs[::-1], stored) == \
            [stored(d)["id"] for d in docs[::-1]]
    ix.close()


def test_an_index_without_sketch_and_url_arrays_answers_the_same_and_gets_them(archive):
    build_archive(archive, CORPUS)
    before, _ = answers(archive)
    assert any(copies == 2 for _, hits, _ in before for _, _, copies, _ in hits)
    for name in ("sketch*.npy", "url*.npy"):
        for path in (index_dir(archive) / arrays.ARRAYS_DIR).glob(f"*/{name}"):
            path.unlink()
    assert answers(archive)[0] == before
    Indexer(archive).update()
    for name in ("sketch.npy", "urls.npy", arrays.LAST_ARRAY):
        assert list((index_dir(archive) / arrays.ARRAYS_DIR).glob(f"*/{name}"))
    assert answers(archive)[0] == before


def test_searches_agree_with_and_without_arrays(archive):
    build_archive(archive, CORPUS)
    with_arrays, complete = answers(archive)
    assert complete and with_arrays[0][0] > 0
    shutil.rmtree(index_dir(archive) / arrays.ARRAYS_DIR)
    without, complete = answers(archive)
    assert not complete
    assert without == with_arrays
    # the next index run writes them again (an index from an earlier version is upgraded)
    Indexer(archive).update()
    assert folders(archive) == segment_ids(archive)
    assert answers(archive) == (with_arrays, True)


def test_updates_and_deletions_are_seen(archive):
    build_archive(archive, CORPUS)
    with SearchIndex(archive) as idx:
        before = idx.search("river")
        assert before.total == 3 and before.facets["topics"]["weather"] == 3
        first = before.hits[0].url
    slug = first.rsplit("/", 1)[1]
    original = next(a for a in CORPUS if a.canonical_url == first)
    with Store(archive) as store, store.transaction():
        store.upsert_article(story(slug, "Harbour regatta", "The harbour regatta drew sailors.",
                                   source=original.source))
        store.upsert_article(story("zeppelin", "Zeppelin returns", "A zeppelin flew over."))
    Indexer(archive).update()
    assert folders(archive) == segment_ids(archive)  # old segments' folders are gone
    with SearchIndex(archive) as idx:
        after = idx.search("river")
        assert after.total == 2 and after.facets["topics"]["weather"] == 2
        assert first not in [h.url for h in after.hits]
        assert [h.url for h in idx.search("regatta").hits] == [first]
        assert idx.search("zeppelin").total == 1
        # the replaced version's postings may still be in the arrays, masked as dead
        a = idx.cache.arrays
        assert int(a.alive.sum()) == idx.searcher.doc_count() == len(CORPUS) + 1
        assert idx.search("river", topic="weather").total == \
            len(idx.searcher.search(Term("topics", "weather"), limit=None)) == 2


def test_document_frequencies_kept_for_a_commit_are_the_segments_sums(archive, monkeypatch):
    """Word frequencies are kept for a commit (related stories weigh hundreds of words), so
    a new commit's are counted again, and the kept ones stay bounded."""
    build_archive(archive, CORPUS)
    monkeypatch.setattr(arrays, "FREQUENCIES_KEPT", 3)
    with SearchIndex(archive) as idx:
        a = idx.cache.arrays
        words = ["river", "election", "flood", "zeppelin", "district", "river"]
        expected = [idx.searcher.reader().doc_frequency("body", w) for w in words]
        assert [a.doc_frequency("body", w) for w in words] == expected
        assert [a.doc_frequency("body", w) for w in words] == expected  # kept or not
        assert len(a._frequencies) == 3
    with Store(archive) as store, store.transaction():
        store.upsert_article(story("zeppelin", "Zeppelin returns", "A zeppelin by the river."))
    Indexer(archive).update()
    with SearchIndex(archive) as idx:
        assert idx.cache.arrays.doc_frequency("body", "zeppelin") == 1
        assert idx.cache.arrays.doc_frequency("body", "river") == expected[0] + 1


def test_half_written_and_stray_folders_are_ignored_and_cleaned(archive):
    build_archive(archive, CORPUS)
    good, _ = answers(archive)
    root = index_dir(archive) / arrays.ARRAYS_DIR
    sid = segment_ids(archive)[0]
    (root / f"{sid}.tmp-999").mkdir()  # a crash while writing
    (root / "MAIN_gone").mkdir()  # a segment merged away
    (root / sid / "meta.json").unlink()  # a folder without its last file
    got, complete = answers(archive)
    assert got == good and not complete
    Indexer(archive).update()
    assert folders(archive) == segment_ids(archive)
    assert answers(archive) == (good, True)


@pytest.mark.parametrize("procs", [1, 2])
def test_a_rebuild_writes_arrays_for_every_segment(archive, procs):
    build_archive(archive, CORPUS)
    report = Indexer(archive, procs=procs, batch=7).update(rebuild=True)
    assert report.documents == len(CORPUS)
    assert folders(archive) == segment_ids(archive)
    with SearchIndex(archive) as idx:
        assert idx.cache.arrays.complete
        assert np.count_nonzero(idx.cache.arrays.alive) == len(CORPUS)


def test_other_whoosh_indexes_in_the_process_are_left_alone(tmp_path):
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema

    ix = whoosh_index.create_in(str(tmp_path), Schema(id=ID(stored=True), body=TEXT,
                                                      title=TEXT))
    with ix.writer() as w:
        w.add_document(id="1", title="Plain Whoosh", body="an index that is not ours")
    assert not (tmp_path / arrays.ARRAYS_DIR).exists()
    with ix.searcher() as s:
        assert s.doc_count() == 1


def test_an_open_index_sees_a_commit_without_listing_its_folder_for_every_look(archive,
                                                                                monkeypatch):
    """An open index trusts its folder's modification time, once that time is old, to tell
    that no commit landed; a commit changes it, and is seen by the next search."""
    import os
    import time

    from whoosh.searching import Searcher

    build_archive(archive, CORPUS)
    folder = index_dir(archive)
    past = time.time() - 3600
    os.utime(folder, (past, past))  # the last commit, an hour ago
    listed: list[int] = []
    up_to_date = Searcher.up_to_date
    monkeypatch.setattr(Searcher, "up_to_date", lambda s: listed.append(1) or up_to_date(s))
    with SearchIndex(archive) as idx:
        assert idx.search("zeppelin").total == 0
        listed.clear()
        for _ in range(3):
            idx.search("river")
        assert listed == []  # nothing changed: the folder was not listed
        with Store(archive) as store, store.transaction():
            store.upsert_article(story("zeppelin", "Zeppelin returns", "A zeppelin flew over."))
        Indexer(archive).update()
        assert idx.search("zeppelin").total == 1  # the commit is seen at once
        assert listed  # by listing the folder: its time changed
