r"""Three-field plot: how the main items of three fields of a slice of works are related.

bibliometrix's ``threeFieldsPlot`` (Aria & Cuccurullo 2017) draws a Sankey diagram of three
fields of the same documents, e.g. countries → topics → organisations or authors → concepts →
sources. For fields :math:`L, M, R` and the slice's works :math:`S`:

- each field keeps its ``top`` items by the number of works carrying them (ties by id;
  bibliometrix's ``cocMatrix(…, n = n)``), :math:`T_L, T_M, T_R`;
- a link joins an item :math:`l \in T_L` to :math:`m \in T_M` (and :math:`m` to
  :math:`r \in T_R`) weighted by the works carrying both,

  .. math::

      w_{lm} = \#\{\, d \in S : l \in d,\ m \in d \,\},

  the cross-products :math:`W_L^\top W_M` and :math:`W_M^\top W_R` of the binary work × item
  matrices (bibliometrix: ``crossprod``); links of weight 0 are not drawn, and an item
  without a link drops out of the plot.

Items are a work's units in :mod:`forcemap.store.work_units`: ``country``, ``institution``
(organisation when resolved), ``author`` (person), ``source``, ``concept`` (score ≥
``min_score``) and ``topic``. A work without a field (no country, no source, …) carries no
item of it and links nothing through it: unknown is never an item.

It lives in ``indicators`` rather than ``network`` because its result is one table of counts
per item pair, saved and refreshed like the other indicator tables (``forcemap indicators
three-field --save``), not a graph to analyse (no centrality or communities apply to it).

References
----------
Aria, M. & Cuccurullo, C. (2017). bibliometrix: An R-tool for comprehensive science mapping
analysis. *J. Informetrics* 11(4), 959–975. doi:10.1016/j.joi.2017.08.007. Riehmann, P.,
Hanfler, M. & Froehlich, B. (2005). Interactive Sankey diagrams. *IEEE Symposium on
Information Visualization*, 233–240. doi:10.1109/INFVIS.2005.1532152.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from forcemap.errors import InputError, StoreError
from forcemap.indicators._registry import WORK_ACTORS, WORKS, Indicator
from forcemap.store.person_views import AUTHORSHIPS_VIEW_SQL, PERSON_OF_SQL
from forcemap.store.slices import create_work_slice
from forcemap.store.store import Store
from forcemap.store.work_units import WORK_UNITS, work_unit_sql

__all__ = ["THREE_FIELD", "THREE_FIELDS", "THREE_FIELD_SCHEMA", "three_field"]

THREE_FIELDS: tuple[str, ...] = WORK_UNITS
"""The fields a three-field plot can show."""

THREE_FIELD_SCHEMA = pa.schema(
    [
        ("stage", pa.int8()),
        ("source_field", pa.string()),
        ("source_id", pa.string()),
        ("source_label", pa.string()),
        ("source_documents", pa.int64()),
        ("source_rank", pa.int32()),
        ("target_field", pa.string()),
        ("target_id", pa.string()),
        ("target_label", pa.string()),
        ("target_documents", pa.int64()),
        ("target_rank", pa.int32()),
        ("weight", pa.int64()),
    ]
)
"""Output of :func:`three_field`: one row per link, ``stage`` 1 (left → middle) or 2
(middle → right); each end with its field, id, label, documents (works of the slice carrying
it) and rank in its field (1 = most documents); ``weight`` = works carrying both. By stage,
source rank, target rank. Schema metadata ``b"three_field"`` (JSON): ``fields``, ``top``,
``works`` (in the slice), ``works_with_field`` (per field), ``items`` (per field: kept),
``slice``."""

_ITEMS_SQL = """
INSERT INTO _fm_tf_items
SELECT $pos AS pos, u.work_id, u.unit_id, any_value(u.name) AS name
FROM ({unit}) AS u SEMI JOIN _fm_works AS s ON s.work_id = u.work_id
GROUP BY u.work_id, u.unit_id
"""

_TOP_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_tf_top AS
SELECT pos, unit_id, coalesce(any_value(name), unit_id) AS label, count(*)::BIGINT AS documents,
       (row_number() OVER (PARTITION BY pos ORDER BY count(*) DESC, unit_id))::INTEGER AS rnk
FROM _fm_tf_items GROUP BY pos, unit_id
QUALIFY rnk <= CASE pos WHEN 1 THEN $n1 WHEN 2 THEN $n2 ELSE $n3 END
"""

_LINKS_SQL = """
WITH it AS (SELECT i.pos, i.work_id, i.unit_id FROM _fm_tf_items AS i
            SEMI JOIN _fm_tf_top AS t ON t.pos = i.pos AND t.unit_id = i.unit_id)
SELECT a.pos::TINYINT AS stage,
       ta.unit_id AS source_id, ta.label AS source_label, ta.documents AS source_documents,
       ta.rnk AS source_rank,
       tb.unit_id AS target_id, tb.label AS target_label, tb.documents AS target_documents,
       tb.rnk AS target_rank, count(*)::BIGINT AS weight
FROM it AS a JOIN it AS b ON b.work_id = a.work_id AND b.pos = a.pos + 1
JOIN _fm_tf_top AS ta ON ta.pos = a.pos AND ta.unit_id = a.unit_id
JOIN _fm_tf_top AS tb ON tb.pos = b.pos AND tb.unit_id = b.unit_id
GROUP BY ALL
ORDER BY stage, source_rank, target_rank
"""


def _tops(top: int | Sequence[int]) -> tuple[int, int, int]:
    n = (top, top, top) if isinstance(top, int) else tuple(top)
    if len(n) != 3 or any(isinstance(x, bool) or not isinstance(x, int) or x < 1 for x in n):
        raise InputError(f"three-field: top={top!r} must be an integer ≥ 1 or three of them")
    return int(n[0]), int(n[1]), int(n[2])


def three_field(
    store: Store,
    *,
    fields: Sequence[str] = ("country", "concept", "institution"),
    top: int | Sequence[int] = 20,
    min_score: float = 0.3,
    industry: str | None = None,
    field: str | None = None,
    concepts: Collection[str] | None = None,
    topics: Collection[str] | None = None,
    start_year: int | None = None,
    end_year: int | None = None,
) -> pa.Table:
    r"""The links of a three-field plot (bibliometrix's ``threeFieldsPlot``) of a slice.

    .. math::

        w_{lm} = \#\{\, d \in S : l \in d,\ m \in d \,\}

    Parameters
    ----------
    store : Store
    fields : three of :data:`THREE_FIELDS`, default ("country", "concept", "institution")
        Left, middle and right fields (a field may repeat).
    top : int or three ints, default 20
        Items kept per field, by the works carrying them (ties by id).
    min_score : float, default 0.3
        Concept score from which a work carries a concept (``concept`` fields).
    industry, field, concepts, topics
        The slice, as in :func:`forcemap.store.slices.create_work_slice`.
    start_year, end_year : int, optional
        Publication years (inclusive; default: all).

    Returns
    -------
    pyarrow.Table
        :data:`THREE_FIELD_SCHEMA`, counts in the schema metadata ``b"three_field"``.

    Raises
    ------
    InputError
        Not three fields, an unknown field, a bad ``top`` or a reversed year range.

    Notes
    -----
    Hand-worked (``tests/indicators/test_three_field.py``): works 1 (FR; topic T1; org O1),
    2 (FR, DE; T1; O1, O2) and 3 (DE; T2; O2) give country → topic links FR–T1 2, DE–T1 1,
    DE–T2 1 and topic → organisation links T1–O1 2, T1–O2 1, T2–O2 1.
    """
    if isinstance(fields, str) or len(fields) != 3:
        raise InputError(f"three-field: fields={fields!r} must name three fields")
    for f in fields:
        work_unit_sql(f, what="three-field: each field")
    n1, n2, n3 = _tops(top)
    if start_year is not None and end_year is not None and start_year > end_year:
        raise InputError(f"start_year/end_year: {start_year} is after {end_year}")
    years = None
    if start_year is not None or end_year is not None:
        years = (
            start_year if start_year is not None else -32768,
            end_year if end_year is not None else 32767,
        )
    cur = store.cursor()
    try:
        sl = create_work_slice(
            cur, industry=industry, field=field, concepts=concepts, topics=topics, years=years
        )
        if years is not None:  # an open bound is recorded as open, not as its placeholder
            sl["years"] = [start_year, end_year]
        cur.execute(PERSON_OF_SQL)
        cur.execute(AUTHORSHIPS_VIEW_SQL)
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_tf_items
               (pos INTEGER, work_id VARCHAR, unit_id VARCHAR, name VARCHAR)"""
        )
        for pos, f in enumerate(fields, start=1):
            unit = work_unit_sql(f)
            params: dict[str, Any] = {"pos": pos}
            if "$min_score" in unit:
                params["min_score"] = float(min_score)
            cur.execute(_ITEMS_SQL.replace("{unit}", unit), params)
        cur.execute(_TOP_SQL, {"n1": n1, "n2": n2, "n3": n3})
        links = cur.sql(_LINKS_SQL).to_arrow_table()
        with_field = dict(
            cur.execute(
                "SELECT pos, count(DISTINCT work_id) FROM _fm_tf_items GROUP BY pos"
            ).fetchall()
        )
        kept = dict(cur.execute("SELECT pos, count(*) FROM _fm_tf_top GROUP BY pos").fetchall())
    except duckdb.Error as e:
        raise StoreError(f"three-field query failed on {store.path}: {e}") from e
    finally:
        cur.close()
    stage = links["stage"].to_pylist()
    table = pa.table(
        {
            "stage": links["stage"],
            "source_field": pa.array([fields[s - 1] for s in stage], pa.string()),
            "source_id": links["source_id"],
            "source_label": links["source_label"],
            "source_documents": links["source_documents"],
            "source_rank": links["source_rank"],
            "target_field": pa.array([fields[s] for s in stage], pa.string()),
            "target_id": links["target_id"],
            "target_label": links["target_label"],
            "target_documents": links["target_documents"],
            "target_rank": links["target_rank"],
            "weight": links["weight"],
        }
    ).cast(THREE_FIELD_SCHEMA)
    meta = {
        "fields": list(fields),
        "top": [n1, n2, n3],
        "works": sl["works"],
        "works_with_field": [int(with_field.get(p, 0)) for p in (1, 2, 3)],
        "items": [int(kept.get(p, 0)) for p in (1, 2, 3)],
        "slice": sl,
    }
    return table.replace_schema_metadata({b"three_field": json.dumps(meta).encode()})


THREE_FIELD = Indicator(
    "three-field",
    three_field,
    inputs=lambda params: (*WORKS, *WORK_ACTORS, "authors", "person_aliases"),
)
"""``forcemap indicators three-field``: the links of a three-field (Sankey) plot."""
