"""The status of a technology-watch entry (:mod:`forcemap.decide.watch`): its share growth and
impact with their bootstrap intervals, and the decision emerging / borderline / not emerging /
insufficient evidence on the attributes of Rotolo, Hicks & Martin (2015), "What is an emerging
technology?", Research Policy 44(10), 1827–1843."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from forcemap.decide._evidence import (
    INSUFFICIENT,
    bootstrap_sums,
    insufficient,
    interval,
    interval_label,
    shortfalls,
)
from forcemap.decide.params import WatchParams

STATUS_ORDER: tuple[str, ...] = ("emerging", "borderline", "not emerging", INSUFFICIENT)
"""The order of the list: emerging entries first, insufficient evidence last."""


def attributes(scored: pa.Table, boot: pa.Table, gend: int, p: WatchParams) -> pa.Table:
    """The share growth and impact of each ranked unit with their bootstrap intervals, its
    status (module docstring), and the list order: emerging, borderline, not emerging,
    insufficient evidence, each by score."""
    n_units = scored.num_rows
    ranks = scored["rank"].to_numpy(zero_copy_only=False).astype(np.int64)
    rid = boot["record_id"].to_numpy(zero_copy_only=False)
    _, doc = np.unique(rid, return_inverse=True)
    n_docs = int(doc.max()) + 1 if len(doc) else 0
    year = boot["year"].to_numpy(zero_copy_only=False).astype(float)
    in1 = (year >= gend - 5) & (year <= gend - 3)
    in2 = (year >= gend - 2) & (year <= gend)
    urank = boot["rank"].fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    hit = boot["hit"].fill_null(False).to_numpy(zero_copy_only=False) & (urank > 0)
    ncs = boot["ncs"].to_numpy(zero_copy_only=False).astype(float)
    has_ncs = np.isfinite(ncs)
    # columns: per unit (by rank - 1) s_1, s_2, Σ ncs, n ncs; then N_1, N_2
    col = (urank - 1) * 4
    rows_, cols_, vals_ = [], [], []
    for offset, mask, val in (
        (0, hit & in1, 1.0),
        (1, hit & in2, 1.0),
        (2, hit & has_ncs, None),
        (3, hit & has_ncs, 1.0),
    ):
        rows_.append(doc[mask])
        cols_.append(col[mask] + offset)
        vals_.append(
            np.where(np.isfinite(ncs[mask]), ncs[mask], 0.0)
            if val is None
            else np.full(int(mask.sum()), val)
        )
    # the scope's volumes, once per document
    first = np.zeros(len(doc), dtype=bool)
    if len(doc):
        _, idx = np.unique(doc, return_index=True)
        first[idx] = True
    for offset, mask in ((0, first & in1), (1, first & in2)):
        rows_.append(doc[mask])
        cols_.append(np.full(int(mask.sum()), 4 * n_units + offset))
        vals_.append(np.ones(int(mask.sum())))
    mat = sp.csr_array(
        (np.concatenate(vals_), (np.concatenate(rows_), np.concatenate(cols_))),
        shape=(n_docs, 4 * n_units + 2),
    )
    point = np.asarray(mat.sum(axis=0)).ravel()
    draws = bootstrap_sums(mat) if n_docs and n_units else np.zeros((0, 4 * n_units + 2))

    def growth(sums: np.ndarray) -> np.ndarray:
        s1, s2 = sums[..., 0 : 4 * n_units : 4], sums[..., 1 : 4 * n_units : 4]
        n1, n2 = sums[..., [4 * n_units]], sums[..., [4 * n_units + 1]]
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.cbrt(((s2 + 1) / n2) / ((s1 + 1) / n1)) - 1
        return np.where(np.isfinite(g), g, np.nan)

    def impact(sums: np.ndarray) -> np.ndarray:
        tot, n = sums[..., 2 : 4 * n_units : 4], sums[..., 3 : 4 * n_units : 4]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 0, tot / np.where(n > 0, n, 1), np.nan)

    g_pt = growth(point)
    g_lo, g_hi = interval(growth(draws)) if len(draws) else (g_pt * np.nan, g_pt * np.nan)
    i_lo, i_hi = interval(impact(draws)) if len(draws) else (g_pt * np.nan, g_pt * np.nan)
    vols = [[int(point[4 * k]), int(point[4 * k + 1])] for k in range(n_units)]

    def nan_none(a: np.ndarray) -> list[float | None]:
        return [None if not np.isfinite(v) else float(v) for v in a]

    t = scored
    g_pt_, g_lo_, g_hi_ = nan_none(g_pt), nan_none(g_lo), nan_none(g_hi)
    t = t.append_column("growth", pa.array(g_pt_, pa.float64()))
    t = t.append_column("growth_low", pa.array(g_lo_, pa.float64()))
    t = t.append_column("growth_high", pa.array(g_hi_, pa.float64()))
    t = t.append_column("growth_volumes", pa.array(vols, pa.list_(pa.int64())))
    t = t.append_column("impact_low", pa.array(nan_none(i_lo), pa.float64()))
    t = t.append_column("impact_high", pa.array(nan_none(i_hi), pa.float64()))
    status = [entry_status(r, g_pt_[k], g_lo_[k], g_hi_[k], p) for k, r in enumerate(t.to_pylist())]
    t = t.append_column("status", pa.array(status, pa.string()))
    t = t.append_column(
        "thin_evidence",
        pa.array([r < p.thin_records for r in t["records"].to_pylist()], pa.bool_()),
    )
    group = [next(i for i, g in enumerate(STATUS_ORDER) if st.startswith(g)) for st in status]
    order = sorted(range(t.num_rows), key=lambda k: (group[k], int(ranks[k])))
    t = t.take(pa.array(order, pa.int64()))
    t = t.set_column(
        t.schema.get_field_index("rank"), "rank", pa.array(range(1, t.num_rows + 1), pa.int64())
    )
    return t


def entry_status(
    row: dict[str, Any], g: float | None, lo: float | None, hi: float | None, p: WatchParams
) -> str:
    """The status of one ranked unit (module docstring)."""
    short = shortfalls(
        {"documents": row["records"], "documents with citation links": row["with_links"]},
        {"documents": p.thin_records, "documents with citation links": p.min_linked_documents},
    )
    if short:
        return insufficient(short)
    reasons = []
    if not row["qualified"]:
        reasons.append(f"emergence rules: {row['reason']}")
    coh = row["coherence"]
    if coh is None or coh < p.min_coherence:
        reasons.append(f"coherence {0.0 if coh is None else coh:.2f} < {p.min_coherence:g}")
    if g is None:
        reasons.append("no growth rate")
    if reasons:
        return f"not emerging ({'; '.join(reasons)})"
    assert g is not None

    def classify(x: float) -> str:
        return "emerging" if x > p.min_growth else "not emerging"

    label = interval_label(
        classify, float("nan") if lo is None else lo, float("nan") if hi is None else hi, g
    )
    if label == "not emerging":
        return f"not emerging (growth {g:+.3f} ≤ {p.min_growth:g})"
    return label


def in_order(t: pa.Table, order: dict[str, int]) -> pa.Table:
    if t.num_rows == 0:
        return t
    keys = [
        (order.get(u, len(order)), r)
        for u, r in zip(t["unit"].to_pylist(), t["rank"].to_pylist(), strict=True)
    ]
    idx = sorted(range(t.num_rows), key=keys.__getitem__)
    return t.take(pa.array(idx, pa.int64()))
