"""The bulk segment writer writes what Whoosh's own writer writes, and a rebuild in several
processes gives the index a rebuild in one gives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import DATETIME
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage

import indexer.parallel
from archive.store import Article, Store
from indexer import Indexer, open_index
from indexer.document import document
from indexer.parallel import plan
from indexer.schema import NewsDate, make_schema
from indexer.whoosh_compat import BulkSegmentWriter, CapturingFieldWriter
from search import SearchIndex


def story(n: int) -> Article:
    # varied lengths (some terms fill several 128-posting blocks), missing fields, compounds
    words = " ".join(f"w{(n * k) % 97}" for k in range(1, 40 + n % 60))
    return Article(
        canonical_url=f"https://news.example.org/{n}", url=f"https://news.example.org/{n}",
        title=f"Rates and floods, part {n}" if n % 7 else "",
        body=f"The central bank's U.S. policy, day {n}: {words}. Jean-Luc said 3.5% " * (1 + n % 3),
        published=f"20{10 + n % 14}-0{1 + n % 9}-1{n % 10}T08:00:00" if n % 5 else None,
        topics=["economy", f"t{n % 4}"] if n % 3 else [], section="Business" if n % 2 else None,
        author="Ana Silva" if n % 4 else None, source=f"site{n % 3}.example", language="en")


def snapshot(path) -> tuple:
    """Everything a reader can see: postings with their values, term statistics, stored
    fields and field lengths."""
    reader = whoosh_index.open_dir(str(path)).reader()
    postings, infos = [], []
    for field in reader.schema.names():
        if not reader.schema[field].indexed:
            continue
        for term in reader.lexicon(field):
            m = reader.postings(field, term)
            while m.is_active():
                postings.append((field, term, m.id(), m.weight(), m.value()))
                m.next()
            i = reader.term_info(field, term)
            infos.append((field, term, i.weight(), i.doc_frequency(), i.min_length(),
                          i.max_length(), i.max_weight()))
    docs = [(reader.stored_fields(d), [reader.doc_field_length(d, f) for f in ("title", "body")])
            for d in range(reader.doc_count_all())]
    reader.close()
    return postings, infos, docs


def write(path, writer_of, batches) -> None:
    path.mkdir()
    ix = whoosh_index.create_in(str(path), make_schema())
    for i, batch in enumerate(batches):
        writer = writer_of(ix)
        for a in batch:
            writer.add_document(**document(a))
        # the last commit merges the earlier segments into the new one: postings from a
        # reader go through the pool after the new documents
        writer.commit(optimize=i == len(batches) - 1)
    ix.close()


def test_bulk_writer_writes_what_whooshs_writer_writes(tmp_path):
    batches = [[story(n) for n in range(0, 150)], [story(n) for n in range(150, 400)]]
    write(tmp_path / "whoosh", lambda ix: ix.writer(), batches)
    write(tmp_path / "bulk", BulkSegmentWriter, batches)
    ours, theirs = snapshot(tmp_path / "bulk"), snapshot(tmp_path / "whoosh")
    assert len(ours[0]) > 10_000 and len(ours[2]) == 400
    assert ours == theirs


def segment_files(path) -> dict[str, bytes]:
    """The files inside an index's one compound segment, named without the segment's id."""
    storage = FileStorage(str(path))
    (name,) = [n for n in storage.list() if n.endswith(".seg")]
    segid = name.rsplit("_", 1)[1].split(".")[0]
    inner = CompoundStorage(storage.open_file(name), use_mmap=False)
    try:
        return {n.replace(segid, "*"): inner.open_file(n).read() for n in inner.list()}
    finally:
        inner.close()


def test_terms_written_in_one_go_are_the_bytes_whoosh_writes(tmp_path, monkeypatch):
    batches = [[story(n) for n in range(0, 300)]]
    write(tmp_path / "one-go", BulkSegmentWriter, batches)
    monkeypatch.delattr(CapturingFieldWriter, "add_term")  # whoosh3's posting writer
    write(tmp_path / "whoosh", BulkSegmentWriter, batches)
    ours, theirs = segment_files(tmp_path / "one-go"), segment_files(tmp_path / "whoosh")
    assert set(ours) == set(theirs) and any(n.endswith(".pst") for n in ours)
    for name in ours:
        assert ours[name] == theirs[name], name


def test_plan_shares_out_row_ids():
    assert plan([], 2, 10) == []
    assert plan([1, 2, 3, 5, 8], 1, 10) == [(0, 8, 5)]
    assert plan([1, 2, 3, 5, 8], 2, 10) == [(0, 3, 3), (3, 8, 2)]
    ranges = plan(list(range(1, 101)), 2, 30)
    assert [n for _, _, n in ranges] == [30, 30, 30, 10]
    assert all(a < b for a, b, _ in ranges) and ranges[-1][1] == 100


def archive_of(path, n=120):
    with Store(path) as store, store.transaction():
        for i in range(n):
            store.upsert_article(story(i))
    return path


def answers(archive):
    with SearchIndex(archive) as idx:
        return [[(h.url, h.score) for h in idx.search(q, limit=50).hits]
                for q in ("central bank", "w13 w26", "floods", "jean-luc")]


def test_rebuild_in_two_processes_equals_rebuild_in_one(tmp_path):
    one, two = archive_of(tmp_path / "one"), archive_of(tmp_path / "two")
    seen: list[tuple[int, int]] = []
    Indexer(one, procs=1, batch=50).update(rebuild=True)
    report = Indexer(two, procs=2, batch=50,
                     progress=lambda done, total: seen.append((done, total))).update(rebuild=True)
    assert report.documents == report.added == 120
    # documents keep the store's order across the workers' segments
    for archive in (one, two):
        ix = open_index(archive)
        with ix.searcher() as s:
            assert [d["id"] for d in s.all_stored_fields()] == [story(i).canonical_url
                                                               for i in range(120)]
        assert len(ix._segments()) == 3  # 50 + 50 + 20
        ix.close()
    assert answers(one) == answers(two)
    assert seen[-1] == (120, 120) and all(d <= t for d, t in seen)


def test_a_failing_worker_stops_the_rebuild_and_keeps_the_live_index(tmp_path, monkeypatch):
    archive = archive_of(tmp_path / "data")
    Indexer(archive).update()
    before = answers(archive)
    real = indexer.parallel.document

    def broken(article):
        if article.canonical_url.endswith("/77"):
            raise ValueError("cannot index story 77")
        return real(article)

    monkeypatch.setattr(indexer.parallel, "document", broken)  # the workers are forked
    assert threading.active_count() == 1, (
        "a thread left by another test makes the rebuild spawn its workers, which do not see "
        f"this test's patch: {threading.enumerate()}")
    with pytest.raises(ValueError, match="story 77"):
        Indexer(archive, procs=2, batch=50).update(rebuild=True)
    monkeypatch.undo()
    assert answers(archive) == before
    assert not (archive / "index.building").exists()
    assert Indexer(archive, procs=2).update(rebuild=True).documents == 120


def test_a_killed_parallel_rebuild_leaves_the_live_index_and_no_workers(tmp_path):
    archive = archive_of(tmp_path / "data", n=3000)
    Indexer(archive).update()
    before = answers(archive)
    code = ("import sys; from indexer import Indexer; "
            "Indexer(sys.argv[1], procs=2, batch=400).update(rebuild=True)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(archive)])
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(workers) < 2:
        workers |= children(proc.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the rebuild never started its worker processes"
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)
    assert answers(archive) == before  # the live index was never touched
    assert Indexer(archive, procs=2).update(rebuild=True).documents == 3000


def children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("when", [datetime(1987, 2, 26, 15, 1, 1), datetime(1850, 1, 1),
                                  datetime(2031, 12, 31, 23, 59, 59, 999999),
                                  datetime(1, 1, 1), "2005-03"])
def test_dates_are_indexed_as_whoosh_indexes_them(when):
    ours, theirs = NewsDate(stored=True, sortable=True), DATETIME(stored=True, sortable=True)
    assert list(ours.index(when)) == list(theirs.index(when))
    assert len(list(ours.index(when))) == 8
