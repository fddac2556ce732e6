"""Indicators by name: compute one on the store, save it with provenance, refresh stale ones.

:data:`INDICATORS` names the indicators the ``forcemap indicators`` commands run, each a function
``(store, **params) -> pa.Table``. :func:`compute_indicator` runs one; :func:`save_indicator`
runs it and keeps the table in the store with its parameters and the versions of the tables it
read (:mod:`forcemap.store.results`); :func:`refresh_results` recomputes the saved results whose
input tables changed since (``forcemap status`` lists them, ``forcemap indicators refresh``
recomputes them). :func:`indicator_table` is what the decisions call: a fresh saved result with
the same parameters when the store has one (:func:`precompute` saves the expensive ones the
decisions read, :data:`PRECOMPUTED`), else the indicator computed now.

The input tables of an indicator are declared here (:func:`indicator_inputs`), conservatively:
every table the computation may read for the given parameters.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from importlib import import_module
from inspect import Parameter, signature
from typing import TYPE_CHECKING, Any

from forcemap.errors import InputError
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
    "compute_indicator",
    "indicator_inputs",
    "indicator_table",
    "precompute",
    "precompute_todo",
    "refresh_results",
    "save_indicator",
]

_WORKS = ("works", "work_references", "work_concepts", "work_topics")
_WORK_ACTORS = ("authorships", "institutions", "organizations", "org_aliases")
_PATENTS = ("patents", "patent_cpc", "patent_citations", "patent_assignees")

INDICATORS: dict[str, tuple[str, str]] = {
    "impact": ("forcemap.indicators.impact", "field_normalised_citation_score"),
    "percentiles": ("forcemap.indicators.impact", "percentile_rank"),
    "aggregate": ("forcemap.indicators.impact", "aggregate_impact"),
    "emergence": ("forcemap.indicators.emergence", "emergence_score"),
    "patent-value": ("forcemap.indicators.patent_value", "patent_value"),
    "sleeping-beauty": ("forcemap.indicators.sleeping_beauty", "sleeping_beauty"),
    "disruption": ("forcemap.indicators", "_disruption_table"),
    "specialisation": ("forcemap.indicators", "_specialisation_table"),
    "complexity": ("forcemap.indicators", "_complexity_table"),
}
"""Indicator name (as in ``forcemap indicators NAME``) → (module, function)."""


def indicator_inputs(name: str, params: dict[str, Any]) -> tuple[str, ...]:
    """The store tables indicator ``name`` may read with ``params``.

    >>> indicator_inputs("specialisation", {"prod": "hs6"})
    ('trade',)
    """
    entity = params.get("entity", "works")
    if name in ("impact", "percentiles"):
        return _WORKS
    if name == "aggregate":
        return _WORKS + _WORK_ACTORS
    if name == "emergence":
        if params.get("unit") == "cpc_group":
            return (*_PATENTS, "patent_inventors")
        return (*_WORKS, *_WORK_ACTORS[:2])
    if name == "patent-value":
        return (*_PATENTS, "patent_inventors", "patent_npl")
    if name in ("disruption", "sleeping-beauty"):
        return _WORKS if entity == "works" else _PATENTS
    if name in ("specialisation", "complexity"):
        prod = params.get("prod", "concept")
        if prod == "hs6":
            return ("trade",)
        if str(prod).startswith("cpc"):
            return _PATENTS
        return (*_WORKS, "authorships")
    raise InputError(f"unknown indicator {name!r}; known: {', '.join(INDICATORS)}")


def _function(name: str) -> Callable[..., pa.Table]:
    if name not in INDICATORS:
        raise InputError(f"unknown indicator {name!r}; known: {', '.join(INDICATORS)}")
    module, fn = INDICATORS[name]
    return getattr(import_module(module), fn)  # type: ignore[no-any-return]


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
        _function(name)  # unknown names fail the same way on both engines
        if name not in SPARK_INDICATORS:
            raise InputError(
                f"indicator {name!r} runs on the duckdb engine only; the spark engine computes "
                f"{', '.join(SPARK_INDICATORS)} (bulk impact / RCA: forcemap spark run)"
            )
        return _spark_disruption_table(store, progress=progress, **params)
    return _function(name)(store, **params)


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
    fn: Callable[..., Any] = _function(name)
    if name == "disruption":  # _disruption_table passes its keywords on
        from forcemap.indicators.disruption import disruption

        fn = disruption
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


# -- indicators that combine functions (the CLI's specialisation / complexity / disruption) ---


def _activity(
    store: Store, prod: str, counting: str, start_year: int | None, end_year: int | None
) -> pa.Table:
    from forcemap.indicators.specialisation import activity_table

    year: range | None = None
    if start_year is not None or end_year is not None:
        if start_year is None or end_year is None or end_year < start_year:
            raise InputError("give both --start-year and --end-year, start ≤ end")
        year = range(start_year, end_year + 1)
    table = activity_table(store, prod=prod, counting=counting, year=year)  # type: ignore[arg-type]
    if table.num_rows == 0:
        raise InputError(f"no activity for --prod {prod} in the store (nothing to compare)")
    return table


def _specialisation_table(
    store: Store,
    *,
    prod: str = "concept",
    counting: str = "fractional",
    start_year: int | None = None,
    end_year: int | None = None,
    threshold: float = 1.0,
) -> pa.Table:
    """RCA with shares and symmetric RCA per country × product (``indicators specialisation``)."""
    from forcemap.indicators.specialisation import rca, shares, symmetric_rca

    act = _activity(store, prod, counting, start_year, end_year)
    r = rca(act, threshold=threshold)
    sh = shares(act)
    sym = symmetric_rca(act)
    return (
        r.append_column("share", sh.column("share"))
        .append_column("world_share", sh.column("world_share"))
        .append_column("rsca", sym.column("rsca"))
    )


def _complexity_table(
    store: Store,
    *,
    prod: str = "concept",
    method: str = "eci",
    side: str = "loc",
    counting: str = "fractional",
    start_year: int | None = None,
    end_year: int | None = None,
) -> pa.Table:
    """ECI/PCI, fitness–complexity, or density + COG (``indicators complexity``)."""
    from forcemap.indicators import complexity as cx
    from forcemap.indicators.specialisation import presence_matrix

    if method not in ("eci", "fitness", "density"):
        raise InputError("method must be eci, fitness or density")
    if side not in ("loc", "prod"):
        raise InputError("side must be loc or prod")
    mcp = presence_matrix(_activity(store, prod, counting, start_year, end_year))
    if method == "density":
        dens = cx.density(mcp)
        cog = cx.complexity_outlook_gain(mcp)
        return dens.join(cog, ["loc", "prod"]).sort_by(
            [("loc", "ascending"), ("prod", "ascending")]
        )
    locs, prods = cx.eci_pci(mcp) if method == "eci" else cx.fitness_complexity(mcp)
    return locs if side == "loc" else prods


def _disruption_table(store: Store, *, entity: str = "works", **kwargs: Any) -> pa.Table:
    """CD_t with the id column named ``work_id`` / ``patent_id`` (``indicators disruption``)."""
    from forcemap.indicators.disruption import disruption

    return _named_id(disruption(store, entity=entity, **kwargs), entity)  # type: ignore[arg-type]


def _spark_disruption_table(
    store: Store,
    *,
    entity: str = "works",
    progress: Callable[[str, int, int], None] | None = None,
    **kwargs: Any,
) -> pa.Table:
    """:func:`_disruption_table` computed on Spark (the set-based formulation); the master is
    ``$FORCEMAP_SPARK_MASTER`` (default ``local[2]``)."""
    import os

    from forcemap.engine.spark import disruption_table

    master = os.environ.get("FORCEMAP_SPARK_MASTER", "local[2]")
    table = disruption_table(store, entity=entity, progress=progress, master=master, **kwargs)
    return _named_id(table, entity)


def _named_id(table: pa.Table, entity: str) -> pa.Table:
    """The ``id`` column renamed ``work_id`` / ``patent_id`` (as ``indicators disruption``
    writes it)."""
    key = "work_id" if entity == "works" else "patent_id"
    return table.rename_columns([key if c == "id" else c for c in table.column_names])
