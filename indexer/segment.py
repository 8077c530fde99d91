"""A Whoosh segment writer that gathers postings per term in memory and writes them in bulk.

Whoosh's ``SegmentWriter`` puts every posting into a sorting pool as a
``(field, term, docnum, weight, value)`` tuple, spills the pool to disk as pickled runs when it
exceeds ``limitmb``, sorts and merges the runs at commit, and hands the postings one by one to
the codec, which looks up the document's field length for each of them. Profiled on
Reuters-21578 that pool and the per-posting hand-over were about half of the indexing time.

Documents arrive in ascending number, so each term's postings are already in order when kept
per term: :class:`TermPool` appends them to compact arrays and only the terms are sorted at
commit; :func:`write_postings` fills the codec's posting blocks a block at a time. The files
written are Whoosh's own (same codec, same blocks): a reader cannot tell the difference.
Memory grows with the documents of one commit, which the indexer bounds (``Indexer.batch``).
"""

from __future__ import annotations

from array import array
from typing import Any

from whoosh.writing import SegmentWriter


class TermPool:
    """Stands in for Whoosh's ``PostingPool``: postings kept per (field, term) in arrival
    order, which is document order (new documents, then merged segments after them)."""

    def __init__(self):
        #: field name -> term bytes -> (docnums, weights, non-empty values)
        self.fields: dict[str, dict[bytes, tuple[array, array, list]]] = {}
        self.fieldnames: set[str] = set()
        self._last: tuple[str, dict] | None = None

    def add(self, item) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        last = self._last
        terms: Any
        if last is not None and last[0] == fieldname:
            terms = last[1]
        else:
            terms = self.fields.get(fieldname)
            if terms is None:
                terms = self.fields[fieldname] = {}
                self.fieldnames.add(fieldname)
            self._last = (fieldname, terms)
        postings = terms.get(tbytes)
        if postings is None:
            postings = terms[tbytes] = (array("I"), array("f"), [])
        postings[0].append(docnum)
        postings[1].append(weight)
        if vbytes:
            postings[2].append(vbytes)

    def add_field(self, fieldname: str, docnum: int, items, boost: float) -> int:
        """Add one document's ``(term, freq, weight, value)`` items of a field; returns the
        field length (the sum of the frequencies). The loop of Whoosh's ``add_document``
        without a tuple and a call per posting."""
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        get = terms.get
        length = 0
        for tbytes, freq, weight, vbytes in items:
            postings = get(tbytes)
            if postings is None:
                postings = terms[tbytes] = (array("I"), array("f"), [])
            postings[0].append(docnum)
            postings[1].append(weight * boost)
            if vbytes:
                postings[2].append(vbytes)
            length += freq
        return length

    def iter_postings(self):
        """The postings as Whoosh's pool gives them: sorted by field, term, document."""
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for tbytes in sorted(terms):
                ids, weights, values = terms[tbytes]
                vals = iter(values) if values else None
                for docnum, weight in zip(ids, weights):
                    yield fieldname, tbytes, docnum, weight, next(vals) if vals else None

    def save(self) -> None:
        pass

    def cleanup(self) -> None:
        self.fields.clear()
        self._last = None


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


def write_postings(fieldwriter, schema, perdoc, pool: TermPool, doc_count: int) -> None:
    """Write the pool through the codec's field writer, term by term (Whoosh's
    ``FieldWriter.add_postings`` does it posting by posting)."""
    bulk = getattr(fieldwriter, "add_many", None)
    for fieldname in sorted(pool.fields):
        terms = pool.fields[fieldname]
        fieldobj = schema[fieldname]
        fieldwriter.start_field(fieldname, fieldobj)
        doc_lengths = None
        if perdoc is not None and fieldobj.scorable:
            get = perdoc.doc_field_length_reader(fieldname)
            doc_lengths = [get(d) for d in range(doc_count)]
            if hasattr(fieldwriter, "set_field_lengths"):
                fieldwriter.set_field_lengths(doc_lengths)
        for tbytes in sorted(terms):
            ids, weights, values = terms[tbytes]
            lengths = [doc_lengths[d] for d in ids] if doc_lengths is not None else None
            fieldwriter.start_term(tbytes)
            if bulk is not None:
                bulk(ids, weights, values, lengths)
            else:
                add_block_postings(fieldwriter._postwriter, ids, weights, values, lengths)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


class BulkSegmentWriter(SegmentWriter):
    """``SegmentWriter`` with a :class:`TermPool` and a bulk flush (see the module docstring).
    Takes the same arguments; ``limitmb`` no longer applies."""

    def __init__(self, ix, **kwargs):
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
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        write_postings(self.fieldwriter, self.schema, perdoc, self.pool, self.docnum)
        self.fieldwriter.close()
        if perdoc is not None:
            perdoc.close()
