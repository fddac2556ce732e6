r"""Reviewer–paper affinity: how well each reviewer's own papers match each submission.

Input is the OpenReview expertise format (as used by ``openreview-expertise`` and the gold
standard of Stelmakh et al. 2025): a directory ``archives/`` with one ``<reviewer>.jsonl`` per
reviewer (one paper a line: ``id``, ``content.title``, ``content.abstract``) and a
``submissions.json`` (``{paper_id: {"id", "content": {"title", "abstract"}}}``, or a list of
such records, or JSON lines). Output is one row per (reviewer, submission): ``reviewer_id,
paper_id, score``.

Scorer
------
For a fixed reviewer, ranking the submissions is a retrieval problem: each of the reviewer's
papers is a query and the submissions are the documents. The terms are those of
:func:`forcemap.indicators.text.analyze` (lower-cased, stop words dropped, Snowball-stemmed,
stem bigrams as phrase terms); the submissions' terms are weighted by BM25
(:func:`bm25_weights`, :math:`k_1 = 1.2`, :math:`b = 0.75`, IDF over the submissions) and
(:func:`profile_scores`)

.. math::

    \mathrm{score}(r, p) = \operatorname{agg}_{d \in A_r} \mathrm{BM25}(d, p), \qquad
    \mathrm{BM25}(d, p) = \sum_{t \in d} w_{pt}

over the distinct terms *t* of paper *d*, :math:`A_r` the reviewer's archive and ``agg`` the
mean by default (the reviewer's expected
match over their work, as a profile built from all their papers), or the maximum
(OpenReview's expertise default: one close paper suffices), or the mean of the ``top_k``
best. The score is 0 when the reviewer's papers together share fewer than
:data:`MIN_SHARED_TERMS` (2) distinct terms with *p*: one common word is never a match.
BM25's parameters are the standard ones and were not tuned; the aggregation was chosen
among these three standard options on the shared gold-standard subset (max 0.282, mean
0.259, top-3 mean 0.261), see ``benchmarks/bench_affinity.py``. (The two-term minimum was
not chosen on that data: 2 is the least value that excludes one shared word. It leaves every
loss there unchanged — reviewers' archives share many terms with every submission; applied
per paper instead, the mean would have given 0.258.)

The review panel (:mod:`forcemap.decide.panel`) scores its candidates with the same
:func:`bm25_weights` and :func:`profile_scores`: the project is the one submission, the
candidates' recent documents their archives.

Evaluation
----------
:func:`expertise_loss` is the gold standard's ``compute_main_metric``: for each participant
and each pair of their evaluated papers with different reported expertise, a predicted
ordering that disagrees costs :math:`|\Delta|`, a tie half of it; the loss is the total cost
over the total :math:`|\Delta|` (0 perfect, 0.5 random).

References
----------
Robertson, S. & Zaragoza, H. (2009). The probabilistic relevance framework: BM25 and beyond.
Foundations and Trends in Information Retrieval 3(4), 333–389. doi:10.1561/1500000019.
Stelmakh, I., Wieting, J., Xi, Y., Neubig, G. & Shah, N. B. (2025). A gold standard dataset
for the reviewer assignment problem. TMLR. arXiv:2303.16750.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from forcemap.errors import InputError, NotFoundError
from forcemap.indicators.text import BM25_B, BM25_K1, analyze, bm25_idf

__all__ = [
    "AFFINITY_SCHEMA",
    "AGGREGATIONS",
    "MIN_SHARED_TERMS",
    "Paper",
    "Profiles",
    "affinity",
    "affinity_scores",
    "bm25_weights",
    "expertise_loss",
    "profile_scores",
    "read_archives",
    "read_submissions",
]

AFFINITY_SCHEMA = pa.schema(
    [("reviewer_id", pa.string()), ("paper_id", pa.string()), ("score", pa.float64())]
)
AGGREGATIONS = ("max", "mean", "top_k")


@dataclass(frozen=True)
class Paper:
    """One paper of the OpenReview format: id, title, abstract ('' when absent)."""

    id: str
    title: str
    abstract: str

    @property
    def text(self) -> str:
        """Title and abstract, as scored."""
        return f"{self.title}. {self.abstract}".strip()


# -- reading -----------------------------------------------------------------------------------
def _paper(rec: Any, where: str) -> Paper:
    if not isinstance(rec, dict):
        raise InputError(f"{where}: a paper must be a JSON object, not {type(rec).__name__}")
    pid = rec.get("id")
    if not isinstance(pid, str | int) or isinstance(pid, bool) or str(pid) == "":
        raise InputError(f"{where}: field 'id' is missing or not a string")
    content = rec.get("content")
    if not isinstance(content, dict):
        raise InputError(f"{where}: field 'content' (an object with title, abstract) is missing")
    vals = []
    for name in ("title", "abstract"):
        v = content.get(name)
        if isinstance(v, dict):  # OpenReview API v2: {"value": ...}
            v = v.get("value")
        if v is not None and not isinstance(v, str):
            raise InputError(f"{where}: field 'content.{name}' must be a string")
        vals.append(v or "")
    if not vals[0] and not vals[1]:
        raise InputError(f"{where}: paper {pid} has neither 'content.title' nor 'content.abstract'")
    return Paper(str(pid), vals[0], vals[1])


def _jsonl(path: Path) -> list[tuple[int, Any]]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append((i, json.loads(line)))
            except json.JSONDecodeError as e:
                raise InputError(f"{path}:{i}: not a JSON line ({e.msg})") from None
    return out


def read_archives(directory: str | Path) -> dict[str, list[Paper]]:
    """The reviewers' profiles: ``<directory>/<reviewer>.jsonl`` → reviewer → papers.

    Raises InputError naming the file, line and field of a malformed record, NotFoundError
    when the directory holds no ``.jsonl`` file.
    """
    d = Path(directory)
    if not d.is_dir():
        raise NotFoundError(f"archives directory {d} does not exist")
    files = sorted(d.glob("*.jsonl"))
    if not files:
        raise NotFoundError(f"{d} holds no <reviewer>.jsonl archive")
    out: dict[str, list[Paper]] = {}
    for f in files:
        out[f.stem] = [_paper(rec, f"{f}:{i}") for i, rec in _jsonl(f)]
    return out


def read_submissions(path: str | Path) -> dict[str, Paper]:
    """The submissions: ``{id: record}`` or a list of records (JSON), or JSON lines."""
    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"submissions file {p} does not exist")
    if p.suffix == ".jsonl":
        recs = [(f"{p}:{i}", r) for i, r in _jsonl(p)]
    else:
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise InputError(f"{p}:{e.lineno}: not JSON ({e.msg})") from None
        if isinstance(doc, dict):
            recs = [(f"{p}: submission {k!r}", r) for k, r in doc.items()]
        elif isinstance(doc, list):
            recs = [(f"{p}: item {i}", r) for i, r in enumerate(doc)]
        else:
            raise InputError(f"{p}: expected an object {{id: paper}} or a list of papers")
    out: dict[str, Paper] = {}
    for where, r in recs:
        paper = _paper(r, where)
        if paper.id in out:
            raise InputError(f"{where}: duplicate submission id {paper.id}")
        out[paper.id] = paper
    if not out:
        raise InputError(f"{p} holds no submission")
    return out


# -- scoring ---------------------------------------------------------------------------------
MIN_SHARED_TERMS = 2
"""A profile scores 0 for a target unless its documents together share at least this many
distinct terms (stems or stem bigrams) with it (all of them when the target has fewer): one
shared word — "solid" of "solid state battery" in papers on solid oxide fuel cells — is no
match."""


@dataclass(frozen=True)
class Profiles:
    """The reviewers' side of :func:`profile_scores`: each profile document's distinct terms
    and who holds which document.

    ``docs``: documents × terms (a column per term of the vocabulary the targets are weighted
    over), 1 where the document holds the term; ``holders``: profiles × documents, 1 where
    the profile holds the document (a document may belong to several profiles: co-authors).
    """

    docs: sp.csr_matrix
    holders: sp.csr_matrix


def bm25_weights(
    tf: sp.csr_matrix,
    lengths: np.ndarray,
    df: np.ndarray,
    n: int,
    avg_len: float,
    *,
    k1: float = BM25_K1,
    b: float = BM25_B,
) -> sp.csr_matrix:
    r"""BM25 weight of each (target, term) of the term counts ``tf`` (targets × terms),

    .. math::

        w_{pt} = \mathrm{idf}_t \frac{\mathrm{tf}_{pt}(k_1 + 1)}
        {\mathrm{tf}_{pt} + k_1(1 - b + b\,\ell_p/\bar\ell)}

    with :func:`~forcemap.indicators.text.bm25_idf` over the collection of ``n`` documents
    whose document frequencies are ``df``, :math:`\ell_p` = ``lengths`` (the target's terms,
    phrase terms included) and :math:`\bar\ell` = ``avg_len`` (Robertson & Zaragoza 2009;
    the weights of :func:`~forcemap.indicators.text.index_texts` with ``weighting="bm25"``).
    """
    x = tf.tocsr(copy=True)
    x.sort_indices()
    row_of = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    t = x.data.astype(np.float64)
    norm_len = k1 * (1.0 - b + b * np.asarray(lengths, np.float64)[row_of] / avg_len)
    x.data = bm25_idf(np.asarray(df)[x.indices], n) * t * (k1 + 1.0) / (t + norm_len)
    return x


def profile_scores(
    profiles: Profiles,
    weights: sp.csr_matrix,
    *,
    aggregation: str = "mean",
    top_k: int = 3,
    min_shared: int = MIN_SHARED_TERMS,
) -> tuple[np.ndarray, np.ndarray]:
    r"""The affinity of every profile with every target: (profiles × targets, documents ×
    targets), the second the score of each profile document.

    A profile document *d* is a BM25 query: its score for target *p* is
    :math:`\sum_{t \in d} w_{pt}` over its distinct terms (``weights``: targets × terms, from
    :func:`bm25_weights`). A profile's affinity is the ``aggregation`` of its documents'
    scores: ``mean`` (all its documents, a profile without any scores 0), ``max`` or
    ``top_k`` (the mean of its ``top_k`` best); it is 0 when the profile's documents together
    share fewer than ``min_shared`` distinct terms with *p* (:data:`MIN_SHARED_TERMS`; all of
    *p*'s terms when it has fewer). This is the one
    scorer of ``forcemap decide affinity`` and of the review panel's expertise match.
    """
    if aggregation not in AGGREGATIONS:
        raise InputError(f"aggregation={aggregation!r} must be one of {', '.join(AGGREGATIONS)}")
    if top_k < 1:
        raise InputError(f"top_k={top_k} must be ≥ 1")
    docs = profiles.docs.tocsr()
    wt = weights.tocsr().T.tocsc()
    per_doc = np.asarray((docs @ wt).todense(), np.float64).reshape(docs.shape[0], -1)
    holders = profiles.holders.tocsr()
    keep = None
    if min_shared > 1:
        held = (wt > 0).astype(np.float64).tocsr()
        cols = np.unique(wt.tocoo().row)
        on = (holders @ docs[:, cols]) > 0
        shared = np.asarray((on.astype(np.float64) @ held[cols]).todense())
        need = np.minimum(min_shared, np.asarray(held.sum(axis=0)).ravel())
        keep = shared >= need[None, :]
    n_prof = holders.shape[0]
    if aggregation == "mean":
        deg = np.asarray(holders.sum(axis=1), np.float64).ravel()
        total = np.asarray(holders @ per_doc, np.float64).reshape(n_prof, -1)
        out = total / np.where(deg > 0, deg, 1.0)[:, None]
        if keep is not None:
            out[~keep] = 0.0
        return out, per_doc
    out = np.zeros((n_prof, per_doc.shape[1]))
    for r in range(n_prof):
        own = holders.indices[holders.indptr[r] : holders.indptr[r + 1]]
        if own.size == 0:
            continue
        block = per_doc[own]
        if aggregation == "max":
            out[r] = block.max(axis=0)
        else:
            k = min(top_k, own.size)
            out[r] = np.sort(block, axis=0)[-k:].mean(axis=0)
    if keep is not None:
        out[~keep] = 0.0
    return out, per_doc


def _counts(
    docs: Sequence[Sequence[str]], vocab: dict[str, int], *, grow: bool
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Term counts (documents × vocabulary, the vocabulary grown with new terms when
    ``grow``, else unknown terms skipped) and each document's number of terms."""
    rows: list[int] = []
    cols: list[int] = []
    for i, toks in enumerate(docs):
        for t in toks:
            j = vocab.setdefault(t, len(vocab)) if grow else vocab.get(t, -1)
            if j >= 0:
                rows.append(i)
                cols.append(j)
    m = sp.csr_matrix(
        (np.ones(len(rows)), (np.asarray(rows, np.int64), np.asarray(cols, np.int64))),
        shape=(len(docs), len(vocab)),
    )
    m.sum_duplicates()
    return m, np.fromiter(map(len, docs), np.int64, len(docs))


def affinity_scores(
    archives: Mapping[str, Sequence[Paper]],
    submissions: Mapping[str, Paper],
    *,
    aggregation: str = "mean",
    top_k: int = 3,
    k1: float = BM25_K1,
    b: float = BM25_B,
    collection: str = "submissions",
    min_shared: int = MIN_SHARED_TERMS,
) -> pa.Table:
    """``reviewer_id, paper_id, score`` for every reviewer × submission (see the module
    docstring; :func:`profile_scores`); a reviewer without papers scores 0 everywhere. Rows
    by reviewer, then paper.

    ``collection="all"`` takes BM25's collection statistics (document frequencies, mean
    length) over the submissions and the archives' papers together instead of the
    submissions alone (a variant, reported by ``benchmarks/bench_affinity.py``)."""
    if collection not in ("submissions", "all"):
        raise InputError(f"collection={collection!r} must be 'submissions' or 'all'")
    if aggregation not in AGGREGATIONS:
        raise InputError(f"aggregation={aggregation!r} must be one of {', '.join(AGGREGATIONS)}")
    if top_k < 1:
        raise InputError(f"top_k={top_k} must be ≥ 1")
    pids = sorted(submissions)
    reviewers = sorted(archives)
    sub_terms = [analyze(submissions[p].text) for p in pids]
    papers = [(r, paper) for r, rid in enumerate(reviewers) for paper in archives[rid]]
    paper_terms = [analyze(paper.text) for _, paper in papers]
    coll = sub_terms + (paper_terms if collection == "all" else [])
    vocab: dict[str, int] = {}
    counts, lengths = _counts(coll, vocab, grow=True)
    df = np.bincount(counts.indices, minlength=len(vocab))
    avg = float(lengths.mean()) if len(coll) and lengths.sum() > 0 else 1.0
    w = bm25_weights(counts[: len(pids)], lengths[: len(pids)], df, len(coll), avg, k1=k1, b=b)
    held, _ = _counts([list(dict.fromkeys(t)) for t in paper_terms], vocab, grow=False)
    held.data[:] = 1.0
    holders = sp.csr_matrix(
        (np.ones(len(papers)), ([r for r, _ in papers], np.arange(len(papers)))),
        shape=(len(reviewers), len(papers)),
    )
    rows, _ = profile_scores(
        Profiles(held, holders), w, aggregation=aggregation, top_k=top_k, min_shared=min_shared
    )
    return pa.table(
        {
            "reviewer_id": pa.array(np.repeat(reviewers, len(pids)).tolist(), pa.string()),
            "paper_id": pa.array(pids * len(reviewers), pa.string()),
            "score": pa.array(rows.ravel(), pa.float64()),
        },
        schema=AFFINITY_SCHEMA,
    )


def affinity(
    archives: str | Path,
    submissions: str | Path,
    *,
    aggregation: str = "mean",
    top_k: int = 3,
) -> pa.Table:
    """:func:`affinity_scores` of the files of the OpenReview expertise format."""
    return affinity_scores(
        read_archives(archives), read_submissions(submissions), aggregation=aggregation, top_k=top_k
    )


# -- evaluation --------------------------------------------------------------------------------
def expertise_loss(
    scores: Mapping[tuple[str, str], float],
    expertise: Mapping[str, Mapping[str, float]],
) -> float:
    """The gold standard's main metric (lower is better; 0.5 random).

    ``expertise``: participant → {paper: reported expertise}; ``scores``: (participant,
    paper) → predicted affinity. Every pair of a participant's papers with different expertise
    weighs :math:`|\\Delta|`; an ordering against the reported one costs it all, a tie half.
    A missing prediction raises InputError.

    >>> expertise_loss({("r", "a"): 2.0, ("r", "b"): 1.0, ("r", "c"): 1.0},
    ...                {"r": {"a": 5, "b": 3, "c": 1}})
    0.125
    """
    cost = total = 0.0
    for rid, evals in expertise.items():
        for (p, ep), (q, eq) in itertools.combinations(sorted(evals.items()), 2):
            if ep == eq:
                continue
            try:
                sp_, sq = scores[(rid, p)], scores[(rid, q)]
            except KeyError as e:
                raise InputError(f"no predicted score for participant/paper {e.args[0]}") from None
            w = abs(ep - eq)
            total += w
            if sp_ == sq:
                cost += w / 2
            elif (sp_ > sq) != (ep > eq):
                cost += w
    if total == 0:
        raise InputError("no pair of papers with different expertise to evaluate")
    return cost / total
