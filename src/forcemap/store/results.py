"""Saved indicator results with provenance, and whether the data they came from has changed.

A saved result is an indicator table kept in the store (table ``result__<name>``) with a row in
``saved_results``: the indicator, its parameters (JSON) and the **version of every input table**
when it was computed. A table's version is the id of the last ingest batch that stored or
replaced rows in it (``table_versions``, written by :meth:`forcemap.store.Store.finish` and by
organisation resolution; 0 when no batch ever changed it). A result is **stale** when any of its
input tables has a newer version now; recomputing it (``forcemap indicators refresh``, or
:func:`forcemap.indicators.refresh_results`) makes it fresh again.

This module stores and compares; which tables an indicator reads and how to recompute it live in
:mod:`forcemap.indicators` (the store layer does not import indicators).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import duckdb
import pyarrow as pa

from forcemap.errors import InputError, NotFoundError, StoreError

if TYPE_CHECKING:  # the Store imports this module for stale_results: no runtime cycle
    from forcemap.store.store import Store

__all__ = [
    "Kept",
    "SavedResult",
    "load_result",
    "owned_copy",
    "save_result",
    "saved_results",
    "stale_results",
    "table_versions",
]

_NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,47}")


@dataclass(frozen=True)
class SavedResult:
    """One saved indicator result and its freshness.

    ``inputs`` are the input-table versions it was computed from, ``current`` the versions now;
    ``changed`` lists the input tables whose version moved (empty when fresh).
    """

    name: str
    indicator: str
    params: dict[str, Any]
    inputs: dict[str, int]
    current: dict[str, int]
    n_rows: int
    computed: datetime
    table: str

    @property
    def changed(self) -> list[str]:
        """Input tables changed since the result was computed."""
        return sorted(t for t, v in self.current.items() if v != self.inputs.get(t, 0))

    @property
    def stale(self) -> bool:
        """True when an input table changed since the result was computed."""
        return bool(self.changed)


def _check_name(name: str) -> str:
    if not _NAME_RE.fullmatch(name):
        raise InputError(
            f"result name {name!r} is not valid: use lower-case letters, digits and _ "
            "(start with a letter, at most 48 characters)"
        )
    return name


def owned_copy(table: pa.Table) -> pa.Table:
    """A copy of ``table`` in Arrow-owned memory, for keeping beyond a query: a table read
    from DuckDB may share DuckDB's buffers and so keep its database open (another open of the
    file with other settings then fails)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    return pa.ipc.open_stream(sink.getvalue()).read_all()


_T = TypeVar("_T")


class Kept(Generic[_T]):
    """The last ``size`` values computed from **read-only** stores, kept in memory, each keyed
    by the store, the caller's parameters and the versions of its input tables (so an ingest
    that changes an input makes it stale). The web server's store is read-only for its whole
    life: what a page computed once serves the next requests.

    One computation runs at a time (a value can take gigabytes on a large store: a second
    request for it waits and takes the first one's). On a writable store nothing is kept.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[tuple[Any, ...], _T] = OrderedDict()
        self._lock = threading.Lock()  # the dict
        self._compute_lock = threading.RLock()  # one computation at a time

    def get(
        self, store: Store, inputs: Iterable[str], params: Hashable, compute: Callable[[], _T]
    ) -> _T:
        """The kept value for (store, ``params``, versions of ``inputs``), else ``compute()``
        (kept when the store is read-only)."""
        if not store.read_only:
            return compute()
        key = (str(store.path), params, tuple(sorted(table_versions(store, inputs).items())))
        with self._compute_lock:
            with self._lock:
                if key in self._values:
                    self._values.move_to_end(key)
                    return self._values[key]
            value = compute()
            with self._lock:
                self._values[key] = value
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
        return value


def table_versions(store: Store, tables: Iterable[str]) -> dict[str, int]:
    """The current version of each table: the last batch id that changed it (0 = never)."""
    names = sorted(set(tables))
    rows = store.con.execute(
        """SELECT table_name, max(batch_id) FROM table_versions
           WHERE list_contains($t, table_name) GROUP BY ALL""",
        {"t": names},
    ).fetchall()
    found = {t: int(v) for t, v in rows}
    return {t: found.get(t, 0) for t in names}


def save_result(
    store: Store,
    name: str,
    table: pa.Table,
    *,
    indicator: str,
    params: Mapping[str, Any],
    inputs: Mapping[str, int],
) -> SavedResult:
    """Store ``table`` as result ``name`` (replacing a result of that name), atomically.

    ``inputs`` are the input-table versions read *before* the computation (from
    :func:`table_versions`), so a change during the computation marks the result stale.

    Raises
    ------
    InputError
        ``name`` is not a lower-case identifier, or ``params`` is not JSON-serialisable.
    StoreError
        The store is read-only or DuckDB failed; the previous result of that name is kept.
    """
    _check_name(name)
    if store.read_only:
        raise StoreError(f"store {store.path} is open read-only; cannot save result {name!r}")
    try:
        params_json = json.dumps(dict(params), sort_keys=True)
    except TypeError as e:
        raise InputError(f"parameters of {indicator} are not JSON-serialisable: {e}") from e
    result_table = f"result__{name}"
    con = store.con
    con.register("_res_tbl", table)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            # result_table is checked against _NAME_RE above
            con.execute(f'DROP TABLE IF EXISTS "{result_table}"')
            con.execute(f'CREATE TABLE "{result_table}" AS SELECT * FROM _res_tbl')  # noqa: S608
            con.execute("DELETE FROM saved_results WHERE name = $n", {"n": name})
            con.execute(
                """INSERT INTO saved_results
                   VALUES ($n, $i, $p, $in, $t, $rows, now()::TIMESTAMP)""",
                {
                    "n": name,
                    "i": indicator,
                    "p": params_json,
                    "in": json.dumps(dict(sorted(inputs.items()))),
                    "t": result_table,
                    "rows": table.num_rows,
                },
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    except duckdb.Error as e:
        raise StoreError(f"cannot save result {name!r} in {store.path}: {e}") from e
    finally:
        con.unregister("_res_tbl")
    return _one(store, name)


def _rows(store: Store, names: Sequence[str] | None) -> list[tuple[Any, ...]]:
    sql = """SELECT name, indicator, params, inputs, n_rows, computed, result_table
             FROM saved_results WHERE $all OR list_contains($names, name) ORDER BY name"""
    return store.con.execute(sql, {"all": names is None, "names": list(names or [])}).fetchall()


def saved_results(store: Store, names: Sequence[str] | None = None) -> list[SavedResult]:
    """Every saved result (or those named), with the current versions of its input tables."""
    out = []
    for name, indicator, params, inputs, n_rows, computed, table in _rows(store, names):
        used = {t: int(v) for t, v in json.loads(inputs).items()}
        out.append(
            SavedResult(
                name=name,
                indicator=indicator,
                params=json.loads(params),
                inputs=used,
                current=table_versions(store, used),
                n_rows=int(n_rows),
                computed=computed,
                table=table,
            )
        )
    return out


def _one(store: Store, name: str) -> SavedResult:
    found = saved_results(store, [name])
    if not found:
        raise NotFoundError(f"no saved result {name!r} in store {store.path}")
    return found[0]


def stale_results(store: Store) -> list[SavedResult]:
    """The saved results an input table of which changed since they were computed."""
    return [r for r in saved_results(store) if r.stale]


def load_result(store: Store, name: str) -> pa.Table:
    """The rows of saved result ``name``.

    Raises
    ------
    NotFoundError
        No result of that name is saved.
    """
    r = _one(store, _check_name(name))
    return store.con.table(r.table).to_arrow_table()
