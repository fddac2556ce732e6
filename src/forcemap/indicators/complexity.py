r"""Economic and technological complexity on a binary location × product matrix M.

Every function takes the long presence table made by
:func:`forcemap.indicators.specialisation.presence_matrix` (``loc, prod, mcp``; one cross-section)
and returns Arrow tables with fixed column names:

* :func:`diversity_ubiquity` — k_c,0 and k_p,0;
* :func:`eci_pci` — ECI / PCI by the eigenvector method (Hidalgo & Hausmann 2009);
* :func:`reflections` — the method of reflections k_c,n / k_p,n;
* :func:`technological_complexity` — the eigenvector method on RTA-based M of regions ×
  CPC codes (Balland & Rigby 2017);
* in :mod:`~forcemap.indicators.product_space`: ``proximity`` — product proximity (Hidalgo et
  al. 2007); ``density``, ``complexity_outlook`` (COI), ``complexity_outlook_gain`` (COG)
  (Hausmann et al. 2014, Atlas of Economic Complexity);
* in :mod:`~forcemap.indicators.fitness`: ``fitness_complexity`` — Tacchella et al. 2012.

:func:`complexity_table` (the ``complexity`` indicator) runs ECI/PCI, fitness or density and
COG on a store. The presence matrix and the eigenvector core these share live in
:mod:`~forcemap.indicators._complexity_core`.

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

from typing import Literal

import numpy as np
import pyarrow as pa

from forcemap.errors import InputError
from forcemap.indicators._complexity_core import (
    Normalise,
    _arr,
    _eci_pci_valid,
    _presence,
    _scatter,
    _warn_dropped,
)
from forcemap.indicators._registry import Indicator
from forcemap.indicators.fitness import fitness_complexity
from forcemap.indicators.product_space import complexity_outlook_gain, density
from forcemap.indicators.specialisation import (
    MCP_SCHEMA,
    activity_inputs,
    activity_table,
    activity_years,
    presence_matrix,
)
from forcemap.store.store import Store

__all__ = [
    "COMPLEXITY",
    "DIVERSITY_SCHEMA",
    "ECI_SCHEMA",
    "KCI_SCHEMA",
    "MCP_INPUT_SCHEMA",
    "PCI_SCHEMA",
    "REFLECTIONS_LOC_SCHEMA",
    "REFLECTIONS_PROD_SCHEMA",
    "TCI_SCHEMA",
    "UBIQUITY_SCHEMA",
    "complexity_table",
    "diversity_ubiquity",
    "eci_pci",
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
KCI_SCHEMA = pa.schema([("loc", pa.string()), ("diversity", pa.int64()), ("kci", pa.float64())])
TCI_SCHEMA = pa.schema([("prod", pa.string()), ("ubiquity", pa.int64()), ("tci", pa.float64())])


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
