"""Every use of Whoosh's insides, in one place, for the one Whoosh this is written against.

newsarchive reads and writes postings a block at a time, writes a rebuilt index's segments in
several processes and commits them under one table of contents, and patches two classes:
all of it through private attributes of whoosh3 3.54.0 (``Matcher._ids``,
``SegmentWriter._commit_toc``, ``W3PostingsWriter._blocklimit``...). Those change without
notice between releases, so importing this module on any other version fails at once with a
clear message rather than corrupting an index later. Nothing else in the project touches a
private Whoosh attribute (``tests/test_layers.py`` checks).

The patches (:func:`apply`, run when ``indexer`` is imported):

- compound segments open each file as a read-only view of the segment's memory map instead of
  a ``BytesIO`` copy of it (whoosh3 copied every reader's postings and term tables: RSS grew
  by the index's size on each reopen); ``tests/indexer/test_whoosh_fix.py`` checks it;
- whoosh3's field writer also writes each segment's arrays (:mod:`indexer.arrays`) as it
  writes the segment, for indexes whose ``body`` is our :class:`~indexer.analysis.NewsText`.
"""

from __future__ import annotations

import bisect
import io
import zlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from pickle import dumps

import numpy as np
from whoosh.codec import whoosh3
from whoosh.filedb import compound, structfile
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.util.numlists import delta_encode
from whoosh.writing import SegmentWriter

#: the Whoosh distribution and release whose insides this module knows
WHOOSH_DIST, WHOOSH_VERSION = "whoosh3", "3.54.0"


def _check_version() -> None:
    try:
        found = version(WHOOSH_DIST)
    except PackageNotFoundError:
        found = None
    if found != WHOOSH_VERSION:
        raise ImportError(
            f"newsarchive works with {WHOOSH_DIST}=={WHOOSH_VERSION} (it reads that release's "
            f"internals: indexer/whoosh_compat.py); found {found or 'none'}. Install it with "
            f"pip install '{WHOOSH_DIST}=={WHOOSH_VERSION}'")


_check_version()


# -- reading postings ----------------------------------------------------------------------------
def term_matcher(sub, field: str, term: bytes, fmt):
    """A raw matcher over one segment reader's postings of ``term`` (deleted documents
    included); raises KeyError or TermNotFound when the segment lacks the term."""
    return sub._terms.matcher(field, term, fmt)


def deleted_docs(sub) -> list[int]:
    """The deleted document numbers of one segment reader, read from its per-document
    file at once (``is_deleted`` for each document costs a call apiece)."""
    return list(sub._perdoc.deleted_docs())


def field_length_reader(sub, field: str):
    """A function giving each document's length of ``field`` in one segment reader (the
    per-document file's reader: ``doc_field_length`` costs several calls a document)."""
    return sub._perdoc.doc_field_length_reader(field, 1)


def block_postings(matcher):
    """(ids, weights) of a raw segment matcher, a block at a time where the codec allows."""
    ids: list = []
    weights: list = []
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            matcher._next_block()
    else:
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return ids, weights


def segment_positions(sub, field: str, term: bytes, fmt, local_docs):
    """(local docnum, positions) for those of ``local_docs`` (ascending) whose postings of
    ``term`` in one segment reader hold it, reading only the blocks that contain them."""
    from whoosh.reading import TermNotFound

    try:
        m = sub._terms.matcher(field, term, fmt)
    except (KeyError, TermNotFound):  # the term is not in this segment
        return
    blockwise = hasattr(m, "_read_ids") and hasattr(m, "_maxid")
    for local in local_docs:
        if not m.is_active():
            return
        if blockwise:
            while m.is_active() and local > m._maxid:
                m._next_block()
            if not m.is_active():
                return
            if m._ids is None:
                m._read_ids()
            i = bisect.bisect_left(m._ids, local)
            if i < len(m._ids) and m._ids[i] == local:
                m._i = i
                yield local, fmt.decode_positions(m.value())
        else:
            m.skip_to(local)
            if m.is_active() and m.id() == local:
                yield local, list(m.value_as("positions"))


# -- writing segments ----------------------------------------------------------------------------
def add_block_postings(postwriter, ids, weights, values, lengths) -> None:
    """What ``postwriter.add_posting`` does for each posting of one term, a block at a time.
    ``lengths`` holds each posting's document field length (or is None: no length stats)."""
    limit = postwriter._blocklimit
    n = len(ids)
    i = 0
    while i < n:
        if len(postwriter._ids) >= limit:
            postwriter._write_block()
        j = min(n, i + limit - len(postwriter._ids))
        postwriter._ids.extend(ids[i:j])
        chunk = weights[i:j]
        postwriter._weights.extend(chunk)
        if values:
            postwriter._values.extend(values[i:j])
        top = max(chunk)
        if top > postwriter._maxweight:
            postwriter._maxweight = top
        if lengths is not None:
            present = [x for x in lengths[i:j] if x]
            if present:
                low, high = min(present), max(present)
                if postwriter._minlength is None or low < postwriter._minlength:
                    postwriter._minlength = low
                if high > postwriter._maxlength:
                    postwriter._maxlength = high
        i = j


def add_term_postings(fieldwriter, ids, weights, values, lengths) -> None:
    """One term's postings through a field writer that has no bulk method of its own."""
    add_block_postings(fieldwriter._postwriter, ids, weights, values, lengths)


def finish_segment(writer):
    """The segment a ``SegmentWriter`` wrote, closed and ready for another writer's table of
    contents (a worker of a parallel rebuild)."""
    return writer._finalize_segment()


def abandon_segment(writer) -> None:
    """Close a ``SegmentWriter``'s files without removing the folder the workers share."""
    writer._close_segment()


def commit_segments(writer, segments) -> None:
    """Commit ``segments`` (written by other writers) as the index's whole table of contents,
    under ``writer``'s lock; the writer adds nothing itself."""
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()


def index_segments(ix) -> list:
    """The segments of an index's latest table of contents (no reader opened)."""
    return ix._segments()


# -- a bulk segment writer (see indexer.segment) ------------------------------------------------
class BulkSegmentWriter(SegmentWriter):
    """``SegmentWriter`` with a :class:`~indexer.segment.TermPool` and a bulk flush (see
    :mod:`indexer.segment`). Takes the same arguments; ``limitmb`` no longer applies."""

    def __init__(self, ix, **kwargs):
        from .segment import TermPool

        super().__init__(ix, **kwargs)
        self.pool = TermPool()
        # term vectors and separate spelling fields take Whoosh's own path
        self._plain = not any(f.vector or f.separate_spelling() for _, f in self.schema.items())

    def add_document(self, **fields):
        """Whoosh's ``SegmentWriter.add_document``, with the postings handed to the pool a
        field at a time."""
        if not self._plain:
            return super().add_document(**fields)
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        add_field = self.pool.add_field
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, docboost)
                    length = add_field(fieldname, docnum, field.index(value), boost)
                    if not field.scorable:
                        length = 0
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None,
                                       length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column,
                                                  field.to_column_value(customval))
        except ValueError:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        from .segment import write_postings

        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        write_postings(self.fieldwriter, self.schema, perdoc, self.pool, self.docnum)
        self.fieldwriter.close()
        if perdoc is not None:
            perdoc.close()


# -- the patches ---------------------------------------------------------------------------------
_Original = structfile.BufferFile


#: what ``ViewIO.peek`` gives: more than a stored document or a block header takes
PEEK_BYTES = 4096


class ViewIO(io.RawIOBase):
    """A read-only, seekable binary file over a memoryview (no copy)."""

    def __init__(self, buf):
        super().__init__()
        self._view = memoryview(buf)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view),
                                                                   self._pos + size)
        data = bytes(self._view[self._pos:end])
        self._pos = max(self._pos, end)
        return data

    def peek(self, size: int = 0) -> bytes:
        """The next bytes without reading them: pickle reads a stored document or a
        postings block's header through this in one call instead of one per opcode."""
        return bytes(self._view[self._pos:self._pos + PEEK_BYTES])

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        else:
            pos = len(self._view) + offset
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            self._view.release()
        super().close()


class ViewBufferFile(_Original):
    """whoosh's BufferFile, reading sequentially through a ViewIO instead of a BytesIO copy."""

    def __init__(self, buf, name=None, onclose=None):
        self._buf = buf
        self._name = name
        self.file = ViewIO(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def subset(self, position: int, length: int, name=None):
        return ViewBufferFile(self.get(position, length), name=name or self._name)


class _CountingFile:
    """A write-only file that knows its position without asking the operating system."""

    def __init__(self, raw):
        self._raw = raw
        self._pos = raw.tell()

    def write(self, data) -> int:
        n = self._raw.write(data)
        self._pos += n if n is not None else len(data)
        return n

    def tell(self) -> int:
        return self._pos

    def seek(self, *args) -> int:
        self._pos = self._raw.seek(*args)
        return self._pos

    def __getattr__(self, name):
        return getattr(self._raw, name)


class CapturingFieldWriter(whoosh3.W3FieldWriter):
    """whoosh3's field writer, also writing each segment's arrays (:mod:`indexer.arrays`)
    as it writes the segment, for indexes whose ``body`` is our ``NewsText``. Other indexes,
    segments in RAM and other codecs are left alone."""

    _captures_arrays = True

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        # whoosh asks the postings and terms files their position several times per term:
        # a system call each time on a real file (~5% of indexing), counted here instead
        for f in (getattr(self, "_postfile", None),
                  getattr(getattr(self, "_tindex", None), "dbfile", None)):
            if f is not None and hasattr(f, "file"):
                f.file = _CountingFile(f.file)
        folder = getattr(storage, "folder", None)
        from . import arrays  # (it imports this module)

        self._arrays = Path(folder) / arrays.ARRAYS_DIR if folder else None
        self._new_builder = arrays._Builder
        self._fields, self._ranked = arrays.FIELDS, arrays.RANKED
        self._out = self._new_builder()
        self._ours = False  # fields come in name order: "body" tells before the others
        # the current field's postings of the current term, and its documents' lengths
        self._cap: tuple[list, list, dict | None] | None = None
        self._many = None  # the current term's (ids, weights) from add_many

    def start_field(self, fieldname, fieldobj):
        super().start_field(fieldname, fieldobj)
        if fieldname == "body":
            from .analysis import NewsText

            self._ours = isinstance(fieldobj, NewsText)
        self._cap = None
        if self._ours and self._arrays is not None and fieldname in self._fields:
            self._out.start(fieldname)
            self._cap = ([], [], {} if fieldname in self._ranked else None)

    def add(self, docnum, weight, vbytes, length):
        self._postwriter.add_posting(docnum, weight, vbytes, length)
        cap = self._cap
        if cap is not None:
            cap[0].append(docnum)
            cap[1].append(weight)
            if cap[2] is not None:
                cap[2][docnum] = length

    def add_many(self, ids, weights, values, lengths):
        """One term's postings at once (:func:`indexer.segment.write_postings`)."""
        add_block_postings(self._postwriter, ids, weights, values, lengths)
        if self._cap is not None:
            self._many = (ids, weights)

    def add_term(self, btext: bytes, ids, weights, values, lengths) -> None:
        """One term's postings at once: ``start_term`` + ``add_many`` + ``finish_term``.

        A term whose postings fit one block (almost every term of a segment: 56,000 of 60,000
        blocks for 10,000 Reuters stories) is written here in one go, the bytes whoosh3's
        ``W3PostingsWriter`` writes for it (``tests/indexer/test_segment.py`` compares them);
        longer ones take whoosh3's own path."""
        pw = self._postwriter
        if (len(ids) > pw._blocklimit or pw._byteids or pw._inlinelimit > 1
                or type(pw) is not whoosh3.W3PostingsWriter):
            self.start_term(btext)
            self.add_many(ids, weights, values, lengths)
            self.finish_term()
            return
        self._btext = btext
        top = max(weights)
        maxweight = top if top > 0 else 0
        minlength, maxlength = None, 0
        if lengths is not None:
            present = [x for x in lengths if x]
            if present:
                minlength, maxlength = min(present), max(present)
        info = whoosh3.W3TermInfo()
        info._weight += sum(weights)
        info._df = len(ids)
        info._minlength, info._maxlength, info._maxweight = minlength, maxlength, maxweight
        info._minid, info._maxid = ids[0], ids[-1]
        # the block, as W3PostingsWriter._write_block(last=True) makes it
        if all(w == 1.0 for w in weights):
            mini_weights = None
        elif all(w == weights[0] for w in weights):
            mini_weights = weights[0]
        else:
            mini_weights = tuple(weights)
        fixed = self._format.fixed_value_size()
        mini_values: tuple | bytes | None
        if fixed is None or fixed < 0:
            mini_values = tuple(values)
        elif fixed == 0:
            mini_values = None
        else:
            mini_values = b"".join(values)
        data = dumps((tuple(delta_encode(ids)), mini_weights, mini_values), 2)
        comp = pw._compression
        if len(data) < whoosh3.COMPRESSION_MIN_SIZE:
            comp = 0
        if comp:
            data = zlib.compress(data, comp)
        head = dumps((len(ids), ids[-1], maxweight, comp, length_to_byte(minlength),
                       length_to_byte(maxlength)), 2)
        postfile = pw._postfile
        start = postfile.tell()
        postfile.write(b"".join((whoosh3.WHOOSH3_HEADER_MAGIC,
                                 pack_int(-(len(head) + len(data))), head, data)))
        info.set_extent(start, postfile.tell() - start)
        self._tindex.add(pack_ushort(self._fieldid) + btext, info.to_bytes())
        if self._cap is not None:
            self._out.term(self._fieldname, btext, ids, weights)

    def set_field_lengths(self, lengths) -> None:
        """Every document's length in the current field (bulk writing gives them once
        instead of with each posting)."""
        if self._cap is not None and self._cap[2] is not None:
            arr = np.asarray(lengths, dtype=np.float32)
            arr[arr <= 0] = 1
            self._out.lengths[self._fieldname] = arr

    def finish_term(self):
        super().finish_term()
        cap = self._cap
        if cap is None:
            return
        if self._many is not None:
            self._out.term(self._fieldname, self._btext, *self._many)
            self._many = None
        else:
            self._out.term(self._fieldname, self._btext, cap[0], cap[1])
            cap[0].clear()
            cap[1].clear()

    def finish_field(self):
        cap = self._cap
        if cap is not None and cap[2]:
            lengths = cap[2]
            arr = np.ones(max(lengths) + 1, dtype=np.float32)
            arr[np.fromiter(lengths.keys(), dtype=np.int64)] = \
                np.fromiter(lengths.values(), dtype=np.float32)
            arr[arr <= 0] = 1
            self._out.lengths[self._fieldname] = arr
        self._cap = None
        super().finish_field()

    def close(self):
        super().close()
        if self._arrays is None or not self._ours:
            return
        try:
            self._arrays.mkdir(exist_ok=True)
            self._out.save(self._arrays / self._segment.segment_id(), None)
        except OSError:
            pass  # the arrays only speed searching up; build_missing retries
        self._out = self._new_builder()


def apply() -> None:
    """Install both patches (idempotent)."""
    compound.BufferFile = ViewBufferFile  # type: ignore[misc]
    if not getattr(whoosh3.W3FieldWriter, "_captures_arrays", False):
        whoosh3.W3FieldWriter = CapturingFieldWriter  # type: ignore[misc]


# -- scoring with statistics from elsewhere --------------------------------------------------
def global_weighting(stats, B: float, K1: float):
    """A BM25F weighting whose idf and average field lengths come from ``stats`` (a
    :class:`search.stats.CorpusStats`: every shard's numbers) instead of the searcher's own
    index, so each shard scores as one archive holding all the stories would. Whoosh reads
    them in ``BM25FScorer.__init__`` from the top-level searcher; this scorer takes them as
    given and does the rest as that constructor does."""
    from whoosh.scoring import BM25F, BM25FScorer, WeightScorer

    class _Scorer(BM25FScorer):
        def __init__(self, searcher, fieldname, text, qf):
            self.idf = stats.idf(fieldname, _text(text))
            self.avgfl = stats.avg(fieldname)
            self.B, self.K1, self.qf = B, K1, qf
            self.setup(searcher, fieldname, text)

    class _Weighting(BM25F):
        def idf(self, searcher, fieldname, text):
            return stats.idf(fieldname, _text(text))

        def scorer(self, searcher, fieldname, text, qf=1):
            if not searcher.schema[fieldname].scorable:
                return WeightScorer.for_(searcher, fieldname, text)
            return _Scorer(searcher, fieldname, text, qf)

    return _Weighting(B=B, K1=K1)


def _text(text) -> str:
    return text.decode("utf-8") if isinstance(text, bytes) else text
