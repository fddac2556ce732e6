"""Organisation resolution: ROR and name merges, overrides, individuals, atomicity, report."""

from __future__ import annotations

from pathlib import Path

import pytest

import forcemap.store.organizations as orgmod
from forcemap.errors import NotFoundError, ParseError, SchemaError, StoreError
from forcemap.store import Store
from forcemap.store.organizations import (
    ORG_TYPES,
    normalize_org_name,
    resolve_organizations,
)

OVERRIDES = Path(__file__).parent.parent / "data" / "org_overrides.csv"

INSTITUTIONS = [
    # institution_id, ror, name, type, country_code, city
    ("I45084792", "04jr1s763", "University of Florence", "education", "IT", "Florence"),
    ("I987", "https://ror.org/04jr1s763", "Università di Firenze", "education", "IT", None),
    ("I3", "059mq0909", "Siemens AG", "company", "DE", "Munich"),
    ("I4", None, "Acme Research", "facility", "US", None),
]
ASSIGNEES = [
    # patent_id, seq, assignee_id, name, type, country_code, city
    ("US-1", 1, "I45084792", "Univ. Florence", "company", "IT", None),
    ("US-2", 1, "pv:a1", "SIEMENS Aktiengesellschaft", "3", "DE", "Munich"),
    ("US-3", 1, "pv:a2", "Société Générale S.A.", "company", "FR", "Paris"),
    ("US-4", 1, "pv:a3", "SOCIETE GENERALE", "company", "FR", None),
    ("US-5", 1, "pv:a4", "Acme, Inc.", "company", "US", None),
    ("US-5", 2, "pv:a5", "John Smith", "individual", "US", None),
    ("US-6", 1, "pv:a5", "John Smith", "individual", "US", None),
    ("US-6", 2, "pv:a7", "Massachusetts Institute of Technology", "2", "US", "Cambridge"),
    ("US-7", 1, "pv:a8", "Globex Corporation", "company", "US", None),
    ("US-8", 1, "pv:apple", "Apple Inc.", "company", "US", "Cupertino"),
]
PARTICIPANTS = [
    # project_id, org_id, name, role, type, country_code, contribution
    ("P1", "ror:04jr1s763", "UNIFI", "coordinator", "HES", "IT", 1.0),
    ("P1", "I45084792", "University of Florence", "participant", "HES", "IT", 1.0),
    ("P2", "P-SG", "Societe Generale", "participant", "PRC", "FR", 1.0),
    ("P2", "P-ACME-GB", "ACME Ltd", "participant", "PRC", "GB", 1.0),
    ("P3", "P-GLOBEX", "Globex Holdings", "participant", "PRC", "US", 1.0),
    ("P3", "P-APPLE", "Apple", "participant", "PRC", "US", 1.0),
]


def _load(store: Store) -> None:
    con = store.con
    con.executemany("INSERT INTO institutions VALUES (?, ?, ?, ?, ?, ?, 'test')", INSTITUTIONS)
    con.executemany(
        "INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, type, country_code, "
        "city) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ASSIGNEES,
    )
    con.executemany("INSERT INTO project_participants VALUES (?, ?, ?, ?, ?, ?, ?)", PARTICIPANTS)


def _aliases(store: Store) -> dict[tuple[str, str], tuple[str, str, str | None]]:
    rows = store.con.execute(
        "SELECT source, source_id, org_id, method, evidence FROM org_aliases"
    ).fetchall()
    return {(s, i): (o, m, e) for s, i, o, m, e in rows}


def _orgs(store: Store) -> dict[str, tuple[str | None, ...]]:
    rows = store.con.execute(
        "SELECT org_id, name, type, country_code, city, ror FROM organizations"
    ).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Société Générale S.A.", "societe generale"),
        ("SOCIETE GENERALE", "societe generale"),
        ("Siemens Aktiengesellschaft", "siemens"),
        ("SIEMENS AG", "siemens"),
        ("Samsung Electronics Co., Ltd.", "samsung elect"),
        ("The Boeing Company", "boeing"),
        ("AT&T Corp.", "at and t"),
        ("Robert Bosch GmbH & Co. KG", "robert bosch"),
        ("Acme Inc (synthetic)", "acme (synthetic)"),
        ("Company", "company"),  # stripping would leave nothing: keep the name
        ("华为技术有限公司", "华为技术有限公司"),
        ("  ", None),
        (None, None),
    ],
)
def test_normalize_org_name(raw: str | None, expected: str | None) -> None:
    assert normalize_org_name(raw) == expected


def test_synthetic_marker_prevents_merge_with_real_name() -> None:
    assert normalize_org_name("Acme (synthetic)") != normalize_org_name("Acme Synthetic")


def test_ror_merge_across_sources(store: Store) -> None:
    _load(store)
    resolve_organizations(store)
    al = _aliases(store)
    members = [
        ("institution", "I45084792"),
        ("institution", "I987"),
        ("assignee", "I45084792"),
        ("participant", "ror:04jr1s763"),
        ("participant", "I45084792"),
    ]
    # smallest institution id in numeric order (I987 < I45084792), not lexicographic
    assert {al[m][0] for m in members} == {"I987"}
    assert {al[m][1] for m in members} == {"ror"}
    assert {al[m][2] for m in members} == {"ror:04jr1s763"}
    name, typ, cc, city, ror = _orgs(store)["I987"]
    assert (name, typ, cc, ror) == ("Università di Firenze", "university", "IT", "04jr1s763")
    assert city == "Florence"  # first non-null city among members


def test_ror_without_institution_gets_ror_org_id(store: Store) -> None:
    store.con.execute(
        "INSERT INTO project_participants VALUES "
        "('P1', 'https://ror.org/01abcde23', 'Lab A', NULL, 'REC', 'NL', 1.0), "
        "('P2', 'ror:01abcde23', 'Lab A BV', NULL, 'REC', 'NL', 1.0)"
    )
    resolve_organizations(store)
    al = _aliases(store)
    assert al[("participant", "ror:01abcde23")] == ("ror:01abcde23", "ror", "ror:01abcde23")
    assert al[("participant", "https://ror.org/01abcde23")][0] == "ror:01abcde23"
    assert _orgs(store)["ror:01abcde23"][1] == "institute"


def test_name_merge_with_legal_forms_and_accents(store: Store) -> None:
    _load(store)
    report = resolve_organizations(store)
    al = _aliases(store)
    # a ROR-less assignee joins the ROR organisation with the same name and country
    assert al[("assignee", "pv:a1")] == ("I3", "name", "name:siemens|DE")
    assert al[("institution", "I3")][:2] == ("I3", "name")
    # ROR-less actors of equal (name, country) form one organisation, org_id from its first
    # member (assignee before participant, then by id)
    sg = [("assignee", "pv:a2"), ("assignee", "pv:a3"), ("participant", "P-SG")]
    assert {al[k] for k in sg} == {("pv:a2", "name", "name:societe generale|FR")}
    assert _orgs(store)["pv:a2"][:3] == ("Société Générale S.A.", "enterprise", "FR")
    assert any(e.startswith("ror:04jr1s763 -> I987: institution I987") for e in report.examples)
    assert any(e.startswith("name:societe generale|FR -> pv:a2") for e in report.examples)


def test_same_name_two_countries_stays_two_orgs(store: Store) -> None:
    _load(store)
    resolve_organizations(store)
    al = _aliases(store)
    assert al[("assignee", "pv:a4")] == ("pv:a4", "self", None)
    assert al[("participant", "P-ACME-GB")] == ("participant:P-ACME-GB", "self", None)
    assert normalize_org_name("Acme, Inc.") == normalize_org_name("ACME Ltd")


def test_distinct_rors_never_merge_by_name_and_ambiguity_is_reported(store: Store) -> None:
    store.con.execute(
        "INSERT INTO institutions VALUES "
        "('I10', '00aaaaa11', 'Ministry of Health', 'government', 'IL', NULL, 'test'), "
        "('I20', '00bbbbb22', 'Ministry of Health', 'government', 'IL', NULL, 'test')"
    )
    store.con.execute(
        "INSERT INTO patent_assignees "
        "(patent_id, seq, assignee_id, name, type, country_code, city) "
        "VALUES "
        "('US-1', 1, 'pv:m', 'The Ministry of Health', '7', 'IL', NULL)"
    )
    report = resolve_organizations(store)
    al = _aliases(store)
    assert al[("institution", "I10")][0] == "I10"
    assert al[("institution", "I20")][0] == "I20"
    assert al[("assignee", "pv:m")] == ("pv:m", "self", None)
    assert report.ambiguous_names == 1
    assert report.organizations == 3
    assert report.by_type == {"institute": 3}


def test_individuals_are_skipped(store: Store) -> None:
    _load(store)
    report = resolve_organizations(store)
    assert report.individuals_skipped == 1
    assert not [k for k in _aliases(store) if k[1] == "pv:a5"]


def test_types_are_unified(store: Store) -> None:
    _load(store)
    report = resolve_organizations(store)
    orgs = _orgs(store)
    assert orgs["I4"][1] == "facility"
    assert orgs["pv:a7"][1] == "university"  # PatentsView company code 2, university by name
    assert orgs["participant:P-ACME-GB"][1] == "enterprise"  # CORDIS PRC
    assert set(report.by_type) <= set(ORG_TYPES)
    assert sum(report.by_type.values()) == report.organizations


def test_type_rules_for_assignees_and_participants(store: Store) -> None:
    store.con.execute(
        "INSERT INTO patent_assignees "
        "(patent_id, seq, assignee_id, name, type, country_code, city) "
        "VALUES "
        "('US-1', 1, 'pv:f', 'Fraunhofer-Gesellschaft zur Förderung e.V.', '3', 'DE', NULL), "
        "('US-1', 2, 'pv:r', 'Regents of the University of California', '2', 'US', NULL), "
        "('US-2', 1, 'pv:d', 'Beijing Design Institute Co., Ltd.', '3', 'CN', NULL), "
        "('US-2', 2, 'pv:n', 'United States Navy', '6', 'US', NULL), "
        "('US-3', 1, 'pv:h', 'Jane Doe', '15', 'US', NULL)"
    )
    store.con.execute(
        "INSERT INTO project_participants VALUES "
        "('P1', 'X1', 'Clinic', NULL, 'hospital', 'FR', 1.0), "
        "('P1', 'X2', 'Something', NULL, 'OTH', 'FR', 1.0)"
    )
    r = resolve_organizations(store)
    types = {k: v[1] for k, v in _orgs(store).items()}
    assert types == {
        "pv:f": "institute",
        "pv:r": "university",
        "pv:d": "enterprise",  # "institute" in a company name with a legal form
        "pv:n": "institute",
        "participant:X1": "healthcare",
        "participant:X2": "other",
    }
    assert r.individuals_skipped == 1  # PatentsView code 15: foreign individual, part interest


def test_report_counts_without_overrides(store: Store) -> None:
    _load(store)
    r = resolve_organizations(store)
    assert (r.organizations, r.aliases) == (10, 18)
    assert (r.merged_by_ror, r.merged_by_name) == (5, 7)
    assert (r.overrides_applied, r.overrides_unmatched) == (0, [])
    assert r.by_type == {"enterprise": 7, "facility": 1, "university": 2}
    assert store.scalar("SELECT count(*) FROM organizations") == 10
    assert store.scalar("SELECT count(DISTINCT org_id) FROM org_aliases") == 10
    # every actor exactly once
    assert store.scalar("SELECT count(DISTINCT (source, source_id)) FROM org_aliases") == 18


def test_overrides_split_a_wrong_merge_and_merge_a_missed_one(store: Store) -> None:
    _load(store)
    resolve_organizations(store)
    assert _aliases(store)[("participant", "P-APPLE")][0] == "pv:apple"  # the wrong merge
    r = resolve_organizations(store, overrides=OVERRIDES)
    al = _aliases(store)
    orgs = _orgs(store)
    # split: the participant goes to a new organisation with the override's attributes
    assert al[("participant", "P-APPLE")] == (
        "apple-corps",
        "override",
        "override:org_overrides.csv:2",
    )
    assert orgs["apple-corps"][:3] == ("Apple Corps", "enterprise", "GB")
    # the actor left alone is now 'self'
    assert al[("assignee", "pv:apple")] == ("pv:apple", "self", None)
    # merge: the participant joins the assignee's organisation, whose attributes stay
    assert al[("participant", "P-GLOBEX")][:2] == ("pv:a8", "override")
    assert orgs["pv:a8"][:3] == ("Globex Corporation", "enterprise", "US")
    assert "participant:P-GLOBEX" not in orgs
    assert (r.overrides_applied, r.overrides_unmatched) == (
        2,
        ["org_overrides.csv:4: assignee pv:missing"],
    )
    assert (r.organizations, r.aliases, r.merged_by_ror, r.merged_by_name) == (10, 18, 5, 5)


def test_override_can_bring_in_an_individual(store: Store, tmp_path: Path) -> None:
    _load(store)
    f = tmp_path / "o.csv"
    f.write_text("source,source_id,org_id,type\nassignee,pv:a5,smith-lab,institute\n")
    r = resolve_organizations(store, overrides=f)
    assert r.individuals_skipped == 0
    assert _orgs(store)["smith-lab"][1] == "institute"


def test_idempotent(store: Store) -> None:
    _load(store)
    r1 = resolve_organizations(store, overrides=OVERRIDES)
    a1 = store.con.execute("SELECT * FROM org_aliases ORDER BY ALL").fetchall()
    o1 = store.con.execute("SELECT * FROM organizations ORDER BY ALL").fetchall()
    r2 = resolve_organizations(store, overrides=OVERRIDES)
    assert store.con.execute("SELECT * FROM org_aliases ORDER BY ALL").fetchall() == a1
    assert store.con.execute("SELECT * FROM organizations ORDER BY ALL").fetchall() == o1
    assert r1 == r2


def test_failure_leaves_previous_resolution_intact(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load(store)
    resolve_organizations(store)
    before = store.con.execute("SELECT * FROM org_aliases ORDER BY ALL").fetchall()
    orgs_before = store.con.execute("SELECT * FROM organizations ORDER BY ALL").fetchall()
    monkeypatch.setattr(orgmod, "_ORGS_SQL", "INSERT INTO organizations SELECT no_such_column")
    with pytest.raises(StoreError, match="organisation resolution failed"):
        resolve_organizations(store, overrides=OVERRIDES)
    assert store.con.execute("SELECT * FROM org_aliases ORDER BY ALL").fetchall() == before
    assert store.con.execute("SELECT * FROM organizations ORDER BY ALL").fetchall() == orgs_before
    monkeypatch.undo()
    assert resolve_organizations(store).organizations == 10  # the connection is usable


def test_empty_store(store: Store) -> None:
    r = resolve_organizations(store)
    assert (r.organizations, r.aliases, r.by_type, r.examples) == (0, 0, {}, [])


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("source,source_id,orgid\n", SchemaError, r"o\.csv: unknown column 'orgid'"),
        ("source,source_id,name\n", SchemaError, r"o\.csv: missing required column 'org_id'"),
        ("", SchemaError, r"o\.csv: overrides file is empty"),
        ("source,source_id,org_id\nproject,P1,x\n", ParseError, r"o\.csv:2: source 'project'"),
        ("source,source_id,org_id\nassignee,,x\n", ParseError, r"o\.csv:2: empty source_id"),
        (
            "source,source_id,org_id,type\nassignee,pv:a1,x,company\n",
            ParseError,
            r"o\.csv:2: type 'company'",
        ),
        (
            "source,source_id,org_id\nassignee,pv:a1,x\nassignee,pv:a1,y\n",
            ParseError,
            r"o\.csv:3: assignee pv:a1 is mapped to 'x' on line 2",
        ),
    ],
)
def test_bad_overrides_raise_and_change_nothing(
    store: Store, tmp_path: Path, text: str, error: type[Exception], match: str
) -> None:
    _load(store)
    resolve_organizations(store)
    before = store.con.execute("SELECT * FROM org_aliases ORDER BY ALL").fetchall()
    f = tmp_path / "o.csv"
    f.write_text(text)
    with pytest.raises(error, match=match):
        resolve_organizations(store, overrides=f)
    assert store.con.execute("SELECT * FROM org_aliases ORDER BY ALL").fetchall() == before


def test_missing_overrides_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"nope\.csv"):
        resolve_organizations(store, overrides=tmp_path / "nope.csv")


def test_read_only_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    Store.open(path).close()
    with Store.open(path, read_only=True) as s, pytest.raises(StoreError, match="read-only"):
        resolve_organizations(s)


@pytest.mark.parametrize(
    ("wos", "full"),
    [
        ("Univ Oxford", "University of Oxford"),
        ("Natl Inst Stand & Technol", "National Institute of Standards and Technology"),
        ("Chinese Acad Sci", "Chinese Academy of Sciences"),
        ("Ctr Sci & Technol Studies", "Centre for Science and Technology Studies (CWTS)"),
        ("Massachusetts Gen Hosp", "Massachusetts General Hospital"),
        ("Elsevier BV", "Elsevier (Netherlands)"),
    ],
)
def test_wos_abbreviations_and_qualifiers_normalise_like_full_names(wos: str, full: str) -> None:
    """Found by the cross-format corpus: WoS addresses abbreviate ("Univ", "Natl", "Technol")
    and drop "of"/"for"; ROR names carry a "(Country)" qualifier."""
    assert normalize_org_name(wos) == normalize_org_name(full)


def test_abbreviations_do_not_merge_different_names() -> None:
    assert normalize_org_name("Univ Oxford") != normalize_org_name("Oxford Brookes University")
    assert normalize_org_name("Elsevier (Netherlands) (synthetic)") == "elsevier (synthetic)"
    assert normalize_org_name("(CWTS)") == "cwts"  # stripping would leave nothing


def test_export_institutions_merge_by_name_and_get_a_type(store: Store) -> None:
    """Found by the cross-format corpus: export institutions (``wos:inst:…``) were taken for
    OpenAlex ids, so they never joined an OpenAlex institution by name, and, having no type,
    were all ``other``."""
    store.con.executemany(
        "INSERT INTO institutions VALUES (?, ?, ?, ?, ?, ?, 'test')",
        [
            ("I40120149", "052gg0110", "University of Oxford", "education", "GB", None),
            ("wos:inst:univ oxford", None, "Univ Oxford", None, "GB", "Oxford"),
            ("scopus:inst:university of oxford", None, "University of Oxford", None, "GB", None),
            ("wos:inst:elsevier bv", None, "Elsevier BV", None, "NL", "Amsterdam"),
            ("scopus:inst:elsevier b v", None, "Elsevier B.V.", None, "NL", "Amsterdam"),
            ("wos:inst:leiden univ", None, "Leiden Univ", None, "NL", "Leiden"),
        ],
    )
    report = resolve_organizations(store)
    al = _aliases(store)
    assert al[("institution", "wos:inst:univ oxford")] == (
        "I40120149",
        "name",
        "name:univ oxford|GB",
    )
    assert al[("institution", "scopus:inst:university of oxford")][0] == "I40120149"
    assert al[("institution", "scopus:inst:elsevier b v")] == (
        "wos:inst:elsevier bv",  # no OpenAlex institution: the shortest id names the org
        "name",
        "name:elsevier|NL",
    )
    orgs = _orgs(store)
    assert orgs["I40120149"][1:3] == ("university", "GB")
    assert orgs["wos:inst:elsevier bv"][1] == "enterprise"
    assert orgs["wos:inst:leiden univ"][1] == "university"
    assert report.organizations == 3
