r"""Career age: one definition for talent (:mod:`forcemap.decide.talent`) and the review
panel (:mod:`forcemap.decide.panel`).

A person's **first year** is the earliest publication year of its works anywhere in the store
(authors are persons via ``person_aliases`` when resolved: the rows given must carry the
person id in ``author_id``); its **career age** at the reference year *Y* is
:math:`Y - \text{first\_year}`, unknown (NULL) without a dated work. Career age is the
usual gender-neutral proxy of academic seniority (e.g. Sinatra et al. 2016, Science 354,
doi:10.1126/science.aaf5239: careers indexed by the years since the first publication).

**Career bands** cut career ages at increasing edges: edges (10, 20) give the bands
``<10``, ``10–19`` and ``≥20`` years (:func:`band_codes`, :func:`band_labels`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

__all__ = ["band_codes", "band_labels", "first_year_sql"]


def first_year_sql(rows: str) -> str:
    """A query of ``author_id, first_year`` over the relation ``rows`` (``author_id``,
    ``year``: one row per person and work, or per authorship).

    >>> first_year_sql("_ta_aw").split(" FROM ")[0]
    'SELECT author_id, min(year)::INTEGER AS first_year'
    """
    return (
        f"SELECT author_id, min(year)::INTEGER AS first_year FROM {rows} "  # noqa: S608
        "WHERE year IS NOT NULL GROUP BY author_id"
    )


def band_codes(career_age: np.ndarray, edges: Sequence[int]) -> np.ndarray:
    """The band of each career age (0 for below ``edges[0]``, … ``len(edges)`` for at least
    ``edges[-1]``), −1 where the career age is unknown (negative: the callers' fill value).

    >>> band_codes(np.array([3, 10, 19, 20, -1]), (10, 20)).tolist()
    [0, 1, 1, 2, -1]
    """
    age = np.asarray(career_age)
    codes = np.searchsorted(np.asarray(edges, np.int64), age, side="right").astype(np.int64)
    codes[age < 0] = -1
    return codes


def band_labels(edges: Sequence[int]) -> list[str]:
    """The bands' labels in years.

    >>> band_labels((10, 20))
    ['<10', '10–19', '≥20']
    """
    e = list(edges)
    if not e:
        return ["all"]
    inner = [f"{a}–{b - 1}" for a, b in itertools.pairwise(e)]
    return [f"<{e[0]}", *inner, f"≥{e[-1]}"]
