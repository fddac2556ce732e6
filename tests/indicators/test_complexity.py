"""Tests for forcemap.indicators.complexity, .product_space and .fitness (one family, one world).

Reference values (see tests/data/validation/complexity/PROVENANCE.md):

* py-ecomplexity 0.5.3 (Harvard Growth Lab) outputs on the R package economiccomplexity's world
  trade data (226 countries × 785 SITC products): ECI, PCI, COI exactly as printed (10
  significant digits), density and COG for every 25th cell (``%.8g``), product proximity for
  every 25th upper-triangle pair; tolerance 1e-6 (density / COG are limited by the printing).
* The R package economiccomplexity v2.0.0's product proximity (every 25th pair), |Δ| < 1e-9.
* The Hidalgo & Hausmann (2009) SI toy network and its hand-checkable reflections k_c,0..4.
* The R package economiccomplexity v2.0.0's conventions (fitness with a fixed number of
  iterations in its counting; COI/COG on the fitness complexity): its source transcribed line by
  line in dense numpy, run on its published Mcp, relative |Δ| < 1e-12. Its own fitness and COI
  outputs are held out for an independent acceptance check.
"""

from __future__ import annotations

import gzip
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pytest

from forcemap.errors import ComputationError, ConvergenceError, InputError, SchemaError
from forcemap.indicators import complexity as cx
from forcemap.indicators import fitness as fit
from forcemap.indicators import product_space as psp
from forcemap.indicators.specialisation import presence_matrix
from forcemap.store import Store

DATA = Path(__file__).parents[1] / "data" / "validation" / "complexity"
_STR = {c: pa.string() for c in ("country", "product", "product_1", "product_2", "loc", "prod")}


def _csv(name: str) -> pa.Table:
    opts = pcsv.ConvertOptions(column_types=_STR)
    if name.endswith(".gz"):
        with gzip.open(DATA / name, "rb") as fh:
            return pcsv.read_csv(fh, convert_options=opts)
    return pcsv.read_csv(DATA / name, convert_options=opts)


def _lookup(table: pa.Table, keys: list[str], value: str) -> dict[tuple[str, ...], float]:
    cols = [table.column(k).to_pylist() for k in keys]
    return dict(zip(zip(*cols, strict=True), table.column(value).to_pylist(), strict=True))


@pytest.fixture(scope="module")
def world_mcp() -> pa.Table:
    t = _csv("input_world_trade_avg_1998_to_2000.csv.gz")
    t = pa.table(
        {"loc": t["country"], "prod": t["product"], "value": t["value"].cast(pa.float64())}
    )
    return presence_matrix(t)


@pytest.fixture(scope="module")
def toy_mcp() -> pa.Table:
    t = _csv("toy_hh2009_input_mcp.csv")
    return pa.table(
        {"loc": t["country"], "prod": t["product"], "mcp": t["present"].cast(pa.int8())}
    )


def _mcp(rows: dict[str, list[str]]) -> pa.Table:
    locs = [c for c, ps in rows.items() for _ in ps]
    prods = [p for ps in rows.values() for p in ps]
    return pa.table({"loc": locs, "prod": prods, "mcp": pa.array([1] * len(locs), pa.int8())})


# -- validation against py-ecomplexity and R ------------------------------------------------


def test_eci_pci_match_py_ecomplexity(world_mcp: pa.Table) -> None:
    """ECI/PCI/diversity/ubiquity vs py-ecomplexity 0.5.3 (defaults), |Δ| < 1e-6."""
    eci, pci = cx.eci_pci(world_mcp)
    ref_c = _csv("out_py_ecomplexity_country.csv")
    ref_p = _csv("out_py_ecomplexity_product.csv")
    assert eci.column("loc").to_pylist() == ref_c.column("country").to_pylist()
    assert pci.column("prod").to_pylist() == ref_p.column("product").to_pylist()
    assert eci.column("diversity").to_pylist() == ref_c.column("diversity").to_pylist()
    assert pci.column("ubiquity").to_pylist() == ref_p.column("ubiquity").to_pylist()
    d_e = np.abs(eci.column("eci").to_numpy() - ref_c.column("eci").to_numpy())
    d_p = np.abs(pci.column("pci").to_numpy() - ref_p.column("pci").to_numpy())
    assert d_e.max() < 1e-6
    assert d_p.max() < 1e-6
    assert eci.schema == cx.ECI_SCHEMA
    assert pci.schema == cx.PCI_SCHEMA


def test_coi_matches_py_ecomplexity(world_mcp: pa.Table) -> None:
    coi = psp.complexity_outlook(world_mcp)
    ref = _csv("out_py_ecomplexity_country.csv")
    assert coi.column("loc").to_pylist() == ref.column("country").to_pylist()
    assert np.abs(coi.column("coi").to_numpy() - ref.column("coi").to_numpy()).max() < 1e-6


def test_density_and_cog_match_py_ecomplexity(world_mcp: pa.Table) -> None:
    """Every 25th (country, product) cell of py-ecomplexity's output, printed %.8g."""
    ref = _csv("out_py_ecomplexity_country_product_every25.csv.gz")
    keys = list(
        zip(ref.column("country").to_pylist(), ref.column("product").to_pylist(), strict=True)
    )
    dens = _lookup(psp.density(world_mcp), ["loc", "prod"], "density")
    cog = _lookup(psp.complexity_outlook_gain(world_mcp), ["loc", "prod"], "cog")
    assert len(dens) == 226 * 785
    d = np.array([dens[k] for k in keys]) - ref.column("density").to_numpy()
    g = np.array([cog[k] for k in keys]) - ref.column("cog").to_numpy()
    assert np.abs(d).max() < 1e-6
    assert np.abs(g).max() < 1e-6


@pytest.mark.parametrize(
    "name",
    [
        "out_py_ecomplexity_proximity_upper_every25.csv.gz",
        "ref_R_economiccomplexity_proximity_product_upper_every25.csv.gz",
    ],
)
def test_proximity_matches_references(world_mcp: pa.Table, name: str) -> None:
    """Product proximity vs py-ecomplexity and vs the R package, |Δ| < 1e-9."""
    ref = _csv(name)
    prox = psp.proximity(world_mcp)
    upper = prox.filter(pc.less(prox["prod_a"], prox["prod_b"]))
    assert upper.num_rows == 304_681  # all non-zero upper-triangle pairs of the references
    ours = _lookup(upper, ["prod_a", "prod_b"], "proximity")
    keys = zip(
        ref.column("product_1").to_pylist(), ref.column("product_2").to_pylist(), strict=True
    )
    diff = np.array([ours[k] for k in keys]) - ref.column("proximity").to_numpy()
    assert np.abs(diff).max() < 1e-9
    diag = prox.filter(pc.equal(prox["prod_a"], prox["prod_b"]))
    assert diag.num_rows == 785
    assert set(diag.column("proximity").to_pylist()) == {1.0}


def test_eci_conventions(world_mcp: pa.Table) -> None:
    """Sign and each normalisation switch, with the identities they promise."""
    eci, pci = cx.eci_pci(world_mcp)
    e = eci.column("eci").to_numpy()
    q = pci.column("pci").to_numpy()
    div = eci.column("diversity").to_numpy().astype(float)
    ubi = pci.column("ubiquity").to_numpy().astype(float)
    assert np.corrcoef(e, div)[0, 1] > 0
    assert e.mean() == pytest.approx(0, abs=1e-12)
    assert e.std() == pytest.approx(1, abs=1e-12)
    # zscore keeps ECI_c = mean PCI over the products of c
    m = np.zeros((226, 785))
    ones = world_mcp.filter(pc.equal(world_mcp["mcp"], 1))
    locs = {v: i for i, v in enumerate(eci.column("loc").to_pylist())}
    prods = {v: i for i, v in enumerate(pci.column("prod").to_pylist())}
    m[
        [locs[v] for v in ones.column("loc").to_pylist()],
        [prods[v] for v in ones.column("prod").to_pylist()],
    ] = 1
    assert np.abs(m @ q / div - e).max() < 1e-10

    _, pci_each = cx.eci_pci(world_mcp, normalise="zscore_each")
    qe = pci_each.column("pci").to_numpy()
    assert qe.mean() == pytest.approx(0, abs=1e-12)
    assert qe.std() == pytest.approx(1, abs=1e-12)

    eci_s, pci_s = cx.eci_pci(world_mcp, normalise="scale")
    es, qs = eci_s.column("eci").to_numpy(), pci_s.column("pci").to_numpy()
    assert es.std() == pytest.approx(1, abs=1e-12)
    assert np.dot(div, es) == pytest.approx(0, abs=1e-8)
    assert np.dot(ubi, qs) == pytest.approx(0, abs=1e-8)
    assert np.corrcoef(es, e)[0, 1] == pytest.approx(1, abs=1e-12)

    with pytest.raises(InputError, match="normalise"):
        cx.eci_pci(world_mcp, normalise="stata")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="sign"):
        cx.eci_pci(world_mcp, sign="random")  # type: ignore[arg-type]


def test_fitness_complexity_world(world_mcp: pa.Table) -> None:
    """Converges; mean-normalised; fixed point of the Tacchella map (independent dense code)."""
    f, q = fit.fitness_complexity(world_mcp, tol=1e-12)
    fv, qv = f.column("fitness").to_numpy(), q.column("complexity").to_numpy()
    assert fv.mean() == pytest.approx(1)
    assert qv.mean() == pytest.approx(1)
    locs = {v: i for i, v in enumerate(f.column("loc").to_pylist())}
    prods = {v: i for i, v in enumerate(q.column("prod").to_pylist())}
    ones = world_mcp.filter(pc.equal(world_mcp["mcp"], 1))
    m = np.zeros((len(locs), len(prods)))
    m[
        [locs[v] for v in ones.column("loc").to_pylist()],
        [prods[v] for v in ones.column("prod").to_pylist()],
    ] = 1
    f1 = m @ qv
    q1 = 1 / (m.T @ (1 / fv))
    assert np.abs(f1 / f1.mean() - fv).max() < 1e-9
    assert np.abs(q1 / q1.mean() - qv).max() < 1e-9
    with pytest.raises(ConvergenceError):
        fit.fitness_complexity(world_mcp, max_iter=5, tol=1e-12)


# -- the Hidalgo & Hausmann (2009) toy -----------------------------------------------------


def test_reflections_toy_exact(toy_mcp: pa.Table) -> None:
    """k_c,0..4 and k_p,0..4 vs exact fractions (and the hand-checked CSV, 9 decimals)."""
    kc, kp = cx.reflections(toy_mcp, iterations=4)
    rows = {"C1": ["P1", "P2", "P3", "P4"], "C2": ["P2"], "C3": ["P3", "P4"], "C4": ["P4"]}
    cols = {p: [c for c, ps in rows.items() if p in ps] for p in ["P1", "P2", "P3", "P4"]}
    c_k = {c: Fraction(len(ps)) for c, ps in rows.items()}
    p_k = {p: Fraction(len(cs)) for p, cs in cols.items()}
    exact_c, exact_p = [c_k], [p_k]
    for _ in range(4):
        c_k, p_k = (
            {c: sum((p_k[p] for p in ps), Fraction(0)) / len(ps) for c, ps in rows.items()},
            {p: sum((c_k[c] for c in cs), Fraction(0)) / len(cs) for p, cs in cols.items()},
        )
        exact_c.append(c_k)
        exact_p.append(p_k)
    got_c = _lookup(kc, ["loc", "iteration"], "k")
    got_p = _lookup(kp, ["prod", "iteration"], "k")
    for n in range(5):
        for c in rows:
            assert got_c[(c, n)] == pytest.approx(float(exact_c[n][c]), rel=1e-15)
        for p in cols:
            assert got_p[(p, n)] == pytest.approx(float(exact_p[n][p]), rel=1e-15)
    assert [got_c[(c, 1)] for c in rows] == [2.0, 2.0, 2.5, 3.0]
    ref = _csv("toy_hh2009_expected_reflections_country.csv")
    for n in range(5):
        want = ref.column(f"k_c{n}").to_numpy()
        have = np.array([got_c[(c, n)] for c in ref.column("country").to_pylist()])
        assert np.abs(want - have).max() < 1e-9
    assert kc.schema == cx.REFLECTIONS_LOC_SCHEMA


def test_toy_matches_py_ecomplexity(toy_mcp: pa.Table) -> None:
    """All cell outputs of py-ecomplexity's manual-Mcp run on the toy, |Δ| < 1e-8."""
    ref = _csv("toy_hh2009_out_py_ecomplexity.csv")
    keys = list(
        zip(ref.column("country").to_pylist(), ref.column("product").to_pylist(), strict=True)
    )
    eci, pci = cx.eci_pci(toy_mcp)
    e = dict(zip(eci.column("loc").to_pylist(), eci.column("eci").to_pylist(), strict=True))
    q = dict(zip(pci.column("prod").to_pylist(), pci.column("pci").to_pylist(), strict=True))
    coi = psp.complexity_outlook(toy_mcp)
    o = dict(zip(coi.column("loc").to_pylist(), coi.column("coi").to_pylist(), strict=True))
    dens = _lookup(psp.density(toy_mcp), ["loc", "prod"], "density")
    cog = _lookup(psp.complexity_outlook_gain(toy_mcp), ["loc", "prod"], "cog")
    for col, got in (
        ("eci", [e[c] for c, _ in keys]),
        ("pci", [q[p] for _, p in keys]),
        ("coi", [o[c] for c, _ in keys]),
        ("density", [dens[k] for k in keys]),
        ("cog", [cog[k] for k in keys]),
    ):
        assert np.abs(np.array(got) - ref.column(col).to_numpy()).max() < 1e-8, col


# -- hand-worked cases, edge cases and conventions ------------------------------------------


def test_proximity_density_hand_worked() -> None:
    """A{x,y}, B{x}: u_x = 2, u_y = 1, co-occurrence 1 → φ_xy = 1/max(2, 1) = 1/2.

    Density (diagonal 1): ω_Ax = (1 + ½)/(1 + ½) = 1, ω_Ay = 1; ω_Bx = 1/(3/2) = 2/3,
    ω_By = ½/(3/2) = 1/3. With diagonal 0: ω_Bx = 0/½ = 0, ω_By = ½/½ = 1.
    """
    m = _mcp({"A": ["x", "y"], "B": ["x"]})
    assert psp.proximity(m).to_pylist() == [
        {"prod_a": "x", "prod_b": "x", "proximity": 1.0},
        {"prod_a": "x", "prod_b": "y", "proximity": 0.5},
        {"prod_a": "y", "prod_b": "x", "proximity": 0.5},
        {"prod_a": "y", "prod_b": "y", "proximity": 1.0},
    ]
    assert psp.proximity(m, diagonal=0.0).num_rows == 2
    d1 = psp.density(m).column("density").to_pylist()
    assert d1 == pytest.approx([1.0, 1.0, 2 / 3, 1 / 3])
    d0 = psp.density(m, diagonal=0.0).column("density").to_pylist()
    assert d0 == pytest.approx([1.0, 1.0, 0.0, 1.0])


def test_zero_diversity_location_does_not_poison_others(world_mcp: pa.Table) -> None:
    """One location with no presence: a warning naming it, null for it, others unchanged."""
    extra = pa.table(
        {"loc": ["zzz", "zzz"], "prod": ["0011", "0012"], "mcp": pa.array([0, 0], pa.int8())}
    )
    m = pa.concat_tables([world_mcp, extra])
    with pytest.warns(UserWarning, match="zzz"):
        eci, pci = cx.eci_pci(m)
    base_e, base_p = cx.eci_pci(world_mcp)
    assert eci.num_rows == 227
    last = eci.slice(226).to_pylist()[0]
    assert last == {"loc": "zzz", "diversity": 0, "eci": None}
    assert eci.slice(0, 226).equals(base_e)
    assert pci.equals(base_p)
    with pytest.warns(UserWarning, match="zzz"):
        coi = psp.complexity_outlook(m)
    assert coi.column("coi").null_count == 1
    with pytest.warns(UserWarning, match="zzz"):
        f, _ = fit.fitness_complexity(m)
    assert f.column("fitness").null_count == 1


def test_zero_ubiquity_product_named() -> None:
    m = pa.concat_tables(
        [
            _mcp({"A": ["x", "y", "z"], "B": ["x", "y"], "C": ["x"]}),
            pa.table({"loc": ["A"], "prod": ["w"], "mcp": pa.array([0], pa.int8())}),
        ]
    )
    with pytest.warns(UserWarning, match="zero-ubiquity product.*'w'"):
        _, pci = cx.eci_pci(m)
    assert pci.filter(pc.equal(pci["prod"], "w")).column("pci").to_pylist() == [None]
    assert pci.column("pci").null_count == 1


def test_empty_input_gives_empty_tables() -> None:
    empty = pa.table(
        {"loc": pa.array([], pa.string()), "prod": pa.array([], pa.string()), "mcp": []},
        schema=cx.MCP_INPUT_SCHEMA,
    )
    e, q = cx.eci_pci(empty)
    assert e.num_rows == 0 and e.schema == cx.ECI_SCHEMA
    assert q.num_rows == 0 and q.schema == cx.PCI_SCHEMA
    assert psp.proximity(empty).schema == psp.PROXIMITY_SCHEMA
    assert psp.density(empty).num_rows == 0
    assert psp.complexity_outlook(empty).schema == psp.COI_SCHEMA
    assert psp.complexity_outlook_gain(empty).num_rows == 0
    f, _ = fit.fitness_complexity(empty)
    assert f.num_rows == 0 and f.schema == fit.FITNESS_SCHEMA
    kc, _ = cx.reflections(empty)
    assert kc.num_rows == 0


def test_single_location() -> None:
    """One location: diversity is defined, ECI/PCI are null (no second eigenvector)."""
    m = _mcp({"A": ["x", "y"]})
    e, q = cx.eci_pci(m)
    assert e.to_pylist() == [{"loc": "A", "diversity": 2, "eci": None}]
    assert q.column("pci").to_pylist() == [None, None]
    d, u = cx.diversity_ubiquity(m)
    assert d.column("diversity").to_pylist() == [2]
    assert u.column("ubiquity").to_pylist() == [1, 1]


def test_disconnected_network_warns() -> None:
    m = _mcp({"A": ["x", "y"], "B": ["x"], "C": ["z"], "D": ["z", "w"]})
    with pytest.warns(UserWarning, match="disconnected"):
        cx.eci_pci(m)


def test_schema_errors_name_column_and_function() -> None:
    with pytest.raises(SchemaError, match=r"eci_pci.*'mcp'"):
        cx.eci_pci(pa.table({"loc": ["A"], "prod": ["x"], "value": [1.0]}))
    with pytest.raises(SchemaError, match=r"proximity.*'prod'.*double"):
        psp.proximity(pa.table({"loc": ["A"], "prod": [1.5], "mcp": [1]}))
    with pytest.raises(InputError, match="0 or 1"):
        psp.density(pa.table({"loc": ["A"], "prod": ["x"], "mcp": [2]}))
    with pytest.raises(InputError, match="duplicate"):
        cx.eci_pci(_mcp({"A": ["x", "x"]}))
    two_years = pa.table({"loc": ["A", "A"], "prod": ["x", "x"], "mcp": [1, 1], "year": [1, 2]})
    with pytest.raises(InputError, match="several years"):
        cx.eci_pci(two_years)


def test_technological_complexity_from_store(tmp_path: Path) -> None:
    """Patents by assignee country × CPC subclass → RTA → eigenvector KCI/TCI.

    The store holds, per country, patents in its subclasses (one assignee country, one
    subclass each), so the activity table equals the input table built by hand and the result
    must equal eci_pci on its presence matrix.
    """
    plan = {
        "US": {"H01L": 5, "G06F": 4, "A61K": 2},
        "DE": {"H01L": 2, "F02B": 3, "A61K": 2},
        "JP": {"G06F": 2, "H01L": 3, "F02B": 2},
        "CN": {"H01L": 4, "G06F": 1, "A61K": 1},
    }
    s = Store.open(tmp_path / "s.duckdb")
    rows = []
    n = 0
    for cc, subs in plan.items():
        for sub, k in subs.items():
            for _ in range(k):
                n += 1
                rows.append((f"P{n}", cc, sub))
    for pid, cc, sub in rows:
        s.con.execute(
            "INSERT INTO patents (patent_id, year, origin, batch_id) VALUES ($p, 2020, 'test', 0)",
            {"p": pid},
        )
        s.con.execute(
            "INSERT INTO patent_assignees (patent_id, country_code) VALUES ($p, $c)",
            {"p": pid, "c": cc},
        )
        s.con.execute(
            "INSERT INTO patent_cpc (patent_id, cpc_subclass, cpc_group) VALUES ($p, $s, $s)",
            {"p": pid, "s": sub},
        )
    kci, tci = cx.technological_complexity(s)
    s.close()
    table = pa.table(
        {
            "loc": [c for c, subs in plan.items() for _ in subs],
            "prod": [p for subs in plan.values() for p in subs],
            "value": [float(k) for subs in plan.values() for k in subs.values()],
        }
    )
    e, q = cx.eci_pci(presence_matrix(table))
    assert kci.schema == cx.KCI_SCHEMA and tci.schema == cx.TCI_SCHEMA
    assert kci.column("kci").to_pylist() == pytest.approx(e.column("eci").to_pylist())
    assert tci.column("tci").to_pylist() == pytest.approx(q.column("pci").to_pylist())
    k2, _ = cx.technological_complexity(table)
    assert k2.equals(kci)


# -- R economiccomplexity conventions: fixed fitness iterations, COI/COG on any complexity ---
#
# The R package's own outputs (its fitness vectors and the COI printed on its reference page)
# are held out for the independent acceptance check. These tests instead transcribe the R
# source of pachadotdev/economiccomplexity at 423d5b4 (v2.0.0) line by line in dense numpy:
# src/code.cpp L37–66 (fitness_method_), L156–163 (distance_), R/complexity_measures.R L53–77
# (iteration count, zero rows/columns dropped), R/complexity_outlook.R L58–66 (COI, COG).


@pytest.fixture(scope="module")
def r_mcp() -> pa.Table:
    """The R package's published binary Balassa index (31,951 ones; 226 × 785)."""
    ones = _csv("ref_R_economiccomplexity_mcp_ones.csv.gz")
    return pa.table(
        {
            "loc": ones["country"],
            "prod": ones["product"],
            "mcp": pa.array([1] * ones.num_rows, pa.int8()),
        }
    )


def _dense(mcp: pa.Table, locs: list[str], prods: list[str]) -> np.ndarray:
    li = {v: i for i, v in enumerate(locs)}
    pj = {v: i for i, v in enumerate(prods)}
    ones = mcp.filter(pc.equal(mcp["mcp"], 1))
    m = np.zeros((len(locs), len(prods)))
    m[[li[v] for v in ones["loc"].to_pylist()], [pj[v] for v in ones["prod"].to_pylist()]] = 1
    return m


def _r_fitness_method(res: np.ndarray, iterations: int, extremality: float) -> tuple:
    """src/code.cpp fitness_method_, transcribed: columns 0 … iterations − 1, column 0 ones."""
    kx = np.zeros((res.shape[0], iterations))
    ky = np.zeros((res.shape[1], iterations))
    kx[:, 0] = 1
    ky[:, 0] = 1
    for j in range(1, iterations):
        kx[:, j] = res @ ky[:, j - 1]
        kx[:, j] /= kx[:, j].mean()
        ky[:, j] = 1 / (res.T @ (1 / kx[:, j - 1]) ** extremality) ** (1 / extremality)
        ky[:, j] /= ky[:, j].mean()
    return kx[:, iterations - 1], ky[:, iterations - 1]


def test_fitness_fixed_iterations_hand_worked() -> None:
    r"""A{x,y,z}, B{x,y}, C{x} (nested), R's counting: iteration 1 is F = Q = 1.

    Iteration 2 (one update from ones): F̃ = M·1 = (3, 2, 1), mean 2 → F = (3/2, 1, 1/2);
    Q̃_p = 1/Σ_c M_cp = 1/ubiquity = (1/3, 1/2, 1), mean 11/18 → Q = (6/11, 9/11, 18/11).

    Iteration 3: F̃ = M·Q = (33/11, 15/11, 6/11), mean 18/11 → F = (11/6, 5/6, 1/3);
    1/F = (2/3, 1, 2), so Q̃ = (1/(2/3+1+2), 1/(2/3+1), 1/(2/3)) = (3/11, 3/5, 3/2),
    mean 87/110 → Q = (10/29, 22/29, 55/29).

    The map does not converge here (C's fitness tends to 0), so only fixed iterations answer.
    """
    m = _mcp({"A": ["x", "y", "z"], "B": ["x", "y"], "C": ["x"]})
    want = {
        2: ([Fraction(3, 2), Fraction(1), Fraction(1, 2)], [Fraction(n, 11) for n in (6, 9, 18)]),
        3: (
            [Fraction(11, 6), Fraction(5, 6), Fraction(1, 3)],
            [Fraction(n, 29) for n in (10, 22, 55)],
        ),
    }
    # the same numbers from exact rational arithmetic, as a check on the hand calculation
    rows = {"A": "xyz", "B": "xy", "C": "x"}
    f = dict.fromkeys(rows, Fraction(1))
    q = dict.fromkeys("xyz", Fraction(1))
    for n in (2, 3):
        ft = {c: sum((q[p] for p in ps), Fraction(0)) for c, ps in rows.items()}
        qt = {p: 1 / sum((1 / f[c] for c, ps in rows.items() if p in ps), Fraction(0)) for p in q}
        f = {c: v / (sum(ft.values()) / 3) for c, v in ft.items()}
        q = {p: v / (sum(qt.values()) / 3) for p, v in qt.items()}
        assert (list(f.values()), list(q.values())) == want[n]
    for n, (wf, wq) in want.items():
        ft_, qt_ = fit.fitness_complexity(m, iterations=n)
        assert ft_.column("fitness").to_pylist() == pytest.approx([float(v) for v in wf], rel=1e-15)
        assert qt_.column("complexity").to_pylist() == pytest.approx(
            [float(v) for v in wq], rel=1e-15
        )
        assert ft_.schema == fit.FITNESS_SCHEMA and qt_.schema == fit.PRODUCT_COMPLEXITY_SCHEMA
    with pytest.raises(ConvergenceError):
        fit.fitness_complexity(m)


def test_fitness_iterations_match_r_source(r_mcp: pa.Table) -> None:
    """iterations=N equals R's fitness_method_(M, N, γ) on R's Mcp, relative |Δ| < 1e-12.

    N = 20, γ = 1 are complexity_measures()'s defaults (the published output); N = 4, γ = 2 is
    the R package's own test. 20 iterations in R's counting are 19 updates, so they differ from
    iterations=21 (20 updates) by ~1e-4.
    """
    f, q = fit.fitness_complexity(r_mcp, iterations=20)
    locs, prods = f.column("loc").to_pylist(), q.column("prod").to_pylist()
    assert (len(locs), len(prods)) == (226, 785)
    res = _dense(r_mcp, locs, prods)
    for n, gamma in ((20, 1.0), (4, 2.0), (2, 1.0)):
        f, q = fit.fitness_complexity(r_mcp, iterations=n, extremality=gamma)
        rx, ry = _r_fitness_method(res, n, gamma)
        assert np.abs(f.column("fitness").to_numpy() / rx - 1).max() < 1e-12
        assert np.abs(q.column("complexity").to_numpy() / ry - 1).max() < 1e-12
    f21, _ = fit.fitness_complexity(r_mcp, iterations=21)
    rx20, _ = _r_fitness_method(res, 20, 1.0)
    assert np.abs(f21.column("fitness").to_numpy() - rx20).max() > 1e-5


def test_fitness_iterations_approach_convergence(world_mcp: pa.Table) -> None:
    """Many fixed iterations reach the converged fixed point; the default path is unchanged."""
    fc, qc = fit.fitness_complexity(world_mcp, tol=1e-12)
    f, q = fit.fitness_complexity(world_mcp, iterations=1000)
    assert np.abs(f.column("fitness").to_numpy() - fc.column("fitness").to_numpy()).max() < 1e-9
    assert (
        np.abs(q.column("complexity").to_numpy() - qc.column("complexity").to_numpy()).max() < 1e-9
    )
    f1, q1 = fit.fitness_complexity(world_mcp, extremality=1.0)
    f0, q0 = fit.fitness_complexity(world_mcp)
    assert f1.equals(f0) and q1.equals(q0)


def test_fitness_iterations_arguments() -> None:
    m = _mcp({"A": ["x", "y", "z"], "B": ["x", "y"], "C": ["x"]})
    for bad in (1, 0, -3, 2.5, True, "20"):
        with pytest.raises(InputError, match="iterations"):
            fit.fitness_complexity(m, iterations=bad)  # type: ignore[arg-type]
    for bad_g in (0.0, -1.0, float("nan"), float("inf"), "2"):
        with pytest.raises(InputError, match="extremality"):
            fit.fitness_complexity(m, iterations=4, extremality=bad_g)  # type: ignore[arg-type]
    # γ = 2000: (1/2)^-2000 overflows at the second update; R would return NaN there
    with pytest.raises(ComputationError, match="iteration 3 of 4"):
        fit.fitness_complexity(m, iterations=4, extremality=2000.0)
    empty = m.slice(0, 0)
    f, q = fit.fitness_complexity(empty, iterations=20)
    assert f.num_rows == 0 and q.schema == fit.PRODUCT_COMPLEXITY_SCHEMA


def test_fitness_iterations_zero_rows_dropped_as_r() -> None:
    """R drops zero rows/columns before iterating; here they are null and the rest unchanged."""
    m = _mcp({"A": ["x", "y", "z"], "B": ["x", "y"], "C": ["x"]})
    extra = pa.table({"loc": ["D", "A"], "prod": ["x", "w"], "mcp": pa.array([0, 0], pa.int8())})
    with pytest.warns(UserWarning, match="'D'"):
        f, q = fit.fitness_complexity(pa.concat_tables([m, extra]), iterations=3)
    assert f.column("fitness").to_pylist() == pytest.approx([11 / 6, 5 / 6, 1 / 3, None])
    assert q.column("prod").to_pylist() == ["w", "x", "y", "z"]
    assert q.column("complexity").to_pylist()[0] is None


def test_coi_cog_with_fitness_match_r_source(r_mcp: pa.Table) -> None:
    """COI/COG on fitness complexity (20 iterations) vs R's complexity_outlook(), rel. |Δ| < 1e-12.

    R: distance = (1 − M) · (φ / rowSums φ)ᵀ; COI = Σ_p (1 − distance)(1 − M) · complexity;
    COG = (1 − M) ∘ ((1 − M) · (φ ∘ complexity / rowSums φ)). No normalisation: normalise="none".
    """
    f, q = fit.fitness_complexity(r_mcp, iterations=20)
    locs, prods = f.column("loc").to_pylist(), q.column("prod").to_pylist()
    res = _dense(r_mcp, locs, prods)
    _, yci = _r_fitness_method(res, 20, 1.0)
    u = res.sum(axis=0)
    phi = (res.T @ res) / np.maximum(u[:, np.newaxis], u[np.newaxis, :])
    dist = (1 - res) @ (phi / phi.sum(axis=1)[:, np.newaxis]).T
    coi_r = ((1 - dist) * (1 - res)) @ yci
    cog_r = (1 - res) * ((1 - res) @ (phi * (yci / phi.sum(axis=1))[:, np.newaxis]))

    coi = psp.complexity_outlook(r_mcp, complexity=q, normalise="none")
    assert coi.column("loc").to_pylist() == locs
    assert np.abs(coi.column("coi").to_numpy() / coi_r - 1).max() < 1e-12
    cog = psp.complexity_outlook_gain(r_mcp, complexity=q).column("cog").to_numpy()
    assert np.abs(cog.reshape(res.shape) - cog_r).max() < 1e-12
    z = psp.complexity_outlook(r_mcp, complexity=q).column("coi").to_numpy()
    assert z == pytest.approx((coi_r - coi_r.mean()) / coi_r.std(), abs=1e-10)


def test_outlook_default_is_scale_pci(toy_mcp: pa.Table, world_mcp: pa.Table) -> None:
    """complexity=None equals passing PCI with normalise="scale" (and the z-scored PCI does not)."""
    for m in (toy_mcp, world_mcp):
        _, pci_s = cx.eci_pci(m, normalise="scale")
        assert psp.complexity_outlook(m, complexity=pci_s).equals(psp.complexity_outlook(m))
        assert psp.complexity_outlook_gain(m, complexity=pci_s).equals(
            psp.complexity_outlook_gain(m)
        )
    _, pci_z = cx.eci_pci(world_mcp)
    a = psp.complexity_outlook(world_mcp, complexity=pci_z, normalise="none")
    b = psp.complexity_outlook(world_mcp, normalise="none")
    assert not np.allclose(a.column("coi").to_numpy(), b.column("coi").to_numpy())


def test_outlook_custom_complexity_hand_worked() -> None:
    """A{x,y}, B{x}; complexity x = 1, y = 3 (φ_xy = ½, diagonal 1; see the density test).

    COI_A = 0 (A has every product); COI_B = ω_By · 1 · 3 = (½ / (3/2)) · 3 = 1.
    COG_By = (1 − M_By) · φ_yy / Σ_p φ_py · (1 − M_By) · 3 = 1 / (3/2) · 3 = 2; all else 0
    (M = 1 there). z-scored COI over A, B: (−1, 1).
    """
    m = _mcp({"A": ["x", "y"], "B": ["x"]})
    q = pa.table({"prod": ["y", "x", "unused"], "value": [3, 1, 9]})  # int, any order, extras
    coi = psp.complexity_outlook(m, complexity=q, normalise="none")
    assert coi.to_pylist() == [{"loc": "A", "coi": 0.0}, {"loc": "B", "coi": pytest.approx(1.0)}]
    assert psp.complexity_outlook(m, complexity=q).column("coi").to_pylist() == pytest.approx(
        [-1.0, 1.0]
    )
    cog = psp.complexity_outlook_gain(m, complexity=q)
    assert cog.column("cog").to_pylist() == pytest.approx([0.0, 0.0, 0.0, 2.0])
    assert cog.schema == psp.COG_SCHEMA
    # any of the accepted value-column names, e.g. fitness_complexity's product table
    q2 = pa.table({"prod": ["x", "y"], "ubiquity": [2, 1], "complexity": [1.0, 3.0]})
    assert psp.complexity_outlook(m, complexity=q2, normalise="none").equals(coi)


def test_outlook_complexity_table_errors() -> None:
    m = _mcp({"A": ["x", "y"], "B": ["x"]})
    for func in (psp.complexity_outlook, psp.complexity_outlook_gain):
        name = func.__name__
        with pytest.raises(SchemaError, match=rf"{name}.*'prod'"):
            func(m, complexity=pa.table({"product": ["x", "y"], "pci": [1.0, 2.0]}))
        with pytest.raises(SchemaError, match="exactly one value column"):
            func(m, complexity=pa.table({"prod": ["x", "y"], "score": [1.0, 2.0]}))
        with pytest.raises(SchemaError, match="exactly one value column"):
            func(m, complexity=pa.table({"prod": ["x", "y"], "pci": [1.0, 2], "value": [1, 2]}))
        with pytest.raises(SchemaError, match="'pci' has type string"):
            func(m, complexity=pa.table({"prod": ["x", "y"], "pci": ["1", "2"]}))
        with pytest.raises(SchemaError, match=r"pyarrow\.Table"):
            func(m, complexity={"prod": ["x"], "pci": [1.0]})  # type: ignore[arg-type]
        with pytest.raises(InputError, match="duplicate"):
            func(m, complexity=pa.table({"prod": ["x", "x", "y"], "pci": [1.0, 1.0, 2.0]}))
        with pytest.raises(InputError, match=r"no finite 'pci' for 1 product.*'y'"):
            func(m, complexity=pa.table({"prod": ["x"], "pci": [1.0]}))
        with pytest.raises(InputError, match="no finite 'pci'"):
            func(m, complexity=pa.table({"prod": ["x", "y"], "pci": [1.0, None]}))


def test_outlook_complexity_zero_rows() -> None:
    """A zero-ubiquity product may have a null value; a zero-diversity location is null."""
    m = pa.concat_tables(
        [
            _mcp({"A": ["x", "y"], "B": ["x"]}),
            pa.table({"loc": ["C", "A"], "prod": ["x", "w"], "mcp": pa.array([0, 0], pa.int8())}),
        ]
    )
    q = pa.table({"prod": ["w", "x", "y"], "complexity": [None, 1.0, 3.0]})
    with pytest.warns(UserWarning, match="'C'"):
        coi = psp.complexity_outlook(m, complexity=q, normalise="none")
    assert coi.column("coi").to_pylist() == [0.0, pytest.approx(1.0), None]
    with pytest.warns(UserWarning, match="'w'"):
        cog = psp.complexity_outlook_gain(m, complexity=q)
    got = _lookup(cog, ["loc", "prod"], "cog")
    assert got[("B", "y")] == pytest.approx(2.0)
    assert got[("B", "w")] is None and got[("C", "y")] is None
    _, fq = fit.fitness_complexity(_mcp({"A": ["x", "y"], "B": ["x"]}), iterations=20)
    empty = m.slice(0, 0)
    assert psp.complexity_outlook(empty, complexity=fq).schema == psp.COI_SCHEMA
    assert psp.complexity_outlook_gain(empty, complexity=fq).num_rows == 0
