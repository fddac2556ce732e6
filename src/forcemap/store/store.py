"""The Store: one DuckDB file per workspace, its migrations, atomic ingest batches and status."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from forcemap.errors import NotFoundError, StoreError
from forcemap.store.schema import MIGRATIONS, SCHEMA_VERSION, SOURCE_TABLES, TABLES

if TYPE_CHECKING:
    from forcemap.store.ingest._physical import Scan
    from forcemap.store.results import SavedResult

__all__ = [
    "DEFAULT_STORE",
    "Batch",
    "IngestReport",
    "Store",
    "StoreStatus",
    "file_checksum",
    "scratch_connection",
]

DEFAULT_STORE = Path("forcemap.duckdb")

_QUARANTINE_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("record_id", pa.string()),
        ("field", pa.string()),
        ("reason", pa.string()),
        ("raw", pa.string()),
        ("unit", pa.string()),
        ("file", pa.string()),
    ]
)


def scratch_connection() -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB for intermediate tables (network building, reference tables).

    It spills to a directory of this process under the system's temporary directory, not to
    DuckDB's default for in-memory databases (``.tmp`` in the working directory, where a large
    spill would land wherever the user happened to start forcemap).
    """
    spill = Path(tempfile.gettempdir()) / f"forcemap-duckdb-{os.getpid()}"
    return duckdb.connect(config={"temp_directory": str(spill)})


def _lock_message(p: Path, error: str, *, read_only: bool) -> str:
    """What to do when another process holds the store's lock (DuckDB names its PID)."""
    m = re.search(r"\(PID (\d+)\)", error)
    who = f"process {m.group(1)}" if m else "another process"
    if read_only:
        return (
            f"cannot lock store {p}: {who} is writing to it (an ingest, resolve or precompute); "
            "wait for it to finish, then retry"
        )
    staged = p.with_name(f"{p.stem}.next{p.suffix}")
    return (
        f"cannot lock store {p} for writing: {who} has it open (if it is `forcemap serve`, the "
        "server keeps it open read-only while it runs). To add data without stopping the "
        f"server, ingest into a staged copy and swap it in: `forcemap --store {p} stage`, then "
        f"`forcemap --store {staged} ingest …`, then `forcemap --store {p} swap` (the server "
        f"switches within seconds). Otherwise stop {who} and retry"
    )


def file_checksum(path: Path) -> str:
    """SHA-256 of a file's bytes, hex encoded (used to recognise a file already ingested)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@dataclass
class IngestReport:
    """What one ingest call did, reconciled: ``read == stored + replaced + rejected +
    duplicates + filtered``.

    Every term means the same in every reader:

    * ``read`` — the primary records the file holds (works, patents, projects, trade rows),
      counted independently of the parser (physical lines for line-oriented formats, record
      delimiters for RIS / WoS / BibTeX, JSON values for arrays; see
      :mod:`forcemap.store.ingest._physical`);
    * ``stored`` — records whose id was not in the store before, now written;
    * ``replaced`` — records that replaced a copy already stored (a newer version);
    * ``rejected`` — records quarantined, by reason in ``reasons``;
    * ``duplicates`` — records not written because another copy wins (the same id again in
      the input, or an equal or newer copy already stored);
    * ``filtered`` — valid records left out by design (e.g. UN Comtrade aggregates), by
      reason in ``filter_reasons``.

    ``merged`` says how many of the stored and replaced work records were then folded into a
    work that other records already make up (:func:`~forcemap.store.work_merge.merge_batch`):
    they are counted in ``stored``/``replaced`` (each record is kept, in ``work_records``), so
    the reconciliation is unchanged, while ``works`` grows by ``stored - merged`` at most.

    ``skipped`` lists files skipped because an identical file was ingested before; ``batches``
    holds the report of each committed file (one batch each) when several were ingested.
    """

    source: str
    files: list[str] = field(default_factory=list)
    read: int = 0
    stored: int = 0
    rejected: int = 0
    duplicates: int = 0
    replaced: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    related: dict[str, int] = field(default_factory=dict)
    quarantine_files: list[str] = field(default_factory=list)
    filtered: int = 0
    filter_reasons: dict[str, int] = field(default_factory=dict)
    batches: list[IngestReport] = field(default_factory=list)
    batch_id: int | None = None
    merged: int = 0

    @property
    def reconciled(self) -> bool:
        """True when every record the files hold is accounted for."""
        return self.read == (
            self.stored + self.replaced + self.rejected + self.duplicates + self.filtered
        )

    def equation(self) -> str:
        """The reconciliation in words: ``N records = stored … + replaced … + rejected … +
        duplicates … + filtered …`` (every term, so a reader can add them up)."""
        text = (
            f"{self.read:,} records = stored {self.stored:,} + replaced {self.replaced:,} + "
            f"rejected {self.rejected:,} + duplicates {self.duplicates:,} + "
            f"filtered {self.filtered:,}"
        )
        if self.merged:
            text += f"; {self.merged:,} of the stored/replaced records merged into existing works"
        return text

    def add(self, other: IngestReport) -> None:
        """Fold another report (of the same source) into this one."""
        self.batches += other.batches or ([other] if other.batch_id is not None else [])
        self.files += other.files
        self.read += other.read
        self.stored += other.stored
        self.replaced += other.replaced
        self.rejected += other.rejected
        self.duplicates += other.duplicates
        self.skipped += other.skipped
        self.quarantine_files += other.quarantine_files
        self.filtered += other.filtered
        self.merged += other.merged
        for k, v in other.filter_reasons.items():
            self.filter_reasons[k] = self.filter_reasons.get(k, 0) + v
        for k, v in other.reasons.items():
            self.reasons[k] = self.reasons.get(k, 0) + v
        for k, v in other.related.items():
            self.related[k] = self.related.get(k, 0) + v


@dataclass(frozen=True)
class StoreStatus:
    """A snapshot of what a store holds."""

    path: str
    schema_version: int
    tables: dict[str, int]
    ingest_log: pa.Table
    quarantine: dict[str, int]


class Batch:
    """One atomic ingest batch: a transaction on the store's connection.

    Created by :meth:`Store.batch`. Readers stage rows and write them with ``con``; rejected
    records go through :meth:`reject` (Python-side) or straight into the ``quarantine`` table
    with this batch's ``batch_id`` (set-based). Nothing is visible to other connections, and
    nothing survives a crash, until the batch commits.
    """

    def __init__(self, store: Store, batch_id: int, source: str, file: str) -> None:
        self.store = store
        self.con = store.con
        self.batch_id = batch_id
        self.source = source
        self.file = file
        self.finished = False
        self._rejects: list[dict[str, Any]] = []

    def reject(
        self,
        reason: str,
        *,
        line: int | None = None,
        record_id: str | None = None,
        field: str | None = None,
        raw: str | None = None,
        unit: str = "line",
        file: str | os.PathLike[str] | None = None,
    ) -> None:
        """Quarantine one record (the set-based path inserts into ``quarantine`` directly).

        ``line`` is a physical line of the file, or with ``unit="record"`` the record's number
        in a format without lines (a JSON array). ``file`` names the file when the batch
        covers several (a project folder); by default the batch's own.
        """
        if unit not in ("line", "record"):
            raise ValueError(f"unit is 'line' or 'record', not {unit!r}")
        self._rejects.append(
            {
                "line": line,
                "record_id": record_id,
                "field": field,
                "reason": reason,
                "raw": raw[:4000] if raw else raw,
                "unit": unit,
                "file": str(file) if file is not None else None,
            }
        )

    def reject_scan(self, scan: Scan) -> None:
        """Quarantine the records :mod:`~forcemap.store.ingest._physical` rejected (and write
        them to the table at once, so set-based counts of the quarantine include them)."""
        for r in scan.rejects:
            self.reject(r.reason, line=r.line, field=r.field, raw=r.raw, file=scan.path)
        self._flush_rejects()

    def _flush_rejects(self) -> None:
        if not self._rejects:
            return
        tbl = pa.Table.from_pylist(self._rejects, schema=_QUARANTINE_SCHEMA)  # noqa: F841
        self.con.execute(
            """INSERT INTO quarantine
                  (batch_id, source, file, line, record_id, field, reason, raw, unit)
               SELECT $b, $s, coalesce(file, $f), line, record_id, field, reason, raw, unit
               FROM tbl""",
            {"b": self.batch_id, "s": self.source, "f": self.file},
        )
        self._rejects.clear()

    def reason_counts(self) -> dict[str, int]:
        """Rejections of this batch so far, by reason."""
        self._flush_rejects()
        rows = self.con.execute(
            "SELECT reason, count(*) FROM quarantine WHERE batch_id = $b GROUP BY ALL ORDER BY 1",
            {"b": self.batch_id},
        ).fetchall()
        return {r: int(n) for r, n in rows}


class Store:
    """A forcemap workspace: one DuckDB database file with the canonical schema.

    Open with :meth:`Store.open`. The store owns one DuckDB connection (``con``); hand
    ``cursor()`` to each extra thread. Writes go through :meth:`batch`.
    """

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, *, read_only: bool) -> None:
        self.path = path
        self.con = con
        self.read_only = read_only

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] = DEFAULT_STORE,
        *,
        read_only: bool = False,
        create: bool = True,
        memory_limit: str | None = None,
        threads: int | None = None,
    ) -> Store:
        """Open (and, unless ``read_only``, create and migrate) the store at ``path``.

        Raises
        ------
        NotFoundError
            ``path`` does not exist and ``create`` is false or ``read_only`` is true.
        StoreError
            DuckDB cannot open the file (locked by another process, corrupt, newer schema).
        """
        p = Path(path)
        if not p.exists() and (read_only or not create):
            raise NotFoundError(f"no store at {p}; create one with `forcemap --store {p} init`")
        try:
            if p.parent and not p.parent.exists():
                p.parent.mkdir(parents=True, exist_ok=True)
            # no connect-time config: DuckDB shares one database per file and mode in a
            # process and refuses a second connection with other settings, so the limits
            # are SET afterwards (they apply to that shared database)
            con = duckdb.connect(str(p), read_only=read_only)
        except duckdb.Error as e:
            if "Could not set lock" in str(e):
                raise StoreError(_lock_message(p, str(e), read_only=read_only)) from e
            raise StoreError(f"cannot open store {p}: {e}") from e
        try:
            if memory_limit:
                con.execute(f"SET memory_limit = '{memory_limit.replace(chr(39), '')}'")
            if threads:
                con.execute(f"SET threads = {int(threads)}")
        except duckdb.Error as e:
            con.close()
            raise StoreError(f"cannot open store {p} with these settings: {e}") from e
        store = cls(p, con, read_only=read_only)
        if not read_only:
            store._migrate()
        elif store.schema_version() != SCHEMA_VERSION:
            raise StoreError(
                f"store {p} has schema version {store.schema_version()}, this forcemap needs "
                f"{SCHEMA_VERSION}; migrate it with `forcemap --store {p} init` (or open it once "
                "without read_only)"
            )
        return store

    def _migrate(self) -> None:
        con = self.con
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER, applied TIMESTAMP)"
        )
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {current}, newer than this forcemap "
                f"({SCHEMA_VERSION}); upgrade forcemap"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            try:
                con.execute("BEGIN TRANSACTION")
                con.execute(MIGRATIONS[version - 1])
                con.execute("INSERT INTO schema_migrations VALUES ($v, now())", {"v": version})
                con.execute("COMMIT")
            except duckdb.Error as e:
                con.execute("ROLLBACK")
                raise StoreError(f"migration {version} failed on {self.path}: {e}") from e

    def schema_version(self) -> int:
        """The highest migration applied to this store (0 for an empty file)."""
        try:
            v = self.scalar("SELECT max(version) FROM schema_migrations")
        except StoreError:
            return 0
        return int(v) if v is not None else 0

    def close(self) -> None:
        """Close the connection (checkpointing the WAL into the file)."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for another thread (DuckDB connections are not thread-safe)."""
        return self.con.cursor()

    @contextmanager
    def query_cursor(self, what: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """A private cursor for one computation: its temp tables and views vanish on close,
        and a DuckDB error becomes :class:`~forcemap.errors.StoreError` naming ``what``
        (``"technology watch"`` → "technology watch query failed on <store>: …")."""
        cur = self.con.cursor()
        try:
            yield cur
        except duckdb.Error as e:
            raise StoreError(f"{what} query failed on {self.path}: {e}") from e
        finally:
            cur.close()

    def sql(self, query: str, params: Mapping[str, Any] | None = None) -> duckdb.DuckDBPyRelation:
        """A lazy relation for ``query`` with ``$name`` parameters bound from ``params``."""
        try:
            return self.con.sql(query, params=dict(params) if params else None)
        except duckdb.Error as e:
            raise StoreError(f"query failed on {self.path}: {e}") from e

    def scalar(self, query: str, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row of ``query`` (None when there is no row)."""
        try:
            rows = self.con.execute(query, dict(params) if params else None).fetchall()
        except duckdb.Error as e:
            raise StoreError(f"query failed on {self.path}: {e}") from e
        return rows[0][0] if rows else None

    def table(self, name: str) -> pa.Table:
        """A whole table as Arrow (for small tables; use :meth:`sql` for slices)."""
        if name not in self.tables():
            raise NotFoundError(f"no table {name!r} in store {self.path}")
        return self.con.table(name).to_arrow_table()

    def tables(self) -> list[str]:
        """Names of the base tables in the store."""
        rows = self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1"
        ).fetchall()
        return [r[0] for r in rows]

    def counts(self) -> dict[str, int]:
        """Row count of every canonical table."""
        out: dict[str, int] = {}
        for name in TABLES:
            row = self.con.table(name).aggregate("count(*)").fetchall()
            out[name] = int(row[0][0])
        return out

    def status(self) -> StoreStatus:
        """Tables with row counts, the ingest history and quarantine counts by reason."""
        log = self.con.sql("SELECT * FROM ingest_log ORDER BY batch_id").to_arrow_table()
        q = self.con.execute(
            "SELECT reason, count(*) FROM quarantine GROUP BY ALL ORDER BY 2 DESC"
        ).fetchall()
        return StoreStatus(
            path=str(self.path),
            schema_version=self.schema_version(),
            tables=self.counts(),
            ingest_log=log,
            quarantine={r: int(n) for r, n in q},
        )

    def stale_results(self) -> list[SavedResult]:
        """Saved indicator results whose input tables changed since they were computed (see
        :mod:`forcemap.store.results`; ``forcemap indicators refresh`` recomputes them)."""
        from forcemap.store.results import stale_results

        return stale_results(self)

    # -- writing -------------------------------------------------------------------------
    def already_ingested(self, source: str, checksum: str) -> bool:
        """True when a file with this checksum was ingested for ``source`` before."""
        n = self.scalar(
            "SELECT count(*) FROM ingest_log WHERE source = $s AND checksum = $c AND status = 'ok'",
            {"s": source, "c": checksum},
        )
        return bool(n)

    @contextmanager
    def batch(self, source: str, file: str | os.PathLike[str]) -> Iterator[Batch]:
        """Run one ingest batch as a single transaction.

        The body stages and writes rows through ``batch.con`` and ends with :meth:`finish`
        (the reconciled ``ingest_log`` row); a body that returns without it is a reader's bug
        and is refused like an exception: everything is rolled back, so the store is exactly
        as before. A killed process leaves an uncommitted transaction, which DuckDB discards on
        the next open.

        Raises
        ------
        StoreError
            The store is read-only, or the body returned without :meth:`finish`.
        """
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only")
        batch_id = int(self.scalar("SELECT nextval('batch_seq')"))
        self.con.execute("BEGIN TRANSACTION")
        b = Batch(self, batch_id, source, str(file))
        try:
            yield b
            if not b.finished:
                raise StoreError(
                    f"{b.file}: the {source} batch {batch_id} ended without Store.finish (no "
                    "reconciled ingest_log row); nothing was written"
                )
            b._flush_rejects()
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def finish(
        self,
        batch: Batch,
        *,
        checksum: str | None,
        read: int,
        stored: int,
        duplicates: int,
        started: datetime,
        status: str = "ok",
        filtered: Mapping[str, int] | None = None,
        tables: Sequence[str] | None = None,
        replaced: int = 0,
    ) -> IngestReport:
        """Write the batch's ``ingest_log`` row (inside its transaction) and report it.

        ``read`` is the independent count of the records the file holds; the terms are those
        of :class:`IngestReport`. ``filtered`` counts valid records left out by design, by
        reason. When the batch stored or replaced records, the version of each table in
        ``tables`` (default: those of :data:`~forcemap.store.schema.SOURCE_TABLES` for the
        batch's source) becomes this batch's id in ``table_versions``, which marks saved
        results computed from them stale.

        Raises
        ------
        StoreError
            The counts do not reconcile (``read != stored + replaced + rejected + duplicates
            + filtered``): the batch is rolled back rather than recorded wrongly.
        """
        reasons = batch.reason_counts()
        rejected = sum(reasons.values())
        filter_reasons = {k: int(v) for k, v in (filtered or {}).items() if v}
        n_filtered = sum(filter_reasons.values())
        if read != stored + replaced + rejected + duplicates + n_filtered:
            gap = read - (stored + replaced + rejected + duplicates + n_filtered)
            raise StoreError(
                f"{batch.file}: counts do not reconcile: the file holds {read} records != "
                f"stored {stored} + replaced {replaced} + rejected {rejected} + duplicates "
                f"{duplicates} + filtered {n_filtered} ({abs(gap)} "
                f"{'unaccounted for' if gap > 0 else 'too many'}); nothing was written"
            )
        if stored + replaced + duplicates > 0:
            changed = SOURCE_TABLES.get(batch.source, ()) if tables is None else tables
            for t in changed:
                self.con.execute(
                    "INSERT INTO table_versions VALUES ($t, $b, $s, now()::TIMESTAMP)",
                    {"t": t, "b": batch.batch_id, "s": batch.source},
                )
        from forcemap.store.work_merge import WORK_SOURCES, merge_batch

        merged = 0
        if stored + replaced > 0 and batch.source in WORK_SOURCES:
            merged = merge_batch(self, batch.batch_id, batch.source)  # one row of works per paper
        self.con.execute(
            """INSERT INTO ingest_log
               (batch_id, source, file, checksum, read, stored, rejected, duplicates, started,
                finished, status, filtered, replaced, merged)
               VALUES ($b, $s, $f, $c, $r, $st, $rej, $d, $t0, now()::TIMESTAMP, $status,
                       $filtered, $replaced, $merged)""",
            {
                "b": batch.batch_id,
                "s": batch.source,
                "f": batch.file,
                "c": checksum,
                "r": read,
                "st": stored,
                "rej": rejected,
                "d": duplicates,
                "t0": started,
                "status": status,
                "filtered": n_filtered,
                "replaced": replaced,
                "merged": merged,
            },
        )
        batch.finished = True
        return IngestReport(
            source=batch.source,
            files=[batch.file],
            batch_id=batch.batch_id,
            read=read,
            stored=stored,
            replaced=replaced,
            rejected=rejected,
            duplicates=duplicates,
            reasons=reasons,
            filtered=n_filtered,
            filter_reasons=filter_reasons,
            merged=merged,
        )

    def export_quarantine(self, batch_id: int) -> Path | None:
        """Write one batch's quarantined records to ``<store>.quarantine/batch-<id>.jsonl``."""
        rows = self.con.execute(
            "SELECT * FROM quarantine WHERE batch_id = $b ORDER BY line", {"b": batch_id}
        ).fetchall()
        if not rows:
            return None
        cols = [d[0] for d in self.con.description or []]
        qdir = self.path.with_name(self.path.name + ".quarantine")
        qdir.mkdir(exist_ok=True)
        out = qdir / f"batch-{batch_id}.jsonl"
        tmp = out.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(dict(zip(cols, r, strict=True)), default=str) + "\n")
        tmp.replace(out)
        return out
