"""Spark engine plumbing: the session, Hadoop file systems, atomic Parquet output, the DuckDB
side (export the store's tables, attach the results), and job progress.

:func:`spark_session` (one shared, quiet session), :func:`export_tables` (DuckDB
``COPY … (FORMAT parquet)`` of canonical tables as Spark input), :func:`atomic_write`
(write to ``<path>.tmp-<uuid>``, then rename: a failed job leaves no partial output and an
existing output is replaced only after success), :func:`attach_results` (DuckDB views over
the result Parquet), :class:`StageProgress` (task counts of a running step). Used by
:mod:`forcemap.engine.spark` and :mod:`forcemap.engine.spark_ingest`.

Paths may be local paths or any URI Spark's Hadoop file systems understand (``file://``,
``hdfs://``, ``s3a://``, ``abfss://``); :func:`export_tables` and :func:`attach_results` run
in DuckDB and take local paths.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from forcemap.errors import ComputationError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb
    from pyspark.sql import DataFrame, SparkSession

    from forcemap.store.store import Store

try:
    from pyspark.sql import functions as F
except ImportError:  # pragma: no cover - the optional extra is missing
    F = None  # type: ignore[assignment]

__all__ = [
    "INPUT_TABLES",
    "SparkProgress",
    "StageProgress",
    "atomic_write",
    "attach_results",
    "export_tables",
    "is_uri",
    "path_exists",
    "require_pyspark",
    "spark_session",
    "sql_string",
    "to_uri",
]

#: ``progress(step, done_tasks, total_tasks)``: called as Spark tasks of a step complete.
SparkProgress = Callable[[str, int, int], None]


#: Canonical tables :func:`export_tables` writes by default (what the indicators read).
INPUT_TABLES: tuple[str, ...] = (
    "works",
    "work_references",
    "work_concepts",
    "work_topics",
    "authorships",
    "institutions",
)

_QUIET_LOG4J = Path(__file__).with_name("log4j2-quiet.properties")
_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_LOCK = threading.Lock()


def require_pyspark() -> None:
    if F is None:
        raise InputError(
            "the Spark engine needs PySpark: pip install 'forcemap[spark]' (and a Java 17+ "
            "runtime for local mode)"
        )


# -- session ------------------------------------------------------------------------------
def spark_session(
    master: str | None = "local[2]", app_name: str = "forcemap", **conf: Any
) -> SparkSession:
    """The shared SparkSession (created on first use, reused afterwards), logging quietly.

    Parameters
    ----------
    master : str or None, default "local[2]"
        Spark master URL. ``None`` leaves it to ``spark-submit`` (``--master``) or
        ``spark-defaults.conf``.
    app_name : str, default "forcemap"
        Application name.
    **conf
        Extra Spark settings, e.g. ``**{"spark.driver.memory": "4g"}``; they override the
        defaults below.

    Returns
    -------
    SparkSession
        ``SparkSession.builder.getOrCreate()``: if a session is already active it is returned
        (with ``conf`` applied where Spark allows it at runtime), whatever ``master`` says.

    Notes
    -----
    Defaults: ``spark.ui.enabled=false``, ``spark.sql.session.timeZone=UTC``, adaptive query
    execution on, and in local mode ``spark.sql.shuffle.partitions=8`` (Spark's 200 is far too
    many for a laptop) plus a log4j2 configuration that prints errors only.
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    settings: dict[str, str] = {
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.adaptive.enabled": "true",
        "spark.ui.showConsoleProgress": "false",
    }
    local = master is None or master.startswith("local")
    if master is not None and master.startswith("local"):
        settings["spark.sql.shuffle.partitions"] = "8"
        settings["spark.driver.extraJavaOptions"] = (
            f"-Dlog4j2.configurationFile=file:{_QUIET_LOG4J} -Dlog4j.configurationFile=file:"
            f"{_QUIET_LOG4J}"
        )
    settings.update({k: str(v) for k, v in conf.items()})
    with _LOCK:
        active = SparkSession.getActiveSession()
        if active is not None:
            for k, v in conf.items():
                try:
                    active.conf.set(k, str(v))
                except Exception:  # static settings cannot change at runtime
                    continue
            return active
        builder = SparkSession.builder.appName(app_name)
        if master is not None:
            builder = builder.master(master)
        for k, v in settings.items():
            builder = builder.config(k, v)
        spark = builder.getOrCreate()
    if local:
        spark.sparkContext.setLogLevel("ERROR")
    return spark


# -- file systems ------------------------------------------------------------------------
def is_uri(path: str) -> bool:
    """Whether ``path`` starts with a URI scheme (``hdfs://``, ``s3a://``, ``file://`` …)."""
    return bool(_SCHEME_RE.match(path))


def to_uri(path: str | os.PathLike[str]) -> str:
    """A URI stays as it is; a local path becomes absolute (Spark resolves both)."""
    s = os.fspath(path)
    if _SCHEME_RE.match(s):
        return s.rstrip("/")
    return str(Path(s).expanduser().resolve())


def _jvm(spark: SparkSession) -> Any:
    """The py4j view of the JVM behind ``spark`` (None only once its context is stopped)."""
    jvm = spark.sparkContext._jvm
    if jvm is None:
        raise ComputationError("the SparkContext has no JVM: was it stopped?")
    return jvm


def _hadoop_fs(spark: SparkSession, path: str) -> tuple[Any, Any]:
    """(Hadoop FileSystem, Hadoop Path) for ``path`` — works for file, hdfs, s3a, abfss."""
    hp = _jvm(spark).org.apache.hadoop.fs.Path(path)
    return hp.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), hp


def path_exists(spark: SparkSession, path: str) -> bool:
    fs, hp = _hadoop_fs(spark, path)
    return bool(fs.exists(hp))


def _delete(spark: SparkSession, path: str) -> None:
    fs, hp = _hadoop_fs(spark, path)
    if fs.exists(hp):
        fs.delete(hp, True)


def _rename(spark: SparkSession, src: str, dst: str) -> None:
    fs, hp = _hadoop_fs(spark, src)
    if not fs.rename(hp, _jvm(spark).org.apache.hadoop.fs.Path(dst)):
        raise ComputationError(f"could not rename {src} to {dst}")


def atomic_write(
    df: DataFrame, path: str | os.PathLike[str], *, partition_by: Sequence[str] = ()
) -> str:
    """Write ``df`` as Parquet at ``path`` all-or-nothing; returns the committed path.

    The job writes to ``<path>.tmp-<uuid>``. On failure that directory is removed and the
    error re-raised, so ``path`` (a previous output, or nothing) is untouched. On success an
    existing ``path`` is moved aside to ``<path>.old-<uuid>``, the new output renamed into
    place, and the old one deleted: re-running the same job replaces its output (idempotent).

    Parameters
    ----------
    df : DataFrame
        The result to write.
    path : str or os.PathLike
        Output directory (local path or URI).
    partition_by : sequence of str, default ()
        Parquet partition columns.

    Notes
    -----
    The commit is two renames. On local and HDFS file systems a directory rename is atomic;
    on object stores (``s3a``, ``gs``) it is a copy, so a reader may briefly see no output
    (never a partial one). A process killed during the commit leaves ``<path>.old-<uuid>``
    holding the previous output; a killed job leaves a ``.tmp-`` directory that can be
    deleted.
    """
    spark = df.sparkSession
    dest = to_uri(path)
    tag = uuid.uuid4().hex[:12]
    tmp = f"{dest}.tmp-{tag}"
    try:
        writer = df.write.mode("errorifexists")
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        writer.parquet(tmp)
    except BaseException:
        _delete(spark, tmp)
        raise
    old = f"{dest}.old-{tag}"
    had_old = path_exists(spark, dest)
    if had_old:
        _rename(spark, dest, old)
    try:
        _rename(spark, tmp, dest)
    except BaseException:
        if had_old:
            _rename(spark, old, dest)
        _delete(spark, tmp)
        raise
    if had_old:
        _delete(spark, old)
    return dest


# -- DuckDB side: export input, attach results ------------------------------------------
def sql_string(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def export_tables(
    store: Store, out_dir: str | os.PathLike[str], tables: Iterable[str] = INPUT_TABLES
) -> dict[str, Path]:
    """Write canonical store tables as Parquet files ``<out_dir>/<table>.parquet``.

    Parameters
    ----------
    store : Store
        The store (may be read-only).
    out_dir : str or os.PathLike
        A local directory (created if missing).
    tables : iterable of str, default :data:`INPUT_TABLES`
        Canonical table names (:data:`forcemap.store.schema.TABLES`).

    Returns
    -------
    dict
        Table name → Parquet file. Each file is written to a temporary name and renamed, so
        an interrupted export never leaves a truncated file under the final name.

    Raises
    ------
    InputError
        A name is not a canonical table.
    """
    from forcemap.store.schema import TABLES

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name in tables:
        if name not in TABLES:
            raise InputError(f"export_tables: {name!r} is not a canonical table ({TABLES})")
        dest = out / f"{name}.parquet"
        tmp = out / f".{name}.parquet.tmp-{uuid.uuid4().hex[:12]}"
        cur = store.cursor()
        try:
            # name is from the TABLES allow-list; the path is a quoted string literal.
            cur.execute(
                f'COPY (SELECT * FROM "{name}") TO {sql_string(str(tmp))} '  # noqa: S608
                "(FORMAT parquet, COMPRESSION zstd)"
            ).fetchall()
            os.replace(tmp, dest)
        finally:
            cur.close()
            if tmp.exists():
                tmp.unlink()
        written[name] = dest
    return written


def attach_results(
    store_or_con: Store | duckdb.DuckDBPyConnection,
    parquet_dir: str | os.PathLike[str],
    *,
    prefix: str = "spark_",
) -> list[str]:
    """Create DuckDB temp views ``<prefix><name>`` over each result in ``parquet_dir``.

    Every sub-directory ``<parquet_dir>/<name>`` holding ``*.parquet`` files (as written by
    :func:`run_spark_indicators`) becomes ``CREATE OR REPLACE TEMP VIEW <prefix><name>``.
    Temporary and backup directories (``.tmp-`` / ``.old-``) and names starting with ``_`` or
    ``.`` are skipped. Temp views work on read-only stores and last as long as the connection.

    Returns
    -------
    list of str
        The view names, sorted.

    Raises
    ------
    InputError
        ``parquet_dir`` is not a local directory, or ``prefix`` is not a plain identifier.
    """
    # a Store's DuckDB connection (``Store.con``), else the connection given
    con = cast("duckdb.DuckDBPyConnection", getattr(store_or_con, "con", store_or_con))
    root = Path(parquet_dir)
    if not root.is_dir():
        raise InputError(f"attach_results: {root} is not a directory of Spark results")
    if prefix and not _NAME_RE.match(prefix):
        raise InputError(f"attach_results: prefix {prefix!r} must be a lower-case identifier")
    views: list[str] = []
    for sub in sorted(root.iterdir()):
        name = sub.name
        if not sub.is_dir() or not _NAME_RE.match(name) or name.startswith("_"):
            continue
        if not any(sub.rglob("*.parquet")):
            continue
        view = f"{prefix}{name}"
        glob = sql_string(str(sub / "**" / "*.parquet"))
        con.execute(
            f'CREATE OR REPLACE TEMP VIEW "{view}" AS '  # noqa: S608 - checked identifier
            f"SELECT * FROM read_parquet({glob})"
        ).fetchall()
        views.append(view)
    return views


# -- orchestration ----------------------------------------------------------------------
class StageProgress:
    """Poll the SparkContext status tracker while a job group runs; report task counts."""

    def __init__(self, spark: SparkSession, step: str, progress: SparkProgress | None) -> None:
        self.sc = spark.sparkContext
        self.step = step
        self.group = f"forcemap-{step}-{uuid.uuid4().hex[:8]}"
        self.progress = progress
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def counts(self) -> tuple[int, int]:
        tracker = self.sc.statusTracker()
        done = total = 0
        for job in tracker.getJobIdsForGroup(self.group):
            info = tracker.getJobInfo(job)
            for sid in info.stageIds if info else ():
                st = tracker.getStageInfo(sid)
                if st is not None:
                    done += st.numCompletedTasks
                    total += st.numTasks
        return done, total

    def _poll(self) -> None:
        last = (-1, -1)
        while not self._stop.wait(0.5):
            try:
                now = self.counts()
            except Exception:  # pragma: no cover - the context is shutting down
                return
            if now != last and self.progress is not None:
                self.progress(self.step, *now)
                last = now

    def __enter__(self) -> StageProgress:
        self.sc.setJobGroup(self.group, f"forcemap {self.step}")
        if self.progress is not None:
            self.progress(self.step, 0, 0)
            self._thread = threading.Thread(target=self._poll, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.progress is not None and exc[0] is None:
            done, total = self.counts()
            self.progress(self.step, max(done, total), total)
        self.sc.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]  # None unsets it (documented)
