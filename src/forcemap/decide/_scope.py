"""The checks and helpers every decision shares: the home country, the year range, the
industry scope, the units compared (industries or level-0 fields) and the registration of an
Arrow table as a temporary table of a cursor."""

from __future__ import annotations

import re
from collections.abc import Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from forcemap._checks import check_years
from forcemap.errors import InputError
from forcemap.store.org_hierarchy import org_aliases_sql
from forcemap.store.reference import IndustryCatalog, load_industry_catalog
from forcemap.store.store import Store

__all__ = [
    "at_org_level",
    "check_country",
    "check_years",
    "industry_scope",
    "register",
    "unit_tables",
]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ORG_ALIASES = re.compile(r"(?<![.\w])org_aliases(?!\w)")


def at_org_level(sql: str, level: str) -> str:
    """``sql`` with every read of the table ``org_aliases`` replaced by the aliases rolled up
    to ``level`` (:func:`forcemap.store.org_hierarchy.org_aliases_sql`, the one roll-up
    mapping): each organisation a source id resolves to becomes its parent or the top of its
    hierarchy, so a query that counts ``DISTINCT org_id`` per work counts a parent once when
    two of its children are on the work. At ``self`` the text is unchanged.

    Raises
    ------
    InputError
        ``level`` is not one of self, parent, top.
    """
    table = org_aliases_sql(level)
    if table == "org_aliases":
        return sql
    return _ORG_ALIASES.sub(lambda _m: table, sql)


def check_country(country: str) -> str:
    """The ISO 3166-1 alpha-2 code, upper-cased.

    Raises
    ------
    InputError
        ``country`` is not two letters.
    """
    c = str(country).strip().upper()
    if len(c) != 2 or not c.isalpha():
        raise InputError(f"country={country!r} must be an ISO 3166-1 alpha-2 code such as 'CN'")
    return c


def industry_scope(catalog: IndustryCatalog | None, industry: str | None) -> IndustryCatalog:
    """The catalog (the packaged one by default), narrowed to ``industry`` when given.

    Raises
    ------
    InputError
        ``industry`` is not in the catalog.
    """
    cat = catalog if catalog is not None else load_industry_catalog()
    if industry is None:
        return cat
    if industry not in cat:
        raise InputError(f"unknown industry {industry!r}; the catalog has: {', '.join(cat)}")
    return IndustryCatalog([cat[industry]])


def register(cur: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Materialise an Arrow table as the temporary table ``name`` of the cursor (replacing
    one of that name); ``name`` must be a plain SQL identifier."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain SQL identifier")
    view = f"{name}_arrow"
    cur.register(view, table)
    cur.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {view}")  # noqa: S608
    cur.unregister(view)


def unit_tables(
    store: Store, unit: str, industries: Sequence[str] | None = None
) -> tuple[pa.Table, pa.Table, dict[str, str]]:
    """Work → unit and patent → unit tables (columns ``work_id``/``patent_id``, ``unit``) and
    the unit names, for ``unit`` "industry" (the packaged catalog) or "field" (level-0
    concepts; patents have no field, so their table is empty). ``industries`` keeps only
    those units."""
    if unit == "industry":
        from forcemap.store.slices import industry_patents, industry_works

        cat = load_industry_catalog()
        works = industry_works(store, industries=industries)
        patents = industry_patents(store, industries=industries)
        names = {k: cat[k].name for k in cat}
        return (
            works.rename_columns(["work_id", "unit"]),
            patents.select(["patent_id", "industry"]).rename_columns(["patent_id", "unit"]),
            names,
        )
    from forcemap.indicators.impact import assign_field

    works = assign_field(store, field="concept0").rename_columns(["work_id", "unit"])
    if industries:
        works = works.filter(pc.is_in(works["unit"], pa.array(list(industries))))
    rows = store.sql(
        "SELECT concept_id, any_value(name) FROM work_concepts WHERE level = 0 GROUP BY 1"
    ).fetchall()
    empty = pa.table({"patent_id": pa.array([], pa.string()), "unit": pa.array([], pa.string())})
    return works, empty, {k: v for k, v in rows if v}
