"""The presence matrix M as a sparse array, and the eigenvector core shared by the complexity
indicators (:mod:`~forcemap.indicators.complexity`, :mod:`~forcemap.indicators.product_space`,
:mod:`~forcemap.indicators.fitness`).

:func:`_presence` checks a presence table (``loc, prod, mcp``; one cross-section) and builds M
once; :func:`_eci_pci_valid` solves the ECI / PCI eigenproblem on it (used by
:func:`~forcemap.indicators.complexity.eci_pci` and, in "scale" units, by COI / COG).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from forcemap.errors import ConvergenceError, InputError
from forcemap.indicators.specialisation import MCP_SCHEMA, _check_schema

Normalise = Literal["zscore", "zscore_each", "scale"]
_NORMALISE = ("zscore", "zscore_each", "scale")
# Above this many locations and products, the ECI eigenproblem uses ARPACK instead of LAPACK.
_DENSE_EIGEN_MAX = 3000


# -- the presence matrix as a sparse array ---------------------------------------------------


@dataclass(frozen=True)
class _Presence:
    """M as a CSR matrix (rows = sorted locations, columns = sorted products)."""

    locs: pa.Array
    prods: pa.Array
    m: sp.csr_matrix
    diversity: np.ndarray
    ubiquity: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.locs), len(self.prods))


def _sorted_codes(col: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    enc = pc.dictionary_encode(col).combine_chunks()
    labels = enc.dictionary
    order = np.asarray(pc.sort_indices(labels).to_numpy(), dtype=np.int64)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    codes = rank[np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)]
    return codes, labels.take(pa.array(order))


def _presence(table: pa.Table, func: str) -> _Presence:
    """Check the presence table and build the sparse matrix once."""
    table = _check_schema(table, MCP_SCHEMA, func)
    if "year" in table.column_names and pc.count_distinct(table.column("year")).as_py() > 1:
        raise InputError(
            f"{func}: the input has several years; filter it to one year first "
            "(complexity is computed on one cross-section)"
        )
    v = np.asarray(table.column("mcp").to_numpy(), dtype=np.int64)
    if v.size and (v.min() < 0 or v.max() > 1):
        raise InputError(f"{func}: column 'mcp' must be 0 or 1 (use presence_matrix)")
    if table.num_rows == 0:
        z = np.zeros(0, dtype=np.int64)
        e = pa.array([], type=pa.string())
        return _Presence(e, e, sp.csr_matrix((0, 0)), z, z)
    li, locs = _sorted_codes(table.column("loc").cast(pa.string()))
    pj, prods = _sorted_codes(table.column("prod").cast(pa.string()))
    keep = v == 1
    m = sp.csr_matrix(
        (np.ones(int(keep.sum())), (li[keep], pj[keep])), shape=(len(locs), len(prods))
    )
    m.sum_duplicates()
    if m.nnz and m.data.max() > 1:
        raise InputError(f"{func}: duplicate (loc, prod) rows in the presence table")
    div = np.asarray(m.sum(axis=1)).ravel().astype(np.int64)
    ubi = np.asarray(m.sum(axis=0)).ravel().astype(np.int64)
    return _Presence(locs, prods, m, div, ubi)


def _warn_dropped(p: _Presence, func: str, *, locs: bool = True, prods: bool = True) -> None:
    """One UserWarning naming the zero-diversity locations / zero-ubiquity products."""
    parts = []
    for flag, kind, labels, deg in (
        (locs, "zero-diversity location", p.locs, p.diversity),
        (prods, "zero-ubiquity product", p.prods, p.ubiquity),
    ):
        idx = np.flatnonzero(deg == 0) if flag else np.zeros(0, dtype=np.int64)
        if idx.size:
            names = labels.take(pa.array(idx[:10])).to_pylist()
            more = f" and {idx.size - 10} more" if idx.size > 10 else ""
            parts.append(f"{idx.size} {kind}(s) {names}{more}")
    if parts:
        warnings.warn(
            f"{func}: left out {'; '.join(parts)}: their values are null "
            "(no presence at the chosen threshold)",
            UserWarning,
            stacklevel=3,
        )


def _scatter(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.full(mask.size, np.nan)
    out[mask] = values
    return out


def _arr(values: np.ndarray, typ: pa.DataType) -> pa.Array:
    return pa.array(values, type=typ, from_pandas=True)


def _cells(p: _Presence, name: str, values: np.ndarray) -> pa.Table:
    """A loc-major rectangular (loc, prod, name) table from an n_loc × n_prod array."""
    nl, npr = p.shape
    li = np.repeat(np.arange(nl), npr)
    pj = np.tile(np.arange(npr), nl)
    return pa.table(
        {
            "loc": p.locs.take(pa.array(li)),
            "prod": p.prods.take(pa.array(pj)),
            name: _arr(np.asarray(values, dtype=np.float64).ravel(), pa.float64()),
        }
    )


# -- the ECI / PCI eigenproblem --------------------------------------------------------------


def _second_eigvec(m: sp.csr_matrix, kc: np.ndarray, kp: np.ndarray) -> tuple[np.ndarray, float]:
    """kp ∝ the eigenvector of M_pp for the second-largest eigenvalue, and that eigenvalue.

    Uses the symmetric form A = D_c^{-1/2} M D_p^{-1/2}: the eigenvalues of
    M_cc = D_c^{-1} M D_p^{-1} M' and M_pp = D_p^{-1} M' D_c^{-1} M are those of A A' (or A'A),
    whose eigenvectors u give v = D_c^{-1/2} u (or D_p^{-1/2} u). Solved on the smaller side.
    """
    a = sp.diags(1.0 / np.sqrt(kc)) @ m @ sp.diags(1.0 / np.sqrt(kp))
    nl, npr = m.shape
    loc_side = nl <= npr
    g = (a @ a.T) if loc_side else (a.T @ a)
    n = g.shape[0]
    if n <= _DENSE_EIGEN_MAX:
        w, u = scipy.linalg.eigh(g.toarray(), subset_by_index=[n - 2, n - 1])
    else:
        try:
            w, u = spla.eigsh(g.tocsr(), k=2, which="LA", tol=1e-12, maxiter=20 * n)
        except spla.ArpackNoConvergence as e:
            raise ConvergenceError("ECI eigenvector (ARPACK)", 20 * n) from e
        order = np.argsort(w)
        w, u = w[order], u[:, order]
    u2 = u[:, 0]
    if loc_side:
        v = u2 / np.sqrt(kc)  # eigenvector of M_cc
        vp = (m.T @ v) / kp  # the matching eigenvector of M_pp
    else:
        vp = u2 / np.sqrt(kp)
    return vp, float(w[0])


def _eci_pci_valid(
    p: _Presence, *, sign: str, normalise: str, func: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ECI, PCI (full length, NaN where left out) and the location / product masks."""
    if sign != "diversity":
        raise InputError(f"{func}: sign must be 'diversity', got {sign!r}")
    if normalise not in _NORMALISE:
        raise InputError(f"{func}: normalise must be one of {_NORMALISE}, got {normalise!r}")
    lm = p.diversity > 0
    pm = p.ubiquity > 0
    _warn_dropped(p, func)
    nl, npr = int(lm.sum()), int(pm.sum())
    if nl < 2 or npr < 2:
        return np.full(p.shape[0], np.nan), np.full(p.shape[1], np.nan), lm, pm
    m = p.m[lm][:, pm]
    kc0 = p.diversity[lm].astype(np.float64)
    kp0 = p.ubiquity[pm].astype(np.float64)
    kp, lam2 = _second_eigvec(m, kc0, kp0)
    if lam2 > 1.0 - 1e-9:
        warnings.warn(
            f"{func}: the location-product network is disconnected (second eigenvalue "
            f"{lam2:.12g} = 1); ECI/PCI then separate the components rather than rank complexity",
            UserWarning,
            stacklevel=3,
        )
    kc = (m @ kp) / kc0  # ECI_c = mean PCI over the products of c, exactly
    sd_c = kc.std()
    if not sd_c > 0:
        return np.full(p.shape[0], np.nan), np.full(p.shape[1], np.nan), lm, pm
    r = np.corrcoef(kc0, kc)[0, 1] if kc0.std() > 0 else 1.0
    s = -1.0 if r < 0 else 1.0
    kc, kp = s * kc, s * kp
    if normalise == "zscore":
        eci = (kc - kc.mean()) / sd_c
        pci = (kp - kc.mean()) / sd_c
    elif normalise == "zscore_each":
        eci = (kc - kc.mean()) / sd_c
        sd_p = kp.std()
        pci = (kp - kp.mean()) / sd_p if sd_p > 0 else np.full(kp.size, np.nan)
    else:  # scale
        eci, pci = kc / sd_c, kp / sd_c
    return _scatter(eci, lm), _scatter(pci, pm), lm, pm
