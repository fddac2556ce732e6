"""Spark ingest: an OpenAlex works snapshot to Parquet tables of the canonical schema.

The embedded path (:mod:`forcemap.store.ingest.openalex`) parses part files with DuckDB into
the store. For a whole snapshot (~250 M works, ~2–3 G references) this module does the same
mapping as a Spark job, built-in expressions only (no Python UDFs), and writes one Parquet
directory per canonical table, ``<out>/<table>.parquet`` — the layout
:func:`forcemap.engine.spark.run_spark_indicators` reads. Mapping (identical to the embedded
reader; see its SQL):

* ``works``: id without the ``https://openalex.org/`` prefix, DOI lower-cased without the
  resolver, ``title`` (else ``display_name``), abstract rebuilt from
  ``abstract_inverted_index`` (words ordered by position), year, date, type, source (2024
  ``primary_location.source`` else 2023 ``host_venue``), ``cited_by_count``, language,
  ``updated_date``;
* ``authorships`` (one row per author × institution, an authorship without institution keeps
  one row with the author's first country), ``authors``, ``institutions`` (from the
  institutions embedded in works), ``work_references`` (distinct), ``work_concepts`` (2023
  schema) and ``work_topics`` with ``is_primary`` from ``primary_topic`` (2024 schema).

Records are deduplicated by id as the embedded reader does when it reads the files in order:
the newest ``updated_date`` wins; on a tie the earlier file, and within a file the later line.
Malformed lines, records whose fields have the wrong JSON type, and records
without a valid ``W…`` id go to ``<out>/_quarantine.parquet`` with the file and the reason
(Spark reads files in splits, so the line number is not available; the raw line is kept), and
the counts are reconciled: ``read = stored + rejected + duplicates``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from forcemap.engine.spark_io import (
    SparkProgress,
    StageProgress,
    atomic_write,
    path_exists,
    require_pyspark,
    to_uri,
)
from forcemap.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = ["OPENALEX_TABLES", "SparkIngestReport", "ingest_openalex_spark"]

#: Canonical tables written by :func:`ingest_openalex_spark`.
OPENALEX_TABLES: tuple[str, ...] = (
    "works",
    "authorships",
    "authors",
    "institutions",
    "work_references",
    "work_concepts",
    "work_topics",
)

_WORK_DDL = """
id STRING, doi STRING, title STRING, display_name STRING, publication_year BIGINT,
publication_date STRING, type STRING, language STRING, cited_by_count BIGINT,
updated_date STRING,
primary_location STRUCT<source: STRUCT<id: STRING, display_name: STRING>>,
host_venue STRUCT<id: STRING, display_name: STRING>,
authorships ARRAY<STRUCT<author_position: STRING,
    author: STRUCT<id: STRING, display_name: STRING, orcid: STRING>,
    institutions: ARRAY<STRUCT<id: STRING, display_name: STRING, ror: STRING,
                               country_code: STRING, type: STRING>>,
    countries: ARRAY<STRING>, is_corresponding: BOOLEAN, raw_affiliation_string: STRING,
    raw_affiliation_strings: ARRAY<STRING>>>,
concepts ARRAY<STRUCT<id: STRING, display_name: STRING, level: STRING, score: STRING>>,
topics ARRAY<STRUCT<id: STRING, display_name: STRING, score: STRING,
    subfield: STRUCT<id: STRING>, field: STRUCT<id: STRING>, domain: STRUCT<id: STRING>>>,
primary_topic STRUCT<id: STRING>,
referenced_works ARRAY<STRING>,
abstract_inverted_index MAP<STRING, ARRAY<INT>>,
_corrupt STRING
"""

_OA_PREFIX = r"^https?://openalex\.org/"
# concept / topic scores and levels are read as text and cast: the 2023 snapshot writes scores
# as JSON strings ("0.89915866"), which the embedded reader's json_transform also accepts


@dataclass
class SparkIngestReport:
    """What :func:`ingest_openalex_spark` did: ``read == stored + rejected + duplicates``."""

    read: int = 0
    stored: int = 0
    rejected: int = 0
    duplicates: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def reconciled(self) -> bool:
        """True when every record read is accounted for."""
        return self.read == self.stored + self.rejected + self.duplicates


def _strip(col: Column | str) -> Column:
    from pyspark.sql import functions as F

    return F.regexp_replace(col, _OA_PREFIX, "")


def _last_segment(col: Column | str) -> Column:
    from pyspark.sql import functions as F

    return F.regexp_extract(col, r"([^/]+)$", 1)


def ingest_openalex_spark(
    spark: SparkSession,
    source: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    origin: str = "openalex",
    partitions: int | None = None,
    progress: SparkProgress | None = None,
    tables: Sequence[str] = OPENALEX_TABLES,
) -> SparkIngestReport:
    """Read OpenAlex works (snapshot part files or JSON Lines) into canonical Parquet tables.

    Parameters
    ----------
    spark : SparkSession
        The session (see :func:`forcemap.engine.spark.spark_session`).
    source : str or os.PathLike
        A file, or a directory read recursively (e.g. the snapshot's ``data/works/``; gzipped
        and plain ``.json`` / ``.jsonl`` part files; the snapshot's ``manifest`` is skipped).
        Local path or URI (``file://``, ``hdfs://``, ``s3a://``, ``abfss://``).
    out_dir : str or os.PathLike
        Output root: ``<out_dir>/<table>.parquet`` per table, ``<out_dir>/_quarantine.parquet``.
        Each is committed atomically (:func:`~forcemap.engine.spark_io.atomic_write`).
    origin : str, default "openalex"
        Stored in ``works.origin`` and ``institutions.origin``.
    partitions : int, optional
        Files per table (``repartition`` by id); default: Spark's choice.
    progress : SparkProgress, optional
        ``progress(table, done_tasks, total_tasks)``.
    tables : sequence of str, default :data:`OPENALEX_TABLES`
        Which tables to write.

    Returns
    -------
    SparkIngestReport
        Reconciled counts, rejection reasons, rows per table and the committed paths.

    Raises
    ------
    InputError
        ``source`` does not exist, or an unknown table name.
    """
    require_pyspark()
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    unknown = [t for t in tables if t not in OPENALEX_TABLES]
    if unknown:
        raise InputError(f"unknown tables {unknown}; known: {OPENALEX_TABLES}")
    src = to_uri(source)
    if not path_exists(spark, src):
        raise InputError(f"{src}: no such file or directory")
    root = to_uri(out_dir)
    reader = (
        spark.read.schema(_WORK_DDL)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", "_corrupt")
        .option("recursiveFileLookup", "true")  # no partition columns from updated_date=…
    )
    if not src.endswith((".gz", ".json", ".jsonl")):
        reader = reader.option("pathGlobFilter", "*.{gz,json,jsonl}")
    raw = reader.json(src).select(
        "*",
        F.input_file_name().alias("_file"),
        F.monotonically_increasing_id().alias("_rec"),
    )
    # the JSON reader drops blank lines; a corrupt record keeps its text in _corrupt (Spark
    # only lets a query use _corrupt alone on a cached frame)
    parsed = raw.cache()
    reason = (
        F.when(F.col("_corrupt").isNotNull(), F.lit("malformed JSON or a field of the wrong type"))
        .when(F.col("id").isNull(), F.lit("missing id"))
        .when(~F.col("id").rlike(r"^(https://openalex\.org/)?W[0-9]+$"), F.lit("invalid id"))
    )
    tagged = parsed.withColumn("_reason", reason)
    bad = tagged.where(F.col("_reason").isNotNull()).select(
        F.col("_file").alias("file"),
        _strip(F.col("id")).alias("record_id"),
        F.col("_reason").alias("reason"),
        F.substring(F.coalesce(F.col("_corrupt"), F.to_json(F.struct("id"))), 1, 4000).alias("raw"),
    )
    ok = tagged.where(F.col("_reason").isNull()).withColumn("wid", _strip(F.col("id")))
    ok = ok.withColumn("updated", F.to_timestamp("updated_date"))
    rank = Window.partitionBy("wid").orderBy(
        F.col("updated").desc_nulls_last(), F.col("_file").asc(), F.col("_rec").desc()
    )
    ranked = ok.withColumn("_rnk", F.row_number().over(rank))
    new = ranked.where(F.col("_rnk") == 1).drop("_rnk")
    if partitions:
        new = new.repartition(partitions, "wid")
    new = new.cache()

    report = SparkIngestReport()
    counts = tagged.groupBy("_reason").count().collect()
    for row in counts:
        report.read += row["count"]
        if row["_reason"] is not None:
            report.reasons[row["_reason"]] = row["count"]
            report.rejected += row["count"]
    report.stored = new.count()
    report.duplicates = report.read - report.rejected - report.stored

    frames = _tables(new, origin)
    for name in tables:
        with StageProgress(spark, name, progress):
            df = frames[name]()
            report.outputs[name] = atomic_write(df, f"{root}/{name}.parquet")
        report.tables[name] = spark.read.parquet(report.outputs[name]).count()
    with StageProgress(spark, "quarantine", progress):
        report.outputs["_quarantine"] = atomic_write(bad, f"{root}/_quarantine.parquet")
    new.unpersist()
    parsed.unpersist()
    return report


def _tables(new: DataFrame, origin: str) -> dict[str, Callable[[], DataFrame]]:
    """Builders of each canonical table from the deduplicated records ``new``."""
    from pyspark.sql import functions as F

    def works() -> DataFrame:
        # an empty index (``{}``) gives no words: NULL, as in the embedded reader
        words = F.expr(
            "nullif(concat_ws(' ', transform(array_sort(flatten(transform("
            "map_entries(abstract_inverted_index), e -> transform(e.value, "
            "p -> named_struct('pos', p, 'w', e.key))))), x -> x.w)), '')"
        )
        return new.select(
            F.col("wid").alias("work_id"),
            F.lower(F.regexp_replace("doi", r"^https?://(dx\.)?doi\.org/", "")).alias("doi"),
            F.coalesce("title", "display_name").alias("title"),
            words.alias("abstract"),
            F.col("publication_year").cast("int").alias("year"),
            F.expr("try_cast(publication_date AS DATE)").alias("pub_date"),
            F.col("type"),
            _strip(F.coalesce("primary_location.source.id", "host_venue.id")).alias("source_id"),
            F.coalesce("primary_location.source.display_name", "host_venue.display_name").alias(
                "source_name"
            ),
            F.col("cited_by_count").cast("int").alias("cited_by_count"),
            F.col("language"),
            F.col("updated").alias("updated_date"),
            F.lit(origin).alias("origin"),
            F.lit(0).alias("batch_id"),
        )

    def auth_rows() -> DataFrame:
        au = new.select("wid", F.posexplode("authorships").alias("pos", "au"))
        return au.select(
            "wid",
            (F.col("pos") + 1).alias("seq"),
            "au",
            F.explode_outer("au.institutions").alias("inst"),
        )

    def authorships() -> DataFrame:
        return auth_rows().select(
            F.col("wid").alias("work_id"),
            F.col("seq").cast("smallint").alias("author_seq"),
            _strip(F.col("au.author.id")).alias("author_id"),
            F.col("au.author.display_name").alias("author_name"),
            F.col("au.author_position").alias("author_position"),
            F.col("au.is_corresponding").alias("is_corresponding"),
            _strip(F.col("inst.id")).alias("institution_id"),
            F.coalesce(
                F.col("inst.country_code"),
                F.when(F.col("inst.id").isNull(), F.try_element_at("au.countries", F.lit(1))),
            ).alias("country_code"),
            F.coalesce(
                F.col("au.raw_affiliation_string"),
                F.try_element_at("au.raw_affiliation_strings", F.lit(1)),
            ).alias("raw_affiliation"),
        )

    def authors() -> DataFrame:
        rows = auth_rows().where(F.col("au.author.id").isNotNull())
        return rows.groupBy(_strip(F.col("au.author.id")).alias("author_id")).agg(
            F.max_by("au.author.display_name", "seq").alias("name"),
            F.max_by(
                F.regexp_replace("au.author.orcid", r"^https?://orcid\.org/", ""), "seq"
            ).alias("orcid"),
        )

    def institutions() -> DataFrame:
        rows = auth_rows().where(F.col("inst.id").isNotNull())
        return rows.groupBy(_strip(F.col("inst.id")).alias("institution_id")).agg(
            F.first(F.regexp_replace("inst.ror", r"^https?://ror\.org/", ""), True).alias("ror"),
            F.first("inst.display_name", True).alias("name"),
            F.first("inst.type", True).alias("type"),
            F.first("inst.country_code", True).alias("country_code"),
            F.lit(None).cast("string").alias("city"),
            F.lit(origin).alias("origin"),
        )

    def work_references() -> DataFrame:
        refs = new.select("wid", F.explode("referenced_works").alias("ref"))
        return (
            refs.where(F.col("ref").isNotNull())
            .select(F.col("wid").alias("citing_id"), _strip(F.col("ref")).alias("cited_id"))
            .distinct()
        )

    def work_concepts() -> DataFrame:
        c = new.select("wid", F.explode("concepts").alias("c")).where(F.col("c.id").isNotNull())
        return c.select(
            F.col("wid").alias("work_id"),
            _strip(F.col("c.id")).alias("concept_id"),
            F.col("c.display_name").alias("name"),
            F.col("c.level").cast("smallint").alias("level"),
            F.col("c.score").cast("double").alias("score"),
        )

    def work_topics() -> DataFrame:
        t = new.select(
            "wid", F.col("primary_topic.id").alias("pid"), F.explode("topics").alias("t")
        ).where(F.col("t.id").isNotNull())
        return t.select(
            F.col("wid").alias("work_id"),
            _strip(F.col("t.id")).alias("topic_id"),
            F.col("t.display_name").alias("name"),
            F.col("t.score").cast("double").alias("score"),
            (F.col("t.id") == F.col("pid")).alias("is_primary"),
            _last_segment(F.col("t.subfield.id")).alias("subfield_id"),
            _last_segment(F.col("t.field.id")).alias("field_id"),
            _last_segment(F.col("t.domain.id")).alias("domain_id"),
        )

    return {
        "works": works,
        "authorships": authorships,
        "authors": authors,
        "institutions": institutions,
        "work_references": work_references,
        "work_concepts": work_concepts,
        "work_topics": work_topics,
    }
