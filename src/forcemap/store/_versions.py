"""Table versions of a resolution step (``forcemap resolve``): whether a run changed its
tables, and recording a new version of them so saved results that read them become stale."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

__all__ = ["bump_versions", "tables_fingerprint"]


def tables_fingerprint(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> tuple[Any, ...]:
    """Row count and an order-free hash of each table's rows (equal before and after a run
    that changed nothing)."""
    sub = "(SELECT count(*) FROM {t}), (SELECT bit_xor(hash(x)) FROM {t} x)"  # table names
    parts = ", ".join(sub.format(t=t) for t in tables)
    return tuple(con.execute(f"SELECT {parts}").fetchall()[0])


def bump_versions(
    con: duckdb.DuckDBPyConnection, tables: Sequence[str], source: str = "resolve"
) -> None:
    """Record a new version (a ``batch_seq`` number) of ``tables`` in ``table_versions``."""
    version = con.execute("SELECT nextval('batch_seq')").fetchall()[0][0]
    con.execute(
        """INSERT INTO table_versions
           SELECT t, $v, $s, now()::TIMESTAMP FROM (SELECT unnest($t) AS t)""",
        {"t": list(tables), "v": version, "s": source},
    )
