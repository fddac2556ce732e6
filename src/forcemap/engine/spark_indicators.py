r"""Spark engine: the indicator jobs, the same definitions as the DuckDB path on Spark DataFrames
(built-in expressions only: no Python UDFs, so executors need no forcemap install).

* :func:`disruption_spark` — CD\ :sub:`t` with :math:`n_i, n_j, n_k` (and optionally the
  variants of :func:`forcemap.indicators.disruption.disruption_from_edges`), in a
  hash-bucketed set-based formulation instead of the CSR kernel;
* :func:`impact_spark` — field assignment, citations, NCS and percentile / top-x % shares
  (:func:`forcemap.indicators.impact.field_normalised_citation_score` and
  :func:`~forcemap.indicators.impact.percentile_rank` in one table);
* :func:`activity_spark` / :func:`rca_spark` — the country × concept activity table and the
  Balassa index (:func:`forcemap.indicators.specialisation.activity_table` and
  :func:`~forcemap.indicators.specialisation.rca`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from forcemap.engine.spark_io import require_pyspark
from forcemap.errors import InputError, SchemaError

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession


try:
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window
except ImportError:  # pragma: no cover - the optional extra is missing
    F = None  # type: ignore[assignment]
    Window = None  # type: ignore[assignment,misc]


__all__ = [
    "BROADCAST_MAX_EDGES",
    "DISRUPTION_COLUMNS",
    "DISRUPTION_VARIANTS",
    "IMPACT_COLUMNS",
    "RCA_COLUMNS",
    "activity_spark",
    "disruption_spark",
    "impact_spark",
    "rca_spark",
]

DISRUPTION_COLUMNS: tuple[str, ...] = ("work_id", "year", "n_refs", "n_i", "n_j", "n_k", "cd")
"""Columns of :func:`disruption_spark` (``variants=True`` appends :data:`DISRUPTION_VARIANTS`)."""

DISRUPTION_VARIANTS: tuple[str, ...] = (
    "i_index",
    "mcd",
    "cd_nok",
    "n_j5",
    "di1",
    "di5",
    "di1_nok",
    "di5_nok",
    "dein",
)

IMPACT_COLUMNS: tuple[str, ...] = (
    "work_id",
    "year",
    "type",
    "field_id",
    "citations",
    "ref_n",
    "ref_mean",
    "ncs",
    "percentile",
    "top1",
    "top10",
    "top1_frac",
    "top10_frac",
)
"""Columns of :func:`impact_spark` (NCS_SCHEMA ∪ PERCENTILE_SCHEMA of the impact module)."""

RCA_COLUMNS: tuple[str, ...] = ("loc", "prod", "value", "rca", "mcp")
"""Columns of :func:`rca_spark` (RCA_SCHEMA of the specialisation module)."""

#: Largest edge count for which :func:`disruption_spark` broadcasts the citer side by default.
BROADCAST_MAX_EDGES = 1_000_000


# -- disruption -----------------------------------------------------------------------------
def _check_cols(df: DataFrame, cols: Iterable[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SchemaError(f"{what} has no column(s) {missing} (has {df.columns})")


def disruption_spark(
    spark: SparkSession,
    works_df: DataFrame,
    refs_df: DataFrame,
    *,
    window: int = 5,
    require_references: bool = False,
    variants: bool = False,
    buckets: int = 1,
    broadcast: bool | None = None,
    salt: int = 1,
    partitions: int | None = None,
    min_shared: int = 5,
) -> DataFrame:
    r"""CD\ :sub:`t` of every work, set-based on Spark (same definition as the CSR kernel).

    Definitions as in :func:`forcemap.indicators.disruption.disruption_from_edges`: for focal
    :math:`f` of year :math:`T` with references :math:`R_f`, the citers :math:`c` of year in
    :math:`(T, T+t]`, :math:`s_c = |R_c \cap R_f|`,
    :math:`n_i = |\{c : f \in R_c, s_c = 0\}|`, :math:`n_j = |\{c : f \in R_c, s_c \ge 1\}|`,
    :math:`n_k = |\{c \ne f : f \notin R_c, s_c \ge 1\}|` and
    :math:`\mathrm{CD}_t = (n_i - n_j) / (n_i + n_j + n_k)`.

    Parameters
    ----------
    spark : SparkSession
        The session (used for bucket checkpoints).
    works_df : DataFrame
        ``work_id``, ``year`` (a work listed twice takes its smallest year; null = unknown).
    refs_df : DataFrame
        ``citing_id``, ``cited_id``. Cited ids outside ``works_df`` still count as references
        (their in-window citers form :math:`n_k`); edges whose citing id is not a work, null
        cited ids and self-citations are dropped; repeated edges count once.
    window : int, default 5
        :math:`t` in years.
    require_references : bool, default False
        Null ratios for works without references (default: such a work with citers gets 1).
    variants : bool, default False
        Append ``i_index, mcd, cd_nok, n_j5, di1, di5, di1_nok, di5_nok, dein``.
    buckets : int, default 1
        :math:`B`: the focal works are split into :math:`B` hash buckets
        (``pmod(xxhash64(work_id), B)``) and the quadratic pair step runs as :math:`B`
        sequential jobs whose per-focal counts are checkpointed, so each job shuffles about
        :math:`1/B` of the (focal, citer) pairs. 1 = one plan (fine up to a few million
        citations on one machine).
    min_shared : int, default 5
        :math:`l` of ``n_j5`` / ``di5`` (variants only).

    Returns
    -------
    DataFrame
        :data:`DISRUPTION_COLUMNS` (+ variants), one row per distinct ``work_id``: year int,
        n_refs long, n_i / n_j / n_k long (null when year is null), cd double (null when the
        denominator is 0, the year unknown, or with ``require_references`` no references).

    Notes
    -----
    Set-based formulation (the CSR kernel's counterpart):

    1. ``E`` = distinct edges (citing, cited, citing year) with the citing id a work;
    2. ``C`` = in-window citers: ``E`` joined to the focal's year on ``cited = f``;
    3. ``P`` = (f, c, s): ``E`` as (f, r) with ``y`` exploded over :math:`T+1 … T+t`, equi-joined
       to ``E`` as (c, r, year(c)) on ``(r, y)``; ``c ≠ f``; grouped by (f, c) with
       ``s = count(r)``. Exploding the window years makes the window an equi-join key, so no
       out-of-window pair is ever produced. ``P`` grows with the square of in-degrees — the
       step that is bucketed;
    4. ``P`` left-joined to ``C``: pairs in ``C`` give :math:`n_j` (and ``s`` for DeIn,
       :math:`n^l_j`), the others :math:`n_k`; :math:`n_i = |C_f| - n_j`.

    Adaptive query execution also splits skewed join partitions (a very highly cited
    reference) on its own.
    """
    require_pyspark()
    if window < 1:
        raise InputError(f"disruption: window must be >= 1 year, got {window}")
    if buckets < 1 or salt < 1:
        raise InputError(f"disruption: buckets and salt must be >= 1, got {buckets}, {salt}")
    _check_cols(works_df, ("work_id", "year"), "works_df")
    _check_cols(refs_df, ("citing_id", "cited_id"), "refs_df")

    # Dense-ish integer ids (monotonically_increasing_id, frozen by a checkpoint) so that the
    # quadratic step hashes and shuffles pairs of longs, not pairs of strings.
    named = works_df.groupBy("work_id").agg(F.min(F.col("year").cast("int")).alias("year"))
    ids = (
        named.select(F.col("work_id").alias("id"))
        .unionByName(refs_df.select(F.col("cited_id").alias("id")).where(F.col("id").isNotNull()))
        .distinct()
        .withColumn("ix", F.monotonically_increasing_id())
    )
    ids = _freeze(spark, ids)
    named = named.join(ids.withColumnRenamed("id", "work_id"), "work_id")
    nodes = named.select(F.col("ix").alias("work_id"), "year")
    edges = (
        refs_df.select("citing_id", "cited_id")
        .join(ids.select(F.col("id").alias("citing_id"), F.col("ix").alias("citing")), "citing_id")
        .join(ids.select(F.col("id").alias("cited_id"), F.col("ix").alias("cited")), "cited_id")
        .select("citing", "cited")
    )
    e = (
        edges.where(F.col("citing") != F.col("cited"))
        .distinct()
        .join(nodes.select(F.col("work_id").alias("citing"), F.col("year").alias("cy")), "citing")
    )
    e = e.persist()
    n_refs = e.groupBy(F.col("citing").alias("f")).agg(F.count(F.lit(1)).alias("n_refs"))
    focal_year = nodes.select(F.col("work_id").alias("f"), F.col("year").alias("T")).where(
        F.col("T").isNotNull()
    )
    citers = (
        e.select(F.col("cited").alias("f"), F.col("citing").alias("c"), "cy")
        .join(focal_year, "f")
        .where((F.col("cy") > F.col("T")) & (F.col("cy") <= F.col("T") + window))
        .select("f", "c")
    )
    citer_counts = citers.groupBy("f").agg(F.count(F.lit(1)).alias("n_t"))
    dated = e.where(F.col("cy").isNotNull())
    refs_of_f = dated.select(
        F.col("citing").alias("f"),
        F.col("cited").alias("r"),
        F.explode(F.sequence(F.col("cy") + 1, F.col("cy") + window)).alias("y"),
    )
    citing_r = dated.select(
        F.col("citing").alias("c"), F.col("cited").alias("r"), F.col("cy").alias("y")
    )
    if broadcast is None:
        broadcast = dated.count() <= BROADCAST_MAX_EDGES
    if broadcast:
        # Probe side partitioned by focal: no skew on highly cited references, and the
        # (f, c) aggregate and the per-f aggregate need no further shuffle.
        refs_of_f = (
            refs_of_f.repartition(partitions, "f") if partitions else refs_of_f.repartition("f")
        )
        keys = ["r", "y"]
        citing_side = F.broadcast(citing_r)
    else:
        keys = ["r", "y", "salt"]
        refs_of_f = refs_of_f.withColumn("salt", F.pmod(F.xxhash64("f"), F.lit(salt)))
        citing_side = citing_r.withColumn("salt", F.explode(F.sequence(F.lit(0), F.lit(salt - 1))))

    def pair_counts(left: DataFrame, cit: DataFrame) -> DataFrame:
        pairs = (
            left.join(citing_side, keys)
            .where(F.col("c") != F.col("f"))
            .groupBy("f", "c")
            .agg(F.count(F.lit(1)).alias("s"))
        )
        flag = cit.withColumn("cites", F.lit(True))
        flagged = pairs.join(F.broadcast(flag) if broadcast else flag, ["f", "c"], "left")
        cites = F.col("cites").isNotNull()
        return flagged.groupBy("f").agg(
            F.count(F.when(cites, 1)).alias("n_j"),
            F.count(F.when(~cites, 1)).alias("n_k"),
            F.count(F.when(cites & (F.col("s") >= min_shared), 1)).alias("n_jl"),
            F.sum(F.when(cites, F.col("s"))).alias("shared"),
        )

    if buckets == 1:
        pc = pair_counts(refs_of_f, citers)
    else:
        parts = []
        key = F.pmod(F.xxhash64("f"), F.lit(buckets))
        for b in range(buckets):
            part = pair_counts(refs_of_f.where(key == b), citers.where(key == b))
            parts.append(part.localCheckpoint(eager=True))
        pc = parts[0]
        for p in parts[1:]:
            pc = pc.unionByName(p)

    out = (
        named.select(F.col("ix").alias("f"), "work_id", "year")
        .join(n_refs, "f", "left")
        .join(citer_counts, "f", "left")
        .join(pc, "f", "left")
    )
    known = F.col("year").isNotNull()

    def count(c: str) -> Any:
        return F.when(known, F.coalesce(F.col(c), F.lit(0))).cast("long")

    out = out.select(
        "work_id",
        "year",
        F.coalesce(F.col("n_refs"), F.lit(0)).cast("long").alias("n_refs"),
        count("n_t").alias("n_t"),
        count("n_j").alias("n_j"),
        count("n_k").alias("n_k"),
        count("n_jl").alias("n_jl"),
        count("shared").alias("shared"),
    ).withColumn("n_i", F.col("n_t") - F.col("n_j"))
    null = ~known
    if require_references:
        null = null | (F.col("n_refs") == 0)

    def ratio(num: Any, den: Any) -> Any:
        return F.when(~null & (den != 0), num.cast("double") / den.cast("double"))

    n_i, n_j, n_k, n_t = F.col("n_i"), F.col("n_j"), F.col("n_k"), F.col("n_t")
    cd = ratio(n_i - n_j, n_t + n_k)
    cols = [F.col(c) for c in ("work_id", "year", "n_refs", "n_i", "n_j", "n_k")]
    cols.append(cd.alias("cd"))
    if variants:
        n_jl = F.col("n_jl")
        cols += [
            n_t.alias("i_index"),
            (cd * n_t.cast("double")).alias("mcd"),
            ratio(n_i - n_j, n_t).alias("cd_nok"),
            n_jl.alias("n_j5"),
            cd.alias("di1"),
            ratio(n_i - n_jl, n_i + n_jl + n_k).alias("di5"),
            ratio(n_i - n_j, n_t).alias("di1_nok"),
            ratio(n_i - n_jl, n_i + n_jl).alias("di5_nok"),
            ratio(F.col("shared"), n_t).alias("dein"),
        ]
    return out.select(*cols)


def _freeze(spark: SparkSession, df: DataFrame) -> DataFrame:
    """Materialise ``df`` (a reliable checkpoint if a checkpoint dir is set, else local)."""
    if spark.sparkContext.getCheckpointDir():
        return df.checkpoint(eager=True)
    return df.localCheckpoint(eager=True)


# -- impact ---------------------------------------------------------------------------------
_FIELDS = ("concept0", "concept1", "topic_field", "topic_subfield")


def _field_df(field: str, concepts_df: DataFrame | None, topics_df: DataFrame | None) -> DataFrame:
    """(work_id, field_id), as :func:`forcemap.indicators.impact.assign_field`."""
    if field in ("concept0", "concept1"):
        if concepts_df is None:
            raise InputError(f"impact_spark: field={field!r} needs concepts_df")
        w = Window.partitionBy("work_id").orderBy(
            F.col("score").desc_nulls_last(), F.col("concept_id").asc_nulls_last()
        )
        level = 0 if field == "concept0" else 1
        return (
            concepts_df.where(F.col("level") == level)
            .withColumn("_rn", F.row_number().over(w))
            .where(F.col("_rn") == 1)
            .select("work_id", F.col("concept_id").alias("field_id"))
        )
    if topics_df is None:
        raise InputError(f"impact_spark: field={field!r} needs topics_df")
    w = Window.partitionBy("work_id").orderBy(
        F.coalesce(F.col("is_primary"), F.lit(False)).desc(),
        F.col("score").desc_nulls_last(),
        F.col("topic_id").asc_nulls_last(),
    )
    col = "field_id" if field == "topic_field" else "subfield_id"
    return (
        topics_df.withColumn("_rn", F.row_number().over(w))
        .where(F.col("_rn") == 1)
        .select("work_id", F.col(col).alias("field_id"))
    )


def impact_spark(
    spark: SparkSession,
    works_df: DataFrame,
    refs_df: DataFrame,
    concepts_df: DataFrame | None = None,
    topics_df: DataFrame | None = None,
    *,
    field: str = "concept0",
    window: int | None = None,
    citations: str = "store",
    by_type: bool = True,
    include_pub_year: bool = False,
) -> DataFrame:
    r"""Citations, field-normalised citation score and percentiles of every work, on Spark.

    The same definitions (and options) as
    :func:`forcemap.indicators.impact.field_normalised_citation_score` and
    :func:`forcemap.indicators.impact.percentile_rank`: the reference set :math:`R(i)` is the
    works of the same field, year and (``by_type``) type;
    :math:`\mathrm{NCS}_i = c_i / \bar c_{R(i)}`;
    :math:`P_i = 100\,|\{j \in R(i): c_j < c_i\}| / |R(i)|`; top 1 % / 10 % flags and
    Waltman–Schreiber fractional shares.

    Parameters
    ----------
    spark : SparkSession
        The session.
    works_df : DataFrame
        ``work_id, year, type, cited_by_count``.
    refs_df : DataFrame
        ``citing_id, cited_id``.
    concepts_df : DataFrame, optional
        ``work_id, concept_id, level, score`` (for ``concept0`` / ``concept1``).
    topics_df : DataFrame, optional
        ``work_id, topic_id, score, is_primary, subfield_id, field_id`` (topic fields).
    field, window, citations, by_type, include_pub_year
        As in the impact module.

    Returns
    -------
    DataFrame
        :data:`IMPACT_COLUMNS`, one row per ``works_df`` row.
    """
    require_pyspark()
    if field not in _FIELDS:
        raise InputError(f"field={field!r} is not one of {_FIELDS}")
    if citations not in ("store", "source"):
        raise InputError(f"citations={citations!r} is not one of 'store', 'source'")
    if window is not None and (isinstance(window, bool) or int(window) != window or window < 0):
        raise InputError(f"window={window!r} must be None or a non-negative integer (years)")
    _check_cols(works_df, ("work_id", "year", "type", "cited_by_count"), "works_df")
    _check_cols(refs_df, ("citing_id", "cited_id"), "refs_df")

    cw = works_df.select(F.col("work_id").alias("citing_id"), F.col("year").alias("cy"))
    fw = works_df.select(F.col("work_id").alias("cited_id"), F.col("year").alias("fy"))
    linked = refs_df.select("citing_id", "cited_id").join(cw, "citing_id").join(fw, "cited_id")
    cond = F.col("citing_id") != F.col("cited_id")
    if window is not None:
        after = F.col("cy") > F.col("fy")
        if include_pub_year:
            after = after | (F.col("cy") == F.col("fy"))
        cond = cond & (F.col("cy") <= F.col("fy") + int(window)) & after
    cites = (
        linked.where(cond)
        .groupBy(F.col("cited_id").alias("work_id"))
        .agg(F.countDistinct("citing_id").alias("n"))
    )
    n = F.coalesce(F.col("n"), F.lit(0)).cast("long")
    if window is not None:
        n = F.when(F.col("year").isNotNull(), n)
    cit = works_df.join(cites, "work_id", "left").select(
        "work_id",
        F.col("year").cast("int").alias("year"),
        "type",
        n.alias("citations"),
        F.col("cited_by_count").cast("long").alias("cited_by_count"),
    )
    fields = _field_df(field, concepts_df, topics_df)
    c = F.col("cited_by_count") if citations == "source" else F.col("citations")
    base = cit.join(fields, "work_id", "left").select(
        "work_id",
        "year",
        "type",
        "field_id",
        c.alias("c"),
        (F.col("type") if by_type else F.lit(None).cast("string")).alias("type_key"),
    )
    eligible = base.where(
        F.col("field_id").isNotNull() & F.col("year").isNotNull() & F.col("c").isNotNull()
    )
    w = Window.partitionBy("field_id", "year", "type_key")
    ranked = eligible.select(
        "work_id",
        F.count(F.lit(1)).over(w).alias("ref_n"),
        F.avg("c").over(w).alias("ref_mean"),
        (F.rank().over(w.orderBy(F.col("c").asc())) - 1).alias("n_less"),
        (F.rank().over(w.orderBy(F.col("c").desc())) - 1).alias("n_greater"),
    )
    j = base.join(ranked, "work_id", "left")
    ref_n = F.col("ref_n").cast("double")
    n_less = F.col("n_less").cast("double")
    n_greater = F.col("n_greater").cast("double")
    ties = ref_n - n_less - n_greater

    def frac(per: float) -> Any:  # share = 1 / per; ref_n / per is exact when integral
        top = F.least(ref_n - n_less, ref_n / F.lit(per)) - n_greater
        # An uncited work gets no top-x share (as in percentile_rank).
        return F.when(F.col("c") == 0, F.lit(0.0) * ties).otherwise(
            F.greatest(F.lit(0.0), top) / ties
        )

    return j.select(
        "work_id",
        "year",
        "type",
        "field_id",
        F.col("c").cast("long").alias("citations"),
        F.col("ref_n").cast("long").alias("ref_n"),
        "ref_mean",
        F.when(F.col("ref_mean") > 0, F.col("c") / F.col("ref_mean")).alias("ncs"),
        (F.lit(100.0) * n_less / ref_n).alias("percentile"),
        (F.col("n_less") * 100 >= F.col("ref_n") * 99).alias("top1"),
        (F.col("n_less") * 10 >= F.col("ref_n") * 9).alias("top10"),
        frac(100.0).alias("top1_frac"),
        frac(10.0).alias("top10_frac"),
    )


# -- specialisation ---------------------------------------------------------------------
def activity_spark(
    spark: SparkSession,
    works_df: DataFrame,
    authorships_df: DataFrame,
    institutions_df: DataFrame,
    concepts_df: DataFrame,
    *,
    counting: str = "fractional",
    year: int | range | None = None,
    concept_levels: tuple[int, ...] = (0, 1),
    min_score: float = 0.3,
) -> DataFrame:
    r"""Country × concept activity (loc, prod, value), as ``activity_table(prod="concept")``.

    :math:`X_{cp} = \sum_d [c \in C_d][p \in P_d] / (|C_d|\,|P_d|)` (fractional) or the plain
    pair count (full), over works of the selected years; a country is the authorship's
    ``country_code``, else its institution's; products are concepts of the given levels with
    score ≥ ``min_score``. Only pairs with a positive value.
    """
    require_pyspark()
    if counting not in ("fractional", "full"):
        raise InputError(f"counting must be 'fractional' or 'full', got {counting!r}")
    from forcemap.indicators.specialisation import _year_bounds

    y0, y1 = _year_bounds(year)
    sel = works_df.select("work_id", "year")
    if y0 is not None and y1 is not None:  # _year_bounds gives both bounds or neither
        sel = sel.where((F.col("year") >= y0) & (F.col("year") <= y1))
    sel = sel.select("work_id")
    inst = institutions_df.groupBy("institution_id").agg(
        F.first("country_code", ignorenulls=True).alias("inst_cc")
    )
    unit = (
        authorships_df.join(sel, "work_id")
        .join(inst, "institution_id", "left")
        .select("work_id", F.coalesce(F.col("country_code"), F.col("inst_cc")).alias("loc"))
        .where(F.col("loc").isNotNull())
        .distinct()
    )
    item = (
        concepts_df.join(sel, "work_id")
        .where(
            F.col("level").isin([int(v) for v in concept_levels])
            & (F.col("score") >= float(min_score))
        )
        .select("work_id", F.col("concept_id").alias("prod"))
        .distinct()
    )
    nu = unit.groupBy("work_id").agg(F.count(F.lit(1)).alias("nu"))
    ni = item.groupBy("work_id").agg(F.count(F.lit(1)).alias("ni"))
    weight = (
        F.lit(1.0) / (F.col("nu") * F.col("ni")).cast("double")
        if counting == "fractional"
        else F.lit(1.0)
    )
    return (
        unit.join(item, "work_id")
        .join(nu, "work_id")
        .join(ni, "work_id")
        .groupBy("loc", "prod")
        .agg(F.sum(weight).alias("value"))
    )


def rca_spark(
    spark: SparkSession,
    works_df: DataFrame,
    authorships_df: DataFrame,
    institutions_df: DataFrame,
    concepts_df: DataFrame,
    *,
    threshold: float = 1.0,
    **activity: Any,
) -> DataFrame:
    r"""Balassa RCA and presence of every (country, concept) pair, on Spark.

    :math:`\mathrm{RCA}_{cp} = (X_{cp} / \sum_{p'} X_{cp'}) / (\sum_{c'} X_{c'p} /
    \sum_{c',p'} X_{c'p'})` and ``mcp = [RCA ≥ threshold]``, over :func:`activity_spark`
    (``**activity`` are its options), as ``specialisation.rca(activity_table(...))``.

    Returns
    -------
    DataFrame
        :data:`RCA_COLUMNS`: loc, prod, value double, rca double (null where the product's
        world share is 0), mcp byte.
    """
    act = activity_spark(spark, works_df, authorships_df, institutions_df, concepts_df, **activity)
    act = act.cache()  # read three times: totals by loc, by prod and overall
    loc_tot = act.groupBy("loc").agg(F.sum("value").alias("_lt"))
    prod_tot = act.groupBy("prod").agg(F.sum("value").alias("_pt"))
    world = act.agg(F.sum("value").alias("_w"))
    with_tot = act.join(loc_tot, "loc").join(prod_tot, "prod").crossJoin(F.broadcast(world))
    share = F.when(F.col("_lt") > 0, F.col("value") / F.col("_lt"))
    wshare = F.when(F.col("_w") > 0, F.col("_pt") / F.col("_w"))
    r = F.when(wshare > 0, share / wshare)
    return with_tot.select(
        "loc",
        "prod",
        "value",
        r.alias("rca"),
        F.coalesce((r >= float(threshold)).cast("byte"), F.lit(0).cast("byte")).alias("mcp"),
    )
