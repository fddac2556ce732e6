r"""Burst detection: Kleinberg's two-state automaton on yearly batches, as CiteSpace uses it.

A *burst* is a stretch of years in which a unit (a topic, a concept, a cited reference) takes
a markedly larger share of the year's documents than it does over the whole period. Kleinberg
(2002, section 4, "enumerating bursts" on batched arrivals) models the yearly counts with a
two-state automaton: in year :math:`t` there are :math:`d_t` documents, :math:`r_t` of them with
the unit; the base state 0 emits the unit with probability :math:`p_0 = R / D`
(:math:`R = \sum_t r_t`, :math:`D = \sum_t d_t`) and the burst state 1 with
:math:`p_1 = s\,p_0`. A state costs its binomial fit,

.. math::

    \sigma(i, t) = -\ln\!\left[\binom{d_t}{r_t}\, p_i^{\,r_t} (1 - p_i)^{\,d_t - r_t}\right],

moving up costs :math:`\tau(i \to j) = (j - i)\,\gamma \ln n` (:math:`j > i`; moving down
is free) over :math:`n` batches, and the automaton starts in state 0. The state sequence
:math:`q_1 \dots q_n` minimising

.. math::

    c(q) = \sum_{t=1}^{n} \tau(q_{t-1} \to q_t) + \sum_{t=1}^{n} \sigma(q_t, t), \qquad q_0 = 0,

is found exactly by dynamic programming (the Viterbi recursion over the two states; tested
against brute force over all :math:`2^n` sequences). Each maximal run of burst years
:math:`[t_1, t_2]` is one burst, with Kleinberg's *weight* (CiteSpace's *strength*)

.. math::  w = \sum_{t = t_1}^{t_2} \bigl(\sigma(0, t) - \sigma(1, t)\bigr),

the cost saved by explaining those years with the burst state. :math:`s > 1` sets how much
larger the burst share must be, :math:`\gamma > 0` how hard it is to enter a burst.
:math:`p_1` is capped at 0.99999 when :math:`s\,p_0 \ge 1` (a unit in most documents), as
the ``burst_detection`` package does; a unit in every document (or none) has no burst.

The counts are one SQL aggregation per unit kind; the recursion runs over all units at once
in NumPy (two states × years, vectorised across units).

References
----------
Kleinberg, J. (2002). Bursty and hierarchical structure in streams. *Proc. 8th ACM SIGKDD*,
91–101 (journal version: *Data Mining and Knowledge Discovery* 7, 373–397, 2003).
doi:10.1023/A:1024940629314. Chen, C. (2006). CiteSpace II: Detecting and visualizing
emerging trends and transient patterns in scientific literature. *JASIST* 57(3), 359–377.
doi:10.1002/asi.20317.
"""

from __future__ import annotations

import math
from typing import Literal

import duckdb
import numpy as np
import pyarrow as pa
from scipy.special import gammaln

from forcemap.errors import InputError, StoreError
from forcemap.indicators._registry import WORKS, Indicator
from forcemap.store.store import Store

__all__ = ["BURSTS_SCHEMA", "BURST_UNITS", "burst_states", "bursts", "kleinberg_costs"]

P1_CAP = 0.99999
"""Largest burst-state probability :math:`p_1` (when :math:`s\\,p_0 \\ge 1`)."""

BURSTS_SCHEMA = pa.schema(
    [
        ("unit_id", pa.string()),
        ("name", pa.string()),
        ("start_year", pa.int32()),
        ("end_year", pa.int32()),
        ("weight", pa.float64()),
        ("documents", pa.int64()),
        ("expected", pa.float64()),
        ("total_documents", pa.int64()),
    ]
)
"""Output of :func:`bursts`: one row per burst; ``documents`` = :math:`\\sum r_t` over the
burst, ``expected`` = :math:`p_0 \\sum d_t` over it, ``total_documents`` = :math:`R`."""

# Per unit kind: (unit_id, name, work_id, year) rows of documents with the unit, and the
# documents of each year that could carry one (the denominators d_t). Allow-listed SQL.
_UNIT_SQL: dict[str, tuple[str, str]] = {
    "topic": (
        """SELECT t.topic_id AS unit_id, any_value(t.name) AS name, t.work_id, w.year
           FROM work_topics AS t JOIN works AS w USING (work_id)
           WHERE w.year BETWEEN $y0 AND $y1 GROUP BY t.topic_id, t.work_id, w.year""",
        """SELECT w.year, count(DISTINCT w.work_id) FROM works AS w
           WHERE w.year BETWEEN $y0 AND $y1
             AND EXISTS (SELECT 1 FROM work_topics AS t WHERE t.work_id = w.work_id)
           GROUP BY w.year""",
    ),
    "concept": (
        """SELECT c.concept_id AS unit_id, any_value(c.name) AS name, c.work_id, w.year
           FROM work_concepts AS c JOIN works AS w USING (work_id)
           WHERE w.year BETWEEN $y0 AND $y1 AND c.score >= $min_score
           GROUP BY c.concept_id, c.work_id, w.year""",
        """SELECT w.year, count(DISTINCT w.work_id) FROM works AS w
           WHERE w.year BETWEEN $y0 AND $y1
             AND EXISTS (SELECT 1 FROM work_concepts AS c
                         WHERE c.work_id = w.work_id AND c.score >= $min_score)
           GROUP BY w.year""",
    ),
    "reference": (
        """SELECT r.cited_id AS unit_id, any_value(c.title) AS name, r.citing_id AS work_id,
                  w.year
           FROM work_references AS r JOIN works AS w ON w.work_id = r.citing_id
           LEFT JOIN works AS c ON c.work_id = r.cited_id
           WHERE w.year BETWEEN $y0 AND $y1 AND r.cited_id <> r.citing_id
           GROUP BY r.cited_id, r.citing_id, w.year""",
        """SELECT w.year, count(DISTINCT w.work_id) FROM works AS w
           WHERE w.year BETWEEN $y0 AND $y1
             AND EXISTS (SELECT 1 FROM work_references AS r WHERE r.citing_id = w.work_id)
           GROUP BY w.year""",
    ),
}

BURST_UNITS: tuple[str, ...] = tuple(_UNIT_SQL)
"""Units :func:`bursts` detects bursts of: OpenAlex topics, concepts (score ≥ ``min_score``)
and cited references (the citing works are the documents)."""


def kleinberg_costs(
    r: np.ndarray, d: np.ndarray, s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The fit costs :math:`\sigma(0, t)` and :math:`\sigma(1, t)` of units × batches.

    ``r``: documents with the unit (units × batches), ``d``: documents per batch (batches,
    or units × batches). Returns ``(sigma0, sigma1, p0)``; units with :math:`R = 0` or
    :math:`R = D` get :math:`p_0` NaN (no burst is possible) and zero costs.
    """
    r = np.asarray(r, dtype=np.float64)
    d = np.broadcast_to(np.asarray(d, dtype=np.float64), r.shape)
    if np.any(r < 0) or np.any(r > d):
        raise InputError("burst counts: need 0 ≤ r_t ≤ d_t in every batch")
    big_r, big_d = r.sum(axis=1), d.sum(axis=1)
    ok = (big_r > 0) & (big_r < big_d)
    p0 = np.where(ok, big_r / np.where(big_d > 0, big_d, 1.0), np.nan)
    p1 = np.minimum(s * p0, P1_CAP)
    log_binom: np.ndarray = gammaln(d + 1) - gammaln(r + 1) - gammaln(d - r + 1)

    def sigma(p: np.ndarray) -> np.ndarray:
        pp = np.where(ok, p, 0.5)[:, None]
        out: np.ndarray = -(log_binom + r * np.log(pp) + (d - r) * np.log1p(-pp))
        return out

    sigma0, sigma1 = sigma(p0), sigma(p1)
    sigma0[~ok] = 0.0
    sigma1[~ok] = 0.0
    return sigma0, sigma1, p0


def burst_states(
    r: np.ndarray, d: np.ndarray, *, s: float = 2.0, gamma: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""The optimal state sequences (units × batches, 1 = burst) and the gain
    :math:`\sigma(0, t) - \sigma(1, t)` per cell, by the Viterbi recursion over two states
    (start in state 0; entering state 1 costs :math:`\gamma \ln n`).

    Examples
    --------
    Ten documents a year for six years; the unit is in 1, 1, 6, 7, 1, 1 of them
    (:math:`p_0 = 17/60`, :math:`p_1 = 34/60`): years 3 and 4 are a burst.

    >>> import numpy as np
    >>> q, _ = burst_states(np.array([[1, 1, 6, 7, 1, 1]]), np.full(6, 10))
    >>> q.astype(int).tolist()
    [[0, 0, 1, 1, 0, 0]]
    """
    _check_params(s, gamma)
    r = np.atleast_2d(np.asarray(r))
    sigma0, sigma1, _ = kleinberg_costs(r, d, s)
    n_units, n = sigma0.shape
    if n == 0:
        return np.zeros((n_units, 0), dtype=bool), np.zeros((n_units, 0))
    up = gamma * math.log(n) if n > 1 else 0.0
    # cost of the best sequence ending in state 0 / 1 at t, and where it came from
    c0, c1 = sigma0[:, 0].copy(), sigma1[:, 0] + up
    from1 = np.zeros((n_units, n), dtype=bool)  # state 0 at t reached from state 1 at t-1
    stay1 = np.zeros((n_units, n), dtype=bool)  # state 1 at t reached from state 1 at t-1
    for t in range(1, n):
        a0, a1 = c0, c1
        from1[:, t] = a1 < a0
        stay1[:, t] = a1 <= a0 + up
        c0 = np.minimum(a0, a1) + sigma0[:, t]
        c1 = np.minimum(a0 + up, a1) + sigma1[:, t]
    q = np.zeros((n_units, n), dtype=bool)
    state = c1 < c0
    for t in range(n - 1, -1, -1):
        q[:, t] = state
        state = np.where(state, stay1[:, t], from1[:, t]) if t else state
    return q, sigma0 - sigma1


def _check_params(s: float, gamma: float) -> None:
    if not (isinstance(s, int | float) and math.isfinite(s) and s > 1):
        raise InputError(f"bursts: s={s!r} must be a number > 1 (the burst share ÷ the base)")
    if not (isinstance(gamma, int | float) and math.isfinite(gamma) and gamma > 0):
        raise InputError(f"bursts: gamma={gamma!r} must be a number > 0")


def bursts(
    store: Store,
    *,
    unit: Literal["topic", "concept", "reference"] = "topic",
    s: float = 2.0,
    gamma: float = 1.0,
    start_year: int | None = None,
    end_year: int | None = None,
    min_documents: int = 3,
    min_score: float = 0.3,
) -> pa.Table:
    r"""Bursts of topics, concepts or cited references (Kleinberg 2002, as in CiteSpace).

    Each year from ``start_year`` to ``end_year`` (default: the store's first and last work
    year) is one batch: :math:`d_t` = the year's documents that carry any unit of the kind
    (works with a topic; with a concept of score ≥ ``min_score``; with a reference), and
    :math:`r_t` = those carrying the unit (for a reference: the year's works citing it, a
    self-citation excluded). Units in fewer than ``min_documents`` documents over the period
    are not examined. See the module docstring for the automaton, its cost and the weight.

    Parameters
    ----------
    store : Store
    unit : {"topic", "concept", "reference"}
    s : float, default 2.0
        Burst share ÷ base share, :math:`p_1 = s\,p_0` (> 1).
    gamma : float, default 1.0
        Cost of entering a burst, :math:`\gamma \ln n` (> 0).
    start_year, end_year : int, optional
    min_documents : int, default 3
    min_score : float, default 0.3
        Concept score from which a work counts as about the concept (``unit="concept"``).

    Returns
    -------
    pyarrow.Table
        :data:`BURSTS_SCHEMA`, one row per burst, by descending weight.

    Notes
    -----
    Hand-worked: six years of ten documents, the unit in 1, 1, 6, 7, 1, 1 of them;
    :math:`p_0 = 17/60`, :math:`p_1 = 34/60`, :math:`\gamma \ln 6 = 1.79`. The gain
    :math:`\sigma_0 - \sigma_1 = r_t \ln(p_1/p_0) + (d_t - r_t)\ln\frac{1-p_1}{1-p_0}` is
    :math:`6 \ln 2 - 4 \cdot 0.503 = 2.15` in year 3 and 3.34 in year 4, and −3.83 in each
    of years 1, 2, 5 and 6, so the cheapest sequence is 0 0 1 1 0 0 (it saves
    5.49 − 1.79 > 0) and the burst 3–4 has weight 5.49.

    References
    ----------
    Kleinberg, J. (2002). Bursty and hierarchical structure in streams. *KDD '02*, 91–101.
    doi:10.1145/775047.775061.
    """
    if unit not in _UNIT_SQL:
        raise InputError(f"bursts: unit must be one of {', '.join(BURST_UNITS)}, not {unit!r}")
    _check_params(s, gamma)
    if isinstance(min_documents, bool) or not isinstance(min_documents, int) or min_documents < 1:
        raise InputError(f"bursts: min_documents={min_documents!r} must be an integer ≥ 1")
    if not 0 <= min_score <= 1:
        raise InputError(f"bursts: min_score={min_score!r} must be between 0 and 1")
    units_sql, docs_sql = _UNIT_SQL[unit]
    cur = store.cursor()
    try:
        y0, y1 = cur.execute("SELECT min(year), max(year) FROM works").fetchall()[0]
        if y0 is None:
            return BURSTS_SCHEMA.empty_table()
        y0 = int(y0) if start_year is None else int(start_year)
        y1 = int(y1) if end_year is None else int(end_year)
        if y1 < y0:
            raise InputError(f"bursts: end_year {y1} is before start_year {y0}")
        bind = {"y0": y0, "y1": y1, "min_score": float(min_score)}
        bind_units = {k: v for k, v in bind.items() if f"${k}" in units_sql}
        bind_docs = {k: v for k, v in bind.items() if f"${k}" in docs_sql}
        counts = cur.sql(
            f"""WITH u AS ({units_sql})
                SELECT unit_id, min(min(name)) OVER (PARTITION BY unit_id) AS name, year,
                       count(*) AS r, sum(count(*)) OVER (PARTITION BY unit_id) AS big_r
                FROM u GROUP BY unit_id, year
                QUALIFY big_r >= $min_documents ORDER BY unit_id, year""",  # noqa: S608
            params=bind_units | {"min_documents": int(min_documents)},
        ).to_arrow_table()
        docs = dict(cur.execute(docs_sql, bind_docs).fetchall())
    except duckdb.Error as e:
        raise StoreError(f"burst counts failed on {store.path}: {e}") from e
    finally:
        cur.close()
    if counts.num_rows == 0:
        return BURSTS_SCHEMA.empty_table()
    years = np.arange(y0, y1 + 1)
    d = np.array([docs.get(int(y), 0) for y in years], dtype=np.int64)
    ids, inverse = np.unique(counts["unit_id"].to_numpy(zero_copy_only=False), return_inverse=True)
    r = np.zeros((len(ids), len(years)), dtype=np.int64)
    np.add.at(r, (inverse, counts["year"].to_numpy() - y0), counts["r"].to_numpy())
    names = dict(zip(counts["unit_id"].to_pylist(), counts["name"].to_pylist(), strict=False))
    q, gain = burst_states(r, d, s=s, gamma=gamma)
    return _runs(ids, names, years, q, gain, r, d)


def _runs(
    ids: np.ndarray,
    names: dict[str, str | None],
    years: np.ndarray,
    q: np.ndarray,
    gain: np.ndarray,
    r: np.ndarray,
    d: np.ndarray,
) -> pa.Table:
    """One row per maximal run of burst years (set-based: run starts and ends by diff)."""
    edge = np.diff(np.pad(q.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    su, st = np.nonzero(edge == 1)
    eu, en = np.nonzero(edge == -1)  # en = last burst index + 1; rows ordered like starts
    cg = np.pad(np.cumsum(gain, axis=1), ((0, 0), (1, 0)))
    cr = np.pad(np.cumsum(r, axis=1), ((0, 0), (1, 0)))
    cd = np.pad(np.cumsum(d), (1, 0))
    big_r, big_d = r.sum(axis=1), d.sum()
    p0 = big_r / big_d if big_d else np.zeros(len(big_r))
    weight = cg[su, en] - cg[su, st]
    unit_ids = ids[su]
    table = pa.table(
        {
            "unit_id": pa.array(unit_ids.astype(str), pa.string()),
            "name": pa.array([names.get(str(u)) for u in unit_ids], pa.string()),
            "start_year": pa.array(years[st], pa.int32()),
            "end_year": pa.array(years[en - 1], pa.int32()),
            "weight": pa.array(weight, pa.float64()),
            "documents": pa.array(cr[su, en] - cr[su, st], pa.int64()),
            "expected": pa.array(p0[su] * (cd[en] - cd[st]), pa.float64()),
            "total_documents": pa.array(big_r[su], pa.int64()),
        },
        schema=BURSTS_SCHEMA,
    )
    assert np.array_equal(su, eu)
    return table.sort_by([("weight", "descending"), ("unit_id", "ascending")])


BURSTS = Indicator("bursts", bursts, inputs=lambda params: WORKS)
"""``forcemap indicators bursts``: Kleinberg bursts of topics, concepts or cited references."""
