"""Thematic map and thematic evolution (Cobo et al. 2011, bibliometrix): hand-worked
centrality, density and inclusion on a tiny store, and runs on the real and synthetic stores."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from forcemap.errors import InputError
from forcemap.network import ThematicMap, science_map, thematic_evolution, thematic_map
from forcemap.network.thematic import QUADRANTS, TERM_SCHEMA, _links
from forcemap.store import Store

# 2020: two triangles joined by c–d.  works: abc, ab, ac, def, de, ef, cd, ef
#   occurrences a 3, b 2, c 3, d 3, e 4, f 3;  co-occurrences ab 2, ac 2, bc 1, de 2, df 1,
#   ef 3, cd 1.  Term order (occurrences desc, id): e a c d f b.
# 2021: the same with b replaced by g.
_WORKS_2020 = ("abc", "ab", "ac", "def", "de", "ef", "cd", "ef")


def _store(store: Store) -> Store:
    rows = [(f"W{y}{i}", y, terms) for y in (2020, 2021) for i, terms in enumerate(_WORKS_2020)]
    for wid, year, terms in rows:
        store.con.execute(
            "INSERT INTO works (work_id, year, origin, batch_id) VALUES (?, ?, 'test', 0)",
            [wid, year],
        )
        for t in terms:
            t = "g" if (year == 2021 and t == "b") else t
            store.con.execute(
                "INSERT INTO work_concepts VALUES (?, ?, ?, 1, 0.9)", [wid, t, f"term {t}"]
            )
    return store


def _by_label(tm: ThematicMap) -> dict[str, dict]:  # type: ignore[type-arg]
    return {r["label"]: r for r in tm.clusters.to_pylist()}


def test_bibliometrix_centrality_and_density_hand_worked(store: Store) -> None:
    """Association :math:`s_{ij} = c_{ij}/(c_i c_j)`: ab 1/3, ac 2/9, bc 1/6, de 1/6, df 1/9,
    ef 1/4, cd 1/9. Themes X = {a, b, c}, Y = {d, e, f}.

    centrality: c–d counts for the theme of its earlier term in the order e a c d f b, c: X
    gets 1/9, Y 0. density (diagonal 1/c_i included): X = 100/3 (1/3 + 2/9 + 1/6 + 1/3 + 1/2
    + 1/3) = 1700/27; Y = 100/3 (1/6 + 1/9 + 1/4 + 1/3 + 1/4 + 1/3) = 1300/27. Ranks X 2/2,
    Y 1/1 against the mean rank 1.5: X motor, Y emerging or declining. Y has more occurrences
    (10 against 8): theme 1."""
    tm = thematic_map(_store(store), terms="concept", years=(2020, 2020), n_labels=3)
    assert tm.meta["works"] == 8 and tm.meta["min_occurrences"] == 2
    rows = tm.clusters.to_pylist()
    assert [r["cluster"] for r in rows] == [1, 2]
    y, x = rows
    assert set(x["terms"]) == {"term a", "term b", "term c"}
    assert set(y["terms"]) == {"term d", "term e", "term f"}
    assert (x["n_terms"], x["occurrences"], y["occurrences"]) == (3, 8, 10)
    assert x["centrality"] == pytest.approx(1 / 9) and y["centrality"] == 0.0
    assert x["density"] == pytest.approx(1700 / 27) and y["density"] == pytest.approx(1300 / 27)
    assert (x["quadrant"], y["quadrant"]) == ("motor", "emerging_or_declining")
    assert (x["rank_centrality"], y["rank_density"]) == (2.0, 1.0)
    # the label: the best-scored terms, as in the terms table
    t = tm.terms.filter(pa.compute.equal(tm.terms["cluster"], 2)).to_pylist()
    assert x["label"] == "; ".join(r["label"] for r in t[:3])
    assert [r["score"] for r in t] == sorted((r["score"] for r in t), reverse=True)
    # the score: 100 (0.5 c_i / sum_T c + 0.5 PageRank); the PageRanks of a network sum to 1
    total = sum(r["score"] for r in tm.terms.to_pylist())
    assert total == pytest.approx(100 * (0.5 * 2 + 0.5 * 1))


def test_cobo_definitions_hand_worked(store: Store) -> None:
    """Equivalence :math:`e_{ij} = c_{ij}^2/(c_i c_j)`: ab 2/3, ac 4/9, bc 1/6, de 1/3,
    df 1/9, ef 3/4, cd 1/9. centrality 10 · 1/9 for both themes; density X = 100 (2/3 + 4/9
    + 1/6)/3 = 2300/54, Y = 100 (1/3 + 1/9 + 3/4)/3 = 4300/108."""
    tm = thematic_map(_store(store), terms="concept", years=(2020, 2020), method="cobo")
    y, x = tm.clusters.to_pylist()
    assert x["centrality"] == pytest.approx(10 / 9) and y["centrality"] == pytest.approx(10 / 9)
    assert x["density"] == pytest.approx(2300 / 54) and y["density"] == pytest.approx(4300 / 108)
    # tied centrality ranks 1.5 and 1.5 sit on the split line: the high side
    assert (x["quadrant"], y["quadrant"]) == ("motor", "basic")


def test_min_freq_drops_rare_terms_from_the_measures(store: Store) -> None:
    """min_freq 375 per thousand of 8 works: terms from 3 occurrences, so b (2) leaves X:
    density X = 100/2 (ac 2/9 + 1/3 + 1/3) = 400/9; c–d still gives X 1/9."""
    tm = thematic_map(_store(store), terms="concept", years=(2020, 2020), min_freq=375)
    assert tm.meta["min_occurrences"] == 3
    x = next(r for r in tm.clusters.to_pylist() if "term a" in r["terms"])
    assert set(x["terms"]) == {"term a", "term c"} and x["n_terms"] == 2
    assert x["density"] == pytest.approx(400 / 9) and x["centrality"] == pytest.approx(1 / 9)
    assert "b" not in tm.terms["term_id"].to_pylist()


def test_links_hand_worked() -> None:
    """Themes A = {a 4, b 3, c 2} and B = {a 3, b 5, d 2}: inclusion 2/3, weighted inclusion
    (min(4, 3) + min(3, 5))/min(9, 10) = 6/9, stability 2/4."""

    def tm(rows: list[tuple[str, int]], label: str) -> ThematicMap:
        terms = pa.Table.from_pylist(
            [
                {
                    "term_id": t,
                    "label": t,
                    "cluster": 1,
                    "occurrences": n,
                    "pagerank": 0.0,
                    "score": 0.0,
                }
                for t, n in rows
            ],
            schema=TERM_SCHEMA,
        )
        return ThematicMap(pa.table({"cluster": [1], "label": [label]}), terms)

    (link,) = _links("p1", tm([("a", 4), ("b", 3), ("c", 2)], "A"), "p2",
                     tm([("a", 3), ("b", 5), ("d", 2)], "B"))  # fmt: skip
    assert link["inclusion"] == pytest.approx(2 / 3)
    assert link["weighted_inclusion"] == pytest.approx(6 / 9)
    assert link["stability"] == pytest.approx(2 / 4)
    assert link["shared_terms"] == ["a", "b"]  # by the smaller occurrence: a 3, b 3, then id


def test_evolution_hand_worked(store: Store) -> None:
    """2020 → 2021: X {a, b, c} → X' {a, g, c}: shared a, c: inclusion 2/3, weighted
    (3 + 3)/min(8, 8) = 3/4, stability 2/4; Y → Y' identical: 1, 1, 1."""
    ev = thematic_evolution(_store(store), terms="concept", cuts=[2020])
    assert ev.periods["period"].to_pylist() == ["2020-2020", "2021-2021"]
    assert ev.periods["works"].to_pylist() == [8, 8]
    links = {(r["from_label"].split("; ")[0][-1] < "d", r["to_label"].split("; ")[0][-1] < "d"): r
             for r in ev.links.to_pylist()}  # fmt: skip
    assert set(links) == {(True, True), (False, False)}
    x, y = links[(True, True)], links[(False, False)]
    assert (x["inclusion"], x["weighted_inclusion"], x["stability"]) == pytest.approx(
        (2 / 3, 3 / 4, 1 / 2)
    )
    assert sorted(x["shared_terms"]) == ["term a", "term c"]
    assert (y["inclusion"], y["weighted_inclusion"], y["stability"]) == (1.0, 1.0, 1.0)
    assert ev.clusters.column_names[0] == "period" and ev.clusters.num_rows == 4


def test_bad_parameters(store: Store) -> None:
    s = _store(store)
    for kw, msg in (
        ({"cuts": []}, "at least one cut"),
        ({"cuts": [2021]}, "must lie in"),
        ({"cuts": [2020, 2020]}, "strictly increasing"),
    ):
        with pytest.raises(InputError, match=msg):
            thematic_evolution(s, terms="concept", **kw)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="method"):
        thematic_map(s, terms="concept", method="callon")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="n_terms"):
        thematic_map(s, terms="concept", n_terms=1)
    empty = thematic_map(s, terms="title")  # no titles: no terms, no themes
    assert empty.clusters.num_rows == 0 and empty.meta["clusters"] == 0


def test_real_sample_thematic_map(synergy_store: Store) -> None:
    """On the SYNERGY titles: every theme in one quadrant consistent with its ranks, the
    terms table holding each theme's kept terms, and the same map on a second run."""
    tm = thematic_map(synergy_store, terms="title", n_terms=200)
    rows = tm.clusters.to_pylist()
    k = len(rows)
    assert k >= 3 and tm.meta["modularity"] > 0.2
    for r in rows:
        high_c, high_d = r["rank_centrality"] >= (k + 1) / 2, r["rank_density"] >= (k + 1) / 2
        want = {(True, True): "motor", (False, True): "niche", (True, False): "basic",
                (False, False): "emerging_or_declining"}[(high_c, high_d)]  # fmt: skip
        assert r["quadrant"] == want and r["quadrant"] in QUADRANTS
        assert r["n_terms"] == len(r["terms"]) and r["centrality"] > 0
    assert sum(r["n_terms"] for r in rows) == tm.terms.num_rows
    assert min(tm.terms["occurrences"].to_pylist()) >= tm.meta["min_occurrences"]
    again = thematic_map(synergy_store, terms="title", n_terms=200)
    assert again.clusters.equals(tm.clusters)
    # the occurrences are the network's
    net = science_map(synergy_store, kind="coword", terms="title", max_nodes=200)
    occ = dict(zip(net.nodes["node_id"].to_pylist(), net.nodes["n_docs"].to_pylist(), strict=True))
    assert all(occ[r["term_id"]] == r["occurrences"] for r in tm.terms.to_pylist())


def test_real_sample_evolution_and_synthetic(synergy_store: Store, synthetic_world: tuple) -> None:  # type: ignore[type-arg]
    ev = thematic_evolution(synergy_store, terms="title", cuts=[2015, 2019], n_terms=150)
    assert ev.periods["period"].to_pylist() == ["1951-2015", "2016-2019", "2020-2022"]
    assert ev.links.num_rows > 0
    for r in ev.links.to_pylist():
        assert 0 < r["stability"] <= r["inclusion"] <= 1 and 0 < r["weighted_inclusion"] <= 1
        assert (r["from_period"], r["to_period"]) in {
            ("1951-2015", "2016-2019"), ("2016-2019", "2020-2022")
        }  # fmt: skip
    path: Path = synthetic_world[0]
    with Store.open(path, read_only=True) as s:
        tm = thematic_map(s, terms="title", industry="robotics", n_terms=100)
    assert tm.clusters.num_rows >= 1 and tm.terms.num_rows >= 2


def test_cli_thematic_map_and_evolution(synergy_store_path: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from forcemap.cli import app

    runner = CliRunner()
    s = ["--store", str(synergy_store_path), "network"]
    r = runner.invoke(app, [*s, "thematic-map", "--terms", "title", "--n-terms", "120",
                            "--out", str(tmp_path / "t.csv"), "--members",
                            str(tmp_path / "m.parquet")])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert (tmp_path / "t.csv").read_text().startswith('"cluster","label","n_terms"')
    assert "rows ->" in r.output and (tmp_path / "m.parquet").exists()
    r = runner.invoke(app, [*s, "thematic-evolution", "--terms", "title", "--cuts", "2015",
                            "--n-terms", "100", "--out", str(tmp_path / "l.json")])  # fmt: skip
    assert r.exit_code == 0, r.output
    links = json.loads((tmp_path / "l.json").read_text())
    assert links and {"from_period", "inclusion", "weighted_inclusion"} <= set(links[0])
    r = runner.invoke(app, [*s, "thematic-evolution", "--cuts", "x"])
    assert r.exit_code == 2 and "--cuts" in r.output


def test_too_thin_slice_says_why_and_periods_follow_the_slice(synergy_store: Store) -> None:
    """Two works of 1951–1960 give linked title terms but none on two works: no theme, and
    the reason (before: a mean of an empty array). Without ``years``, the periods of an
    industry's evolution span that industry's works (biomedicine from 1994), not the
    store's (from 1951)."""
    tm = thematic_map(synergy_store, terms="title", years=(1951, 1960))
    assert tm.clusters.num_rows == 0 and tm.meta["works"] == 2
    assert tm.meta["reason"] == "no term reaches min_occurrences = 2"
    ev = thematic_evolution(synergy_store, cuts=[2010], industry="biomedicine", terms="title")
    concepts, topics = _biomedicine()
    first = synergy_store.con.execute(
        """SELECT min(year) FROM works WHERE work_id IN (
               SELECT work_id FROM work_concepts WHERE concept_id IN $c AND score >= 0.3
               UNION SELECT work_id FROM work_topics WHERE topic_id IN $t)""",
        {"c": concepts, "t": topics},
    ).fetchone()[0]
    assert ev.periods["start_year"][0].as_py() == first > 1951


def _biomedicine() -> tuple[list[str], list[str]]:
    from forcemap.store.slices import industry_slice

    concepts, topics, _ = industry_slice("biomedicine")
    return concepts, topics
