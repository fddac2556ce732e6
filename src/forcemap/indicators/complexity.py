r"""Economic and technological complexity on a binary location × product matrix M.

Every function takes the long presence table made by
:func:`forcemap.indicators.specialisation.presence_matrix` (``loc, prod, mcp``; one cross-section)
and returns Arrow tables with fixed column names:

* :func:`diversity_ubiquity` — k_c,0 and k_p,0;
* :func:`eci_pci` — ECI / PCI by the eigenvector method (Hidalgo & Hausmann 2009);
* :func:`reflections` — the method of reflections k_c,n / k_p,n;
* :func:`proximity` — product proximity (Hidalgo et al. 2007);
* :func:`density`, :func:`complexity_outlook` (COI), :func:`complexity_outlook_gain` (COG)
  (Hausmann et al. 2014, Atlas of Economic Complexity);
* :func:`fitness_complexity` — Tacchella et al. 2012;
* :func:`technological_complexity` — the eigenvector method on RTA-based M of regions ×
  CPC codes (Balland & Rigby 2017).

Conventions that py-ecomplexity 0.5.3 buries in its code are keyword arguments here: the ECI sign
(``sign="diversity"``), the normalisation (``normalise="zscore"``: ECI z-scored, PCI with ECI's
mean and standard deviation) and the proximity diagonal (``diagonal=1.0``). With the defaults,
every output equals py-ecomplexity's to < 1e-6 (tested on the R package economiccomplexity's world
trade data). The R package's own conventions are keyword arguments too: fitness after a fixed
number of iterations in its counting (``fitness_complexity(m, iterations=20)``) and COI / COG
weighted by any product complexity (``complexity=``, e.g. that fitness complexity, with
``normalise="none"``).

Locations with zero diversity and products with zero ubiquity have no defined ECI/PCI (the
eigenproblem divides by them). They are left out of the computation, listed in a
``UserWarning``, and get null values; everything else is computed on the rest.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from forcemap.errors import ComputationError, ConvergenceError, InputError, SchemaError
from forcemap.indicators._registry import Indicator
from forcemap.indicators.specialisation import (
    MCP_SCHEMA,
    _check_schema,
    activity_inputs,
    activity_table,
    activity_years,
    presence_matrix,
)
from forcemap.store.store import Store

__all__ = [
    "COG_SCHEMA",
    "COI_SCHEMA",
    "COMPLEXITY",
    "DENSITY_SCHEMA",
    "DIVERSITY_SCHEMA",
    "ECI_SCHEMA",
    "FITNESS_SCHEMA",
    "KCI_SCHEMA",
    "MCP_INPUT_SCHEMA",
    "PCI_SCHEMA",
    "PRODUCT_COMPLEXITY_SCHEMA",
    "PRODUCT_VALUE_COLUMNS",
    "PROXIMITY_SCHEMA",
    "REFLECTIONS_LOC_SCHEMA",
    "REFLECTIONS_PROD_SCHEMA",
    "TCI_SCHEMA",
    "UBIQUITY_SCHEMA",
    "complexity_outlook",
    "complexity_outlook_gain",
    "complexity_table",
    "density",
    "diversity_ubiquity",
    "eci_pci",
    "fitness_complexity",
    "proximity",
    "reflections",
    "technological_complexity",
]

MCP_INPUT_SCHEMA = MCP_SCHEMA
"""Input of every function here: ``loc: string, prod: string, mcp: int8`` (0/1; int/bool ok)."""

DIVERSITY_SCHEMA = pa.schema([("loc", pa.string()), ("diversity", pa.int64())])
UBIQUITY_SCHEMA = pa.schema([("prod", pa.string()), ("ubiquity", pa.int64())])
ECI_SCHEMA = pa.schema([("loc", pa.string()), ("diversity", pa.int64()), ("eci", pa.float64())])
PCI_SCHEMA = pa.schema([("prod", pa.string()), ("ubiquity", pa.int64()), ("pci", pa.float64())])
REFLECTIONS_LOC_SCHEMA = pa.schema(
    [("loc", pa.string()), ("iteration", pa.int32()), ("k", pa.float64())]
)
REFLECTIONS_PROD_SCHEMA = pa.schema(
    [("prod", pa.string()), ("iteration", pa.int32()), ("k", pa.float64())]
)
PROXIMITY_SCHEMA = pa.schema(
    [("prod_a", pa.string()), ("prod_b", pa.string()), ("proximity", pa.float64())]
)
DENSITY_SCHEMA = pa.schema([("loc", pa.string()), ("prod", pa.string()), ("density", pa.float64())])
COI_SCHEMA = pa.schema([("loc", pa.string()), ("coi", pa.float64())])
COG_SCHEMA = pa.schema([("loc", pa.string()), ("prod", pa.string()), ("cog", pa.float64())])
FITNESS_SCHEMA = pa.schema(
    [("loc", pa.string()), ("diversity", pa.int64()), ("fitness", pa.float64())]
)
PRODUCT_COMPLEXITY_SCHEMA = pa.schema(
    [("prod", pa.string()), ("ubiquity", pa.int64()), ("complexity", pa.float64())]
)
KCI_SCHEMA = pa.schema([("loc", pa.string()), ("diversity", pa.int64()), ("kci", pa.float64())])
TCI_SCHEMA = pa.schema([("prod", pa.string()), ("ubiquity", pa.int64()), ("tci", pa.float64())])

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


# -- diversity, ubiquity, ECI / PCI ----------------------------------------------------------


def diversity_ubiquity(mcp: pa.Table) -> tuple[pa.Table, pa.Table]:
    r"""Diversity of each location and ubiquity of each product.

    .. math::

        k_{c,0} = \sum_p M_{cp}, \qquad k_{p,0} = \sum_c M_{cp}

    Parameters
    ----------
    mcp : pa.Table
        Presence table (:data:`MCP_INPUT_SCHEMA`), e.g. from ``presence_matrix``.

    Returns
    -------
    tuple of pa.Table
        :data:`DIVERSITY_SCHEMA` (``loc``, ``diversity``: int64) and :data:`UBIQUITY_SCHEMA`
        (``prod``, ``ubiquity``: int64), sorted by label.

    Examples
    --------
    >>> m = pa.table({"loc": ["A", "A", "B"], "prod": ["x", "y", "x"], "mcp": [1, 1, 1]})
    >>> d, u = diversity_ubiquity(m)
    >>> d.column("diversity").to_pylist(), u.column("ubiquity").to_pylist()
    ([2, 1], [2, 1])

    References
    ----------
    Hidalgo, C. A., & Hausmann, R. (2009). PNAS 106(26), 10570–10575.
    doi:10.1073/pnas.0900943106
    """
    p = _presence(mcp, "diversity_ubiquity")
    return (
        pa.table({"loc": p.locs, "diversity": p.diversity}, schema=DIVERSITY_SCHEMA),
        pa.table({"prod": p.prods, "ubiquity": p.ubiquity}, schema=UBIQUITY_SCHEMA),
    )


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


def eci_pci(
    mcp: pa.Table,
    *,
    sign: Literal["diversity"] = "diversity",
    normalise: Normalise = "zscore",
) -> tuple[pa.Table, pa.Table]:
    r"""Economic and product complexity indices by the eigenvector method.

    .. math::

        \tilde M_{pp'} = \sum_c \frac{M_{cp} M_{cp'}}{k_{c,0}\, k_{p,0}}, \qquad
        \tilde M \vec Q = \lambda_2 \vec Q, \qquad
        K_c = \frac{1}{k_{c,0}} \sum_p M_{cp} Q_p

    with :math:`\vec Q` the eigenvector of the second-largest eigenvalue λ₂ (the largest is 1,
    with a constant eigenvector). Then, with ``normalise="zscore"``,

    .. math::

        \mathrm{ECI}_c = \frac{K_c - \langle K\rangle}{\operatorname{sd}(K)}, \qquad
        \mathrm{PCI}_p = \frac{Q_p - \langle K\rangle}{\operatorname{sd}(K)}

    Parameters
    ----------
    mcp : pa.Table
        Presence table (:data:`MCP_INPUT_SCHEMA`) of one cross-section.
    sign : {"diversity"}, default "diversity"
        The eigenvector's sign is arbitrary; "diversity" flips both K and Q so that ECI
        correlates positively with diversity (py-ecomplexity, the Atlas).
    normalise : {"zscore", "zscore_each", "scale"}, default "zscore"
        ``"zscore"``: ECI z-scored; PCI shifted and scaled by **ECI's** mean and standard
        deviation (population sd), as py-ecomplexity 0.5.3 and the Stata ``ecomplexity``
        package do; it keeps ECI_c = mean of PCI_p over the products of c.
        ``"zscore_each"``: each index z-scored by its own mean and sd (the identity is lost).
        ``"scale"``: both divided by sd(K) only; the origin is then the eigenvector's own, at
        which the diversity-weighted mean of ECI and the ubiquity-weighted mean of PCI are 0
        (the form COI and COG use).

    Returns
    -------
    tuple of pa.Table
        :data:`ECI_SCHEMA` (``loc``, ``diversity``: int64, ``eci``: float64) and
        :data:`PCI_SCHEMA` (``prod``, ``ubiquity``: int64, ``pci``: float64), sorted by label.

    Raises
    ------
    SchemaError, InputError
        Bad columns, values other than 0/1, duplicate pairs, several years, or an unknown
        ``sign`` / ``normalise``.
    ConvergenceError
        Only for very large matrices (ARPACK path) that do not converge.

    Notes
    -----
    Zero-diversity locations and zero-ubiquity products are left out of the eigenproblem with a
    ``UserWarning`` naming them, and get null ECI/PCI; the others are computed on the rest
    (py-ecomplexity instead returns NaN for every location). Fewer than two locations or
    products left gives all-null indices. If the bipartite network is disconnected (λ₂ = 1),
    a ``UserWarning`` says the indices separate components. Empty input gives empty tables.
    The problem is solved as a symmetric eigenproblem of the smaller side (locations or
    products) of D_c^{-1/2} M D_p^{-1/2}, which has the same λ₂ subspace as M̃.

    Examples
    --------
    >>> m = pa.table({"loc": ["A", "A", "A", "B", "B", "C"],
    ...               "prod": ["x", "y", "z", "x", "y", "x"], "mcp": [1, 1, 1, 1, 1, 1]})
    >>> e, q = eci_pci(m)
    >>> [round(v, 4) + 0.0 for v in e.column("eci").to_pylist()]
    [1.2247, 0.0, -1.2247]

    References
    ----------
    Hidalgo, C. A., & Hausmann, R. (2009). The building blocks of economic complexity. PNAS
    106(26), 10570–10575. doi:10.1073/pnas.0900943106

    Hausmann, R., Hidalgo, C. A., et al. (2014). The Atlas of Economic Complexity. MIT Press.
    doi:10.7551/mitpress/9647.001.0001
    """
    p = _presence(mcp, "eci_pci")
    eci, pci, _, _ = _eci_pci_valid(p, sign=sign, normalise=normalise, func="eci_pci")
    return (
        pa.table(
            {"loc": p.locs, "diversity": p.diversity, "eci": _arr(eci, pa.float64())},
            schema=ECI_SCHEMA,
        ),
        pa.table(
            {"prod": p.prods, "ubiquity": p.ubiquity, "pci": _arr(pci, pa.float64())},
            schema=PCI_SCHEMA,
        ),
    )


def reflections(mcp: pa.Table, *, iterations: int = 18) -> tuple[pa.Table, pa.Table]:
    r"""The method of reflections: k_c,n and k_p,n for n = 0 … ``iterations``.

    .. math::

        k_{c,n} = \frac{1}{k_{c,0}} \sum_p M_{cp}\, k_{p,n-1}, \qquad
        k_{p,n} = \frac{1}{k_{p,0}} \sum_c M_{cp}\, k_{c,n-1}

    Parameters
    ----------
    mcp : pa.Table
        Presence table (:data:`MCP_INPUT_SCHEMA`).
    iterations : int, default 18
        Last n. Even n of k_c approach the ECI ranking (18 and 20 correlate 0.9999 with the
        eigenvector ECI on world trade). Beyond about 20 the signal (λ₂ⁿ, λ₂ ≈ 0.18 there) falls
        below double precision and the ranking degrades (0.80 at n = 40): prefer
        :func:`eci_pci` for converged values.

    Returns
    -------
    tuple of pa.Table
        :data:`REFLECTIONS_LOC_SCHEMA` (``loc``, ``iteration``: int32, ``k``: float64) and
        :data:`REFLECTIONS_PROD_SCHEMA` (``prod``, ``iteration``, ``k``), long format, ordered
        by iteration then label.

    Notes
    -----
    Zero-diversity locations and zero-ubiquity products are left out (``UserWarning``) and get
    null k for n ≥ 1 (their k_0 is 0).

    Examples
    --------
    >>> m = pa.table({"loc": ["A", "A", "B"], "prod": ["x", "y", "x"], "mcp": [1, 1, 1]})
    >>> kc, kp = reflections(m, iterations=1)
    >>> kc.column("k").to_pylist()
    [2.0, 1.0, 1.5, 2.0]

    References
    ----------
    Hidalgo, C. A., & Hausmann, R. (2009). PNAS 106(26), 10570–10575.
    doi:10.1073/pnas.0900943106
    """
    if not isinstance(iterations, int) or iterations < 0:
        raise InputError(f"reflections: iterations must be a non-negative int, got {iterations!r}")
    p = _presence(mcp, "reflections")
    _warn_dropped(p, "reflections")
    lm, pm = p.diversity > 0, p.ubiquity > 0
    m = p.m[lm][:, pm]
    kc0 = p.diversity[lm].astype(np.float64)
    kp0 = p.ubiquity[pm].astype(np.float64)
    kcs = [p.diversity.astype(np.float64)]
    kps = [p.ubiquity.astype(np.float64)]
    kc, kp = kc0, kp0
    for _ in range(iterations):
        kc, kp = (m @ kp) / kc0, (m.T @ kc) / kp0
        kcs.append(_scatter(kc, lm))
        kps.append(_scatter(kp, pm))
    n1 = iterations + 1
    nl, npr = p.shape
    return (
        pa.table(
            {
                "loc": p.locs.take(pa.array(np.tile(np.arange(nl), n1))),
                "iteration": np.repeat(np.arange(n1, dtype=np.int32), nl),
                "k": _arr(np.concatenate(kcs), pa.float64()),
            },
            schema=REFLECTIONS_LOC_SCHEMA,
        ),
        pa.table(
            {
                "prod": p.prods.take(pa.array(np.tile(np.arange(npr), n1))),
                "iteration": np.repeat(np.arange(n1, dtype=np.int32), npr),
                "k": _arr(np.concatenate(kps), pa.float64()),
            },
            schema=REFLECTIONS_PROD_SCHEMA,
        ),
    )


# -- proximity, density, COI, COG ---------------------------------------------------------


def _proximity_matrix(p: _Presence, diagonal: float) -> np.ndarray:
    """Dense n_prod × n_prod φ (0 rows/columns for zero-ubiquity products)."""
    # Co-occurrence M'M: a dense BLAS product is much faster than a sparse one whose result
    # is dense anyway (n_prod² entries); M itself is n_loc × n_prod.
    md = p.m.toarray()
    c = md.T @ md
    u = p.ubiquity.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.where(u[np.newaxis, :] > 0, c / u[np.newaxis, :], 0.0)  # P(a | b) at [a, b]
    phi = np.minimum(cond, cond.T)
    idx = np.flatnonzero(u > 0)
    phi[idx, idx] = diagonal
    return phi


def proximity(mcp: pa.Table, *, diagonal: float = 1.0) -> pa.Table:
    r"""Product proximity: the minimum of the two conditional probabilities of co-presence.

    .. math::

        \varphi_{pp'} = \frac{\sum_c M_{cp} M_{cp'}}{\max(k_{p,0},\, k_{p',0})}
                      = \min\{P(M_{cp}=1 \mid M_{cp'}=1),\; P(M_{cp'}=1 \mid M_{cp}=1)\}

    Parameters
    ----------
    mcp : pa.Table
        Presence table (:data:`MCP_INPUT_SCHEMA`).
    diagonal : float, default 1.0
        φ_pp. The formula gives 1 (py-ecomplexity, the R package economiccomplexity); the Stata
        ``ecomplexity`` package sets 0. It also enters :func:`density` and the COG.

    Returns
    -------
    pa.Table
        :data:`PROXIMITY_SCHEMA`: ``prod_a``, ``prod_b``: string; ``proximity``: float64 in
        [0, 1]. One row per ordered pair with non-zero proximity (both (a, b) and (b, a); the
        diagonal when ``diagonal`` ≠ 0), ordered by prod_a, prod_b.

    Notes
    -----
    Zero-ubiquity products have no rows (``UserWarning``). The matrix is built dense,
    n_prod² × 8 bytes (200 MB for 5,000 products).

    Examples
    --------
    >>> m = pa.table({"loc": ["A", "A", "B"], "prod": ["x", "y", "x"], "mcp": [1, 1, 1]})
    >>> proximity(m).to_pylist()[1]
    {'prod_a': 'x', 'prod_b': 'y', 'proximity': 0.5}

    References
    ----------
    Hidalgo, C. A., Klinger, B., Barabási, A.-L., & Hausmann, R. (2007). The product space
    conditions the development of nations. Science 317(5837), 482–487.
    doi:10.1126/science.1144581
    """
    p = _presence(mcp, "proximity")
    _warn_dropped(p, "proximity", locs=False)
    phi = _proximity_matrix(p, float(diagonal))
    a, b = np.nonzero(phi)
    return pa.table(
        {
            "prod_a": p.prods.take(pa.array(a)),
            "prod_b": p.prods.take(pa.array(b)),
            "proximity": phi[a, b],
        },
        schema=PROXIMITY_SCHEMA,
    )


def _density_matrix(p: _Presence, phi: np.ndarray) -> np.ndarray:
    """ω_cp = Σ_p' M_cp' φ_p'p / Σ_p' φ_p'p (NaN where the product's φ sum is 0)."""
    col = phi.sum(axis=0)
    num = np.asarray(p.m @ phi)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(col[np.newaxis, :] > 0, num / col[np.newaxis, :], np.nan)


def density(mcp: pa.Table, *, diagonal: float = 1.0) -> pa.Table:
    r"""Density: how close a location's current products are to product p.

    .. math::

        \omega_{cp} = \frac{\sum_{p'} M_{cp'}\, \varphi_{p'p}}{\sum_{p'} \varphi_{p'p}}

    Parameters
    ----------
    mcp : pa.Table
        Presence table (:data:`MCP_INPUT_SCHEMA`).
    diagonal : float, default 1.0
        Proximity diagonal φ_pp (see :func:`proximity`); 1 matches py-ecomplexity.

    Returns
    -------
    pa.Table
        :data:`DENSITY_SCHEMA`: ``loc``, ``prod``, ``density``: float64 in [0, 1], every cell of
        the location × product rectangle, loc-major and sorted.

    Notes
    -----
    Zero-diversity locations and zero-ubiquity products get null density (``UserWarning``).

    Examples
    --------
    >>> m = pa.table({"loc": ["A", "A", "B"], "prod": ["x", "y", "x"], "mcp": [1, 1, 1]})
    >>> [round(v, 4) for v in density(m).column("density").to_pylist()]
    [1.0, 1.0, 0.6667, 0.3333]

    References
    ----------
    Hidalgo, C. A., Klinger, B., Barabási, A.-L., & Hausmann, R. (2007). Science 317(5837),
    482–487. doi:10.1126/science.1144581
    """
    p = _presence(mcp, "density")
    _warn_dropped(p, "density")
    d = _density_matrix(p, _proximity_matrix(p, float(diagonal)))
    d[p.diversity == 0, :] = np.nan
    return _cells(p, "density", d)


PRODUCT_VALUE_COLUMNS = ("pci", "complexity", "tci", "value")
"""Value columns accepted in the ``complexity`` argument of COI / COG (exactly one of them)."""
_PROD_ONLY = pa.schema([("prod", pa.string())])


def _product_values(table: object, p: _Presence, func: str) -> np.ndarray:
    """The ``complexity`` table as a vector over p.prods (0 for zero-ubiquity products)."""
    if not isinstance(table, pa.Table):
        raise SchemaError(f"{func}: complexity must be a pyarrow.Table, got {type(table).__name__}")
    prods = _check_schema(table, _PROD_ONLY, func).column("prod")
    named = [c for c in PRODUCT_VALUE_COLUMNS if c in table.column_names]
    if len(named) != 1:
        raise SchemaError(
            f"{func}: complexity needs a 'prod' column and exactly one value column of "
            f"{list(PRODUCT_VALUE_COLUMNS)}, got {table.column_names}"
        )
    col = table.column(named[0])
    if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type)):
        raise SchemaError(
            f"{func}: complexity column {named[0]!r} has type {col.type}, expected float64"
        )
    if pc.count_distinct(prods).as_py() != len(prods):
        raise InputError(f"{func}: complexity has duplicate 'prod' values")
    idx = pc.index_in(p.prods, value_set=prods.combine_chunks())
    vals = col.cast(pa.float64()).combine_chunks()
    got = pc.take(vals, idx).to_numpy(zero_copy_only=False).astype(np.float64)
    need = p.ubiquity > 0
    bad = need & ~np.isfinite(got)
    if bad.any():
        names = p.prods.take(pa.array(np.flatnonzero(bad)[:10])).to_pylist()
        raise InputError(
            f"{func}: complexity has no finite {named[0]!r} for {int(bad.sum())} product(s) "
            f"present in mcp, e.g. {names} (compute it on the same presence table)"
        )
    return np.where(need, got, 0.0)


def _outlook_arrays(
    p: _Presence, diagonal: float, complexity: pa.Table | None, func: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """φ, density and the product complexity (PCI in "scale" units by default).

    Zero-ubiquity products get complexity 0, i.e. they are excluded.
    """
    if complexity is None:
        _, pci, _, _ = _eci_pci_valid(p, sign="diversity", normalise="scale", func=func)
        cvec = np.nan_to_num(pci, nan=0.0)
    else:
        cvec = _product_values(complexity, p, func)
        _warn_dropped(p, func)
    phi = _proximity_matrix(p, diagonal)
    dens = _density_matrix(p, phi)
    return phi, dens, cvec


def complexity_outlook(
    mcp: pa.Table,
    *,
    complexity: pa.Table | None = None,
    diagonal: float = 1.0,
    normalise: Literal["zscore", "none"] = "zscore",
) -> pa.Table:
    r"""Complexity outlook index (COI): how much complexity lies close to a location.

    .. math::

        \mathrm{COI}_c = \sum_p \omega_{cp}\,(1 - M_{cp})\,\mathrm{PCI}_p

    with ω the :func:`density` and PCI from :func:`eci_pci` with ``normalise="scale"``, or any
    other product complexity passed as ``complexity``.

    Parameters
    ----------
    mcp : pa.Table
        Presence table (:data:`MCP_INPUT_SCHEMA`).
    complexity : pa.Table or None, default None
        The product complexity that weights each product. ``None``: PCI from
        :func:`eci_pci` with ``normalise="scale"`` (the Atlas / py-ecomplexity form). Otherwise a
        table with ``prod``: string (unique) and exactly one value column named ``pci``,
        ``complexity``, ``tci`` or ``value`` (:data:`PRODUCT_VALUE_COLUMNS`; any numeric type,
        other columns such as ``ubiquity`` ignored): the product table of :func:`eci_pci`,
        :func:`fitness_complexity` or :func:`technological_complexity` as returned. Every
        product with ubiquity > 0 in ``mcp`` needs a finite value; zero-ubiquity products' values
        are ignored (may be null); products not in ``mcp`` are ignored. The R package
        economiccomplexity passes its fitness-method product complexity here.
    diagonal : float, default 1.0
        Proximity diagonal (see :func:`proximity`).
    normalise : {"zscore", "none"}, default "zscore"
        ``"zscore"`` z-scores COI over the computed locations (population sd), as py-ecomplexity
        0.5.3 does; ``"none"`` returns the sum itself (in units of sd(ECI) with the default PCI,
        in the units of ``complexity`` otherwise), as the R package does.

    Returns
    -------
    pa.Table
        :data:`COI_SCHEMA`: ``loc``, ``coi``: float64, sorted by loc.

    Raises
    ------
    SchemaError, InputError
        Bad ``mcp``; ``complexity`` without ``prod`` or with no (or several) value columns,
        duplicate products, or no finite value for a product present in ``mcp``.

    Notes
    -----
    With the default, PCI enters in the eigenvector's own origin (the ubiquity-weighted mean PCI
    is 0), scaled by sd(ECI): the form py-ecomplexity uses before its final normalisation; it
    equals passing ``complexity=eci_pci(mcp, normalise="scale")[1]``. Zero-diversity locations
    get null (``UserWarning``); zero-ubiquity products contribute nothing.

    The R package economiccomplexity v2.0.0 (``R/complexity_outlook.R``) computes
    ``colSums(t((1 - distance) * (1 - M)) * complexity_index_product)`` with
    ``1 - distance`` = ω (``distance_`` in ``src/code.cpp``), i.e. this sum with
    ``normalise="none"``; its documented example uses the fitness-method complexity of
    ``complexity_measures()`` (20 iterations), which is
    ``complexity=fitness_complexity(mcp, iterations=20)[1]`` here.

    Examples
    --------
    >>> m = pa.table({"loc": ["A", "A", "B"], "prod": ["x", "y", "x"], "mcp": [1, 1, 1]})
    >>> q = pa.table({"prod": ["x", "y"], "value": [1.0, 3.0]})
    >>> complexity_outlook(m, complexity=q, normalise="none").column("coi").to_pylist()
    [0.0, 1.0]

    References
    ----------
    Hausmann, R., Hidalgo, C. A., Bustos, S., Coscia, M., Simoes, A., & Yildirim, M. A. (2014).
    The Atlas of Economic Complexity: Mapping Paths to Prosperity. MIT Press.
    doi:10.7551/mitpress/9647.001.0001

    Vargas, M. (2020). economiccomplexity, R package v2.0.0, ``complexity_outlook()``.
    https://github.com/pachadotdev/economiccomplexity
    """
    if normalise not in ("zscore", "none"):
        raise InputError(
            f"complexity_outlook: normalise must be 'zscore' or 'none', got {normalise!r}"
        )
    p = _presence(mcp, "complexity_outlook")
    _, dens, cvec = _outlook_arrays(p, float(diagonal), complexity, "complexity_outlook")
    lm = p.diversity > 0
    notm = 1.0 - p.m.toarray()
    coi = (np.nan_to_num(dens) * notm) @ cvec
    coi = np.where(lm, coi, np.nan)
    if normalise == "zscore" and lm.sum() > 0:
        v = coi[lm]
        sd = v.std()
        coi[lm] = (v - v.mean()) / sd if sd > 0 else np.nan
    return pa.table({"loc": p.locs, "coi": _arr(coi, pa.float64())}, schema=COI_SCHEMA)


def complexity_outlook_gain(
    mcp: pa.Table, *, complexity: pa.Table | None = None, diagonal: float = 1.0
) -> pa.Table:
    r"""Complexity outlook gain (COG): how much a new product p would raise c's outlook.

    .. math::

        \mathrm{COG}_{cp} = (1 - M_{cp}) \sum_{p'} \frac{\varphi_{pp'}}{\sum_{p''}
        \varphi_{p''p'}}\,(1 - M_{cp'})\,\mathrm{PCI}_{p'}

    with PCI from :func:`eci_pci` with ``normalise="scale"`` (units of sd(ECI)), or any other
    product complexity passed as ``complexity``.

    Parameters
    ----------
    mcp : pa.Table
        Presence table (:data:`MCP_INPUT_SCHEMA`).
    complexity : pa.Table or None, default None
        The product complexity (PCI in "scale" units by default); the table schema and rules
        are those of :func:`complexity_outlook`.
    diagonal : float, default 1.0
        Proximity diagonal (see :func:`proximity`).

    Returns
    -------
    pa.Table
        :data:`COG_SCHEMA`: ``loc``, ``prod``, ``cog``: float64 (0 where M_cp = 1), every cell,
        loc-major and sorted.

    Raises
    ------
    SchemaError, InputError
        As :func:`complexity_outlook`.

    Notes
    -----
    With the default, equals py-ecomplexity 0.5.3's ``cog`` (which computes it with the raw
    eigenvector PCI and then divides by sd(ECI)). With ``complexity`` the fitness-method
    product complexity of ``fitness_complexity(mcp, iterations=20)``, equals the R package
    economiccomplexity v2.0.0's ``complexity_outlook()$complexity_outlook_gain``
    (``(1 - M) * tcrossprod(1 - M, t(φ * (complexity / rowSums(φ))))``; no normalisation).
    Zero-diversity locations and zero-ubiquity products get null (``UserWarning``).

    Examples
    --------
    >>> m = pa.table({"loc": ["A", "A", "B"], "prod": ["x", "y", "x"], "mcp": [1, 1, 1]})
    >>> q = pa.table({"prod": ["x", "y"], "value": [1.0, 3.0]})
    >>> complexity_outlook_gain(m, complexity=q).column("cog").to_pylist()
    [0.0, 0.0, 0.0, 2.0]

    References
    ----------
    Hausmann, R., Hidalgo, C. A., et al. (2014). The Atlas of Economic Complexity. MIT Press.
    doi:10.7551/mitpress/9647.001.0001
    """
    p = _presence(mcp, "complexity_outlook_gain")
    phi, _, cvec = _outlook_arrays(p, float(diagonal), complexity, "complexity_outlook_gain")
    rs = phi.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(rs > 0, cvec / rs, 0.0)
    notm = 1.0 - p.m.toarray()
    cog = notm * (notm @ (phi * w[:, np.newaxis]))
    cog[p.diversity == 0, :] = np.nan
    cog[:, p.ubiquity == 0] = np.nan
    return _cells(p, "cog", cog)


# -- fitness and complexity -----------------------------------------------------------------


def fitness_complexity(
    mcp: pa.Table,
    *,
    iterations: int | None = None,
    extremality: float = 1.0,
    max_iter: int = 1000,
    tol: float = 1e-8,
) -> tuple[pa.Table, pa.Table]:
    r"""Country fitness and product complexity (Tacchella et al. 2012).

    .. math::

        \tilde F_c^{(n)} = \sum_p M_{cp} Q_p^{(n-1)}, \qquad
        \tilde Q_p^{(n)} = \Bigl(\sum_c M_{cp} \bigl(F_c^{(n-1)}\bigr)^{-\gamma}\Bigr)^{-1/\gamma},
        \qquad
        F^{(n)} = \frac{\tilde F^{(n)}}{\langle \tilde F^{(n)} \rangle},\;
        Q^{(n)} = \frac{\tilde Q^{(n)}}{\langle \tilde Q^{(n)} \rangle}

    from F⁽⁰⁾ = Q⁽⁰⁾ = 1, both updated from the previous step and mean-normalised each step;
    γ = 1 (``extremality``) is Tacchella et al.'s map, Q̃_p = 1 / Σ_c M_cp / F_c.

    Parameters
    ----------
    mcp : pa.Table
        Presence table (:data:`MCP_INPUT_SCHEMA`).
    iterations : int or None, default None
        ``None``: iterate to convergence (``max_iter``, ``tol``). An int N ≥ 2: return
        F⁽ᴺ⁻¹⁾, Q⁽ᴺ⁻¹⁾ with no convergence check, counting as the R package economiccomplexity
        does: N is the number of iterates *including* the starting vector of ones, so N − 1
        updates are made (its ``fitness_method_`` fills columns 0 … N − 1 of a matrix whose
        column 0 is ones). ``iterations=20`` reproduces ``complexity_measures(M)`` (method
        "fitness", 20 iterations, extremality 1), the R package's defaults and its published
        output. R raises an odd N to N + 1 with a warning; here N is used as given, so R's
        ``iterations = 2k − 1`` is ``iterations=2k`` here.
    extremality : float, default 1.0
        γ > 0 in the product update (R's ``extremality``). γ = 1 is the original map; large γ
        lets the least fit exporter dominate a product's complexity (Mariani et al. 2015).
    max_iter : int, default 1000
        Iteration limit when ``iterations`` is None (ignored otherwise).
    tol : float, default 1e-8
        When ``iterations`` is None: stop when max |F⁽ⁿ⁾ − F⁽ⁿ⁻¹⁾| and max |Q⁽ⁿ⁾ − Q⁽ⁿ⁻¹⁾| are
        both below ``tol`` (ignored otherwise).

    Returns
    -------
    tuple of pa.Table
        :data:`FITNESS_SCHEMA` (``loc``, ``diversity``, ``fitness``: float64, mean 1) and
        :data:`PRODUCT_COMPLEXITY_SCHEMA` (``prod``, ``ubiquity``, ``complexity``: float64,
        mean 1), sorted by label. The product table can be passed as ``complexity`` to
        :func:`complexity_outlook` and :func:`complexity_outlook_gain`.

    Raises
    ------
    InputError
        ``iterations`` not an int ≥ 2, or ``extremality`` not a positive finite number.
    ConvergenceError
        ``iterations`` is None and the map has not converged within ``max_iter`` (for strongly
        nested matrices some fitnesses tend to 0 only slowly: raise ``max_iter``, loosen
        ``tol``, or fix ``iterations``).
    ComputationError
        ``iterations`` is set and a fitness reaches 0 or a value becomes infinite (floating-point
        underflow or overflow, e.g. with a large ``extremality``), where R's dense product
        0 · ∞ would return NaN: use fewer iterations or a smaller ``extremality``.

    Notes
    -----
    Zero-diversity locations and zero-ubiquity products are left out (``UserWarning``) and get
    null values; the means are taken over the rest. The R package drops the same rows and
    columns before iterating (``complexity_measures``), so its values equal these.

    In R's counting the first update is iteration 2: ``iterations=2`` gives F = diversity /
    mean diversity and Q ∝ 1 / ubiquity. :func:`reflections` counts differently (its
    ``iterations`` is the last update index n, with n = 0 the start).

    Examples
    --------
    >>> m = pa.table({"loc": ["A", "A", "B", "B", "C", "C", "C", "D", "D"],
    ...               "prod": ["x", "y", "y", "z", "z", "x", "w", "w", "x"], "mcp": [1] * 9})
    >>> f, q = fitness_complexity(m)
    >>> [round(v, 4) for v in f.column("fitness").to_pylist()]
    [0.7304, 1.0192, 1.4221, 0.8284]
    >>> f2, _ = fitness_complexity(m, iterations=2)  # one update: diversity / mean diversity
    >>> [round(v, 4) for v in f2.column("fitness").to_pylist()]
    [0.8889, 0.8889, 1.3333, 0.8889]

    References
    ----------
    Tacchella, A., Cristelli, M., Caldarelli, G., Gabrielli, A., & Pietronero, L. (2012). A new
    metrics for countries' fitness and products' complexity. Scientific Reports 2, 723.
    doi:10.1038/srep00723

    Mariani, M. S., Vidmer, A., Medo, M., & Zhang, Y.-C. (2015). Measuring economic complexity
    of countries and products: which metric to use? European Physical Journal B 88, 293.
    doi:10.1140/epjb/e2015-60298-7

    Vargas, M. (2020). economiccomplexity: Computational Methods for Economic Complexity. R
    package v2.0.0, ``src/code.cpp`` (``fitness_method_``) and ``R/complexity_measures.R``.
    https://github.com/pachadotdev/economiccomplexity
    """
    func = "fitness_complexity"
    if iterations is not None and (
        isinstance(iterations, bool)
        or not isinstance(iterations, numbers.Integral)
        or iterations < 2
    ):
        raise InputError(
            f"{func}: iterations must be None or an int >= 2 (R's counting: the starting "
            f"vector of ones is iteration 1), got {iterations!r}"
        )
    ok = isinstance(extremality, numbers.Real) and not isinstance(extremality, bool)
    gamma = float(extremality) if ok else float("nan")
    if not (np.isfinite(gamma) and gamma > 0):
        raise InputError(f"{func}: extremality must be a positive number, got {extremality!r}")
    p = _presence(mcp, func)
    _warn_dropped(p, func)
    lm, pm = p.diversity > 0, p.ubiquity > 0
    m = p.m[lm][:, pm]
    mt = m.T.tocsr()
    f = np.ones(m.shape[0])
    q = np.ones(m.shape[1])
    empty = m.shape[0] == 0 or m.shape[1] == 0
    fixed = iterations is not None
    steps = 0 if empty else (int(iterations) - 1 if iterations is not None else max_iter)
    converged = empty or fixed
    delta = 0.0
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        for step in range(1, steps + 1):
            ft = m @ q
            if gamma == 1.0:
                qt = 1.0 / (mt @ (1.0 / f))
            else:
                qt = (mt @ f**-gamma) ** (-1.0 / gamma)
            fn, qn = ft / ft.mean(), qt / qt.mean()
            finite = bool(np.all(np.isfinite(fn)) and np.all(np.isfinite(qn)))
            if fixed and not (finite and fn.min() > 0):
                raise ComputationError(
                    f"{func}: values left the floating-point range (a fitness reached 0 or "
                    f"a value became infinite) at update {step}, iteration {step + 1} of "
                    f"{iterations} in R's counting; use fewer iterations or a smaller "
                    "extremality"
                )
            if not finite:
                break
            if not fixed:
                delta = max(float(np.abs(fn - f).max()), float(np.abs(qn - q).max()))
            f, q = fn, qn
            if not fixed and delta < tol:
                converged = True
                break
    if not converged:
        raise ConvergenceError(func, max_iter, delta)
    return (
        pa.table(
            {
                "loc": p.locs,
                "diversity": p.diversity,
                "fitness": _arr(_scatter(f, lm), pa.float64()),
            },
            schema=FITNESS_SCHEMA,
        ),
        pa.table(
            {
                "prod": p.prods,
                "ubiquity": p.ubiquity,
                "complexity": _arr(_scatter(q, pm), pa.float64()),
            },
            schema=PRODUCT_COMPLEXITY_SCHEMA,
        ),
    )


def technological_complexity(
    store_or_table: Store | pa.Table,
    *,
    prod: Literal["cpc_subclass", "cpc_group"] = "cpc_subclass",
    counting: Literal["fractional", "full"] = "fractional",
    year: int | range | None = None,
    threshold: float = 1.0,
    normalise: Normalise = "zscore",
) -> tuple[pa.Table, pa.Table]:
    r"""Knowledge complexity of regions and technological complexity of CPC codes.

    The eigenvector method of :func:`eci_pci` on the RTA-based presence matrix of patents:

    .. math::

        M_{rt} = [\mathrm{RTA}_{rt} \ge \theta], \qquad
        \mathrm{RTA}_{rt} = \frac{P_{rt} / \sum_{t'} P_{rt'}}{\sum_{r'} P_{r't} / \sum_{r',t'}
        P_{r't'}}

    Parameters
    ----------
    store_or_table : Store or pa.Table
        A store (patents counted by assignee country × CPC with
        :func:`~forcemap.indicators.specialisation.activity_table`) or a canonical activity
        table (``loc``, ``prod``, ``value``) of patent counts by region × technology.
    prod : {"cpc_subclass", "cpc_group"}, default "cpc_subclass"
        Technology level (store input only).
    counting : {"fractional", "full"}, default "fractional"
        Patent counting (store input only).
    year : int, range or None, default None
        Grant years pooled (store input only).
    threshold : float, default 1.0
        RTA threshold θ.
    normalise : {"zscore", "zscore_each", "scale"}, default "zscore"
        As in :func:`eci_pci`.

    Returns
    -------
    tuple of pa.Table
        :data:`KCI_SCHEMA` (``loc``, ``diversity``, ``kci``: float64) and :data:`TCI_SCHEMA`
        (``prod``, ``ubiquity``, ``tci``: float64).

    Notes
    -----
    Sign and normalisation conventions and the treatment of zero-diversity regions are those of
    :func:`eci_pci`.

    References
    ----------
    Balland, P.-A., & Rigby, D. (2017). The geography of complex knowledge. Economic Geography
    93(1), 1–23. doi:10.1080/00130095.2016.1205947
    """
    if isinstance(store_or_table, Store):
        table = activity_table(store_or_table, prod=prod, counting=counting, year=year)
    else:
        table = store_or_table
    m = presence_matrix(table, threshold=threshold)
    e, q = eci_pci(m, normalise=normalise)
    return (
        e.rename_columns(["loc", "diversity", "kci"]).cast(KCI_SCHEMA),
        q.rename_columns(["prod", "ubiquity", "tci"]).cast(TCI_SCHEMA),
    )


def complexity_table(
    store: Store,
    *,
    prod: str = "concept",
    method: str = "eci",
    side: str = "loc",
    counting: str = "fractional",
    start_year: int | None = None,
    end_year: int | None = None,
) -> pa.Table:
    """``indicators complexity``: :func:`eci_pci` (``method="eci"``) or
    :func:`fitness_complexity` (``"fitness"``) of the locations (``side="loc"``) or products,
    or :func:`density` joined with :func:`complexity_outlook_gain` (``"density"``), on the
    presence matrix of :func:`~forcemap.indicators.specialisation.activity_years`.

    Raises
    ------
    InputError
        An unknown ``method`` or ``side``.
    """
    if method not in ("eci", "fitness", "density"):
        raise InputError("method must be eci, fitness or density")
    if side not in ("loc", "prod"):
        raise InputError("side must be loc or prod")
    act = activity_years(
        store, prod=prod, counting=counting, start_year=start_year, end_year=end_year
    )
    mcp = presence_matrix(act)
    if method == "density":
        dens = density(mcp)
        cog = complexity_outlook_gain(mcp)
        return dens.join(cog, ["loc", "prod"]).sort_by(
            [("loc", "ascending"), ("prod", "ascending")]
        )
    locs, prods = eci_pci(mcp) if method == "eci" else fitness_complexity(mcp)
    return locs if side == "loc" else prods


COMPLEXITY = Indicator("complexity", complexity_table, inputs=activity_inputs)
"""``forcemap indicators complexity``: ECI/PCI, fitness–complexity, density and COG."""
