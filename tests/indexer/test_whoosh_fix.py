"""The whoosh3 fix: compound segment files are read in place, not copied into memory."""

from __future__ import annotations

import io
import mmap
import pickle

import pytest
from whoosh.filedb import compound

from indexer import Indexer, open_index
from indexer.whoosh_compat import ViewBufferFile, ViewIO
from tests.conftest import build_archive
from tests.search.test_search import CORPUS


def test_pickles_read_from_a_view_leave_it_where_bytesio_would():
    things = [{"id": "https://example.org/1", "lead": "x" * 5000}, (3, 7, 1.5, 0, 1, 9), "end"]
    data = b"".join(pickle.dumps(t, 2) for t in things) + b"tail"
    view, ref = ViewIO(memoryview(data)), io.BytesIO(data)
    for f in (view, ref):
        assert [pickle.load(f) for _ in things] == things  # one longer than a peek
        assert f.tell() == len(data) - 4 and f.read() == b"tail"


def test_view_io_reads_like_bytesio(tmp_path):
    data = bytes(range(256)) * 40 + b"line one\nline two\n"
    path = tmp_path / "blob"
    path.write_bytes(data)
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
        view, ref = ViewIO(memoryview(m)), io.BytesIO(data)
        for op in (lambda f: f.read(5), lambda f: f.seek(100), lambda f: f.read(300),
                   lambda f: f.tell(), lambda f: f.seek(-18, io.SEEK_END), lambda f: f.readline(),
                   lambda f: f.readline(), lambda f: f.read(), lambda f: f.read(3),
                   lambda f: f.seek(4, io.SEEK_CUR), lambda f: f.tell()):
            assert op(view) == op(ref)
        view.close()  # releases its view, so the mmap can close


def test_compound_segments_open_without_copies(tmp_path):
    archive = build_archive(tmp_path / "data", CORPUS)
    assert compound.BufferFile is ViewBufferFile
    ix = open_index(archive)
    with ix.searcher() as s:
        segment_reader = s.reader().readers[0] if hasattr(s.reader(), "readers") else s.reader()
        storage = segment_reader._storage.a
        if getattr(storage, "_source", None) is None:
            pytest.skip("whoosh opened the segment without mmap here (it reads the file instead), "
                        "so there is no in-memory copy to avoid")
        f = storage.open_file(storage.list()[0])
        assert isinstance(f.file, ViewIO)
        f.close()
        assert s.doc_count() == len(CORPUS)
    ix.close()
    # and an incremental update after that still works on the same files
    assert Indexer(archive).update().documents == len(CORPUS)
