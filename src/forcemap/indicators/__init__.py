"""Indicators by name: compute one on the store, save it with provenance, refresh stale ones.

:data:`INDICATORS` names the indicators the ``forcemap indicators`` commands run, each a function
``(store, **params) -> pa.Table``. :func:`compute_indicator` runs one; :func:`save_indicator`
runs it and keeps the table in the store with its parameters and the versions of the tables it
read (:mod:`forcemap.store.results`); :func:`refresh_results` recomputes the saved results whose
input tables changed since (``forcemap status`` lists them, ``forcemap indicators refresh``
recomputes them). :func:`indicator_table` is what the decisions call: a fresh saved result with
the same parameters when the store has one (:func:`precompute` saves the expensive ones the
decisions read, :data:`PRECOMPUTED`), else the indicator computed now.

Each indicator declares its function and its input tables (conservatively: every table the
computation may read for the given parameters) in its own module, as an
:class:`~forcemap.indicators._registry.Indicator`; :data:`INDICATORS` imports them by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from inspect import Parameter, signature
from typing import TYPE_CHECKING, Any

from forcemap.errors import InputError
from forcemap.indicators._registry import Indicator
from forcemap.indicators.bursts import BURSTS
from forcemap.indicators.complexity import COMPLEXITY
from forcemap.indicators.disruption import DISRUPTION, named_id
from forcemap.indicators.emergence import EMERGENCE
from forcemap.indicators.impact import AGGREGATE, IMPACT, PERCENTILES
from forcemap.indicators.patent_value import PATENT_VALUE
from forcemap.indicators.productivity import BRADFORD, HINDEX, LOTKA
from forcemap.indicators.rpys import RPYS
from forcemap.indicators.sleeping_beauty import SLEEPING_BEAUTY
from forcemap.indicators.specialisation import SPECIALISATION
from forcemap.indicators.three_field import THREE_FIELD
from forcemap.store.results import Kept

if TYPE_CHECKING:
    import pyarrow as pa

    from forcemap.store import Store
    from forcemap.store.results import SavedResult

__all__ = [
    "ENGINES",
    "INDICATORS",
    "PRECOMPUTED",
    "SPARK_INDICATORS",
    "Indicator",
    "compute_indicator",
    "indicator_inputs",
    "indicator_table",
    "precompute",
    "precompute_todo",
    "refresh_results",
    "save_indicator",
]

INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        IMPACT,
        PERCENTILES,
        AGGREGATE,
        EMERGENCE,
        PATENT_VALUE,
        SLEEPING_BEAUTY,
        BURSTS,
        HINDEX,
        LOTKA,
        BRADFORD,
        RPYS,
        THREE_FIELD,
        DISRUPTION,
        SPECIALISATION,
        COMPLEXITY,
    )
}
"""Indicator name (as in ``forcemap indicators NAME``) → its :class:`Indicator` record
(function and input tables, declared in the indicator's own module)."""


def _indicator(name: str) -> Indicator:
    if name not in INDICATORS:
        raise InputError(f"unknown indicator {name!r}; known: {', '.join(INDICATORS)}")
    return INDICATORS[name]


def indicator_inputs(name: str, params: dict[str, Any]) -> tuple[str, ...]:
    """The store tables indicator ``name`` may read with ``params``.

    >>> indicator_inputs("specialisation", {"prod": "hs6"})
    ('trade',)
    """
    return _indicator(name).inputs(params)


#: Indicators that ``engine="spark"`` computes (the rest run on the embedded engine only; for
#: bulk impact / RCA on a cluster see :func:`forcemap.engine.spark.run_spark_indicators`).
SPARK_INDICATORS: tuple[str, ...] = ("disruption",)

#: Computing engines (``forcemap --engine``).
ENGINES: tuple[str, ...] = ("duckdb", "spark")


def compute_indicator(
    store: Store,
    name: str,
    *,
    engine: str = "duckdb",
    progress: Callable[[str, int, int], None] | None = None,
    **params: Any,
) -> pa.Table:
    """Run indicator ``name`` (a key of :data:`INDICATORS`) on ``store`` with ``params``.

    ``engine="spark"`` computes the same table with Spark (local mode unless a session is
    active) for the indicators in :data:`SPARK_INDICATORS`; ``progress(step, done, total)``
    then reports Spark task progress.

    Raises
    ------
    InputError
        ``name`` is unknown, the indicator rejects its parameters, or ``engine`` is unknown
        or cannot compute ``name``.
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    if engine == "spark":
        _indicator(name)  # unknown names fail the same way on both engines
        if name not in SPARK_INDICATORS:
            raise InputError(
                f"indicator {name!r} runs on the duckdb engine only; the spark engine computes "
                f"{', '.join(SPARK_INDICATORS)} (bulk impact / RCA: forcemap spark run)"
            )
        return _spark_disruption_table(store, progress=progress, **params)
    return _indicator(name).function(store, **params)


def save_indicator(
    store: Store, result: str, name: str, *, engine: str = "duckdb", **params: Any
) -> SavedResult:
    """Compute indicator ``name`` and save its table in the store as result ``result``.

    The versions of its input tables are read before computing, so the saved result is fresh
    exactly when no input table changed since. Parameters must be JSON values (the refresh
    replays them).
    """
    from forcemap.store.results import save_result, table_versions

    inputs = table_versions(store, indicator_inputs(name, params))
    table = compute_indicator(store, name, engine=engine, **params)
    return save_result(store, result, table, indicator=name, params=params, inputs=inputs)


def refresh_results(store: Store, names: Sequence[str] | None = None) -> list[SavedResult]:
    """Recompute the stale saved results (or those named, stale or not); return them, fresh.

    Raises
    ------
    NotFoundError
        A name given is not a saved result.
    """
    from forcemap.errors import NotFoundError
    from forcemap.store.results import saved_results

    if names is None:
        todo = [r for r in saved_results(store) if r.stale]
    else:
        todo = saved_results(store, names)
        missing = sorted(set(names) - {r.name for r in todo})
        if missing:
            raise NotFoundError(f"no saved result {', '.join(missing)} in store {store.path}")
    return [save_indicator(store, r.name, r.indicator, **r.params) for r in todo]


#: The saved results :func:`precompute` keeps: name → (indicator, parameters). The decisions
#: (technology watch, strategic actors, the report) read CD_5 of every work and patent, the one
#: indicator whose cost grows faster than the store (see :mod:`forcemap.indicators.disruption`).
PRECOMPUTED: dict[str, tuple[str, dict[str, Any]]] = {
    "cd5_works": ("disruption", {"window": 5, "entity": "works"}),
    "cd5_patents": ("disruption", {"window": 5, "entity": "patents"}),
}


_KEPT: Kept[pa.Table] = Kept(size=4)


def _full_params(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the indicator's defaults filled in (so equal calls compare equal)."""
    fn: Callable[..., Any] = _indicator(name).function
    defaults = {
        k: p.default
        for k, p in signature(fn).parameters.items()
        if p.kind == Parameter.KEYWORD_ONLY and p.default is not Parameter.empty
    }
    return {**defaults, **params}


def _saved_fresh(store: Store, name: str, params: dict[str, Any]) -> pa.Table | None:
    """A fresh saved result of indicator ``name`` computed with ``params`` (filled), or None."""
    from forcemap.store.results import load_result, saved_results

    for r in saved_results(store):
        if r.indicator == name and not r.stale and _full_params(name, r.params) == params:
            return load_result(store, r.name)
    return None


def indicator_table(store: Store, name: str, **params: Any) -> pa.Table:
    """The table of indicator ``name`` with ``params``, as :func:`compute_indicator` returns it.

    Taken from a **fresh** saved result computed with the same parameters (defaults filled in)
    when the store has one — ``forcemap precompute`` saves those the decisions read
    (:data:`PRECOMPUTED`); an ingest that changes an input table makes it stale, and then it is
    ignored — else computed now. On a read-only store (the web server's, which no one can
    change while it is open) the last few tables are also kept in memory
    (:class:`~forcemap.store.results.Kept`).
    """
    from forcemap.store.results import owned_copy

    full = _full_params(name, params)

    def compute() -> pa.Table:
        table = _saved_fresh(store, name, full)
        if table is None:
            table = compute_indicator(store, name, **params)
        return owned_copy(table) if store.read_only else table

    return _KEPT.get(
        store,
        indicator_inputs(name, full),
        (name, json.dumps(full, sort_keys=True, default=str)),
        compute,
    )


def _applicable(store: Store) -> list[str]:
    """The :data:`PRECOMPUTED` results that apply to ``store`` (patents' only with patents)."""
    n_patents = store.scalar("SELECT count(*) FROM patents") or 0
    return [k for k, (_, p) in PRECOMPUTED.items() if p.get("entity") != "patents" or n_patents]


def precompute_todo(store: Store) -> list[str]:
    """The applicable :data:`PRECOMPUTED` results missing or stale in ``store``."""
    from forcemap.store.results import saved_results

    have = {r.name: r for r in saved_results(store, list(PRECOMPUTED))}
    return [
        k
        for k in _applicable(store)
        if k not in have or have[k].stale or have[k].params != PRECOMPUTED[k][1]
    ]


def precompute(
    store: Store, *, force: bool = False, progress: Callable[[str], None] | None = None
) -> list[SavedResult]:
    """Save the :data:`PRECOMPUTED` results that are missing or stale (all with ``force``;
    patents' results only when the store holds patents). Returns the results saved."""
    out = []
    for result in _applicable(store) if force else precompute_todo(store):
        name, params = PRECOMPUTED[result]
        if progress is not None:
            progress(result)
        out.append(save_indicator(store, result, name, **params))
    return out


def _spark_disruption_table(
    store: Store,
    *,
    entity: str = "works",
    progress: Callable[[str, int, int], None] | None = None,
    **kwargs: Any,
) -> pa.Table:
    """:func:`~forcemap.indicators.disruption.disruption_table` computed on Spark (the
    set-based formulation); the master is ``$FORCEMAP_SPARK_MASTER`` (default ``local[2]``)."""
    import os

    from forcemap.engine.spark import disruption_table

    master = os.environ.get("FORCEMAP_SPARK_MASTER", "local[2]")
    table = disruption_table(store, entity=entity, progress=progress, master=master, **kwargs)
    return named_id(table, entity)
