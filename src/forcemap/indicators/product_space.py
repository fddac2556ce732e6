r"""The product space on a binary location × product matrix M: proximity, density and the
complexity outlook.

* :func:`proximity` — product proximity (Hidalgo et al. 2007);
* :func:`density`, :func:`complexity_outlook` (COI), :func:`complexity_outlook_gain` (COG)
  (Hausmann et al. 2014, Atlas of Economic Complexity).

Every function takes the presence table of
:func:`forcemap.indicators.specialisation.presence_matrix`
(:data:`~forcemap.indicators.complexity.MCP_INPUT_SCHEMA`); the conventions (proximity diagonal,
COI normalisation, the product complexity that weights COI / COG) are keyword arguments, as
described in :mod:`forcemap.indicators.complexity`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from forcemap.errors import InputError, SchemaError
from forcemap.indicators._complexity_core import (
    _arr,
    _cells,
    _eci_pci_valid,
    _Presence,
    _presence,
    _warn_dropped,
)
from forcemap.indicators.specialisation import _check_schema

__all__ = [
    "COG_SCHEMA",
    "COI_SCHEMA",
    "DENSITY_SCHEMA",
    "PRODUCT_VALUE_COLUMNS",
    "PROXIMITY_SCHEMA",
    "complexity_outlook",
    "complexity_outlook_gain",
    "density",
    "proximity",
]

PROXIMITY_SCHEMA = pa.schema(
    [("prod_a", pa.string()), ("prod_b", pa.string()), ("proximity", pa.float64())]
)
DENSITY_SCHEMA = pa.schema([("loc", pa.string()), ("prod", pa.string()), ("density", pa.float64())])
COI_SCHEMA = pa.schema([("loc", pa.string()), ("coi", pa.float64())])
COG_SCHEMA = pa.schema([("loc", pa.string()), ("prod", pa.string()), ("cog", pa.float64())])


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
        Presence table (:data:`~forcemap.indicators.complexity.MCP_INPUT_SCHEMA`).
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
        Presence table (:data:`~forcemap.indicators.complexity.MCP_INPUT_SCHEMA`).
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

    with ω the :func:`density` and PCI from :func:`~forcemap.indicators.complexity.eci_pci`
    with ``normalise="scale"``, or any other product complexity passed as ``complexity``.

    Parameters
    ----------
    mcp : pa.Table
        Presence table (:data:`~forcemap.indicators.complexity.MCP_INPUT_SCHEMA`).
    complexity : pa.Table or None, default None
        The product complexity that weights each product. ``None``: PCI from
        :func:`~forcemap.indicators.complexity.eci_pci` with ``normalise="scale"`` (the Atlas /
        py-ecomplexity form). Otherwise a table with ``prod``: string (unique) and exactly one
        value column named ``pci``, ``complexity``, ``tci`` or ``value``
        (:data:`PRODUCT_VALUE_COLUMNS`; any numeric type, other columns such as ``ubiquity``
        ignored): the product table of :func:`~forcemap.indicators.complexity.eci_pci`,
        :func:`~forcemap.indicators.fitness.fitness_complexity` or
        :func:`~forcemap.indicators.complexity.technological_complexity` as returned. Every
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

    with PCI from :func:`~forcemap.indicators.complexity.eci_pci` with ``normalise="scale"``
    (units of sd(ECI)), or any other product complexity passed as ``complexity``.

    Parameters
    ----------
    mcp : pa.Table
        Presence table (:data:`~forcemap.indicators.complexity.MCP_INPUT_SCHEMA`).
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
