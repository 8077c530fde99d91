"""Postings as numpy arrays beside each Whoosh segment, for fast ranking, filters and facets.

Whoosh stores each block of 128 postings as a pickled, zlib-compressed tuple that holds the
positions too; reading the postings of one common word of a 200k-story archive that way costs
~100 ms in Python, before any scoring. Segments never change once written (deletions are kept
apart), so every new segment gets a folder ``<index>/arrays/<segment id>/`` of flat arrays,
memory-mapped at search time. They are captured while Whoosh writes the segment's postings (its
field writer is wrapped, see :func:`install`), which costs a few per cent of the indexing time,
where decoding them again afterwards took a third of it:

- ``ids.npy`` (int32, document numbers within the segment) and ``tf.npy`` (float32, Whoosh's
  weight: the term frequency) of every term of the ranked and filter fields, term after term;
- ``terms-<field>.json``: the field's terms in order, and ``starts-<field>.npy`` (int64): where
  each term's postings start (one more entry at the end);
- ``len-<field>.npy``: each document's field length as Whoosh's BM25F sees it;
- ``published.npy`` (int64 ticks, 0 when undated), ``month.npy`` (int32 ``YYYYMM``),
  ``order.npy`` (int64 story keys, :mod:`archive.keys`) and ``sketch.npy`` (uint32, each
  story's near-copy sketch, :mod:`indexer.fingerprint`, padded with zeros after its
  ``sketch-n.npy`` (uint8) hashes) and ``urls.npy`` (uint8, every story's URL in UTF-8, one
  after another, each ending where ``url-ends.npy`` says), added after the commit by
  :func:`build_missing` (they live in Whoosh's per-document files): a search collapses
  near-copies and names them without reading their stored fields.

The folder is written under a temporary name and renamed, so a reader sees all of it or none.
A segment without its folder (an index from an older version, a build in progress) is read
from Whoosh on demand instead, with the same results, only slower; ``newsarchive index``
writes any missing folders.
"""

from __future__ import annotations

import json
import os
import shutil
from array import array
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from .fingerprint import K, hashes_of
from .whoosh_compat import block_postings, deleted_docs, field_length_reader, term_matcher

ARRAYS_DIR = "arrays"
VERSION = 1
#: fields with term frequencies (ranking) and fields used as filters and facets
RANKED = ("title", "body")
FILTERS = ("topics", "section", "source")
FIELDS = RANKED + FILTERS
#: below this many documents to convert in full, one process does it
SMALL_SEGMENT = 20_000
#: words whose document frequency an index commit keeps (about 30 MB at most)
FREQUENCIES_KEPT = 200_000
_EMPTY_IDS = np.zeros(0, dtype=np.int32)
_EMPTY_TF = np.zeros(0, dtype=np.float32)


# -- writing -------------------------------------------------------------------------------------
def segment_postings(sub, field: str, term: bytes):
    """Every posting of ``term`` in one segment reader, deleted documents included."""
    from whoosh.reading import TermNotFound

    fmt = sub.schema[field].format
    try:
        matcher = term_matcher(sub, field, term, fmt)
    except (KeyError, TermNotFound):
        return _EMPTY_IDS, _EMPTY_TF
    ids, weights = block_postings(matcher)
    return np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32)


def segment_lengths(sub, field: str) -> np.ndarray:
    n = sub.doc_count_all()
    get = field_length_reader(sub, field)
    return np.fromiter(((get(d) or 1) for d in range(n)), dtype=np.float32, count=n)


def segment_dates(sub) -> tuple[np.ndarray, np.ndarray]:
    """(ticks, YYYYMM) per document of one segment; 0 where a story has no date."""
    from datetime import datetime

    from whoosh.util.times import datetime_to_long

    n = sub.doc_count_all()
    ticks = np.zeros(n, dtype=np.int64)
    months = np.zeros(n, dtype=np.int32)
    if sub.has_column("published"):
        lo, hi = datetime_to_long(datetime(1, 1, 2)), datetime_to_long(datetime(9000, 1, 1))
        col = sub.column_reader("published", translate=False)
        for d, v in enumerate(col):
            if v and lo < v < hi:
                ticks[d] = v
    if sub.has_column("month"):
        col = sub.column_reader("month", translate=False)
        for d, v in enumerate(col):
            if v:
                text = v.decode() if isinstance(v, bytes) else v
                try:
                    months[d] = int(text[:4]) * 100 + int(text[5:7])
                except ValueError:
                    pass
    return ticks, months


def segment_order(sub) -> np.ndarray:
    """Each document's story key (:func:`archive.keys.story_key`) in one segment; 0 where a
    document has none (an index from before the key)."""
    n = sub.doc_count_all()
    if "order" not in sub.schema or not sub.has_column("order"):
        return np.zeros(n, dtype=np.int64)
    col = sub.column_reader("order", translate=False)
    return np.fromiter((v or 0 for v in col), dtype=np.int64, count=n)


def segment_stored(sub) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(hashes, how many) of each document's sketch in one segment, and (the UTF-8 bytes of
    every document's URL one after another, where each ends): read from its stored fields
    (~10 us a document) into arrays a search reads without them."""
    n = sub.doc_count_all()
    hashes = np.zeros((n, K), dtype=np.uint32)
    counts = np.zeros(n, dtype=np.uint8)
    urls = bytearray()
    ends = np.zeros(n, dtype=np.int64)
    sketched = "sketch" in sub.schema
    for d in range(n):
        if not sub.is_deleted(d):
            stored = sub.stored_fields(d)
            urls += (stored.get("id") or "").encode("utf-8")
            if sketched:
                got = hashes_of(stored.get("sketch"))
                hashes[d, :len(got)] = got
                counts[d] = len(got)
        ends[d] = len(urls)
    return hashes, counts, np.frombuffer(bytes(urls), dtype=np.uint8), ends


def _field_names(sub) -> list[str]:
    indexed = set(sub.indexed_field_names())
    return [f for f in FIELDS if f in sub.schema and f in indexed]


class _Builder:
    """The arrays of one segment, gathered term after term, then saved as its folder."""

    def __init__(self):
        self.ids = array("I")
        self.tf = array("f")
        self.lexicons: dict[str, tuple[list[str], list[int]]] = {}  # field -> (terms, starts)
        self.lengths: dict[str, np.ndarray] = {}

    def start(self, field: str) -> None:
        self.lexicons[field] = ([], [len(self.ids)])

    def term(self, field: str, text, ids, weights) -> None:
        if not len(ids):
            return
        if isinstance(ids, np.ndarray):
            self.ids.frombytes(ids.astype(np.uint32).tobytes())
            self.tf.frombytes(np.asarray(weights, dtype=np.float32).tobytes())
        else:
            self.ids.extend(ids)
            self.tf.extend(weights)
        terms, starts = self.lexicons[field]
        terms.append(text.decode("utf-8") if isinstance(text, bytes) else text)
        starts.append(len(self.ids))

    def save(self, folder: Path, docs: int | None) -> None:
        """Write the folder under a temporary name, then rename it into place."""
        tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for field, (terms, starts) in self.lexicons.items():
            (tmp / f"terms-{field}.json").write_text(json.dumps(terms, ensure_ascii=False))
            np.save(tmp / f"starts-{field}.npy", np.asarray(starts, dtype=np.int64))
        np.save(tmp / "ids.npy", np.frombuffer(self.ids, dtype=np.uint32).astype(np.int32))
        np.save(tmp / "tf.npy", np.frombuffer(self.tf, dtype=np.float32))
        for field, lengths in self.lengths.items():
            np.save(tmp / f"len-{field}.npy", lengths)
        (tmp / "meta.json").write_text(json.dumps(
            {"version": VERSION, "docs": docs, "fields": list(self.lexicons)}))
        shutil.rmtree(folder, ignore_errors=True)
        os.rename(tmp, folder)


def write_segment(sub, folder: Path) -> None:
    """Write the arrays of one segment reader into ``folder``, decoding its postings (for
    segments written before the capture existed)."""
    out = _Builder()
    for field in _field_names(sub):
        out.start(field)
        for term in sub.lexicon(field):
            out.term(field, term, *segment_postings(sub, field, term))
        if field in RANKED:
            out.lengths[field] = segment_lengths(sub, field)
    out.save(folder, sub.doc_count_all())
    write_dates(sub, folder)


#: written last of a segment's per-document arrays: tells the others are there
LAST_ARRAY = "url-ends.npy"


def write_dates(sub, folder: Path) -> None:
    """The per-document arrays kept in Whoosh's columns and stored fields: dates, months,
    story keys, sketches and URLs (``LAST_ARRAY`` last)."""
    ticks, months = segment_dates(sub)
    hashes, counts, urls, ends = segment_stored(sub)
    for name, arr in (("published", ticks), ("month", months), ("order", segment_order(sub)),
                      ("sketch-n", counts), ("sketch", hashes), ("urls", urls),
                      (LAST_ARRAY.removesuffix(".npy"), ends)):
        tmp = folder / f"{name}.tmp-{os.getpid()}.npy"
        np.save(tmp, arr)
        os.replace(tmp, folder / f"{name}.npy")


def _write_one(index_path: str, segment_id: str) -> str:
    """Worker: open the index, find the segment, write its arrays."""
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(index_path)
    with ix.reader() as reader:
        for sub, _ in reader.leaf_readers():
            if sub.segment() is not None and sub.segment().segment_id() == segment_id:
                write_segment(sub, Path(index_path) / ARRAYS_DIR / segment_id)
    return segment_id


def build_missing(index_path: str | Path, procs: int = 1) -> int:
    """Complete the arrays of the index's segments: the dates of every segment, all of the
    arrays of segments that have none (an index from before). Removes the folders of segments
    that are gone. Returns how many segments were converted in full."""
    from whoosh import index as whoosh_index

    index_path = Path(index_path)
    root = index_path / ARRAYS_DIR
    root.mkdir(exist_ok=True)
    ix = whoosh_index.open_dir(str(index_path))
    todo: list[str] = []
    with ix.reader() as reader:
        live, subs, docs = set(), {}, 0
        for sub, _ in reader.leaf_readers():
            seg = sub.segment()
            if seg is None:
                continue
            sid = seg.segment_id()
            live.add(sid)
            if not _complete(root / sid):
                todo.append(sid)
                subs[sid] = sub
                docs += sub.doc_count_all()
            elif not (root / sid / LAST_ARRAY).exists():
                write_dates(sub, root / sid)
        for child in root.iterdir():
            if child.name not in live:
                shutil.rmtree(child, ignore_errors=True)
        if procs <= 1 or len(todo) < 2 or docs < SMALL_SEGMENT:
            for sid in todo:
                write_segment(subs[sid], root / sid)
            return len(todo)
    import multiprocessing
    import threading

    # fork is quick and needs no importable __main__; a process with threads must not fork
    ctx = multiprocessing.get_context("fork" if threading.active_count() == 1 else "spawn")
    with ProcessPoolExecutor(max_workers=min(procs, len(todo)), mp_context=ctx) as pool:
        list(pool.map(_write_one, [str(index_path)] * len(todo), todo))
    return len(todo)


def _complete(folder: Path) -> bool:
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        return False
    return meta.get("version") == VERSION


# -- reading -------------------------------------------------------------------------------------
class _FileSegment:
    """A segment's arrays, memory-mapped from its folder."""

    def __init__(self, folder: Path, meta: dict, sub):
        self.folder = folder
        self.sub = sub
        self.docs = sub.doc_count_all()
        self.fields = set(meta["fields"])
        # plain ndarray views of the maps: slicing an np.memmap costs microseconds more
        self._ids = np.load(folder / "ids.npy", mmap_mode="r").view(np.ndarray)
        self._tf = np.load(folder / "tf.npy", mmap_mode="r").view(np.ndarray)
        self._terms: dict[str, tuple[dict[str, int], np.ndarray]] = {}

    def _lexicon(self, field: str):
        got = self._terms.get(field)
        if got is None:
            terms = json.loads((self.folder / f"terms-{field}.json").read_text())
            starts = np.load(self.folder / f"starts-{field}.npy").tolist()
            got = self._terms[field] = ({t: i for i, t in enumerate(terms)}, starts)
        return got

    def postings(self, field: str, term: str):
        if field not in self.fields:
            return _EMPTY_IDS, _EMPTY_TF
        index, starts = self._lexicon(field)
        i = index.get(term)
        if i is None:
            return _EMPTY_IDS, _EMPTY_TF
        a, b = starts[i], starts[i + 1]
        return self._ids[a:b], self._tf[a:b]

    def doc_frequency(self, field: str, term: str) -> int:
        if field not in self.fields:
            return 0
        index, starts = self._lexicon(field)
        i = index.get(term)
        return 0 if i is None else starts[i + 1] - starts[i]

    def terms(self, field: str) -> list[str]:
        return list(self._lexicon(field)[0]) if field in self.fields else []

    def frequencies(self, field: str) -> dict[str, int]:
        if field not in self.fields:
            return {}
        index, starts = self._lexicon(field)
        dfs = np.diff(np.asarray(starts, dtype=np.int64)).tolist()
        return dict(zip(index, dfs))

    def field_postings(self, field: str) -> tuple[list[str], np.ndarray, np.ndarray,
                                                  np.ndarray]:
        if field not in self.fields:
            return [], np.zeros(1, dtype=np.int64), _EMPTY_IDS, _EMPTY_TF
        index, starts = self._lexicon(field)
        a, b = starts[0], starts[-1]
        return (list(index), np.asarray(starts, dtype=np.int64) - a, self._ids[a:b],
                self._tf[a:b])

    def lengths(self, field: str) -> np.ndarray:
        out = np.ones(self.docs, dtype=np.float32)
        path = self.folder / f"len-{field}.npy"
        if path.exists():
            got = np.load(path)[:self.docs]
            out[:len(got)] = got
        return out

    def dates(self) -> tuple[np.ndarray, np.ndarray]:
        try:
            return np.load(self.folder / "published.npy"), np.load(self.folder / "month.npy")
        except (OSError, ValueError):
            return segment_dates(self.sub)

    def order(self) -> np.ndarray:
        try:
            return np.load(self.folder / "order.npy")
        except (OSError, ValueError):
            return segment_order(self.sub)

    def sketches(self) -> tuple[np.ndarray, np.ndarray] | None:
        try:
            return (np.load(self.folder / "sketch.npy", mmap_mode="r").view(np.ndarray),
                    np.load(self.folder / "sketch-n.npy"))
        except (OSError, ValueError):
            return None

    def urls(self) -> tuple[np.ndarray, np.ndarray] | None:
        try:
            ends = np.load(self.folder / LAST_ARRAY)
            return np.load(self.folder / "urls.npy", mmap_mode="r").view(np.ndarray), ends
        except (OSError, ValueError):
            return None


class _LiveSegment:
    """The same arrays read from Whoosh on demand (a segment without its folder)."""

    def __init__(self, sub):
        self.sub = sub
        self.docs = sub.doc_count_all()
        self.fields = set(_field_names(sub))

    def postings(self, field: str, term: str):
        if field not in self.fields:
            return _EMPTY_IDS, _EMPTY_TF
        return segment_postings(self.sub, field, term.encode("utf-8"))

    def doc_frequency(self, field: str, term: str) -> int:
        return self.sub.doc_frequency(field, term) if field in self.fields else 0

    def terms(self, field: str) -> list[str]:
        return list(self.sub.field_terms(field)) if field in self.fields else []

    def frequencies(self, field: str) -> dict[str, int]:
        return {t: self.doc_frequency(field, t) for t in self.terms(field)}

    def field_postings(self, field: str) -> tuple[list[str], np.ndarray, np.ndarray,
                                                  np.ndarray]:
        terms = self.terms(field)
        parts = [self.postings(field, t) for t in terms]
        starts = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum([len(ids) for ids, _ in parts], out=starts[1:])
        if not parts:
            return terms, starts, _EMPTY_IDS, _EMPTY_TF
        return (terms, starts, np.concatenate([np.asarray(i, dtype=np.int32) for i, _ in parts]),
                np.concatenate([np.asarray(f, dtype=np.float32) for _, f in parts]))

    def lengths(self, field: str) -> np.ndarray:
        if field not in self.fields:
            return np.ones(self.docs, dtype=np.float32)
        return segment_lengths(self.sub, field)

    def dates(self) -> tuple[np.ndarray, np.ndarray]:
        return segment_dates(self.sub)

    def order(self) -> np.ndarray:
        return segment_order(self.sub)

    def sketches(self) -> tuple[np.ndarray, np.ndarray] | None:
        return None

    def urls(self) -> tuple[np.ndarray, np.ndarray] | None:
        return None


class IndexArrays:
    """The arrays of every segment of one reader (one commit), in global document numbers."""

    def __init__(self, reader, index_path: str | Path | None = None):
        root = Path(index_path) / ARRAYS_DIR if index_path else None
        self.doc_count = reader.doc_count_all()
        self.segments: list[tuple[Any, int]] = []
        self.alive = np.ones(self.doc_count, dtype=bool)
        self.from_files = 0
        for sub, offset in reader.leaf_readers():
            seg = sub.segment()
            part = None
            if root is not None and seg is not None:
                folder = root / seg.segment_id()
                try:
                    meta = json.loads((folder / "meta.json").read_text())
                    if meta.get("version") == VERSION and meta.get("docs") in (
                            None, sub.doc_count_all()):
                        part = _FileSegment(folder, meta, sub)
                        self.from_files += 1
                except (OSError, ValueError, KeyError):
                    part = None
            self.segments.append((part or _LiveSegment(sub), offset))
            if sub.has_deletions():
                dels = np.asarray(deleted_docs(sub), dtype=np.int64)
                self.alive[dels + offset] = False
        self._lengths: dict[str, np.ndarray] = {}
        self._dates: tuple[np.ndarray, np.ndarray] | None = None
        self._order: np.ndarray | None = None
        self._sketches: list | None = None
        self._urls: list | None = None
        self._frequencies: dict[tuple[str, str], int] = {}

    @property
    def complete(self) -> bool:
        """Whether every segment has its arrays on disk."""
        return self.from_files == len(self.segments)

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, term frequencies) of ``term`` in ``field``, deleted included."""
        ids_parts, tf_parts = [], []
        for part, offset in self.segments:
            ids, tf = part.postings(field, term)
            if len(ids):
                ids_parts.append(ids.astype(np.int64) + offset if offset else
                                 ids.astype(np.int64))
                tf_parts.append(tf)
        if not ids_parts:
            return np.zeros(0, dtype=np.int64), _EMPTY_TF
        if len(ids_parts) == 1:
            return ids_parts[0], np.asarray(tf_parts[0])
        return np.concatenate(ids_parts), np.concatenate(tf_parts)

    def doc_frequency(self, field: str, term: str) -> int:
        """Documents holding the term, deleted included (as Whoosh counts it); kept (up to
        ``FREQUENCIES_KEPT`` words) for the commit: related stories weigh hundreds of words
        a lookup, most of them weighed before, each a look into every segment."""
        key = (field, term)
        got = self._frequencies.get(key)
        if got is None:
            got = sum(part.doc_frequency(field, term) for part, _ in self.segments)
            if len(self._frequencies) < FREQUENCIES_KEPT:
                self._frequencies[key] = got
        return got

    def mask(self, field: str, term: str) -> np.ndarray:
        """A boolean array: the live documents holding ``term`` in ``field``."""
        out = np.zeros(self.doc_count, dtype=bool)
        out[self.postings(field, term)[0]] = True
        return out & self.alive

    def live(self, mask: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
        """The numbers of the live documents set in ``mask`` (and in ``allowed``), in order.
        ``mask`` is changed."""
        mask &= self.alive
        if allowed is not None:
            mask &= allowed
        return np.flatnonzero(mask)

    def terms(self, field: str) -> set[str]:
        out: set[str] = set()
        for part, _ in self.segments:
            out.update(part.terms(field))
        return out

    def field_postings(self, field: str):
        """Per segment, every posting of ``field``: (its terms, where each term's postings
        start (one more at the end), global document numbers, term weights)."""
        for part, offset in self.segments:
            terms, starts, ids, tf = part.field_postings(field)
            yield terms, starts, ids.astype(np.int64) + offset, tf

    def frequencies(self, field: str) -> dict[str, int]:
        """Every term of ``field`` with its :meth:`doc_frequency`."""
        out: dict[str, int] = {}
        for part, _ in self.segments:
            for term, n in part.frequencies(field).items():
                out[term] = out.get(term, 0) + n
        return out

    def lengths(self, field: str) -> np.ndarray:
        got = self._lengths.get(field)
        if got is None:
            parts = [part.lengths(field) for part, _ in self.segments]
            got = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
            self._lengths[field] = got
        return got

    def dates(self) -> tuple[np.ndarray, np.ndarray]:
        """(ticks, YYYYMM) per document; 0 where undated."""
        if self._dates is None:
            parts = [part.dates() for part, _ in self.segments]
            if parts:
                self._dates = (np.concatenate([p[0] for p in parts]),
                               np.concatenate([p[1] for p in parts]))
            else:
                self._dates = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32))
        return self._dates

    def order(self) -> np.ndarray:
        """Each document's story key (int64): equal stories rank in this order."""
        if self._order is None:
            parts = [part.order() for part, _ in self.segments]
            self._order = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return self._order

    def sketches(self, docs, stored) -> list[bytes]:
        """The near-copy sketches of ``docs`` as the bytes of their uint32 hashes (empty:
        none), from the arrays, else from ``stored(doc)`` (a segment without them)."""
        if self._sketches is None:
            self._sketches = [(part.sketches(), offset, part.docs)
                              for part, offset in self.segments]
        starts = np.array([offset for _, offset, _ in self._sketches], dtype=np.int64)
        docs = np.asarray(docs, dtype=np.int64)
        out = []
        for doc, i in zip(docs.tolist(), (np.searchsorted(starts, docs, "right") - 1).tolist()):
            if i < 0 or doc >= self._sketches[i][1] + self._sketches[i][2]:
                out.append(b"")
                continue
            got, offset, _ = self._sketches[i]
            if got is None:
                out.append(np.asarray(hashes_of(stored(doc).get("sketch")),
                                      dtype=np.uint32).tobytes())
            else:
                out.append(got[0][doc - offset, :got[1][doc - offset]].tobytes())
        return out

    def urls(self, docs, stored) -> list[str]:
        """The URLs (the ``id`` field) of ``docs``, from the arrays, else from
        ``stored(doc)`` (a segment without them): a page's near-copies are shown by their
        URL alone, and reading a story's stored fields costs ~50 us."""
        if self._urls is None:
            self._urls = [(part.urls(), offset, part.docs) for part, offset in self.segments]
        starts = np.array([offset for _, offset, _ in self._urls], dtype=np.int64)
        docs = np.asarray(docs, dtype=np.int64)
        out = []
        for doc, i in zip(docs.tolist(), (np.searchsorted(starts, docs, "right") - 1).tolist()):
            got, offset, n = self._urls[i] if i >= 0 else (None, 0, 0)
            if got is None or not offset <= doc < offset + n:
                out.append(stored(doc).get("id") or "")
                continue
            blob, ends = got
            d = doc - offset
            out.append(blob[ends[d - 1] if d else 0:ends[d]].tobytes().decode("utf-8"))
        return out
