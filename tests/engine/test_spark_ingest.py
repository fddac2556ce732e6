"""Spark ingest of OpenAlex works equals the embedded reader, table by table."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from forcemap.store import Store
from forcemap.store.ingest.openalex import ingest_openalex
from tests.conftest import SYNERGY
from tests.store.test_ingest_openalex import work

# columns compared per table (origin / batch_id are bookkeeping; the embedded reader fills
# institution attributes with any_value over the works that embed them, so only ids compare)
COMPARED = {
    "works": "work_id, doi, title, abstract, year, pub_date, type, source_id, source_name, "
    "cited_by_count, language, updated_date",
    "authorships": "*",
    "authors": "author_id, name, orcid",
    "institutions": "institution_id",
    "work_references": "*",
    "work_concepts": "*",
    "work_topics": "*",
}


def differences(store_path: Path, out: Path) -> dict[str, tuple[int, int, int]]:
    """Per table: (embedded rows, Spark rows, rows in one but not the other)."""
    con = duckdb.connect(str(store_path), read_only=True)
    res = {}
    for table, cols in COMPARED.items():
        spark = f"read_parquet('{out}/{table}.parquet/*.parquet')"
        # test-owned table names and tmp paths only
        a = f"SELECT {cols} FROM {table}"  # noqa: S608
        b = f"SELECT {cols} FROM {spark}"  # noqa: S608
        n_a = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        n_b = con.execute(f"SELECT count(*) FROM {spark}").fetchone()[0]  # noqa: S608
        diff = con.execute(
            f"SELECT count(*) FROM (({a} EXCEPT ALL {b}) UNION ALL ({b} EXCEPT ALL {a}))"  # noqa: S608
        ).fetchone()[0]
        res[table] = (n_a, n_b, diff)
    con.close()
    return res


@pytest.fixture(scope="module")
def synergy_parquet(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """The SYNERGY sample ingested by Spark once: (report, output directory)."""
    from forcemap.engine.spark_ingest import ingest_openalex_spark

    out = tmp_path_factory.mktemp("spark-ingest") / "parquet"
    return ingest_openalex_spark(spark, SYNERGY, out), out


def test_synergy_tables_equal_the_embedded_reader(
    synergy_parquet: tuple[Any, Path], synergy_store_path: Path
) -> None:
    rep, out = synergy_parquet
    assert rep.reconciled and rep.read == rep.stored == 7518 and rep.rejected == 0
    for table, (n_a, n_b, diff) in differences(synergy_store_path, out).items():
        assert n_a == n_b and diff == 0, (table, n_a, n_b, diff)
        assert n_a > 0 or table == "work_topics"  # SYNERGY is 2023-schema: no topics
        assert rep.tables[table] == n_b


def _write_gz(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def test_snapshot_layout_duplicates_and_rejects(spark: Any, tmp_path: Path) -> None:
    """Two snapshot partitions: a newer copy wins, a 2023-schema record maps, bad lines are
    quarantined with their reason, and the counts reconcile — as in the embedded reader."""
    from forcemap.engine.spark_ingest import ingest_openalex_spark

    old = work(1, referenced_works=["https://openalex.org/W2", "https://openalex.org/W99"])
    new = dict(old, title="Work 1, revised", updated_date="2024-06-01T00:00:00.000000")
    v2023 = work(3)
    del v2023["primary_location"], v2023["topics"], v2023["primary_topic"]
    v2023["host_venue"] = {"id": "https://openalex.org/S7", "display_name": "Old Venue"}
    v2023["concepts"] = [
        {"id": "https://openalex.org/C41008148", "display_name": "CS", "level": 0, "score": 0.8}
    ]
    v2023["abstract_inverted_index"] = {"Graphs": [0], "are": [1], "fun": [2], "graphs": [3]}
    noinst = work(4)
    noinst["authorships"][0]["institutions"] = []
    root = tmp_path / "works"
    _write_gz(
        root / "updated_date=2024-01-01" / "part_000.gz",
        [json.dumps(old), json.dumps(work(2)), '{"id": "https://openalex.org/W5", "title": '],
    )
    _write_gz(
        root / "updated_date=2024-06-01" / "part_000.gz",
        [
            json.dumps(new),
            json.dumps(v2023),
            json.dumps(noinst),
            json.dumps(work(6, publication_year="twenty")),
            json.dumps({"title": "no id"}),
        ],
    )
    (root / "manifest").write_text('{"entries": []}')

    store_path = tmp_path / "embedded.duckdb"
    with Store.open(store_path) as s:
        emb = ingest_openalex(s, [root])
    rep = ingest_openalex_spark(spark, root, tmp_path / "parquet")
    assert (rep.read, rep.stored, rep.rejected, rep.duplicates) == (8, 4, 3, 1)
    assert rep.reconciled
    # the embedded reader reads file by file: the newer copy of W1 in the second file replaces
    # the stored one there; Spark reads the snapshot at once and counts the older copy as a
    # duplicate. Same tables either way.
    assert (emb.read, emb.rejected, emb.stored, emb.replaced) == (
        rep.read,
        rep.rejected,
        rep.stored,
        rep.duplicates,
    )
    for table, (n_a, n_b, diff) in differences(store_path, tmp_path / "parquet").items():
        assert n_a == n_b and diff == 0, (table, n_a, n_b, diff)
    con = duckdb.connect()
    q = con.execute(
        "SELECT reason, count(*) FROM read_parquet($p) GROUP BY 1 ORDER BY 1",
        {"p": f"{tmp_path}/parquet/_quarantine.parquet/*.parquet"},
    ).fetchall()
    assert q == [("malformed JSON or a field of the wrong type", 2), ("missing id", 1)]
    title, abstract = con.execute(
        "SELECT list(title ORDER BY work_id), list(abstract ORDER BY work_id) "
        "FROM read_parquet($p)",
        {"p": f"{tmp_path}/parquet/works.parquet/*.parquet"},
    ).fetchone()
    assert title[0] == "Work 1, revised" and abstract[2] == "Graphs are fun graphs"


def test_missing_input_is_a_clear_error(spark: Any, tmp_path: Path) -> None:
    from forcemap.engine.spark_ingest import ingest_openalex_spark
    from forcemap.errors import InputError

    with pytest.raises(InputError, match="no such file"):
        ingest_openalex_spark(spark, tmp_path / "nope", tmp_path / "out")


def test_ingest_then_indicators_on_spark_equal_the_store(
    spark: Any, synergy_parquet: tuple[Any, Path], synergy_store_path: Path, tmp_path: Path
) -> None:
    """The scale-out pipeline end to end: snapshot → Spark Parquet → CD_5 on Spark, equal to
    the embedded store's CD_5."""
    from forcemap.engine.spark import run_spark_indicators
    from forcemap.indicators.disruption import disruption

    # the module's one Spark ingest of the snapshot (a second ingest here doubled the cost)
    _, parquet = synergy_parquet
    run_spark_indicators(parquet, tmp_path / "results", indicators=("disruption",), spark=spark)
    with Store.open(synergy_store_path, read_only=True) as s:
        cd = disruption(s, variants=False)
    con = duckdb.connect()
    con.register("a", cd)
    row = con.execute(
        """SELECT count(*), count(b.work_id),
                   count(*) FILTER (WHERE a.n_i IS DISTINCT FROM b.n_i OR a.n_j IS DISTINCT
                                    FROM b.n_j OR a.n_k IS DISTINCT FROM b.n_k),
                   coalesce(max(abs(a.cd - b.cd)), 0)
            FROM a LEFT JOIN read_parquet($p) b ON a.id = b.work_id""",
        {"p": f"{tmp_path}/results/disruption/*.parquet"},
    ).fetchone()
    assert row[0] == row[1] == 7518 and row[2] == 0 and row[3] < 1e-12
