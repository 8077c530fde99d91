"""Which words go together in this archive, to widen a plain query (latent semantic analysis).

A reader's words are rarely all the words of the story they want: a question about "the coup in
Viet Nam" is answered by a story about "Diem", "generals" and "Saigon". The archive itself says
which words travel together. At index time a sample of its stories becomes a log-TF × IDF
matrix; its truncated SVD (``RANK`` dimensions, scipy's sparse routines) maps every word into a
space where words used in the same stories lie close. At query time the query's words are
mapped there and back, and the ``EXPAND_TERMS`` words closest to them (not the query's own)
re-rank the top of the ranking with their body BM25F (``search.rank.concept_bonus``):
they never add a story the query does not match, so totals, facets and pages stay the query's.

The same space weighs the query's own words: one that does not go with the others (the
"new" of a long question) counts less (:meth:`ConceptModel.coherence`).

The model is fitted on a sample of the archive's stories and refitted when the archive has
grown or shrunk by a quarter since. (What it does for relevance on the TIME collection, and
the settings tried: CHANGELOG.md.)
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .selection import at_least_nth

RANK = 100
SAMPLE = 20_000  # stories the model is fitted on (a random sample of a bigger archive)
SAMPLE_CHARS = 5_000  # of each story: a news story says what it is about early
MIN_STORIES = 100  # below this an archive says too little about which words go together
MIN_DF = 2  # a word in fewer sampled stories has no company to learn from
EXPAND_TERMS = 10
#: how much a query word that does not go with the query's other words loses: its weight is
#: 1 - COHERENCE + COHERENCE x (its closeness to the others, 0..1); see :meth:`coherence`
COHERENCE = 0.25
REFIT_CHANGE = 0.25  # refit when the archive has grown or shrunk by this share
FILE = "concepts.npz"


class ConceptModel:
    """Words mapped into ``RANK`` latent dimensions: ``vt[:, i]`` is word ``terms[i]``."""

    def __init__(self, terms: np.ndarray, idf: np.ndarray, vt: np.ndarray, stories: int):
        self.terms = terms
        self.idf = idf
        self.vt = vt
        self.stories = stories
        self._column = {t: i for i, t in enumerate(terms.tolist())}

    @classmethod
    def fit(cls, texts: Iterable[str], analyzer, stories: int, rank: int | None = None,
            seed: int = 0) -> "ConceptModel | None":
        """The model of ``texts`` (analysed with ``analyzer``), or None when they are too few.
        ``stories`` is the archive's size, kept to tell when to refit."""
        vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        n_rows = 0
        for text in texts:
            for t, n in _term_counts(analyzer, text).items():
                rows.append(n_rows)
                cols.append(vocab.setdefault(t, len(vocab)))
                vals.append(n)
            n_rows += 1
        return cls.fit_counts(_coo(rows, cols, vals, n_rows, len(vocab)), list(vocab),
                              stories, rank, seed)

    @classmethod
    def fit_counts(cls, counts, words: list[str], stories: int, rank: int | None = None,
                   seed: int = 0) -> "ConceptModel | None":
        """The model of a sparse matrix of term counts (a row per story, a column per one of
        ``words``), or None when its stories are too few (empty rows do not count)."""
        from scipy.sparse import csr_matrix

        rank = rank or RANK
        counts = csr_matrix(counts)
        counts = counts[np.diff(counts.indptr) > 0]  # stories without a word say nothing
        if counts.shape[0] < MIN_STORIES:
            return None
        df = np.diff(counts.tocsc().indptr)
        keep = [c for c in sorted(range(len(words)), key=words.__getitem__) if df[c] >= MIN_DF]
        # a small archive's few words and stories hold fewer dimensions
        rank = min(rank, len(keep) // 4, counts.shape[0] // 4)
        if rank < 2:
            return None
        a = csr_matrix(counts[:, keep], dtype=np.float64)
        idf = np.log(counts.shape[0] / df[keep].astype(np.float64))
        a.data = 1 + np.log(a.data)
        a = csr_matrix(a.multiply(idf[None, :]))
        norms = np.sqrt(np.asarray(a.multiply(a).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        a = csr_matrix(a.multiply(1 / norms[:, None]))
        vt = _top_right_singular_vectors(a, rank, seed)
        return cls(np.array([words[c] for c in keep]), idf.astype(np.float32),
                   vt.astype(np.float32), stories)

    def expand(self, terms: list[str], n: int | None = None,
               weights: dict[str, float] | None = None) -> dict[str, float]:
        """The ``n`` (``EXPAND_TERMS``) words closest to ``terms`` in the latent space
        (``terms`` themselves left out), each with its closeness relative to the closest (1.0).
        ``weights`` (term -> weight, default 1) says how much each term counts."""
        n = n or EXPAND_TERMS
        weights = weights or {}
        known = [t for t in dict.fromkeys(terms) if t in self._column]
        if not known:
            return {}
        cols = [self._column[t] for t in known]
        scale = np.array([weights.get(t, 1.0) for t in known], dtype=np.float32)
        q = self.vt[:, cols] @ (self.idf[cols] * scale)  # the query in the latent space
        near = q @ self.vt  # ...and back, over every word
        near[cols] = -np.inf
        best = at_least_nth(near, n)
        best = best[np.lexsort((best, -near[best]))][:n]  # ties: the earlier word first
        top = float(near[best[0]]) if len(best) else 0.0
        if top <= 0:
            return {}
        return {str(self.terms[i]): float(near[i]) / top for i in best if near[i] > 0}

    def coherence(self, words: list[tuple[str, ...]], strength: float | None = None
                  ) -> dict[tuple[str, ...], float]:
        """A weight for each query word (a tuple of terms, as ``search.rank.word_terms``
        gives): 1 - ``strength`` + ``strength`` x the cosine (0 if negative) between the word
        and the query's other words in the latent space. In "the coup in Viet Nam and the
        new policy" the words of the coup count fully and "new" and "policy" a little less.
        Words the model does not know, and one-word queries, are left out (weight 1)."""
        strength = COHERENCE if strength is None else strength
        vectors, known = [], []
        for word in words:
            cols = [self._column[t] for t in word if t in self._column]
            if cols:
                v = self.vt[:, cols] @ self.idf[cols]
                norm = float(np.linalg.norm(v))
                if norm > 0:
                    vectors.append(v / norm)
                    known.append(word)
        if len(known) < 2:
            return {}
        matrix = np.array(vectors)
        total = matrix.sum(axis=0)
        out = {}
        for word, v in zip(known, vectors):
            others = total - v
            norm = float(np.linalg.norm(others))
            cos = float(v @ others) / norm if norm > 0 else 0.0
            out[word] = 1 - strength + strength * max(cos, 0.0)
        return out

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, terms=self.terms, idf=self.idf, vt=self.vt, stories=np.array(self.stories))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "ConceptModel | None":
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls(z["terms"], z["idf"], z["vt"], int(z["stories"]))
        except (OSError, KeyError, ValueError):
            return None


def one_blas_thread() -> None:
    """Numeric libraries (OpenBLAS) use one thread in this process, for a process that
    searches: a query's products are small, and a BLAS pool's idle threads spin on the cores
    that other searching processes (or a cluster's workers beside this coordinator) need."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _top_right_singular_vectors(a, k: int, seed: int) -> np.ndarray:
    """The top ``k`` right singular vectors of sparse ``a`` (rows of the result), by the
    randomized range finder (Halko, Martinsson & Tropp 2011) with two power iterations.

    In single precision, the power iterations normalised by LU (as scikit-learn's
    ``randomized_svd`` does) and the small final factorisation taken from the eigenvectors
    of ``b @ b.T`` (``k + 10`` square): the same vectors as Householder QR at each step and
    a full SVD of ``b`` in double precision (cosines above 0.9999999 on Reuters-21578), in
    a third of the time."""
    from scipy.linalg import lu

    a = a.astype(np.float32)
    rng = np.random.default_rng(seed)
    y = a @ rng.standard_normal((a.shape[1], k + 10)).astype(np.float32)
    for _ in range(2):
        q, _ = lu(y, permute_l=True, check_finite=False)
        q, _ = lu(a.T @ q, permute_l=True, check_finite=False)
        y = a @ q
    q, _ = np.linalg.qr(y)
    b = (a.T @ q).T  # (k + 10) x terms
    values, vectors = np.linalg.eigh((b @ b.T).astype(np.float64))
    top = np.argsort(-values)[:k]
    s = np.sqrt(np.maximum(values[top], 0.0))
    vt = (vectors[:, top].T.astype(np.float32) @ b).astype(np.float64)
    # directions the stories do not span (a tiny archive) are left out, not made up
    live = s > s[0] * 1e-3 if len(s) else s > 0
    vt[live] /= s[live, None]
    vt[~live] = 0.0
    return vt


def needs_fit(fitted: int | None, stories: int) -> bool:
    """Whether an archive of ``stories`` needs a new model, its model (if any) having been
    fitted when it held ``fitted``."""
    if stories < MIN_STORIES:
        return False
    return fitted is None or abs(stories - fitted) > REFIT_CHANGE * fitted


def fitted_stories(path: Path) -> int | None:
    """The archive's size when the model at ``path`` was fitted (None: no usable model),
    reading only that number from the file."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return int(z["stories"])
    except (OSError, KeyError, ValueError):
        return None


def refresh(index_path: Path, store, stories: int,
            note: Callable[[str], None] | None = None) -> bool:
    """Fit and save the archive's model when it has none or the archive has changed much
    since (see :func:`needs_fit`); whether it did. ``note(text)`` hears that it starts."""
    path = Path(index_path) / FILE
    if not needs_fit(fitted_stories(path) if path.exists() else None, stories):
        return False
    if note:
        note(f"learning which words go together from {min(stories, SAMPLE):,} stories ...")
    # the model only re-ranks: failing to fit or save it must not fail the indexing
    try:
        _, counts, words = index_sample(index_path, store, SAMPLE)
        model = ConceptModel.fit_counts(counts, words, stories)
        if model is None:
            return False
        model.save(path)
    except (np.linalg.LinAlgError, ValueError, MemoryError, OSError) as exc:
        if note:
            note(f"could not learn which words go together ({exc}); searches rank without them")
        return False
    return True


def _coo(rows: list[int], cols: list[int], vals: list, n_rows: int, n_cols: int):
    from scipy.sparse import csr_matrix

    return csr_matrix((np.array(vals, dtype=np.float64),
                       (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))),
                      shape=(n_rows, n_cols))


def index_sample(index_path: Path, store, n: int):
    """:func:`sample_counts` of the index at ``index_path`` and its archive's ``store``."""
    from whoosh import index as whoosh_index

    from .arrays import IndexArrays

    ix = whoosh_index.open_dir(str(index_path))
    try:
        with ix.reader() as reader:
            return sample_counts(IndexArrays(reader, index_path), ix.schema, n,
                                 store.long_stories(SAMPLE_CHARS))
    finally:
        ix.close()


def merge_samples(parts: list, n: int):
    """The ``n`` stories with the smallest keys of several archives' samples (each as
    :func:`sample_counts` gives it), as one sample over all their words: a sharded archive's
    is the one an archive of all its stories would take."""
    from scipy.sparse import csr_matrix

    vocab: dict[str, int] = {}
    keys, rows, cols, vals = [], [], [], []
    offset = 0
    for part_keys, counts, words in parts:
        column = np.array([vocab.setdefault(w, len(vocab)) for w in words], dtype=np.int64)
        coo = counts.tocoo()
        keys.append(np.asarray(part_keys, dtype=np.int64))
        rows.append(coo.row.astype(np.int64) + offset)
        cols.append(column[coo.col] if len(coo.col) else np.zeros(0, dtype=np.int64))
        vals.append(coo.data)
        offset += counts.shape[0]
    if not offset:
        return np.zeros(0, dtype=np.int64), csr_matrix((0, 0)), []
    all_keys = np.concatenate(keys)
    first = np.argsort(all_keys, kind="stable")[:n]
    matrix = csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(offset, len(vocab)))
    return all_keys[first], matrix[first], list(vocab)


def sample_counts(arrays, schema, n: int, long: Iterable[tuple[str, str]] = ()):
    """(story keys, term counts of title and body, the columns' words) of the ``n`` live
    stories of an index with the smallest keys (``arrays``: its
    :class:`~indexer.arrays.IndexArrays`), a row per story in key order: the sample
    :meth:`ConceptModel.fit_counts` takes, read from the postings instead of analysing the
    stories again. A story of ``long`` (canonical URL, its title and the start of its body,
    ``SAMPLE_CHARS``: what the model reads of a story) is counted from that text."""
    from scipy.sparse import csr_matrix

    from archive.keys import story_key

    live = np.flatnonzero(arrays.alive)
    keys = arrays.order()[live]
    by_key = np.argsort(keys, kind="stable")[:n]
    picked = live[by_key]
    row_of = np.full(arrays.doc_count, -1, dtype=np.int64)
    row_of[picked] = np.arange(len(picked))
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for name in ("title", "body"):
        boost = schema[name].format.field_boost or 1.0  # the weight is frequency x boost
        for terms, starts, ids, tf in arrays.field_postings(name):
            column = np.array([vocab.setdefault(t, len(vocab)) for t in terms], dtype=np.int64)
            r = row_of[ids]
            keep = r >= 0
            rows.append(r[keep])
            cols.append(np.repeat(column, np.diff(starts))[keep])
            vals.append(np.rint(tf[keep] / boost))
    row_of_key = dict(zip(keys[by_key].tolist(), range(len(picked))))
    cut = [(row_of_key[k], text) for k, text in ((story_key(url), text) for url, text in long)
           if k in row_of_key]
    if cut:  # their postings count all the story: count what the model reads instead
        analyzer = schema["body"].analyzer
        whole = np.zeros(len(picked), dtype=bool)
        whole[[r for r, _ in cut]] = True
        for part in range(len(rows)):
            keep = ~whole[rows[part]]
            rows[part], cols[part], vals[part] = rows[part][keep], cols[part][keep], \
                vals[part][keep]
        for r, text in cut:
            counted = _term_counts(analyzer, text)
            rows.append(np.full(len(counted), r, dtype=np.int64))
            cols.append(np.array([vocab.setdefault(t, len(vocab)) for t in counted],
                                 dtype=np.int64))
            vals.append(np.array(list(counted.values()), dtype=np.float64))
    matrix = csr_matrix((np.concatenate(vals) if vals else np.zeros(0),
                         (np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64),
                          np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64))),
                        shape=(len(picked), len(vocab)))
    return keys[by_key], matrix, list(vocab)


def _term_counts(analyzer, text: str) -> Counter:
    """How often each of ``text``'s indexed terms occurs: through our analyzer's indexing
    fast path where it has one (the same terms, a third less time), else token by token."""
    positions = getattr(analyzer, "positions", None)
    if positions is not None:
        return Counter({term: len(at) for term, at in positions(text).items()})
    return Counter(t.text for t in analyzer(text))
