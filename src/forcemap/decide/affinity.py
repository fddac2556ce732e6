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
papers is a query and the submissions are the documents. The submissions are indexed with
BM25 (:func:`forcemap.indicators.text.index_texts`: lower-cased, stop words dropped,
Snowball-stemmed, stem bigrams as phrase terms, :math:`k_1 = 1.2`, :math:`b = 0.75`, IDF over
the submissions) and

.. math::

    \mathrm{score}(r, p) = \operatorname{agg}_{d \in A_r} \mathrm{BM25}(d, p)

with :math:`A_r` the reviewer's archive and ``agg`` the mean by default (the reviewer's
expected match over their work, as a profile built from all their papers), or the maximum
(OpenReview's expertise default: one close paper suffices), or the mean of the ``top_k``
best. BM25's parameters are the standard ones and were not tuned; the aggregation was chosen
among these three standard options on the shared gold-standard subset (max 0.282, mean
0.259, top-3 mean 0.261), see ``benchmarks/bench_affinity.py``.

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

from forcemap.errors import InputError, NotFoundError
from forcemap.indicators.text import BM25_B, BM25_K1, analyze, index_texts

__all__ = [
    "AFFINITY_SCHEMA",
    "AGGREGATIONS",
    "Paper",
    "affinity",
    "affinity_scores",
    "expertise_loss",
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


# -- scoring -----------------------------------------------------------------------------------
def affinity_scores(
    archives: Mapping[str, Sequence[Paper]],
    submissions: Mapping[str, Paper],
    *,
    aggregation: str = "mean",
    top_k: int = 3,
    k1: float = BM25_K1,
    b: float = BM25_B,
    collection: str = "submissions",
) -> pa.Table:
    """``reviewer_id, paper_id, score`` for every reviewer × submission (see the module
    docstring); a reviewer without papers scores 0 everywhere. Rows by reviewer, then paper.

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
    texts = [submissions[p].text for p in pids]
    if collection == "all":
        texts += [paper.text for rid in sorted(archives) for paper in archives[rid]]
    index = index_texts(
        [str(i) for i in range(len(texts))],
        texts,
        min_df=1,
        max_df=1.0,
        weighting="bm25",
        stem=True,
        bigrams=True,
        k1=k1,
        b=b,
    )
    post = index.postings[: len(pids)]  # the submissions' rows come first
    ti = index.term_index
    reviewers = sorted(archives)
    rows = np.zeros((len(reviewers), len(pids)))
    for r, rid in enumerate(reviewers):
        papers = archives[rid]
        if not papers:
            continue
        per = np.zeros((len(papers), len(pids)))
        for i, paper in enumerate(papers):
            cols = sorted({ti[t] for t in analyze(paper.text) if t in ti})
            if cols:
                per[i] = np.asarray(post[:, cols].sum(axis=1)).ravel()
        if aggregation == "max":
            rows[r] = per.max(axis=0)
        elif aggregation == "mean":
            rows[r] = per.mean(axis=0)
        else:
            k = min(top_k, len(papers))
            rows[r] = np.sort(per, axis=0)[-k:].mean(axis=0)
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
