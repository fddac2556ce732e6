"""Issue 9 acceptance: one corpus exported as WoS, Scopus and OpenAlex gives the same store.

``tests/data/exports/corpus/`` holds six works (four organisations in three countries, nine
citation links among them) written three times, exactly as each source exports them. Each
export is ingested into its own fresh store by the real reader and resolved by
:func:`resolve_organizations`; the works (by DOI), the internal citation links (as DOI pairs),
each authorship's organisation and the organisations (normalised name, country, type) must then
be the same in the three stores, and equal to the corpus as written by hand below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from forcemap.store import Store
from forcemap.store.ingest.bib_fields import surname_key
from forcemap.store.ingest.openalex import ingest_openalex
from forcemap.store.ingest.scopus import ingest_scopus
from forcemap.store.ingest.wos import ingest_wos
from forcemap.store.organizations import normalize_org_name, resolve_organizations
from forcemap.store.store import IngestReport

CORPUS = Path(__file__).parent.parent / "data" / "exports" / "corpus"
WOS = CORPUS / "corpus_wos.txt"
SCOPUS = CORPUS / "corpus_scopus.csv"
OPENALEX = CORPUS / "corpus_openalex.jsonl"

INGEST: dict[str, Callable[[Store], IngestReport]] = {
    "wos": lambda s: ingest_wos(s, WOS),
    "scopus": lambda s: ingest_scopus(s, SCOPUS),
    "openalex": lambda s: ingest_openalex(s, [OPENALEX]),
}

P1 = "10.5555/j.joi.2019.03.004"
P2 = "10.5555/s11192-020-03561-z"
P3 = "10.5555/qss_a_00155"
P4 = "10.5555/j.joi.2022.101245"
P5 = "10.5555/s11192-023-04672-0"
P6 = "10.5555/qss_a_00262"
WORKS = {P1, P2, P3, P4, P5, P6}
# WoS gives these with a DOI except P4->P3 and P6->P1 (matched by author/year/volume/page,
# P4 by article number); Scopus gives none with a DOI; OpenAlex by work id.
LINKS = {
    (P2, P1),
    (P3, P1),
    (P3, P2),
    (P4, P2),
    (P4, P3),
    (P5, P3),
    (P5, P4),
    (P6, P1),
    (P6, P5),
}
OX = ("univ oxford", "GB", "university")  # Univ Oxford / University of Oxford (ROR 052gg0110)
LE = ("leiden univ", "NL", "university")  # Leiden Univ / Leiden University (ROR 027bh9e22)
EL = ("elsevier", "NL", "enterprise")  # Elsevier BV / Elsevier B.V. / Elsevier (Netherlands)
WH = ("wuhan univ", "CN", "university")  # Wuhan Univ ... Peoples R China / Wuhan University
ORGS = {OX, LE, EL, WH}
# (doi, author position, surname key) -> organisations; de Vries has two affiliations
AUTHORSHIPS = {
    (P1, 1, "ellison"): {OX},
    (P1, 2, "okafor"): {OX},
    (P2, 1, "devries"): {LE, EL},
    (P2, 2, "jansen"): {EL},
    (P3, 1, "wang"): {WH},
    (P3, 2, "chen"): {WH},
    (P3, 3, "ellison"): {OX},
    (P4, 1, "okafor"): {OX},
    (P4, 2, "devries"): {LE, EL},
    (P5, 1, "chen"): {WH},
    (P5, 2, "wang"): {WH},
    (P6, 1, "jansen"): {EL},
    (P6, 2, "ellison"): {OX},
    (P6, 3, "wang"): {WH},
}

Org = tuple[str | None, str | None, str | None]


@dataclass
class Snapshot:
    """What one store holds of the corpus, in source-independent terms."""

    works: set[str]
    links: set[tuple[str, str]]
    orgs: set[Org]
    authorships: dict[tuple[str, int, str | None], set[Org]]
    report: IngestReport


def _org_key(name: str | None, country: str | None, type_: str | None) -> Org:
    return (normalize_org_name(name), country, type_)


def _snapshot(s: Store, report: IngestReport) -> Snapshot:
    con = s.con
    works = {d for (d,) in con.execute("SELECT doi FROM works").fetchall()}
    links = set(
        con.execute(
            """SELECT DISTINCT a.doi, b.doi FROM work_references r
               JOIN works a ON a.work_id = r.citing_id
               JOIN works b ON b.work_id = r.cited_id"""
        ).fetchall()
    )
    orgs = {
        _org_key(n, c, t)
        for n, c, t in con.execute("SELECT name, country_code, type FROM organizations").fetchall()
    }
    authorships: dict[tuple[str, int, str | None], set[Org]] = {}
    for doi, seq, name, org_name, cc, t in con.execute(
        """SELECT w.doi, a.author_seq, a.author_name, o.name, o.country_code, o.type
           FROM authorships a JOIN works w USING (work_id)
           LEFT JOIN org_aliases al
                ON al.source = 'institution' AND al.source_id = a.institution_id
           LEFT JOIN organizations o USING (org_id)"""
    ).fetchall():
        orgs_of = authorships.setdefault((doi, seq, surname_key(name)), set())
        if org_name is not None:
            orgs_of.add(_org_key(org_name, cc, t))
    return Snapshot(works, links, orgs, authorships, report)


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Snapshot]:
    """Each export ingested into its own fresh store and resolved (built once)."""
    root = tmp_path_factory.mktemp("cross_format")
    out = {}
    for fmt, ingest in INGEST.items():
        with Store.open(root / f"{fmt}.duckdb") as s:
            report = ingest(s)
            resolve_organizations(s)
            out[fmt] = _snapshot(s, report)
    return out


def test_the_exports_are_real_shaped() -> None:
    wos = WOS.read_bytes()
    assert wos.startswith(b"\xef\xbb\xbfPT\tAU\t") and wos.count(b"\t\r\n") == 7
    scopus = SCOPUS.read_bytes()
    assert scopus.startswith(b'\xef\xbb\xbf"Authors","Author full names"') and b"\r\n" in scopus
    assert OPENALEX.read_bytes().count(b"\n") == 6


@pytest.mark.parametrize("fmt", list(INGEST))
def test_every_record_is_stored(snapshots: dict[str, Snapshot], fmt: str) -> None:
    r = snapshots[fmt].report
    assert (r.read, r.stored, r.rejected, r.duplicates) == (6, 6, 0, 0)


@pytest.mark.parametrize("fmt", list(INGEST))
def test_same_works(snapshots: dict[str, Snapshot], fmt: str) -> None:
    assert snapshots[fmt].works == WORKS


@pytest.mark.parametrize("fmt", list(INGEST))
def test_same_internal_citation_links(snapshots: dict[str, Snapshot], fmt: str) -> None:
    assert snapshots[fmt].links == LINKS


@pytest.mark.parametrize("fmt", list(INGEST))
def test_same_organisations(snapshots: dict[str, Snapshot], fmt: str) -> None:
    """One organisation per real organisation, with the same country and type, whatever the
    spelling ("Univ Oxford", "University of Oxford"; "Elsevier BV", "Elsevier B.V.",
    "Elsevier (Netherlands)"; "Peoples R China", "China", CN)."""
    assert snapshots[fmt].orgs == ORGS


@pytest.mark.parametrize("fmt", list(INGEST))
def test_same_authorships_and_affiliations(snapshots: dict[str, Snapshot], fmt: str) -> None:
    assert snapshots[fmt].authorships == AUTHORSHIPS


def test_the_three_stores_agree(snapshots: dict[str, Snapshot]) -> None:
    wos, scopus, openalex = (snapshots[f] for f in ("wos", "scopus", "openalex"))
    for attr in ("works", "links", "orgs", "authorships"):
        assert getattr(wos, attr) == getattr(scopus, attr) == getattr(openalex, attr), attr


@pytest.mark.parametrize(
    "order", [("openalex", "wos", "scopus"), ("wos", "scopus", "openalex")], ids="-".join
)
def test_one_store_holds_each_paper_once_and_one_organisation_each(
    tmp_path: Path, order: tuple[str, ...]
) -> None:
    """All three exports in ONE store (issue 19): each paper is one work.

    The copies are merged at ingest (same DOI), whatever the order: the store holds 6 works
    with 6 DOIs under their OpenAlex ids, the 9 citation links once, and the OpenAlex
    authorship lists (so countries are not counted three times); the WoS and Scopus records
    stay in ``work_records``. Organisations are merged: the WoS and Scopus institutions join
    the OpenAlex ones by normalised name within the country, giving four organisations.
    """
    with Store.open(tmp_path / "all.duckdb") as s:
        for fmt in order:
            INGEST[fmt](s)
        report = resolve_organizations(s)
        con = s.con
        assert con.execute("SELECT count(*), count(DISTINCT doi) FROM works").fetchall() == [(6, 6)]
        assert con.execute(
            "SELECT count(*) FROM works WHERE NOT regexp_full_match(work_id, 'W\\d+')"
        ).fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM work_records").fetchall() == [(18,)]
        snap = _snapshot(s, IngestReport(source="all"))
        assert snap.links == LINKS
        assert con.execute("SELECT count(*) FROM work_references r JOIN works a "
                           "ON a.work_id = r.citing_id JOIN works b ON b.work_id = r.cited_id"
                           ).fetchall() == [(len(LINKS),)]  # fmt: skip
        assert snap.orgs == ORGS
        assert snap.authorships == AUTHORSHIPS
        assert report.organizations == 4
        orgs = con.execute("SELECT org_id, ror FROM organizations ORDER BY org_id").fetchall()
        assert orgs == [
            ("I121797337", "027bh9e22"),
            ("I37461747", "033vjfk17"),
            ("I40120149", "052gg0110"),
            ("I4210095624", None),
        ]
