r"""Text processing: the one tokeniser, stop-word list and TF-IDF weighting of forcemap.

Used by the full-text search and pathway discovery (:mod:`forcemap.decide.explore`) and by the
review panel's expertise match (:mod:`forcemap.decide.panel`).

Tokeniser
---------
A term is a run of two or more word characters (Unicode letters, digits, underscore) of the
lower-cased text, unless it is one of the :data:`STOP_WORDS` (English function words only).
It has two implementations, one per engine:

* :func:`tokenize` — Python, the regular expression :data:`TOKEN_PATTERN` (``\b\w\w+\b``)
  over ``str.lower()``; used by :func:`index_texts` and :meth:`TextIndex.query_vector`.
* :func:`sql_terms` — DuckDB, ``regexp_extract_all(lower(x), SQL_TOKEN_PATTERN)`` with the
  RE2 pattern :data:`SQL_TOKEN_PATTERN` (``[\p{L}\p{N}_]{2,}``), the stop words dropped by an
  anti-join with :func:`stop_words_table`; used by the review panel, which tokenises its
  candidates' documents set-based in the store.

They read every character of the Basic Multilingual Plane the same way but one, and differ
beyond it (checked in ``tests/indicators/test_text.py``): ``"İ".lower()`` is ``"i̇"`` (``i`` +
a combining dot, which is no word character) in Python but ``"i"`` in DuckDB; and DuckDB's
RE2 knows Unicode 15 while Python 3.11 knows 14.0, so ~200 letters of newly encoded scripts
(e.g. Kawi, U+11F04…) are word characters for :func:`sql_terms` only. Each caller keeps
the engine it used, so its results do not move.

TF-IDF
------
With :math:`n` documents, :math:`\mathrm{tf}_{dt}` the count of term *t* in document *d* and
:math:`\mathrm{df}_t` the documents containing *t*,

.. math::

    w_{dt} = \bigl(1 + \ln \mathrm{tf}_{dt}\bigr)\,\mathrm{idf}_t, \qquad
    \mathrm{idf}_t = \ln\frac{1 + n}{1 + \mathrm{df}_t} + 1

(:func:`smoothed_idf`, :func:`sublinear_tf`; in SQL :func:`sql_smoothed_idf`,
:func:`sql_sublinear_tf`). This is the smoothed IDF of Salton & Buckley (1988) as in
scikit-learn's ``TfidfVectorizer`` defaults: the "+1"s act as one extra document holding every
term, so no IDF is zero or infinite. Two index layouts use it:

* :class:`TextIndex` (:func:`index_texts`) — one L2-normalised ``float32`` row per document
  (:math:`x_d = w_d / \lVert w_d \rVert_2`; ``sublinear_tf=False`` uses
  :math:`\mathrm{tf}_{dt}` itself), optional bigrams and ``min_df`` / ``max_df`` pruning,
  saved to disk; the cosine of a query and a document is :math:`x_d \cdot x_q`.
* :class:`Postings` — ``float64`` weights of *units* (a review-panel candidate: the term
  counts summed over its documents, the IDF still over documents) kept unnormalised with
  their norms beside them, so the cosine is divided at query time.

References
----------
Salton, G. & Buckley, C. (1988). Term-weighting approaches in automatic text retrieval.
Information Processing & Management 24(5), 513–523. doi:10.1016/0306-4573(88)90021-0.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import scipy.sparse as sp
import Stemmer  # PyStemmer: the Snowball stemmers (C), https://github.com/snowballstem/pystemmer

from forcemap.errors import InputError, NotFoundError

__all__ = [
    "NO_YEAR",
    "SQL_TOKEN_PATTERN",
    "STOP_WORDS",
    "TOKEN_PATTERN",
    "Postings",
    "TextIndex",
    "analyze",
    "bm25_idf",
    "index_stem",
    "index_texts",
    "smoothed_idf",
    "sql_smoothed_idf",
    "sql_sublinear_tf",
    "sql_terms",
    "stem_words",
    "stop_words_table",
    "sublinear_tf",
    "tokenize",
    "top_rows",
]

STOP_WORDS: frozenset[str] = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each either else
    etc ever few for from further had has have having he her here hers herself him himself his
    how however if in into is it its itself just may me might more most much must my myself
    no nor not now of off on once only or other our ours ourselves out over own per same shall
    she should so some such than that the their theirs them themselves then there these they
    this those through thus to too under until up upon us very via was we were what when where
    whether which while who whom whose why will with within without would yet you your yours
    yourself yourselves
    """.split()
)
"""English stop words dropped by the tokeniser (function words only: no domain words)."""

TOKEN_PATTERN = r"\b\w\w+\b"
"""The Python regular expression of a term (run of ≥ 2 word characters): :func:`tokenize`."""

SQL_TOKEN_PATTERN = r"[\p{L}\p{N}_]{2,}"
"""The same terms as an RE2 pattern for DuckDB's ``regexp_extract_all``: :func:`sql_terms`."""

_TOKEN = re.compile(TOKEN_PATTERN)
_CHUNK = 200_000  # documents tokenised per chunk when building (bounds the peak memory)
_INDEX_VERSION = 2  # 2: BM25 weighting, stemming and phrase bigrams (1: TF-IDF only)
BM25_K1 = 1.2
"""BM25 term-frequency saturation (Robertson & Zaragoza 2009; Lucene's and bm25s's default)."""
BM25_B = 0.75
"""BM25 document-length normalisation (the standard value)."""
_STEMMER = Stemmer.Stemmer("english")
NO_YEAR = 0
"""The year stored in :attr:`TextIndex.years` for a document without one."""


# -- the tokeniser -----------------------------------------------------------------------------
def tokenize(text: str | None, *, bigrams: bool = False) -> list[str]:
    """The terms of ``text`` as the index sees them (lower-cased, stop words dropped).

    With ``bigrams``, the pairs of consecutive remaining tokens follow the tokens.

    >>> tokenize("The Robots of 2024: robot-arms, a 3D printer!")
    ['robots', '2024', 'robot', 'arms', '3d', 'printer']
    >>> tokenize("deep learning for robot grasping", bigrams=True)[-3:]
    ['deep learning', 'learning robot', 'robot grasping']
    """
    if not text:
        return []
    toks = [t for t in _TOKEN.findall(text.lower()) if t not in STOP_WORDS]
    if bigrams:
        toks += [f"{a} {b}" for a, b in itertools.pairwise(toks)]
    return toks


def stem_words(tokens: Sequence[str]) -> list[str]:
    """The Snowball (English, PyStemmer) stem of each token, as :func:`analyze` stems them.

    >>> stem_words(["batteries", "battery", "grasping"])
    ['batteri', 'batteri', 'grasp']
    """
    return list(_STEMMER.stemWords(list(tokens)))


def analyze(text: str | None, *, stem: bool = True, bigrams: bool = True) -> list[str]:
    """The terms of ``text`` for BM25 retrieval: :func:`tokenize`'s tokens, Snowball-stemmed
    (English, PyStemmer), then the pairs of consecutive stems (the phrase terms).

    A phrase query is answered by its bigram terms: ``"solid state battery"`` gives
    ``solid``, ``state``, ``batteri``, ``solid state``, ``state batteri``, which a document on
    "solid-state batteries" holds and one on "solid oxide fuel cells" does not.

    >>> analyze("Solid-state batteries")
    ['solid', 'state', 'batteri', 'solid state', 'state batteri']
    """
    toks = tokenize(text)
    if stem:
        toks = _STEMMER.stemWords(toks)
    if bigrams:
        toks += [f"{a} {b}" for a, b in itertools.pairwise(toks)]
    return toks


def sql_terms(text_sql: str) -> str:
    r"""A DuckDB expression giving one row per term of the text expression ``text_sql`` (stop
    words still in: drop them with ``tok NOT IN (SELECT tok FROM <stop_words_table()>)``).

    >>> print(sql_terms("title"))
    unnest(regexp_extract_all(lower(title), '[\p{L}\p{N}_]{2,}'))
    """
    return f"unnest(regexp_extract_all(lower({text_sql}), '{SQL_TOKEN_PATTERN}'))"


def stop_words_table() -> pa.Table:
    """:data:`STOP_WORDS` as a one-column (``tok``) table, sorted, to register in DuckDB."""
    return pa.table({"tok": pa.array(sorted(STOP_WORDS), pa.string())})


# -- weights -----------------------------------------------------------------------------------
def smoothed_idf(df: np.ndarray, n: int) -> np.ndarray:
    r""":math:`\ln((1 + n)/(1 + \mathrm{df})) + 1` per term (``float64``).

    >>> smoothed_idf(np.array([1, 3]), 3).round(6).tolist()
    [1.693147, 1.0]
    """
    return np.log((1.0 + n) / (1.0 + df.astype(np.float64))) + 1.0


def bm25_idf(df: np.ndarray, n: int) -> np.ndarray:
    r"""BM25's IDF as in Lucene and bm25s,
    :math:`\ln(1 + (n - \mathrm{df} + 0.5)/(\mathrm{df} + 0.5))`
    (never negative, unlike Robertson–Spärck Jones's original).

    >>> bm25_idf(np.array([1, 3]), 3).round(6).tolist()
    [0.980829, 0.133531]
    """
    d = df.astype(np.float64)
    return np.log(1.0 + (n - d + 0.5) / (d + 0.5))


def sublinear_tf(tf: np.ndarray) -> np.ndarray:
    r""":math:`1 + \ln \mathrm{tf}` per (document, term) count."""
    return np.asarray(1.0 + np.log(tf), dtype=np.float64)


def sql_smoothed_idf(n_sql: str, df_sql: str) -> str:
    """:func:`smoothed_idf` as a DuckDB expression of the expressions ``n_sql``, ``df_sql``.

    >>> sql_smoothed_idf("n", "count(*)")
    'ln((1.0 + n) / (1.0 + count(*))) + 1.0'
    """
    return f"ln((1.0 + {n_sql}) / (1.0 + {df_sql})) + 1.0"


def sql_sublinear_tf(tf_sql: str) -> str:
    """:func:`sublinear_tf` as a DuckDB expression.

    >>> sql_sublinear_tf("t.tf")
    '(1.0 + ln(t.tf))'
    """
    return f"(1.0 + ln({tf_sql}))"


def top_rows(s: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the ``k`` largest positive scores, best first, ties by row.

    >>> rows, vals = top_rows(np.array([0.2, 0.0, 0.5, 0.2]), 2)
    >>> rows.tolist(), vals.tolist()
    ([2, 0], [0.5, 0.2])
    """
    cand = np.flatnonzero(s > 0)
    if len(cand) == 0 or k <= 0:
        return np.zeros(0, np.int64), np.zeros(0)
    vals = s[cand]
    if len(cand) > k:
        kth = np.partition(vals, len(vals) - k)[len(vals) - k]
        keep = vals >= kth  # every tie of the k-th score, cut after sorting by row
        cand, vals = cand[keep], vals[keep]
    order = np.lexsort((cand, -vals))[:k]
    return cand[order].astype(np.int64), vals[order]


# -- the document index ------------------------------------------------------------------------
@dataclass
class TextIndex:
    """A TF-IDF index: one L2-normalised row per document, one column per term.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        ``float32``, documents × terms, rows of norm 1 (0 for a document without any term).
    vocabulary : list of str
        The terms, sorted; column *j* is ``vocabulary[j]``.
    idf : numpy.ndarray
        ``float64`` smoothed IDF of each term (see the module docstring).
    ids, entities, titles : list of str
        Per document: its id, ``"works"`` or ``"patents"``, its title ('' when unknown).
    years : numpy.ndarray
        ``int32`` year of each document, :data:`NO_YEAR` (0) when unknown.
    entity : str
        ``"works"``, ``"patents"`` or ``"both"``: what was indexed.
    params : dict
        The build parameters (``min_df``, ``max_df``, ``sublinear_tf``, ``bigrams``), so a
        query is weighted the way the documents were.
    embeddings : numpy.ndarray or None
        ``float32`` documents × d sentence embeddings, rows of norm 1, once computed
        (:func:`forcemap.decide.explore.embed_index`); saved beside the index
        (``<stem>.emb.npy``) and memory-mapped on load, so a semantic query embeds only the
        query.
    """

    matrix: sp.csr_matrix
    vocabulary: list[str]
    idf: np.ndarray
    ids: list[str]
    entities: list[str]
    titles: list[str]
    years: np.ndarray
    entity: str
    params: dict[str, Any] = field(default_factory=dict)
    embeddings: np.ndarray | None = field(default=None, repr=False, compare=False)
    _term_index: dict[str, int] | None = field(default=None, repr=False, compare=False)
    _csc: sp.csc_matrix | None = field(default=None, repr=False, compare=False)

    @property
    def n_documents(self) -> int:
        """Number of documents (rows)."""
        return int(self.matrix.shape[0])

    @property
    def n_terms(self) -> int:
        """Number of terms (columns)."""
        return int(self.matrix.shape[1])

    @property
    def term_index(self) -> dict[str, int]:
        """Term → column."""
        if self._term_index is None:
            self._term_index = {t: i for i, t in enumerate(self.vocabulary)}
        return self._term_index

    @property
    def postings(self) -> sp.csc_matrix:
        """The matrix as CSC: column *t* is the posting list of term *t* (built once)."""
        if self._csc is None:
            self._csc = self.matrix.tocsc()
            self._csc.sort_indices()
        return self._csc

    def nbytes(self) -> int:
        """Bytes held by the sparse matrix (and its CSC copy when built) and the IDF."""
        n = self.matrix.data.nbytes + self.matrix.indices.nbytes + self.matrix.indptr.nbytes
        if self._csc is not None:
            n += self._csc.data.nbytes + self._csc.indices.nbytes + self._csc.indptr.nbytes
        return int(n + self.idf.nbytes + self.years.nbytes)

    @property
    def bm25(self) -> bool:
        """Whether the rows hold BM25 weights (else L2-normalised TF-IDF)."""
        return self.params.get("weighting") == "bm25"

    def query_vector(self, query: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The query's vector: (term columns, weights, unknown terms); TF-IDF weights of norm
        1, or 1 per distinct term for a BM25 index."""
        bigrams = bool(self.params.get("bigrams", False))
        if self.bm25:
            toks = analyze(query, stem=bool(self.params.get("stem", True)), bigrams=bigrams)
        else:
            toks = tokenize(query, bigrams=bigrams)
        ti = self.term_index
        known = [ti[t] for t in toks if t in ti]
        unknown = list(dict.fromkeys(t for t in toks if t not in ti and " " not in t))
        if not known:
            return np.zeros(0, np.int64), np.zeros(0), unknown
        cols, counts = np.unique(np.asarray(known, np.int64), return_counts=True)
        if self.bm25:  # each distinct query term once: the score is the sum of its weights
            return cols, np.ones(len(cols)), unknown
        tf = sublinear_tf(counts) if self.params.get("sublinear_tf", True) else counts * 1.0
        w = tf * self.idf[cols]
        return cols, w / np.linalg.norm(w), unknown

    def scores(self, query: str) -> tuple[np.ndarray, list[str]]:
        """Score of every document for ``query`` (``float64``), unknown terms: the cosine
        similarity (TF-IDF) or the BM25 score :math:`\\sum_{t \\in q} w_{dt}`."""
        cols, w, unknown = self.query_vector(query)
        if len(cols) == 0:
            return np.zeros(self.n_documents), unknown
        sub = self.postings[:, cols]  # only the query terms' postings are read
        return np.asarray(sub @ w, dtype=np.float64).ravel(), unknown

    def top_k(self, query: str, k: int = 20) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The ``k`` best documents for ``query``: (row indices, scores, unknown terms).

        Only documents sharing a term with the query (score > 0) are returned; ties are
        broken by row (the index is ordered by id).
        """
        s, unknown = self.scores(query)
        rows, vals = top_rows(s, k)
        return rows, vals, unknown

    def rows_of(self, ids: Sequence[str]) -> np.ndarray:
        """Row index of each id (−1 when the id is not in the index)."""
        pos = {d: i for i, d in enumerate(self.ids)}
        return np.asarray([pos.get(str(d), -1) for d in ids], dtype=np.int64)

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: str | Path) -> tuple[Path, Path]:
        """Write the index as ``<path>.npz`` (matrix, IDF, years) + ``<path>.json`` (the rest).

        ``path`` is a stem (a ``.npz`` / ``.json`` suffix is replaced); see
        :func:`forcemap.decide.explore.index_path` for the conventional place beside a store.
        Returns the two files written.
        """
        stem = index_stem(path)
        stem.parent.mkdir(parents=True, exist_ok=True)
        npz, meta = stem.with_name(stem.name + ".npz"), stem.with_name(stem.name + ".json")
        m = self.matrix
        np.savez(
            npz,
            data=m.data.astype(np.float32),
            indices=m.indices.astype(np.int32),
            indptr=m.indptr.astype(np.int64),
            shape=np.asarray(m.shape, np.int64),
            idf=self.idf.astype(np.float64),
            years=self.years.astype(np.int32),
        )
        doc = {
            "format": "forcemap.textindex",
            "version": _INDEX_VERSION,
            "entity": self.entity,
            "params": self.params,
            "vocabulary": self.vocabulary,
            "ids": self.ids,
            "entities": self.entities,
            "titles": self.titles,
        }
        meta.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        if self.embeddings is not None:
            np.save(stem.with_name(stem.name + ".emb.npy"), np.asarray(self.embeddings))
        return npz, meta

    @classmethod
    def load(cls, path: str | Path) -> TextIndex:
        """Read an index written by :meth:`save` (``path``: the stem or either file)."""
        stem = index_stem(path)
        npz, meta = stem.with_name(stem.name + ".npz"), stem.with_name(stem.name + ".json")
        if not npz.exists() or not meta.exists():
            raise NotFoundError(f"no text index at {stem} (expected {npz.name} and {meta.name})")
        doc = json.loads(meta.read_text(encoding="utf-8"))
        if doc.get("format") != "forcemap.textindex" or doc.get("version") != _INDEX_VERSION:
            raise InputError(
                f"{meta} is not a forcemap text index of version {_INDEX_VERSION} (an index "
                "written before BM25 search: delete it, or rebuild it with `forcemap search` "
                "/ precompute, which writes the current version)"
            )
        with np.load(npz, allow_pickle=False) as z:
            shape = tuple(int(x) for x in z["shape"])
            matrix = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=shape)
            idf, years = z["idf"], z["years"]
        emb_file = stem.with_name(stem.name + ".emb.npy")
        embeddings = None
        if emb_file.exists():
            embeddings = np.load(emb_file, mmap_mode="r", allow_pickle=False)
            if embeddings.ndim != 2 or embeddings.shape[0] != shape[0]:
                raise InputError(
                    f"{emb_file}: {embeddings.shape} embeddings for {shape[0]} documents"
                )
        return cls(
            embeddings=embeddings,
            matrix=matrix,
            vocabulary=list(doc["vocabulary"]),
            idf=idf,
            ids=list(doc["ids"]),
            entities=list(doc["entities"]),
            titles=list(doc["titles"]),
            years=years,
            entity=str(doc["entity"]),
            params=dict(doc["params"]),
        )


def index_stem(path: str | Path) -> Path:
    """The stem of an index's files: ``path`` without a ``.npz`` / ``.json`` suffix."""
    p = Path(path)
    return p.with_suffix("") if p.suffix in (".npz", ".json") else p


def _doc_count(x: int | float, n: int, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise InputError(f"{name}={x!r} must be an int (documents) or a float (proportion)")
    if isinstance(x, float):
        if not 0.0 <= x <= 1.0:
            raise InputError(f"{name}={x} as a proportion must be in [0, 1]")
        return math.floor(x * n) if name == "max_df" else math.ceil(x * n)
    if x < 0:
        raise InputError(f"{name}={x} must be ≥ 0")
    return int(x)


def index_texts(
    ids: Sequence[str],
    texts: Sequence[str | None],
    *,
    years: Sequence[int | None] | np.ndarray | None = None,
    titles: Sequence[str | None] | None = None,
    entities: Sequence[str] | str = "works",
    min_df: int | float = 2,
    max_df: int | float = 0.5,
    sublinear_tf: bool = True,
    bigrams: bool = False,
    weighting: str = "tfidf",
    stem: bool = False,
    k1: float = BM25_K1,
    b: float = BM25_B,
) -> TextIndex:
    """A :class:`TextIndex` of raw texts.

    Tokenised chunk by chunk with one compiled regular expression; terms get integer codes
    from one dictionary pass; counts are summed by a COO → CSR conversion; the document
    frequencies are a ``bincount`` of the column indices. Terms in fewer than ``min_df``
    documents or more than ``max_df`` documents (an ``int`` is a count, a ``float`` a
    proportion of the documents) are dropped. See the module docstring for the weights.
    ``entities`` is one label for all documents or one per document.

    ``weighting="bm25"`` stores the BM25 weight of each (document, term) instead,

    .. math::

        w_{dt} = \\mathrm{idf}_t \\frac{\\mathrm{tf}_{dt}(k_1 + 1)}
        {\\mathrm{tf}_{dt} + k_1(1 - b + b\\,\\ell_d/\\bar\\ell)}

    (:func:`bm25_idf`; :math:`\\ell_d` the number of terms of document *d*, :math:`\\bar\\ell`
    their mean), unnormalised, so a query's score is the sum of its terms' weights
    (Robertson & Zaragoza 2009); ``stem`` Snowball-stems the tokens (:func:`analyze`).
    """
    n = len(ids)
    if len(texts) != n:
        raise InputError(f"{len(texts)} texts for {n} ids")
    if weighting not in ("tfidf", "bm25"):
        raise InputError(f"weighting={weighting!r} must be 'tfidf' or 'bm25'")
    if not (k1 >= 0 and 0 <= b <= 1):
        raise InputError(f"BM25 needs k1 ≥ 0 and 0 ≤ b ≤ 1 (got k1={k1}, b={b})")
    bm25 = weighting == "bm25"
    vocab: dict[str, int] = {}
    codes_parts: list[np.ndarray] = []
    lengths = np.zeros(n, np.int64)
    for lo in range(0, n, _CHUNK):
        chunk = texts[lo : lo + _CHUNK]
        if bm25 or stem:
            toks = [analyze(t, stem=stem, bigrams=bigrams) for t in chunk]
        elif bigrams:
            toks = [tokenize(t, bigrams=True) for t in chunk]
        else:
            toks = [_TOKEN.findall(t.lower()) if t else [] for t in chunk]
        lengths[lo : lo + len(chunk)] = np.fromiter(map(len, toks), np.int64, len(chunk))
        total = int(lengths[lo : lo + len(chunk)].sum())
        flat = itertools.chain.from_iterable(toks)
        codes_parts.append(
            np.fromiter((vocab.setdefault(t, len(vocab)) for t in flat), np.int64, total)
        )
        del toks
    codes = np.concatenate(codes_parts) if codes_parts else np.zeros(0, np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
    v = len(vocab)
    terms = np.array(list(vocab), dtype=object) if v else np.zeros(0, dtype=object)
    counts = sp.coo_matrix(
        (np.ones(len(codes), np.float64), (rows, codes)), shape=(n, v)
    ).tocsr()  # duplicates summed: term counts
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=v)
    lo_df, hi_df = _doc_count(min_df, n, "min_df"), _doc_count(max_df, n, "max_df")
    keep = (df >= max(lo_df, 1)) & (df <= hi_df)
    if not (bigrams or bm25 or stem) and v:  # stop words were kept by the fast path: drop them here
        keep[[vocab[w] for w in STOP_WORDS if w in vocab]] = False
    # columns in term order (a Python sort: no fixed-width string array of the vocabulary)
    kept = np.asarray(sorted(np.flatnonzero(keep).tolist(), key=terms.__getitem__), np.int64)
    x = counts[:, kept].tocsr() if v else sp.csr_matrix((n, 0))
    x.sort_indices()
    tf = x.data.astype(np.float64)
    row_of = np.repeat(np.arange(n), np.diff(x.indptr))
    if bm25:
        idf = bm25_idf(df[kept], n)
        avg = float(lengths.mean()) if n and lengths.sum() > 0 else 1.0
        norm_len = k1 * (1.0 - b + b * lengths[row_of] / avg)
        w = idf[x.indices] * tf * (k1 + 1.0) / (tf + norm_len)
    else:
        if sublinear_tf:
            tf = 1.0 + np.log(tf)
        idf = smoothed_idf(df[kept], n)
        w = tf * idf[x.indices]
        norms = np.sqrt(np.bincount(row_of, weights=w * w, minlength=n))
        w = w / np.where(norms > 0, norms, 1.0)[row_of]
    matrix = sp.csr_matrix(
        (w.astype(np.float32), x.indices.astype(np.int32), x.indptr.astype(np.int64)),
        shape=(n, len(kept)),
    )
    if years is None:
        yrs = np.full(n, NO_YEAR, np.int32)
    else:
        yrs = np.asarray([NO_YEAR if y is None else int(y) for y in years], np.int32)
    ents = [entities] * n if isinstance(entities, str) else [str(e) for e in entities]
    if isinstance(entities, str):
        label = entities
    else:
        kinds = sorted(set(ents))
        label = kinds[0] if len(kinds) == 1 else ("both" if kinds else "works")
    return TextIndex(
        matrix=matrix,
        vocabulary=[str(t) for t in terms[kept]],
        idf=idf,
        ids=[str(i) for i in ids],
        entities=ents,
        titles=[""] * n if titles is None else ["" if t is None else str(t) for t in titles],
        years=yrs,
        entity=label,
        params={
            "min_df": min_df,
            "max_df": max_df,
            "sublinear_tf": sublinear_tf,
            "bigrams": bigrams,
            "weighting": weighting,
            "stem": stem,
            **({"k1": k1, "b": b} if bm25 else {}),
            "idf": (
                "ln(1 + (n - df + 0.5) / (df + 0.5))" if bm25 else "ln((1 + n) / (1 + df)) + 1"
            ),
        },
    )


# -- the unit postings -------------------------------------------------------------------------
@dataclass(frozen=True)
class Postings:
    """TF-IDF weights of units (e.g. review-panel candidates) by term code, unnormalised.

    The weights of term ``k`` are rows ``offsets[k]:offsets[k + 1]`` of ``rows`` (the unit's
    row, increasing within a term) and ``w``; ``norm[row]`` is the L2 norm of a unit's weight
    vector, applied when a query is scored (:meth:`cosine`).
    """

    offsets: np.ndarray
    rows: np.ndarray
    w: np.ndarray
    norm: np.ndarray

    @classmethod
    def from_sorted(
        cls, code: np.ndarray, rows: np.ndarray, w: np.ndarray, n_terms: int, n_rows: int
    ) -> Postings:
        """The postings of (term code, unit row, weight) triples sorted by code, then row."""
        code = np.asarray(code, np.int64)
        rows = np.asarray(rows, np.int32)
        w = np.asarray(w, np.float64)
        offsets = np.zeros(n_terms + 1, np.int64)
        np.cumsum(np.bincount(code, minlength=n_terms), out=offsets[1:])
        norm = np.sqrt(np.bincount(rows, weights=w * w, minlength=n_rows))
        return cls(offsets, rows, w, norm)

    def cosine(self, codes: np.ndarray, wq: np.ndarray) -> np.ndarray:
        """TF-IDF cosine of the query (term codes, weights) with every unit (capped at 1)."""
        out = np.zeros(self.norm.size)
        qn = float(np.sqrt(np.sum(wq * wq)))
        if qn <= 0:
            return out
        lo, hi = self.offsets[codes], self.offsets[codes + 1]
        parts = [np.arange(a, b) for a, b in zip(lo, hi, strict=True)]
        idx = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
        dot = np.bincount(
            self.rows[idx], weights=self.w[idx] * np.repeat(wq, hi - lo), minlength=out.size
        )
        hit = dot > 0
        out[hit] = np.minimum(dot[hit] / (self.norm[hit] * qn), 1.0)
        return out

    def coverage(self, codes: np.ndarray) -> np.ndarray:
        """The share of the query's distinct terms ``codes`` each unit holds: the coordination
        factor of Lucene's classic similarity (a unit matching one word of a three-word query
        gets 1/3), so that one shared word cannot make a match."""
        codes = np.unique(np.asarray(codes, np.int64))
        out = np.zeros(self.norm.size)
        if codes.size == 0:
            return out
        lo, hi = self.offsets[codes], self.offsets[codes + 1]
        parts = [self.rows[a:b] for a, b in zip(lo, hi, strict=True)]
        if parts:
            out += np.bincount(np.concatenate(parts), minlength=out.size)
        return out / codes.size

    def shared_terms(
        self, row: int, codes: np.ndarray, terms: Sequence[str], wq: np.ndarray, k: int = 5
    ) -> list[str]:
        """The query terms contributing most to unit ``row``'s cosine (ties: by term)."""
        found = []
        for code, term, q in zip(codes.tolist(), terms, wq.tolist(), strict=True):
            lo, hi = int(self.offsets[code]), int(self.offsets[code + 1])
            i = lo + int(np.searchsorted(self.rows[lo:hi], row))
            if i < hi and self.rows[i] == row:
                found.append((-float(self.w[i]) * q, term))
        return [t for _, t in sorted(found)[:k]]
