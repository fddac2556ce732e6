r"""Disruption indicators: the CD index and its variants (mCD, I, CD\ :sup:`nok`, DI\ :sub:`l`).

One definition, one compiled kernel: :func:`disruption_from_edges` maps identifiers to
integers, builds CSR arrays (:mod:`forcemap.indicators._citation_graph`) and counts, for
every focal work, its in-window citers and the in-window citers of its references; all
variants are ratios of those counts. :func:`disruption` reads works (or patents) and their
citations from the store and calls :func:`disruption_from_edges`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from forcemap.errors import InputError, SchemaError
from forcemap.indicators import _citation_graph as cg
from forcemap.indicators._registry import PATENTS, WORKS, Indicator
from forcemap.store.store import Store

__all__ = [
    "CD_SCHEMA",
    "DISRUPTION",
    "DISRUPTION_SCHEMA",
    "disruption",
    "disruption_from_edges",
    "disruption_table",
    "named_id",
]

_CORE = [
    ("id", pa.string()),
    ("entity", pa.string()),
    ("year", pa.int32()),
    ("n_refs", pa.int64()),
    ("n_i", pa.int64()),
    ("n_j", pa.int64()),
    ("n_k", pa.int64()),
    ("cd", pa.float64()),
]

CD_SCHEMA = pa.schema(_CORE)
"""Output of :func:`disruption` with ``variants=False``."""

DISRUPTION_SCHEMA = pa.schema(
    [
        *_CORE,
        ("i_index", pa.int64()),
        ("mcd", pa.float64()),
        ("cd_nok", pa.float64()),
        ("n_j5", pa.int64()),
        ("di1", pa.float64()),
        ("di5", pa.float64()),
        ("di1_nok", pa.float64()),
        ("di5_nok", pa.float64()),
        ("dein", pa.float64()),
    ]
)
"""Output of :func:`disruption` (``variants=True``, the default)."""

# Literal SQL per entity (an allow-list, no string building). Nodes get dense integer ids
# ``ix`` in id order; cited ids outside the nodes (external references) get ids after them,
# so that only integers cross into Arrow.
_NODES_SQL = {
    "works": """
SELECT (row_number() OVER (ORDER BY work_id) - 1)::BIGINT AS ix, work_id AS id,
       min(year)::INTEGER AS year
FROM works GROUP BY work_id ORDER BY ix
""",
    "patents": """
SELECT (row_number() OVER (ORDER BY patent_id) - 1)::BIGINT AS ix, patent_id AS id,
       min(year)::INTEGER AS year
FROM patents GROUP BY patent_id ORDER BY ix
""",
}
_EDGES_SQL = {
    "works": """
WITH n AS (
    SELECT (row_number() OVER (ORDER BY work_id) - 1)::BIGINT AS ix, work_id AS id
    FROM (SELECT DISTINCT work_id FROM works)
), x AS (
    SELECT (SELECT count(*) FROM n) + (row_number() OVER (ORDER BY cited_id) - 1)::BIGINT AS ix,
           cited_id AS id
    FROM (SELECT DISTINCT cited_id FROM work_references) r
    ANTI JOIN n ON n.id = r.cited_id
)
SELECT a.ix AS citing, coalesce(b.ix, x.ix) AS cited
FROM work_references e
JOIN n a ON a.id = e.citing_id
LEFT JOIN n b ON b.id = e.cited_id
LEFT JOIN x ON x.id = e.cited_id
""",
    "patents": """
WITH n AS (
    SELECT (row_number() OVER (ORDER BY patent_id) - 1)::BIGINT AS ix, patent_id AS id
    FROM (SELECT DISTINCT patent_id FROM patents)
), x AS (
    SELECT (SELECT count(*) FROM n) + (row_number() OVER (ORDER BY cited_id) - 1)::BIGINT AS ix,
           cited_id AS id
    FROM (SELECT DISTINCT cited_id FROM patent_citations) r
    ANTI JOIN n ON n.id = r.cited_id
)
SELECT a.ix AS citing, coalesce(b.ix, x.ix) AS cited
FROM patent_citations e
JOIN n a ON a.id = e.citing_id
LEFT JOIN n b ON b.id = e.cited_id
LEFT JOIN x ON x.id = e.cited_id
""",
}


def _validity(valid: np.ndarray) -> tuple[pa.Buffer | None, int]:
    """Arrow validity bitmap of a boolean mask (None when all are valid), and the null count."""
    nulls = int(valid.size - np.count_nonzero(valid))
    if not nulls:
        return None, 0
    return pa.py_buffer(np.packbits(valid, bitorder="little")), nulls


def _array(col: pa.ChunkedArray) -> pa.Array:
    """One array for a column, without a copy when it has one chunk."""
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _int_numpy(a: pa.Array) -> np.ndarray:
    """Integer Arrow array as NumPy (int32 or int64), nulls as -1 (never a node index)."""
    if a.null_count:
        a = pc.fill_null(a, -1)
    out: np.ndarray = a.to_numpy(zero_copy_only=False)
    return out if out.dtype in (np.int32, np.int64) else out.astype(np.int64)


def _edge_indices(ids: pa.Array, edges: pa.Table) -> tuple[np.ndarray, np.ndarray, int]:
    """Edges as node indices: (citing, cited, number of external cited ids).

    Edges whose citing id is not a node, or whose cited id is null, are dropped; cited ids
    that are not nodes get indices n, n + 1, ... (one per distinct id).
    """
    n = len(ids)
    cited_col = _array(edges.column("cited"))
    if _is_range(ids):  # ids are already 0 .. n-1 (the store's case): no hashing
        if cited_col.null_count:  # a null cited id drops the edge
            edges = edges.filter(pc.is_valid(edges.column("cited")))
            cited_col = _array(edges.column("cited"))
        s, t, ext = cg.range_edges(
            _int_numpy(_array(edges.column("citing"))), _int_numpy(cited_col), n
        )
        n_ext = 0
        if len(ext):
            uniq, inv = np.unique(ext, return_inverse=True)
            t[t < 0] = n + inv.astype(np.int32)
            n_ext = len(uniq)
        return s, t, n_ext
    if pa.types.is_integer(ids.type):  # index_in needs one integer type
        edges = pa.table(
            {name: edges.column(name).cast(pa.int64()) for name in ("citing", "cited")}
        )
        cited_col = _array(edges.column("cited"))
    citing = pc.index_in(_array(edges.column("citing")), value_set=ids)
    cited = pc.index_in(cited_col, value_set=ids)
    keep = pc.and_(pc.is_valid(citing), pc.is_valid(cited_col))
    external = pc.and_(keep, pc.is_null(cited))
    encoded = pc.dictionary_encode(cited_col.filter(external))
    src = citing.filter(keep).to_numpy(zero_copy_only=False).astype(np.int32)
    dst_int = pc.fill_null(cited, -1).filter(keep).to_numpy(zero_copy_only=False)
    dst = dst_int.astype(np.int32)
    dst[dst_int < 0] = encoded.indices.to_numpy(zero_copy_only=False) + n
    return src, dst, len(encoded.dictionary)


def _is_range(ids: pa.Array) -> bool:
    """True if integer ``ids`` are exactly 0, 1, ..., len - 1 (in this order)."""
    if not pa.types.is_integer(ids.type) or ids.null_count:
        return False
    a = ids.to_numpy()
    return bool(len(a) == 0 or (a[0] == 0 and np.all(np.diff(a) == 1)))


def _check(table: pa.Table, cols: dict[str, str], what: str) -> None:
    for name, kind in cols.items():
        if name not in table.column_names:
            raise SchemaError(f"disruption_from_edges: {what} has no column {name!r}")
        t = table.schema.field(name).type
        if kind == "int" and not pa.types.is_integer(t):
            raise SchemaError(
                f"disruption_from_edges: {what}.{name} must be an integer type, not {t}"
            )


def disruption_from_edges(
    nodes: pa.Table,
    edges: pa.Table,
    *,
    window: int = 5,
    require_references: bool = False,
    variants: bool = True,
    entity: str = "works",
) -> pa.Table:
    r"""CD index and variants of every node of a citation graph given as Arrow tables.

    For a focal work :math:`f` published in year :math:`T`, let :math:`C` be the works
    published in years :math:`T+1, \dots, T+t` (``window`` :math:`= t`), :math:`R_f` the
    references of :math:`f` and :math:`s_c = |R_c \cap R_f|`. Then

    .. math::

        n_i = |\{c \in C : f \in R_c,\ s_c = 0\}|, \quad
        n_j = |\{c \in C : f \in R_c,\ s_c \ge 1\}|, \quad
        n_k = |\{c \in C : f \notin R_c,\ s_c \ge 1\}|,

        \mathrm{CD}_t = \frac{n_i - n_j}{n_i + n_j + n_k}, \quad
        \mathrm{mCD}_t = n_t\,\mathrm{CD}_t, \quad I_t = n_t = n_i + n_j, \quad
        \mathrm{CD}^{nok}_t = \frac{n_i - n_j}{n_i + n_j},

        \mathrm{DI}_l = \frac{n_i - n^l_j}{n_i + n^l_j + n_k}, \quad
        \mathrm{DI}^{nok}_l = \frac{n_i - n^l_j}{n_i + n^l_j}, \quad
        n^l_j = |\{c \in C : f \in R_c,\ s_c \ge l\}|, \quad
        \mathrm{DeIn} = \frac{1}{n_t}\sum_{c \in C,\ f \in R_c} s_c .

    Parameters
    ----------
    nodes : pa.Table
        ``id`` (any type, unique, non-null) and ``year`` (integer; null = unknown): the
        focal works. Every node gets one output row.
    edges : pa.Table
        ``citing``, ``cited`` (same type as ``nodes.id``): *citing cites cited*. A ``cited``
        id that is not a node is an external reference: it counts as a reference and its
        in-window citers among the nodes count in :math:`n_k`. Edges whose ``citing`` is not
        a node, or with a null ``cited``, are ignored.
    window : int, default 5
        :math:`t` in years (Park, Leahey & Funk 2023 use 5); the window is
        :math:`T < \mathrm{year}(c) \le T + t`.
    require_references : bool, default False
        If true, every ratio (``cd``, ``mcd``, ``cd_nok``, ``di*``, ``dein``) is null for
        works without references (DESIGN.md §4). The default follows Funk's ``cdindex``:
        such a work with in-window citers has CD = 1.
    variants : bool, default True
        Add ``i_index``, ``mcd``, ``cd_nok``, ``n_j5``, ``di1``, ``di5``, ``di1_nok``,
        ``di5_nok`` and ``dein``.
    entity : str, default "works"
        Label written to the ``entity`` column.

    Returns
    -------
    pa.Table
        :data:`DISRUPTION_SCHEMA` (or :data:`CD_SCHEMA` without variants), one row per node
        in input order, except that ``id`` keeps the type of ``nodes.id``:

        - id: the node id; entity: ``entity``; year: int32
        - n_refs: int64: distinct references (external ones included)
        - n_i, n_j, n_k: int64: the counts above (null when the year is null)
        - cd: float64: :math:`\mathrm{CD}_t` (null when :math:`n_i+n_j+n_k = 0`)
        - i_index: int64: :math:`n_t`, Funk's I-index (in-window citations of :math:`f`)
        - mcd: float64: :math:`n_t\,\mathrm{CD}_t`; cd_nok: float64
        - n_j5: int64: :math:`n^5_j`; di1, di5, di1_nok, di5_nok: float64 (:math:`l=1,5`)
        - dein: float64: mean number of :math:`f`'s references cited by its citers

    Raises
    ------
    SchemaError
        A column is missing or ``year`` is not an integer type.
    InputError
        ``window < 1``, or node ids are null or repeated.

    Examples
    --------
    Focal ``f`` (2000) cites ``r``; ``a`` and ``e`` cite only ``f`` (:math:`n_i = 2`),
    ``b`` cites both (:math:`n_j = 1`), ``d`` cites only ``r`` (:math:`n_k = 1`):

    >>> import pyarrow as pa
    >>> nodes = pa.table({"id": ["r", "f", "a", "b", "d", "e"],
    ...                   "year": [1999, 2000, 2001, 2002, 2003, 2004]})
    >>> edges = pa.table({"citing": ["f", "a", "b", "b", "d", "e"],
    ...                   "cited": ["r", "f", "f", "r", "r", "f"]})
    >>> t = disruption_from_edges(nodes, edges)
    >>> t.slice(1, 1).select(["id", "n_i", "n_j", "n_k", "cd", "mcd", "di5"]).to_pylist()
    [{'id': 'f', 'n_i': 2, 'n_j': 1, 'n_k': 1, 'cd': 0.25, 'mcd': 0.75, 'di5': 0.6666666666666666}]

    Notes
    -----
    * Citers in the focal's own year (and the focal itself) never count, in :math:`n_i`,
      :math:`n_j` or :math:`n_k`: the lower bound is strict, as in ``cdindex``.
    * A zero denominator gives null; a work without references but with in-window
      citers gets CD = 1 (:math:`n_i = n_t`) unless ``require_references``.
    * ``di1`` equals ``cd`` and ``di1_nok`` equals ``cd_nok`` (both are kept for
      comparison with Bornmann et al.). novelpy returns 0 for a zero denominator where
      forcemap returns null, and novelpy bounds :math:`n_k` only below; forcemap applies
      the same window to every count.
    * Repeated edges count once; self-citations are ignored.
    * Runs in :math:`O(E + \sum_f \sum_{r \in R_f} \deg^-_{t}(r))` on numba threads,
      with the nodes relabelled by year so that a window is an id range and each citer list
      a sorted slice of it (see :mod:`forcemap.indicators._citation_graph`).

    References
    ----------
    Funk, R. J., & Owen-Smith, J. (2017). A dynamic network measure of technological
    change. *Management Science*, 63(3), 791–817. doi:10.1287/mnsc.2015.2366

    Park, M., Leahey, E., & Funk, R. J. (2023). Papers and patents are becoming less
    disruptive over time. *Nature*, 613, 138–144. doi:10.1038/s41586-022-05543-x

    Bornmann, L., Devarakonda, S., Tekles, A., & Chacko, G. (2020). Are disruption index
    indicators convergently valid? *Quantitative Science Studies*, 1(3), 1242–1259.
    doi:10.1162/qss_a_00068

    Wu, Q., & Yan, Z. (2019). Solo citations, duet citations, and prelude citations: New
    measures of the disruption of academic papers. arXiv:1905.03461.
    """
    if window < 1:
        raise InputError(f"disruption: window must be >= 1 year, got {window}")
    _check(nodes, {"id": "any", "year": "int"}, "nodes")
    _check(edges, {"citing": "any", "cited": "any"}, "edges")
    ids = _array(nodes.column("id"))
    for name in ("citing", "cited"):
        t = edges.schema.field(name).type
        if not (pa.types.is_integer(t) and pa.types.is_integer(ids.type)) and t != ids.type:
            raise SchemaError(
                f"disruption_from_edges: edges.{name} is {edges.schema.field(name).type}, "
                f"nodes.id is {ids.type}; cast them to one type"
            )
    n = len(ids)
    if ids.null_count:
        raise InputError("disruption_from_edges: nodes.id has null values")
    if n and not _is_range(ids) and pc.count_distinct(ids).as_py() != n:
        raise InputError("disruption_from_edges: nodes.id has repeated values")
    year_col = _array(nodes.column("year"))
    year = pc.fill_null(year_col.cast(pa.int32()), cg.NO_YEAR).to_numpy()
    no_year = year == cg.NO_YEAR

    src, dst, n_ext = _edge_indices(
        ids.cast(pa.int64()) if pa.types.is_integer(ids.type) else ids, edges
    )
    all_year = np.concatenate([year, np.full(n_ext, cg.NO_YEAR, np.int32)])

    g = cg.build_csr(src, dst, all_year)
    counts = cg.cd_counts(g, n, window=window, min_shared=5)
    ints, flts = cg.cd_columns(g, counts, n, require_references=require_references)
    del counts, g
    year_valid = _validity(~no_year)

    def int_col(row: int, masked: bool = True) -> pa.Array:
        valid, nulls = year_valid if masked else (None, 0)
        return pa.Array.from_buffers(
            pa.int64(), n, [valid, pa.py_buffer(ints[row])], null_count=nulls
        )

    def float_col(row: int) -> pa.Array:
        valid, nulls = _validity(~np.isnan(flts[row]))
        return pa.Array.from_buffers(
            pa.float64(), n, [valid, pa.py_buffer(flts[row])], null_count=nulls
        )

    cd = float_col(cg.C_CD)
    cols: dict[str, pa.Array] = {
        "id": ids,
        "entity": pa.array([entity], pa.string()).take(np.zeros(n, np.int32)),
        "year": year_col.cast(pa.int32()),
        "n_refs": int_col(cg.C_REFS, masked=False),
        "n_i": int_col(cg.C_I),
        "n_j": int_col(cg.C_J),
        "n_k": int_col(cg.C_K),
        "cd": cd,
    }
    schema = CD_SCHEMA
    if variants:
        cd_nok = float_col(cg.C_CD_NOK)
        cols |= {
            "i_index": int_col(cg.C_T),
            "mcd": float_col(cg.C_MCD),
            "cd_nok": cd_nok,
            "n_j5": int_col(cg.C_JL),
            "di1": cd,
            "di5": float_col(cg.C_DI5),
            "di1_nok": cd_nok,
            "di5_nok": float_col(cg.C_DI5_NOK),
            "dein": float_col(cg.C_DEIN),
        }
        schema = DISRUPTION_SCHEMA
    schema = schema.set(0, pa.field("id", ids.type))
    return pa.Table.from_pydict(cols, schema=schema)


def disruption(
    store: Store,
    *,
    window: int = 5,
    require_references: bool = False,
    entity: Literal["works", "patents"] = "works",
    variants: bool = True,
) -> pa.Table:
    r"""CD index (CD\ :sub:`t`) and variants of every work (or patent) in the store.

    Reads ``works`` / ``work_references`` (or ``patents`` / ``patent_citations``) and
    computes :func:`disruption_from_edges` (see there for the formulas):

    .. math::

        \mathrm{CD}_t = \frac{n_i - n_j}{n_i + n_j + n_k}.

    Parameters
    ----------
    store : Store
        The workspace.
    window : int, default 5
        Citation window :math:`t` in years after the publication (grant) year.
    require_references : bool, default False
        Null ratios for works without references (see :func:`disruption_from_edges`).
    entity : {"works", "patents"}, default "works"
        ``works`` use ``works.year``; ``patents`` use ``patents.year`` (the grant year).
    variants : bool, default True
        Add mCD, I-index, CD\ :sup:`nok`, DI\ :sub:`1`, DI\ :sub:`5` and DeIn.

    Returns
    -------
    pa.Table
        :data:`DISRUPTION_SCHEMA` (:data:`CD_SCHEMA` if not ``variants``), one row per
        distinct ``work_id`` (``patent_id``) ordered by id; ``id`` is that id and
        ``entity`` is ``entity``.

    Raises
    ------
    InputError
        Unknown ``entity`` or ``window < 1``.
    StoreError
        The store cannot be read.

    Notes
    -----
    References to ids outside the store still count: their in-window citers in the store
    form :math:`n_k`. A work listed twice in ``works`` takes its smallest year.

    References
    ----------
    Funk, R. J., & Owen-Smith, J. (2017). *Management Science*, 63(3), 791–817.
    doi:10.1287/mnsc.2015.2366

    Park, M., Leahey, E., & Funk, R. J. (2023). *Nature*, 613, 138–144.
    doi:10.1038/s41586-022-05543-x

    Bornmann, L., Devarakonda, S., Tekles, A., & Chacko, G. (2020). *Quantitative Science
    Studies*, 1(3), 1242–1259. doi:10.1162/qss_a_00068
    """
    if entity not in _NODES_SQL:
        raise InputError(f"disruption: entity must be 'works' or 'patents', not {entity!r}")
    if window < 1:
        raise InputError(f"disruption: window must be >= 1 year, got {window}")
    named = store.sql(_NODES_SQL[entity]).to_arrow_table()
    edges = store.sql(_EDGES_SQL[entity]).to_arrow_table()
    out = disruption_from_edges(
        pa.table({"id": named.column("ix"), "year": named.column("year")}),
        edges,
        window=window,
        require_references=require_references,
        variants=variants,
        entity=entity,
    )
    return out.set_column(0, pa.field("id", pa.string()), named.column("id"))


def disruption_table(
    store: Store,
    *,
    window: int = 5,
    require_references: bool = False,
    entity: Literal["works", "patents"] = "works",
    variants: bool = True,
) -> pa.Table:
    """:func:`disruption` with the id column named ``work_id`` / ``patent_id``, as
    ``forcemap indicators disruption`` writes it."""
    table = disruption(
        store,
        window=window,
        require_references=require_references,
        entity=entity,
        variants=variants,
    )
    return named_id(table, entity)


def named_id(table: pa.Table, entity: str) -> pa.Table:
    """The ``id`` column of a CD table renamed ``work_id`` / ``patent_id``."""
    key = "work_id" if entity == "works" else "patent_id"
    return table.rename_columns([key if c == "id" else c for c in table.column_names])


DISRUPTION = Indicator(
    "disruption",
    disruption_table,
    inputs=lambda params: WORKS if params.get("entity", "works") == "works" else PATENTS,
)
"""``forcemap indicators disruption``: CD_t and its variants per work or patent."""
