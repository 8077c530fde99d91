"""The Whoosh index on disk: incremental updates, rebuilds, sharing, crashes, imports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from archive.store import Article, Store
from indexer import Indexer, IndexLockedError, archive_stats, import_files, open_index, update_index
from indexer.build import _ArchiveLock
from tests.conftest import write_warc


def art(n: int, **kw) -> Article:
    defaults = dict(canonical_url=f"https://news.example.com/story-{n}", url=f"https://news.example.com/story-{n}",
                    title=f"Story {n} headline", body=f"Body of story number {n}. " * 30,
                    published=f"2024-0{1 + n % 9}-1{n % 10}T10:00:00",
                    topics=["economy", f"t{n % 3}"], section="Business", author="Ana Silva",
                    source="news.example.com", language="en")
    defaults.update(kw)
    return Article(**defaults)


def put(archive: Path, articles: list[Article]) -> None:
    with Store(archive) as store, store.transaction():
        for a in articles:
            store.upsert_article(a)


def indexed(archive: Path) -> dict[str, dict]:
    ix = open_index(archive)
    with ix.searcher() as s:
        docs = {d["id"]: d for d in s.all_stored_fields()}
    ix.close()
    return docs


def test_incremental_add_change_delete(archive):
    put(archive, [art(i) for i in range(5)])
    first = update_index(archive)
    assert (first.added, first.rebuilt, first.created) == (5, True, True)
    again = update_index(archive)
    assert (again.added, again.rebuilt, again.created) == (0, False, False)  # nothing to do
    forced = update_index(archive, rebuild=True)
    assert (forced.added, forced.rebuilt, forced.created) == (5, True, False)
    put(archive, [art(1, title="Changed headline"), art(7)])
    with Store(archive) as store:
        store.delete_article("https://news.example.com/story-2")
    report = update_index(archive)
    assert (report.added, report.updated, report.deleted) == (1, 1, 1)
    docs = indexed(archive)
    assert set(docs) == {f"https://news.example.com/story-{i}" for i in (0, 1, 3, 4, 7)}
    assert docs["https://news.example.com/story-1"]["title"] == "Changed headline"


def test_rebuild_equals_incremental(archive, tmp_path):
    put(archive, [art(i) for i in range(6)])
    update_index(archive)
    put(archive, [art(2, body="Rewritten body. " * 20), art(9)])
    update_index(archive)
    incremental = indexed(archive)
    update_index(archive, rebuild=True)
    assert indexed(archive) == incremental


def test_date_and_topic_fields_round_trip(archive):
    put(archive, [art(1, published="2024-05-07T09:30:00+02:00",
                      topics=["Interest Rates", "Économie"])])
    update_index(archive)
    doc = indexed(archive)["https://news.example.com/story-1"]
    assert doc["published"] == datetime(2024, 5, 7, 9, 30)
    assert doc["topics"].split(",") == ["interest rates", "économie"]
    assert doc["section"] == "business" and doc["source"] == "news.example.com"
    ix = open_index(archive)
    with ix.searcher() as s:
        from whoosh.query import DateRange, Term

        may = DateRange("published", datetime(2024, 5, 1), datetime(2024, 5, 31))
        assert len(s.search(may)) == 1
        assert len(s.search(Term("topics", "interest rates"))) == 1
        assert len(s.search(Term("month", "2024-05"))) == 1
    ix.close()


def test_readers_see_the_last_commit_while_indexing(archive):
    put(archive, [art(i) for i in range(50)])
    update_index(archive)
    put(archive, [art(i) for i in range(50, 3050)])
    ix = open_index(archive)
    seen = []
    stop = threading.Event()

    def read():
        while not stop.is_set():
            with ix.searcher() as s:
                seen.append(s.doc_count())
            time.sleep(0.01)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        update_index(archive, batch=1000)
    finally:
        stop.set()
        reader.join()
    assert seen and min(seen) >= 50  # never an empty or half-written view
    assert set(seen) <= {50, 1050, 2050, 3050}  # only whole commits
    assert indexed(archive).__len__() == 3050
    ix.close()


def test_second_writer_waits_then_fails_clearly(archive):
    put(archive, [art(1)])
    update_index(archive)
    messages = []
    with _ArchiveLock(archive, 1, None):
        t0 = time.monotonic()
        with pytest.raises(IndexLockedError, match="another process"):
            Indexer(archive, lock_timeout=0.6, on_wait=messages.append).update()
        assert time.monotonic() - t0 >= 0.5
    assert messages and "waiting up to" in messages[0]
    # and once the first writer finishes, the second gets through
    holder = _ArchiveLock(archive, 1, None).__enter__()
    threading.Timer(0.5, holder.__exit__, args=(None, None, None)).start()
    put(archive, [art(2)])
    assert Indexer(archive, lock_timeout=10).update().added == 1


def test_two_cli_indexers_at_once_both_succeed(archive):
    put(archive, [art(i) for i in range(3000)])
    cmd = [sys.executable, "-m", "newsarchive.cli", "index", "--archive", str(archive)]
    a = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    b = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    out_a, err_a = a.communicate(timeout=120)
    assert a.returncode == 0 and b.returncode == 0, (err_a, b.stderr)
    assert "Traceback" not in err_a + b.stderr
    assert len(indexed(archive)) == 3000


def test_killed_index_run_recovers(archive, tmp_path):
    put(archive, [art(i) for i in range(100)])
    update_index(archive)
    put(archive, [art(i, body=f"Second version of story {i}. " * 40) for i in range(100, 8000)])
    code = ("import sys; from indexer import update_index; "
            "update_index(sys.argv[1], batch=500)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(archive)])
    deadline = time.monotonic() + 60
    ix = open_index(archive)
    while time.monotonic() < deadline:
        with ix.searcher() as s:
            if s.doc_count() > 600:
                break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with ix.searcher() as s:  # the last commit is intact and searchable
        assert 600 < s.doc_count() < 8000
    ix.close()
    report = update_index(archive)  # the next run finishes the job
    assert report.documents == 8000
    assert len(indexed(archive)) == 8000


def test_import_jsonl(archive, tmp_path):
    path = tmp_path / "stories.jsonl"
    lines = [
        json.dumps({"url": "https://a.example/1", "body": "Floods hit the valley.",
                    "title": "Floods", "published": "1987-03-05", "topics": ["weather"],
                    "author": "X"}),
        "not json",
        json.dumps({"url": "https://a.example/2"}),
        json.dumps({"url": "https://a.example/3?utm_source=x", "body": "Rates rise.",
                    "topics": "economy, rates"}),
        "",
    ]
    path.write_text("\n".join(lines))
    report = import_files(archive, [path])
    assert (report.new, report.skipped) == (2, 2)
    assert any(":2:" in p and "not JSON" in p for p in report.problems)
    assert any(":3:" in p and "'url' and a non-empty 'body'" in p for p in report.problems)
    with Store(archive) as store:
        a3 = store.get_article("https://a.example/3")
        assert a3.topics == ["economy", "rates"]
    update_index(archive)
    assert indexed(archive)["https://a.example/1"]["published"] == datetime(1987, 3, 5)


def test_imported_dates_in_other_forms_are_read_and_what_is_no_date_is_told(archive,
                                                                            tmp_path):
    given = {"iso": ("1987-02-26T15:01:01Z", datetime(1987, 2, 26, 15, 1, 1)),
             "rfc": ("Thu, 26 Feb 1987 15:01:01 GMT", datetime(1987, 2, 26, 15, 1, 1)),
             "words": ("26 Feb 1987", datetime(1987, 2, 26)),
             "us": ("02/26/1987", datetime(1987, 2, 26)),
             "old": ("1887-05-01", datetime(1887, 5, 1)),
             "epoch": (541350061, datetime(1987, 2, 26, 15, 1, 1)),
             "bad": ("1987-13-45", None), "year": ("1987", None), "word": ("yesterday", None)}
    path = tmp_path / "dated.jsonl"
    path.write_text("".join(json.dumps({"url": f"https://d.example/{k}", "body": "Wheat.",
                                        "published": v}) + "\n"
                            for k, (v, _) in given.items()))
    report = import_files(archive, [path])
    assert (report.new, report.skipped) == (len(given), 0)  # no story is lost for its date
    assert len(report.notes) == 3
    assert any(":7:" in n and "'1987-13-45'" in n and "undated" in n for n in report.notes)
    assert any(":8:" in n and "a year" in n for n in report.notes)
    update_index(archive)
    stored = indexed(archive)
    for key, (_, when) in given.items():
        assert stored[f"https://d.example/{key}"].get("published") == when, key


@pytest.mark.parametrize("given, expected", [
    ("2024-05-07T10:00:00+00:00", 1715076000.0), ("2024-05-07T12:00:00+02:00", 1715076000.0),
    ("2024-05-07T10:00:00Z", 1715076000.0), ("2024-05-07T10:00:00", 1715076000.0),
    (1715076000, 1715076000.0), (1715076000.5, 1715076000.5),
    ("yesterday", None), (True, None), (-5, None), (10 ** 30, None), ("9" * 500, None),
    ({"at": 1}, None), (None, None)])
def test_an_imported_storys_fetch_time_is_kept(archive, tmp_path, given, expected):
    path = tmp_path / "fetched.jsonl"
    path.write_text(json.dumps({"url": "https://f.example/1", "body": "Wheat.",
                                "fetched_at": given}) + "\n")
    before = time.time()
    assert import_files(archive, [path]).new == 1
    with Store(archive) as store:
        (a,) = list(store.articles())
    if expected is None:  # nothing usable: the time of the import
        assert before <= a.fetched_at <= time.time()
    else:
        assert a.fetched_at == expected


def test_a_date_stored_in_another_form_by_an_earlier_import_is_indexed(archive):
    with Store(archive) as store, store.transaction():
        for n, when in enumerate(("26 Feb 1987", "Thu, 26 Feb 1987 15:01:01 GMT", "1987")):
            store.upsert_article(Article(canonical_url=f"https://e.example/{n}",
                                         url=f"https://e.example/{n}", title="Wheat",
                                         body="Wheat.", published=when))
    update_index(archive, rebuild=True)
    stored = indexed(archive)
    assert [stored[f"https://e.example/{n}"].get("published") for n in range(3)] == [
        datetime(1987, 2, 26), datetime(1987, 2, 26, 15, 1, 1), None]


def _warc_with(path: Path, pages: dict[str, str]) -> None:
    write_warc(path, pages, others=(("https://b.example/img.png", b"\x89PNG", "image/png"),))


def test_import_warc_from_another_crawler(archive, tmp_path):
    from newsarchive.sample_site import STORIES, article_html, listing_html

    warc = tmp_path / "other-archive.warc.gz"
    _warc_with(warc, {"https://b.example" + STORIES[0].path: article_html(STORIES[0], "https://b.example"),
                      "https://b.example/": listing_html("Home", [("/a", "A")])})
    report = import_files(archive, [warc])
    assert report.new == 1 and report.files == 1
    with Store(archive) as store:
        (a,) = list(store.articles())
        assert a.title == STORIES[0].title and a.published.startswith(STORIES[0].date)
        assert a.warc_file == str(warc.resolve()) and a.warc_offset == 0


def test_a_warc_file_gzipped_as_one_piece_is_imported_with_readable_captures(archive, tmp_path):
    """``gzip capture.warc`` makes a file warcio reads only the first record of: the import
    reads a copy gzipped record by record, made once in the archive, and the stories'
    captures are read back from it."""
    import gzip

    from archive.layout import capture_path
    from archive.warc import read_response
    from newsarchive.sample_site import article_html, synthetic_story

    base = "https://wire.example"
    stories = [synthetic_story(i) for i in range(6)]
    warc = write_warc(tmp_path / "chunked.warc.gz", {base + s.path: article_html(s, base)
                                                       for s in stories})
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(gzip.decompress(Path(warc).read_bytes())))
    report = import_files(archive, [whole])
    assert (report.files, report.new, report.problems) == (1, 6, [])
    assert [n for n in report.notes if "gzipped as one piece" in n and "imported/" in n]
    with Store(archive) as store:
        stored = list(store.articles())
    assert {a.title for a in stored} == {s.title for s in stories}
    (copy,) = (archive / "imported").iterdir()
    for a in stored:  # recorded as the archive's own captures are: it can be moved
        assert a.warc_file == f"../imported/{copy.name}"
        url, _, payload = read_response(capture_path(archive, a.warc_file), a.warc_offset)
        assert url == a.url and a.title.encode() in payload
    again = import_files(archive, [whole])  # the same file again: the same copy, no new story
    assert (again.new, again.unchanged) == (0, 6)
    assert list((archive / "imported").iterdir()) == [copy]
    moved = archive.rename(tmp_path / "moved")
    assert read_response(capture_path(moved, stored[0].warc_file), stored[0].warc_offset)[0] \
        == stored[0].url


@pytest.mark.parametrize("kept", [0.5, 0.77, 0.9])
def test_a_warc_file_gzipped_as_one_piece_and_cut_short_gives_its_whole_records(
        archive, tmp_path, kept):
    import gzip

    from archive.layout import capture_path
    from archive.warc import read_response
    from newsarchive.sample_site import article_html, synthetic_story

    base = "https://wire.example"
    warc = write_warc(tmp_path / "w.warc.gz", {base + s.path: article_html(s, base)
                                               for s in map(synthetic_story, range(4))})
    packed = gzip.compress(gzip.decompress(Path(warc).read_bytes()))
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(packed[:int(len(packed) * kept)])  # a download that stopped
    report = import_files(archive, [cut])
    assert 0 < report.new < 4  # the stories whole in what is there
    assert [p for p in report.problems if "gzipped as one piece and cut short" in p]
    with Store(archive) as store:
        for a in store.articles():
            assert a.title.encode() in \
                read_response(capture_path(archive, a.warc_file), a.warc_offset)[2]
    assert not list((archive / "imported").glob("*.partial"))


def test_import_rejects_unknown_files(archive, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    report = import_files(archive, [junk, tmp_path / "missing.jsonl"])
    assert report.files == 0 and len(report.problems) == 2


@pytest.mark.parametrize("tail", [b"", b"\x00\x01 not a record " * 40])
def test_a_warc_file_that_is_garbage_past_its_first_line_is_a_problem(archive, tmp_path, tail):
    """A file that only begins like a WARC file imports nothing, and says so: warcio reads
    what follows its first line as one record without a type."""
    from newsarchive.sample_site import STORIES, article_html

    good = tmp_path / "good.warc.gz"
    _warc_with(good, {"https://b.example" + STORIES[0].path:
                      article_html(STORIES[0], "https://b.example")})
    bad = tmp_path / "bad.warc"
    bad.write_bytes(b"WARC/1.0\r\n" + b"garbage " * 50 + tail)
    report = import_files(archive, [good, bad])
    assert report.new == 1
    assert [p for p in report.problems if "bad.warc" in p and "no WARC record" in p], \
        report.problems


def test_stats(archive):
    put(archive, [art(i) for i in range(4)] + [art(9, published=None)])
    update_index(archive)
    s = archive_stats(archive)
    assert s["articles"] == 5 and s["undated"] == 1
    assert s["top_topics"]["economy"] == 5
    assert s["date_range"][0] <= s["date_range"][1]
    assert s["index_bytes"] > 0 and s["index_pending_changes"] == 0


@pytest.mark.parametrize("text", [
    "Jean-Luc O'Neill's 3.5% lead in Zürich, with 1,000 votes, said the U.S. officials.",
    "The central banks raised rates -- again! -- on 2024-05-07 at 9.30am. Rates, rates.",
    "", "   ", "the of and", "a-", "well-known co-operative's rock'n'roll Jean-Luc jean luc",
    "U.S. U.S. the-and it's-a U.S. of-the-of 1,000 1,000",
])
def test_fast_paths_give_the_indexed_terms_and_positions(text):
    from indexer.analysis import news_analyzer

    analyzer = news_analyzer()
    spans = list(analyzer.spans(text))
    assert analyzer.terms(text) == [t for t, _, _, _ in spans]
    expected: dict[str, list[int]] = {}
    for term, pos, _, _ in spans:
        expected.setdefault(term, []).append(pos)
    assert analyzer.positions(text) == expected
    assert analyzer.positions(text) == expected  # again, from what it learnt of each word
    assert news_analyzer().terms(text) == analyzer.terms(text) == [t for t, _, _, _ in spans]


def test_a_warc_file_is_read_from_a_mark_without_reading_what_comes_before(tmp_path):
    from indexer.imports import ImportReport, WarcMark, _warc_pages, warc_articles
    from newsarchive.sample_site import article_html, synthetic_story

    base = "https://wire.example"
    pages = {base + s.path: article_html(s, base) for s in map(synthetic_story, range(12))}
    warc = Path(write_warc(tmp_path / "w.warc.gz", pages))
    report, after = ImportReport(), []
    first = [n for n, _ in warc_articles(warc, report, stop=5, next_mark=after)]
    assert first == [0, 1, 2, 3, 4] and after and after[0].ordinal == 5
    seen = [(n, it.get_record_offset()) for n, _, it in _warc_pages(warc, after[0])]
    assert seen[0] == (5, after[0].offset) and [n for n, _ in seen] == list(range(5, 12))
    # a mark that names another record is not trusted: the file is read from its start
    wrong = WarcMark(after[0].offset, 5, "<urn:uuid:not-this-one>")
    assert [n for n, _, _ in _warc_pages(warc, wrong)] == list(range(12))
    rest = [n for n, _ in warc_articles(warc, report, mark=wrong)]
    assert rest == list(range(5, 12))
