"""Tests for forcemap.store.reference: shipped vocabularies and the industry catalog."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from forcemap.errors import InputError, NotFoundError, ParseError
from forcemap.store.reference import (
    REFERENCE_TABLES,
    IndustryCatalog,
    attach_reference,
    broad_concept_levels,
    ipc_to_wipo_field,
    load_industry_catalog,
    reference_table,
)

# CPC subclasses introduced after the shipped CPC titles (2022-08), used by the catalog.
NEWER_THAN_TITLES = {"H10B", "H10K", "H10N", "B64U"}

INDUSTRIES = {
    "semiconductors",
    "nev_batteries",
    "quantum",
    "ai",
    "biomedicine",
    "aerospace",
    "advanced_materials",
    "clean_energy",
    "rail",
    "telecom",
    "robotics",
    "marine",
}


# --- reference tables ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        ("countries", 249),
        ("cpc_titles", 10_592),
        ("ipc_technology", 764),
        ("wipo_fields", 35),
        ("hs", 6_939),  # 6,940 data rows in the file less the TOTAL row
        ("hs_sections", 21),
        ("openalex_topics", 4_516),
        ("openalex_concepts_broad", 242),
    ],
)
def test_reference_table_row_counts(name: str, rows: int) -> None:
    """Row counts as stated in the shared PROVENANCE.md."""
    assert reference_table(name).num_rows == rows


def test_reference_table_names_are_all_covered() -> None:
    assert set(REFERENCE_TABLES) == {
        "countries",
        "cpc_titles",
        "ipc_technology",
        "wipo_fields",
        "hs",
        "hs_sections",
        "openalex_topics",
        "openalex_concepts_broad",
    }


def test_broad_concepts_are_levels_0_and_1() -> None:
    """OpenAlex has 19 root (level-0) concepts (OpenAlex docs, 'Concepts'); all are shipped,
    with the level-1 concepts of the SYNERGY sample."""
    t = reference_table("openalex_concepts_broad")
    levels = t["level"].to_pylist()
    assert set(levels) == {0, 1} and levels.count(0) == 19
    lv = broad_concept_levels()
    assert lv["C127413603"] == ("Engineering", 0)
    assert lv["C78519656"] == ("Mechanical engineering", 1)
    assert lv["C71924100"] == ("Medicine", 0)
    assert "C203635412" not in lv  # Compartment (ship), level 2: specific


def test_countries_columns_and_lookups() -> None:
    t = reference_table("countries")
    assert t.column_names[:7] == [
        "iso2",
        "iso3",
        "iso_numeric",
        "name",
        "short_name",
        "region",
        "subregion",
    ]
    rows = {r["iso2"]: r for r in t.to_pylist()}
    # Namibia's code "NA" must not be read as a null; North America's continent code neither.
    assert rows["NA"]["iso3"] == "NAM" and rows["NA"]["continent"] == "Africa"
    assert rows["US"]["continent_code"] == "NA" and rows["US"]["continent"] == "North America"
    assert rows["CN"]["iso_numeric"] == 156 and rows["CN"]["subregion"] == "Eastern Asia"
    assert rows["DE"]["region"] == "Europe"
    assert t["iso2"].null_count == 0 and t["iso3"].null_count == 0
    assert len(set(t["iso3"].to_pylist())) == 249


def test_topics_cpc_hs_lookups() -> None:
    topics = {r["topic_id"]: r for r in reference_table("openalex_topics").to_pylist()}
    assert topics["T10018"]["topic_name"] == "Lithium-ion Battery Technology"
    assert topics["T10299"]["subfield_id"] == "2208"
    assert topics["T10299"]["domain_name"] == "Physical Sciences"
    assert all(re.fullmatch(r"T\d+", t) for t in topics)
    cpc = {r["code"]: r for r in reference_table("cpc_titles").to_pylist()}
    assert cpc["G03F7/00"]["level"] == "main_group"
    assert cpc["H01L"]["level"] == "subclass"
    hs = {r["hs_code"]: r for r in reference_table("hs").to_pylist()}
    assert hs["850760"]["parent"] == "8507" and hs["850760"]["level"] == 6
    assert hs["85"]["parent"] is None and hs["85"]["section"] == "XVI"
    sections = reference_table("hs_sections")
    assert sections["section"].to_pylist()[15] == "XVI"


def test_unknown_reference_table_lists_valid_names() -> None:
    with pytest.raises(NotFoundError, match="valid names: countries, cpc_titles"):
        reference_table("concepts")


def test_attach_reference_registers_views() -> None:
    con = duckdb.connect()
    names = attach_reference(con)
    assert names == [f"ref_{n}" for n in REFERENCE_TABLES]
    n = con.sql(
        "SELECT count(*) FROM ref_countries c JOIN ref_countries d ON c.iso2 = d.iso2"
    ).fetchall()
    assert n == [(249,)]
    fields = con.sql("SELECT count(DISTINCT field_number) FROM ref_ipc_technology").fetchall()
    assert fields == [(35,)]


# --- WIPO fields -----------------------------------------------------------------------------


def test_ipc_to_wipo_field_known_lookups() -> None:
    """Fields per the WIPO concordance (Schmoch 2008): H01L → 8, G06N → 6, G01N33 → 11."""
    out = ipc_to_wipo_field(
        ["H01L21/027", "G06N3/08", "G01N 33/50", "G01N35/00", "a61k 8/02", "Y02E10/50", None]
    )
    assert out.column_names == ["symbol", "ipc_prefix", "field_number", "field_name", "sector"]
    rows = out.to_pylist()
    assert [r["field_name"] for r in rows] == [
        "Semiconductors",
        "Computer technology",
        "Analysis of biological materials",
        "Measurement",
        "Organic fine chemistry",
        None,
        None,
    ]
    assert rows[2]["ipc_prefix"] == "G01N33/"  # longest prefix wins over nothing shorter
    assert rows[0]["sector"] == "Electrical engineering"


def test_ipc_to_wipo_field_longest_prefix_and_order() -> None:
    # A61K is Pharmaceuticals (16) but A61K8/ is Organic fine chemistry (14).
    out = ipc_to_wipo_field(pa.array(["A61K8/02", "A61K31/00", "A61K8/02"]))
    assert out["field_number"].to_pylist() == [14, 16, 14]
    assert out["symbol"].to_pylist() == ["A61K8/02", "A61K31/00", "A61K8/02"]


def test_ipc_to_wipo_field_empty() -> None:
    out = ipc_to_wipo_field([])
    assert out.num_rows == 0 and out.schema.field("field_number").type == pa.int8()


# --- industry catalog: shipped ---------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog() -> IndustryCatalog:
    return load_industry_catalog()


def test_catalog_has_the_twelve_industries(catalog: IndustryCatalog) -> None:
    assert set(catalog) == INDUSTRIES
    assert len(catalog) == 12 and set(catalog.keys()) == INDUSTRIES
    for ind in catalog.values():
        assert ind.cpc and ind.topics and ind.keywords, ind.key
        # no shipped entry names a broad concept (OpenAlex levels 0-1): they never decide
        assert ind.broad_concepts == (), ind.key
        assert all(s.broad_concepts == () for s in ind.sub_technologies), ind.key
        assert not set(ind.concepts) & set(broad_concept_levels()), ind.key
        assert 3 <= len(ind.sub_technologies) <= 8, ind.key
        assert all(s.cpc for s in ind.sub_technologies), ind.key
    assert "ai" in catalog and "nope" not in catalog and catalog.get("nope") is None
    with pytest.raises(NotFoundError, match="no industry 'nope'"):
        catalog["nope"]


def test_catalog_lithography(catalog: IndustryCatalog) -> None:
    litho = {s.key: s for s in catalog["semiconductors"].sub_technologies}["lithography"]
    assert {"G03F7/20", "G03F7/70", "H01L21/027"} <= set(litho.cpc)
    m = catalog.match_cpc(["G03F7/70341", "H01L21/0274", "G03F7/16"], sub_technologies=True)
    assert m.to_pylist() == [
        {"symbol": "G03F7/16", "industry": "semiconductors", "sub_technology": None},
        {"symbol": "G03F7/70341", "industry": "semiconductors", "sub_technology": "lithography"},
        {"symbol": "H01L21/0274", "industry": "semiconductors", "sub_technology": "lithography"},
    ]


def test_catalog_cpc_patterns_exist_in_cpc_scheme(catalog: IndustryCatalog) -> None:
    """Every pattern's main group, subclass or class is a code in the CPC titles."""
    codes = set(reference_table("cpc_titles")["code"].to_pylist())
    patterns = catalog.cpc_patterns()
    assert patterns.column_names == ["industry", "sub_technology", "pattern"]
    for p in patterns["pattern"].to_pylist():
        if p[:4] in NEWER_THAN_TITLES:
            continue
        head = p.split("/")[0]
        anchor = head + "/00" if "/" in p else head
        assert anchor in codes, p


def test_catalog_topics_hs_concepts_validate(catalog: IndustryCatalog) -> None:
    topics = set(reference_table("openalex_topics")["topic_id"].to_pylist())
    hs = set(reference_table("hs")["hs_code"].to_pylist())
    links = catalog.topic_links()
    assert links.column_names == ["industry", "topic_id"]
    assert set(links["topic_id"].to_pylist()) <= topics
    assert set(catalog.hs_links()["hs_prefix"].to_pylist()) <= hs
    assert all(re.fullmatch(r"C\d+", c) for c in catalog.concept_links()["concept_id"].to_pylist())
    # biomedicine is found by specific concepts (Biosimilar, level 2), not by Medicine (level 0)
    links = catalog.concept_links().to_pylist()
    assert {"industry": "biomedicine", "concept_id": "C59491497"} in links
    assert {"industry": "biomedicine", "concept_id": "C71924100"} not in links
    assert catalog.broad_concept_links().num_rows == 0
    kw = catalog.keywords()
    assert kw.column_names == ["industry", "keyword"] and kw.num_rows > 100


def test_match_cpc_by_prefix(catalog: IndustryCatalog) -> None:
    m = catalog.match_cpc(pa.array(["G06N 3/08", "H04W72/04", "A01B1/00", "H01M10/0525"]))
    assert m.to_pylist() == [
        {"symbol": "G06N 3/08", "industry": "ai"},
        {"symbol": "H01M10/0525", "industry": "nev_batteries"},
        {"symbol": "H04W72/04", "industry": "telecom"},
    ]
    # a bare main group pattern (H01M10 → H01M10/) must not match H01M100/...
    assert catalog.match_cpc(["H01M100/00"]).num_rows == 0


# --- industry catalog: user files ------------------------------------------------------------

USER_YAML = """
industries:
  - key: hydrogen_aviation
    name: Hydrogen aviation
    cpc: [B64D37/30, F02C3/22]
    topics: [T11007]
    hs: ["8802"]
    keywords: [hydrogen aircraft]
    sub_technologies:
      - key: tanks
        name: Cryogenic tanks
        cpc: [F17C1/]
  - key: quantum
    name: Quantum (user)
    cpc: [G06N10]
"""


def _write(tmp_path: Path, text: str, name: str = "user.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_user_yaml_adds_and_replaces(tmp_path: Path) -> None:
    cat = load_industry_catalog(_write(tmp_path, USER_YAML))
    assert len(cat) == 13
    assert list(cat)[-1] == "hydrogen_aviation"
    assert list(cat).index("quantum") == 2  # replaced in place
    q = cat["quantum"]
    assert q.name == "Quantum (user)" and q.cpc == ("G06N10/",) and q.sub_technologies == ()
    assert cat["hydrogen_aviation"].sub_technologies[0].cpc == ("F17C1/",)
    m = cat.match_cpc(["F17C1/00"], sub_technologies=True).to_pylist()
    assert {"symbol": "F17C1/00", "industry": "hydrogen_aviation", "sub_technology": "tanks"} in m


def test_later_user_file_wins(tmp_path: Path) -> None:
    a = _write(tmp_path, "industries:\n  - {key: x, name: A, cpc: [H01L]}\n", "a.yaml")
    b = _write(tmp_path, "industries:\n  - {key: x, name: B, cpc: [H02S]}\n", "b.yaml")
    assert load_industry_catalog(a, b)["x"].name == "B"


@pytest.mark.parametrize(
    ("body", "key", "field", "what"),
    [
        ("- {key: k1, name: N, cpc: [H01L], colour: red}", "k1", "colour", "unknown field"),
        ("- {key: k2, cpc: [H01L]}", "k2", "name", "required field missing"),
        ("- {key: k3, name: N, cpc: [H1L21]}", "k3", "cpc", "not a CPC symbol prefix"),
        ("- {key: k4, name: N, cpc: [H01L], hs: ['850']}", "k4", "hs", "2, 4 or 6 digits"),
        ("- {key: k5, name: N, cpc: [H01L], topics: [T99999999]}", "k5", "topics", "topic table"),
        ("- {key: k6, name: N, cpc: [H01L], concepts: [Q42]}", "k6", "concepts", "concept id"),
        (
            "- {key: k7, name: N, cpc: [H01L]}\n  - {key: k7, name: M, cpc: [H02S]}",
            "k7",
            "key",
            "duplicate",
        ),
        (
            "- {key: k8, name: N, cpc: [H01L], sub_technologies: [{key: s, name: S, cpc: [X]}]}",
            "k8.s",
            "cpc",
            "not a CPC symbol prefix",
        ),
        (
            "- {key: k9, name: N, cpc: [H01L], sub_technologies: [{key: s, name: S}]}",
            "s",
            "cpc",
            "required field missing",
        ),
        ("- {key: k10, name: N, cpc: H01L}", "k10", "cpc", "must be a list"),
    ],
)
def test_validation_errors_name_file_key_and_field(
    tmp_path: Path, body: str, key: str, field: str, what: str
) -> None:
    path = _write(tmp_path, "industries:\n  " + body + "\n")
    with pytest.raises(InputError) as err:
        load_industry_catalog(path)
    msg = str(err.value)
    assert str(path) in msg and f"industry {key!r}" in msg and f"field {field!r}" in msg, msg
    assert what in msg, msg


def test_broad_only_entry_is_an_error_naming_entry_and_concept(tmp_path: Path) -> None:
    """'Engineering' (level 0) and 'Mechanical engineering' (level 1) alone cannot define an
    industry: loading the file fails, naming the file, the entry and the concept."""
    path = _write(
        tmp_path,
        "industries:\n  - {key: eng, name: E, cpc: [B61B], concepts: [C127413603, C78519656]}\n",
    )
    with pytest.raises(InputError) as err:
        load_industry_catalog(path)
    msg = str(err.value)
    assert str(path) in msg and "industry 'eng'" in msg and "field 'concepts'" in msg, msg
    assert "'C127413603' (Engineering, OpenAlex level 0)" in msg and "broad concept" in msg, msg
    sub = _write(
        tmp_path,
        "industries:\n  - key: ok\n    name: O\n    cpc: [B61B]\n    topics: [T10842]\n"
        "    sub_technologies:\n      - {key: s, name: S, cpc: [B61C], concepts: [C78519656]}\n",
        "sub.yaml",
    )
    with pytest.raises(InputError, match=r"industry 'ok\.s'.*'C78519656' \(Mechanical engineering"):
        load_industry_catalog(sub)
    # not strict: kept, the broad concepts recorded, none deciding membership
    kept = load_industry_catalog(path, strict=False)["eng"]
    assert kept.concepts == () and kept.broad_concepts == ("C127413603", "C78519656")


def test_broad_concept_beside_a_specific_one_is_kept_apart(tmp_path: Path) -> None:
    """A broad concept next to a specific concept (or a topic) loads, but only the specific
    concept decides membership."""
    path = _write(
        tmp_path,
        "industries:\n"
        "  - {key: ship, name: S, cpc: [B63B], concepts: [C127413603, C203635412]}\n"
        "  - {key: tr, name: T, cpc: [B61B], concepts: [C22212356], topics: [T10842]}\n",
    )
    cat = load_industry_catalog(path)
    assert cat["ship"].concepts == ("C203635412",)
    assert cat["ship"].broad_concepts == ("C127413603",)
    assert cat["tr"].concepts == () and cat["tr"].broad_concepts == ("C22212356",)
    links = cat.concept_links()
    assert "C127413603" not in links["concept_id"].to_pylist()
    assert {"industry": "ship", "concept_id": "C127413603"} in cat.broad_concept_links().to_pylist()


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="field 'industries'"):
        load_industry_catalog(_write(tmp_path, "version: 1\n"))
    with pytest.raises(InputError, match="field 'extra'"):
        load_industry_catalog(_write(tmp_path, "industries: []\nextra: 1\n"))
    with pytest.raises(ParseError, match=r"bad\.yaml:\d+"):
        load_industry_catalog(_write(tmp_path, "industries: [\n  - {key: x\n", "bad.yaml"))
    with pytest.raises(NotFoundError, match="does not exist"):
        load_industry_catalog(tmp_path / "missing.yaml")
