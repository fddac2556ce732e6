r"""Country fitness and product complexity (Tacchella et al. 2012) on a binary location ×
product matrix M, to convergence or after a fixed number of iterations in the R package
economiccomplexity's counting.
"""

from __future__ import annotations

import numbers

import numpy as np
import pyarrow as pa

from forcemap.errors import ComputationError, ConvergenceError, InputError
from forcemap.indicators._complexity_core import _arr, _presence, _scatter, _warn_dropped

__all__ = ["FITNESS_SCHEMA", "PRODUCT_COMPLEXITY_SCHEMA", "fitness_complexity"]

FITNESS_SCHEMA = pa.schema(
    [("loc", pa.string()), ("diversity", pa.int64()), ("fitness", pa.float64())]
)
PRODUCT_COMPLEXITY_SCHEMA = pa.schema(
    [("prod", pa.string()), ("ubiquity", pa.int64()), ("complexity", pa.float64())]
)


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
        Presence table (:data:`~forcemap.indicators.complexity.MCP_INPUT_SCHEMA`).
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
        :func:`~forcemap.indicators.product_space.complexity_outlook` and
        :func:`~forcemap.indicators.product_space.complexity_outlook_gain`.

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
    mean diversity and Q ∝ 1 / ubiquity. :func:`~forcemap.indicators.complexity.reflections`
    counts differently (its ``iterations`` is the last update index n, with n = 0 the start).

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
