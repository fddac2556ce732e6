"""Co-citation, bibliographic coupling and co-word networks: a hand-worked store, buckets,
aggregation, and the real sample against an independent count."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcemap.cli import app
from forcemap.errors import InputError
from forcemap.network import science_map, science_maps
from forcemap.store import Store


def _store(store: Store) -> Store:
    """A (2020, S1, authors P and Q, country DE) cites x, y, z and itself; B (2021, S2,
    author R, country FR) cites x, y, y again; C (2021, S2, author R) cites nothing.
    Concepts: A {c1, c2, c3}, B {c1, c2}, C {c1}."""
    con = store.con
    for wid, year, src in (("A", 2020, "S1"), ("B", 2021, "S2"), ("C", 2021, "S2")):
        con.execute(
            "INSERT INTO works (work_id, title, year, source_id, source_name, origin, batch_id) "
            "VALUES (?, ?, ?, ?, ?, 'test', 0)",
            [wid, f"work {wid}", year, src, f"Journal {src}"],
        )
    for citing, cited in (("A", "x"), ("A", "y"), ("A", "z"), ("A", "A"), ("B", "x"),
                          ("B", "y"), ("B", "y")):  # fmt: skip
        con.execute("INSERT INTO work_references VALUES (?, ?)", [citing, cited])
    for wid, seq, aid, cc in (("A", 1, "P", "DE"), ("A", 2, "Q", "DE"), ("B", 1, "R", "FR"),
                              ("C", 1, "R", "FR")):  # fmt: skip
        con.execute(
            "INSERT INTO authorships (work_id, author_seq, author_id, author_name, "
            "country_code) VALUES (?, ?, ?, ?, ?)",
            [wid, seq, aid, aid, cc],
        )
    for wid, concepts in (("A", ("c1", "c2", "c3")), ("B", ("c1", "c2")), ("C", ("c1",))):
        for c in concepts:
            con.execute(
                "INSERT INTO work_concepts VALUES (?, ?, ?, 1, 0.9)", [wid, c, f"concept {c}"]
            )
    return store


def _edges(net: object) -> dict[tuple[str, str], float]:
    return {(r["source"], r["target"]): r["weight"] for r in net.edges.to_pylist()}  # type: ignore[attr-defined]


def test_cocitation_hand_worked(store: Store) -> None:
    """x–y co-cited by A and B: 2 (full); fractional 1/(3−1) + 1/(2−1) = 1.5; x–z and y–z by
    A only: 1 or 0.5. A's self-reference and B's repeated y count for nothing."""
    s = _store(store)
    assert _edges(science_map(s, kind="cocitation")) == {
        ("x", "y"): 2.0, ("x", "z"): 1.0, ("y", "z"): 1.0
    }  # fmt: skip
    frac = _edges(science_map(s, kind="cocitation", counting="fractional"))
    assert frac == pytest.approx({("x", "y"): 1.5, ("x", "z"): 0.5, ("y", "z"): 0.5})
    net = science_map(s, kind="cocitation", min_count=2)  # z is cited once
    assert _edges(net) == {("x", "y"): 2.0}
    assert {r["node_id"]: r["n_docs"] for r in net.nodes.to_pylist()} == {"x": 2, "y": 2}
    assert _edges(science_map(s, kind="cocitation", min_weight=2)) == {("x", "y"): 2.0}


def test_coupling_hand_worked_and_aggregated(store: Store) -> None:
    """A and B share x and y: 2 (full); fractional 1/(2−1) for each shared reference = 2.
    By country: DE–FR 2; by author: P–R 2 and Q–R 2 (P–Q share a document, not a pair)."""
    s = _store(store)
    assert _edges(science_map(s, kind="coupling")) == {("A", "B"): 2.0}
    assert _edges(science_map(s, kind="coupling", counting="fractional")) == {("A", "B"): 2.0}
    assert _edges(science_map(s, kind="coupling", unit="country")) == {("DE", "FR"): 2.0}
    assert _edges(science_map(s, kind="coupling", unit="author")) == {
        ("P", "R"): 2.0, ("Q", "R"): 2.0
    }  # fmt: skip
    assert _edges(science_map(s, kind="coupling", unit="source")) == {("S1", "S2"): 2.0}
    assert _edges(science_map(s, kind="coupling", years=(2021, 2021))) == {}


def test_coword_and_association_strength(store: Store) -> None:
    """c1–c2 on A and B: 2; c1–c3, c2–c3 on A: 1. Association strength 2m c_ij / (s_i s_j)
    with m = 4, s(c1) = s(c2) = 3, s(c3) = 2: c1–c2 = 16/9, c1–c3 = 8/6."""
    s = _store(store)
    assert _edges(science_map(s, kind="coword")) == {
        ("c1", "c2"): 2.0, ("c1", "c3"): 1.0, ("c2", "c3"): 1.0
    }  # fmt: skip
    a = _edges(science_map(s, kind="coword", normalise="association_strength"))
    assert a[("c1", "c2")] == pytest.approx(16 / 9) and a[("c1", "c3")] == pytest.approx(8 / 6)
    nodes = {r["node_id"]: r for r in science_map(s, kind="coword").nodes.to_pylist()}
    assert nodes["c1"]["n_docs"] == 3 and nodes["c1"]["label"] == "concept c1"


def test_bad_parameters(store: Store) -> None:
    for kw, msg in (
        ({"kind": "cowords"}, "kind must be"),
        ({"kind": "coupling", "unit": "planet"}, "unit must be"),
        ({"kind": "coword", "unit": "author"}, "co-word networks link terms"),
        ({"kind": "coupling", "min_count": 0}, "min_count"),
        ({"kind": "coupling", "buckets": 0}, "buckets"),
        ({"kind": "coupling", "counting": "half"}, "counting"),
    ):
        with pytest.raises(InputError, match=msg):
            science_map(store, **kw)  # type: ignore[arg-type]  # the errors are tested


def test_buckets_give_the_same_network_on_the_real_sample(
    synergy_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One pass, four, and the default (one per PAIRS_PER_BUCKET pair incidences: 1,054,640
    on the sample, so 11 passes of 100,000) count the same edges, weights and n_docs."""
    one = science_map(synergy_store, kind="coupling", min_weight=2, buckets=1)
    four = science_map(synergy_store, kind="coupling", min_weight=2, buckets=4)
    monkeypatch.setattr(science_maps, "PAIRS_PER_BUCKET", 100_000)
    auto = science_map(synergy_store, kind="coupling", min_weight=2)
    assert one.edges.equals(four.edges) and one.edges.equals(auto.edges)
    assert one.edges.num_rows > 1000 and auto.meta["buckets"] == 11


def test_cocitation_weight_equals_an_independent_count(synergy_store: Store) -> None:
    """For the heaviest co-citation edges, the number of works citing both (a direct query)."""
    net = science_map(synergy_store, kind="cocitation", min_count=5, min_weight=5)
    top = sorted(net.edges.to_pylist(), key=lambda r: -r["weight"])[:5]
    for e in top:
        both = synergy_store.con.execute(
            """SELECT count(*) FROM (
                   SELECT citing_id FROM work_references WHERE cited_id = ? AND citing_id <> ?
                   INTERSECT
                   SELECT citing_id FROM work_references WHERE cited_id = ? AND citing_id <> ?)""",
            [e["source"], e["source"], e["target"], e["target"]],
        ).fetchall()[0][0]
        assert e["weight"] == both


def test_fractional_coword_gives_each_work_weight_one(store: Store) -> None:
    """Fractional counting: a work with n terms spreads 1/(n−1) over each of its n(n−1)/2
    pairs, so each work adds n/2 to the total; A (3 terms) 1.5 + B (2 terms) 1 = 2.5."""
    s = _store(store)
    w = science_map(s, kind="coword", counting="fractional").edges.column("weight").to_pylist()
    assert sum(w) == pytest.approx(sum(n / 2 for n in (3, 2)))
    assert len(w) == len(list(combinations(["c1", "c2", "c3"], 2)))


def test_cli_build_and_vosviewer_export(synergy_store_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    s = str(synergy_store_path)
    build = ["--store", s, "network", "build", "--kind", "coupling", "--unit", "country"]
    r = runner.invoke(app, [*build, "--min-weight", "2", "--out", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "c" / "edges.csv").read_text().startswith('"source","target"')
    r = runner.invoke(app, ["--store", s, "network", "export", str(tmp_path / "v"), "--format",
                            "vosviewer", "--kind", "coword", "--min-count", "20"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert (tmp_path / "v.map.txt").read_text().startswith("id\tlabel")
    r = runner.invoke(app, ["--store", s, "network", "build", "--kind", "coword",
                            "--countries", "DE", "--out", str(tmp_path / "x")])  # fmt: skip
    assert r.exit_code == 2 and "--countries" in r.output
