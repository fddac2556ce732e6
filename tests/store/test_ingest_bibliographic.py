"""Bibliographic export readers (WoS, Scopus, Lens, RIS, BibTeX) on real-shaped samples."""

from __future__ import annotations

import json
import re
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from forcemap.errors import NotFoundError, ParseError, StoreError
from forcemap.store import Store
from forcemap.store.ingest import SOURCES, ingest
from forcemap.store.ingest._physical import MAX_RECORD
from forcemap.store.ingest.bib_fields import country_code_of, parse_affiliation, surname_key
from forcemap.store.ingest.lens import ingest_lens
from forcemap.store.ingest.ris_bibtex import ingest_bibtex, ingest_ris
from forcemap.store.ingest.scopus import ingest_scopus, scopus_reference_id
from forcemap.store.ingest.wos import ingest_wos, wos_reference_id
from forcemap.store.store import IngestReport

DATA = Path(__file__).parent.parent / "data" / "exports"
WOS_TAB = DATA / "wos_savedrecs_tab.txt"
WOS_PLAIN = DATA / "wos_savedrecs_plain.txt"
R1, R2, R3 = (f"WOS:00060000000000{i}" for i in (1, 2, 3))
S1, S2, S3 = (f"scopus:2-s2.0-8510000000{i}" for i in (1, 2, 3))


def _rows(s: Store, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    return s.con.execute(sql, params).fetchall()


def _n(s: Store, table: str, where: str = "true") -> int:
    return int(_rows(s, f"SELECT count(*) FROM {table} WHERE {where}")[0][0])  # noqa: S608


def _counts(r: IngestReport) -> tuple[int, int, int, int, int]:
    """(read, stored, replaced, rejected, duplicates), checked to reconcile."""
    assert r.read == r.stored + r.replaced + r.rejected + r.duplicates + r.filtered
    assert r.rejected == sum(r.reasons.values())
    return r.read, r.stored, r.replaced, r.rejected, r.duplicates


def _refs(s: Store, work_id: str) -> list[str]:
    sql = "SELECT cited_id FROM work_references WHERE citing_id = $w ORDER BY 1"
    return [c for (c,) in _rows(s, sql, {"w": work_id})]


def _quarantine(s: Store) -> list[tuple[Any, ...]]:
    rows = _rows(s, "SELECT file, line, record_id, field, reason FROM quarantine")
    return sorted((Path(f).name, line, rid, fld, r) for f, line, rid, fld, r in rows)


# -- Web of Science ------------------------------------------------------------------------


def test_wos_tab_delimited_bom_crlf_trailing_tabs(store: Store) -> None:
    raw = WOS_TAB.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\t\r\n" in raw  # the sample is real-shaped
    r = ingest_wos(store, WOS_TAB)
    assert _counts(r) == (3, 3, 0, 0, 0)
    assert r.related["works"] == 3
    assert r.related["authorships"] == 7
    assert r.related["work_references"] == 6
    assert r.related["work_concepts"] == 8
    assert r.related["institutions"] == 4
    assert r.related["references_matched"] == 1  # R2 cites R1 by key, in the same file
    sql = "SELECT * EXCLUDE (batch_id, abstract) FROM works WHERE work_id = $w"
    assert _rows(store, sql, {"w": R1}) == [
        (
            R1,
            "10.1016/j.ensm.2021.01.001",
            "Garnet-type solid-state electrolytes for lithium metal batteries",
            2021,
            date(2021, 3, 15),
            "article",
            "issn:2405-8297",
            "ENERGY STORAGE MATERIALS",
            42,
            "en",
            None,
            "wos",
        )
    ]
    # authors with their bracketed C1 addresses, one row per (author, address)
    assert _rows(
        store,
        """SELECT author_seq, author_id, author_name, author_position, is_corresponding,
                  institution_id, country_code
           FROM authorships WHERE work_id = $w ORDER BY author_seq, institution_id""",
        {"w": R1},
    ) == [
        (1, None, "Zhang, Wei", "first", True, "wos:inst:tsinghua univ", "CN"),
        (2, "orcid:0000-0002-1825-0097", "Smith, John A.", "middle", False,
         "wos:inst:stanford univ", "US"),
        (3, None, "Mueller, Hans", "last", False,
         "wos:inst:max planck inst solid state res", "DE"),
        (3, None, "Mueller, Hans", "last", False, "wos:inst:stanford univ", "US"),
    ]  # fmt: skip
    assert _rows(
        store,
        "SELECT * FROM institutions WHERE institution_id = 'wos:inst:stanford univ'",
    ) == [("wos:inst:stanford univ", None, "Stanford Univ", None, "US", "Stanford", "wos")]
    assert _rows(store, "SELECT * FROM authors") == [
        ("orcid:0000-0002-1825-0097", "Smith, John A.", "0000-0002-1825-0097")
    ]
    assert _refs(store, R1) == [
        "doi:10.1002/anie.200701144",
        "doi:10.1016/j.jpowsour.2021.229500",
        "doi:10.1021/cm901452z",
    ]
    # R2 cites R1 without a DOI: matched by the normalised key; the title's quotes are kept
    assert _refs(store, R2) == [
        R1,
        "doi:10.1021/cm901452z",
        "ref:anonymous|2020|battery2030roadmap",
    ]
    assert _rows(store, "SELECT title FROM works WHERE work_id = $w", {"w": R2}) == [
        ('"Beyond lithium": sodium-ion batteries for grid storage',)
    ]
    # the early-access record: no PY, year from EA; no addresses; the keywords as concepts
    assert _rows(store, "SELECT year, type FROM works WHERE work_id = $w", {"w": R3}) == [
        (2024, "article")
    ]
    assert _rows(store, "SELECT institution_id FROM authorships WHERE work_id = $w", {"w": R3}) == [
        (None,)
    ]
    assert _rows(
        store,
        "SELECT concept_id, name, level, score FROM work_concepts WHERE work_id = $w ORDER BY 1",
        {"w": R2},
    ) == [
        ("kw:grid storage", "grid storage", None, None),
        ("kw:sodium ion battery", "sodium-ion battery", None, None),
    ]


def test_wos_plain_text_continuations_and_merged_duplicate(store: Store) -> None:
    ingest_wos(store, WOS_TAB)
    r = ingest_wos(store, WOS_PLAIN)
    # R1 again (a short re-export) is merged into the stored copy: replaced
    assert _counts(r) == (3, 2, 1, 0, 0)
    assert _n(store, "works") == 5
    p1 = "WOS:000700000000001"
    sql = "SELECT title, abstract, year FROM works WHERE work_id = $w"
    assert _rows(store, sql, {"w": p1}) == [
        (
            "Perovskite-silicon tandem solar cells with a self-assembled monolayer hole contact "
            "exceeding 30% efficiency",
            "Perovskite-silicon tandems promise efficiencies beyond the single-junction limit. "
            "We show a self-assembled monolayer contact that reaches 30.2% certified efficiency.",
            2023,
        )
    ]
    assert _rows(
        store,
        """SELECT author_name, institution_id, country_code FROM authorships
           WHERE work_id = $w ORDER BY author_seq""",
        {"w": p1},
    ) == [
        ("Rossi, Marco", "wos:inst:politecn milan", "IT"),
        ("Bianchi, Laura", "wos:inst:politecn milan", "IT"),
        ("Dubois, Claire", "wos:inst:cnrs", "FR"),
    ]
    # a wrapped DE line continues the keyword; CR lines are items; DOI [a, b] takes the first
    assert ("kw:hole transport layer",) in _rows(
        store, "SELECT concept_id FROM work_concepts WHERE work_id = $w", {"w": p1}
    )
    assert _refs(store, p1) == [R1, "doi:10.1021/jz4020162", "ref:kim|2022|51|1200"]
    # the merge: newer times-cited wins; the references, addresses and abstract are kept
    sql = "SELECT cited_by_count, abstract IS NOT NULL FROM works WHERE work_id = $w"
    assert _rows(store, sql, {"w": R1}) == [(50, True)]
    assert len(_refs(store, R1)) == 3
    assert _n(store, "authorships", f"work_id = '{R1}' AND institution_id IS NOT NULL") == 4
    # a pre-2008 record: one unlinked address is everybody's
    assert _rows(
        store,
        """SELECT author_name, institution_id, country_code FROM authorships
           WHERE work_id = 'WOS:000230000000001' ORDER BY author_seq""",
    ) == [
        ("Evans, Rhys", "wos:inst:univ cambridge", "GB"),
        ("Murphy, Sean", "wos:inst:univ cambridge", "GB"),
    ]


def test_wos_malformed_records_are_quarantined_with_line_and_field(store: Store) -> None:
    r = ingest_wos(store, DATA / "wos_bad_tab.txt")
    assert _counts(r) == (6, 1, 0, 5, 0)
    r2 = ingest_wos(store, DATA / "wos_bad_plain.txt")
    assert _counts(r2) == (5, 2, 0, 3, 0)
    assert _quarantine(store) == [
        ("wos_bad_plain.txt", 10, "WOS:000900000000002", None,
         "malformed line: not a field tag or a continuation"),
        ("wos_bad_plain.txt", 18, "WOS:000900000000003", "ER", "record not terminated by ER"),
        ("wos_bad_plain.txt", 31, None, "ER", "record not terminated by ER (file truncated?)"),
        ("wos_bad_tab.txt", 3, None, "UT", "missing accession number (UT)"),
        ("wos_bad_tab.txt", 4, "WOS:000800000000003", "PY", "not a year (YYYY)"),
        ("wos_bad_tab.txt", 5, None, None, "malformed tab-delimited row: too few fields"),
        ("wos_bad_tab.txt", 6, "WOS:000800000000005", "DI", "not a DOI (10.<registrant>/<suffix>)"),
        ("wos_bad_tab.txt", 7, None, None, "invalid UTF-8 byte 0xFF at column 46"),
    ]  # fmt: skip
    assert sorted(w for (w,) in _rows(store, "SELECT work_id FROM works")) == [
        "WOS:000800000000001",
        "WOS:000900000000001",
        "WOS:000900000000004",
    ]
    # the quarantine file of the batch holds the raw records
    q = [json.loads(x) for x in Path(r.quarantine_files[0]).read_text().splitlines()]
    assert [x["line"] for x in q] == [3, 4, 5, 6, 7]
    assert "\ufffd" in q[-1]["raw"]


def test_not_a_wos_file_is_refused_with_file_and_line(store: Store) -> None:
    with pytest.raises(ParseError, match=r"scopus\.csv:1: not a Web of Science export"):
        ingest_wos(store, DATA / "scopus.csv")
    assert _n(store, "works") == 0
    assert _n(store, "ingest_log") == 0
    with pytest.raises(NotFoundError):
        ingest_wos(store, DATA / "missing.txt")


def test_reingest_is_idempotent(store: Store) -> None:
    ingest_wos(store, WOS_TAB)
    before = store.counts()
    again = ingest_wos(store, WOS_TAB)
    assert again.skipped == [str(WOS_TAB)] and again.read == 0
    assert store.counts() == before


def test_changed_file_with_same_records_only_merges(store: Store, tmp_path: Path) -> None:
    ingest_wos(store, WOS_TAB)
    before = store.counts()
    copy = tmp_path / "savedrecs.txt"
    copy.write_bytes(WOS_TAB.read_bytes() + b"\r\n")  # another checksum, same records
    r = ingest_wos(store, copy)
    assert _counts(r) == (3, 0, 3, 0, 0)
    after = store.counts()
    for t in ("works", "authorships", "work_references", "work_concepts", "institutions"):
        assert after[t] == before[t], t


def test_wos_reference_ids() -> None:
    assert wos_reference_id("Kato Y, 2016, NAT ENERGY, V1, DOI 10.1038/nenergy.2016.30") == (
        "doi:10.1038/nenergy.2016.30"
    )
    assert wos_reference_id("Murugan R, 2007, ANGEW CHEM INT EDIT, V46, P7778") == (
        "ref:murugan|2007|46|7778"
    )
    assert wos_reference_id("") is None


# -- Scopus --------------------------------------------------------------------------------


def test_scopus_csv_bom_multiline_and_placeholders(store: Store) -> None:
    assert (DATA / "scopus.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    r = ingest_scopus(store, DATA / "scopus.csv")
    assert _counts(r) == (3, 3, 0, 0, 0)
    assert r.related["authorships"] == 3
    assert r.related["work_references"] == 3
    assert r.related["authors"] == 3
    assert r.related["institutions"] == 3
    assert r.related["references_matched"] == 1  # S2 cites S1 (same file) by key
    row = _rows(
        store,
        """SELECT doi, title, abstract, year, type, source_id, source_name, cited_by_count,
                  language, origin FROM works WHERE work_id = $w""",
        {"w": S1},
    )[0]
    assert row[0] == "10.1016/j.jpowsour.2021.229500"
    assert row[2].startswith('Nickel-rich layered oxides push the energy density of lithium-ion '
                             'cells into the "high-nickel" regime.\nWe compare')  # fmt: skip
    assert row[3:] == (
        2021,
        "article",
        "issn:0378-7753",
        "Journal of Power Sources",
        17,
        "en",
        "scopus",
    )
    assert _rows(
        store,
        """SELECT author_seq, author_id, author_name, is_corresponding, institution_id,
                  country_code FROM authorships WHERE work_id = $w ORDER BY author_seq""",
        {"w": S1},
    ) == [
        (1, "scopus:author:57200000001", "Lee, Kyung", True,
         "scopus:inst:hanyang university", "KR"),
        (2, "scopus:author:57200000002", "Brown, Alice B.", False,
         "scopus:inst:argonne national laboratory", "US"),
    ]  # fmt: skip
    assert _refs(store, S1) == ["ref:goodenough|2010|22|587", "ref:zhang|2021|36|1"]
    assert _refs(store, S2) == [S1]
    # the "[No … available]" placeholders are missing values
    assert _rows(store, "SELECT abstract, doi FROM works WHERE work_id = $w", {"w": S3}) == [
        (None, None)
    ]
    assert _n(store, "authorships", f"work_id = '{S3}'") == 0
    assert _rows(store, "SELECT doi, type FROM works WHERE work_id = $w", {"w": S2}) == [
        ("10.1109/ces.2022.0001", "proceedings-paper")
    ]


def test_scopus_malformed_rows(store: Store) -> None:
    r = ingest_scopus(store, DATA / "scopus_bad.csv")
    assert _counts(r) == (5, 1, 0, 4, 0)
    assert _quarantine(store) == [
        ("scopus_bad.csv", 3, None, None, "malformed CSV: too few fields"),
        ("scopus_bad.csv", 4, None, "EID", "missing EID"),
        ("scopus_bad.csv", 5, "2-s2.0-85100000012", "Year", "not a year (YYYY)"),
        ("scopus_bad.csv", 6, None, None, "malformed CSV: text after a closing quote"),
    ]
    with pytest.raises(ParseError, match=r"lens\.csv:1: header lacks required column\(s\) EID"):
        ingest_scopus(store, DATA / "lens.csv")


def test_scopus_reference_ids() -> None:
    assert scopus_reference_id(
        "Lee, K., Brown, A.B., High-nickel cathodes (2021) Journal of Power Sources, 490, "
        "art. no. 229500"
    ) == ("ref:lee|2021|490|229500")
    assert scopus_reference_id("Smith, J., A title (2019) Nature, 567 (7748).") == (
        "ref:smith|2019|nature"
    )
    assert scopus_reference_id("Smith, J., A title, doi: 10.1000/XYZ.1") == "doi:10.1000/xyz.1"
    assert scopus_reference_id("no year here") is None


# -- references across files ---------------------------------------------------------------


def test_files_that_cite_each_other_are_linked(store: Store) -> None:
    """Scopus S1 cites WoS R1 by key (no DOI in Scopus references); WoS R1 cites S1 by DOI.

    Ingested Scopus first: S1's external ``ref:`` key is re-linked when R1 arrives; R1's
    ``doi:`` reference is matched to the stored S1 at once.
    """
    ingest_scopus(store, DATA / "scopus.csv")
    assert "ref:zhang|2021|36|1" in _refs(store, S1)
    r = ingest_wos(store, WOS_TAB)
    assert r.related["references_relinked"] == 1
    assert r.related["references_matched"] == 2  # R1 → S1 by DOI, R2 → R1 by key
    assert R1 in _refs(store, S1)
    assert S1 in _refs(store, R1)
    assert _n(store, "work_references", "starts_with(cited_id, 'ref:zhang')") == 0
    # the plain-text file cites R1 by DOI and R2 by key only: R2 was stored by an earlier file,
    # whose volume and page the store does not keep, so that reference stays external
    ingest_wos(store, WOS_PLAIN)
    assert _refs(store, "WOS:000700000000001")[:1] == [R1]
    assert "ref:kim|2022|51|1200" in _refs(store, "WOS:000700000000001")


def test_doi_references_match_openalex_works(store: Store) -> None:
    store.con.execute(
        """INSERT INTO works (work_id, doi, title, origin, batch_id)
           VALUES ('W123', '10.1021/cm901452z', 'Challenges for rechargeable Li batteries',
                   'openalex', 0)"""
    )
    ingest_wos(store, WOS_TAB)
    assert "W123" in _refs(store, R1) and "W123" in _refs(store, R2)


# -- Lens, RIS, BibTeX ---------------------------------------------------------------------


def test_lens_csv(store: Store) -> None:
    r = ingest_lens(store, DATA / "lens.csv")
    assert _counts(r) == (2, 2, 0, 0, 0)
    assert r.related["authorships"] == 3
    assert r.related["work_references"] == 2
    assert r.related["work_concepts"] == 5
    lid = "lens:010-203-405-607-809"
    assert _rows(
        store,
        """SELECT doi, year, pub_date, type, source_id, source_name, cited_by_count
           FROM works WHERE work_id = $w""",
        {"w": lid},
    ) == [
        (
            "10.1039/d2ta01234a",
            2022,
            date(2022, 6, 1),
            "journal-article",
            "issn:2050-7488",
            "Journal of Materials Chemistry A",
            12,
        )
    ]
    assert _refs(store, lid) == ["lens:022-334-455-667-789", "lens:099-888-777-666-555"]
    assert ("fos:materials science",) in _rows(
        store, "SELECT concept_id FROM work_concepts WHERE work_id = $w", {"w": lid}
    )


def test_ris_with_duplicate_and_affiliations(store: Store) -> None:
    r = ingest_ris(store, DATA / "export.ris")
    assert _counts(r) == (3, 2, 0, 0, 1)
    assert r.related["authorships"] == 3
    rows = _rows(
        store,
        """SELECT work_id, doi, year, pub_date, type, source_name, abstract IS NOT NULL
           FROM works ORDER BY year""",
    )
    assert [x[1:] for x in rows] == [
        (
            "10.1016/j.ensm.2021.01.001",
            2021,
            date(2021, 3, 15),
            "article",
            "Energy Storage Materials",
            True,  # merged from the duplicate
        ),
        (
            None,
            2023,
            None,
            "proceedings-paper",
            "Proceedings of the European Photovoltaic Solar Energy Conference",
            False,
        ),
    ]
    assert all(w.startswith("ris:") and len(w) == 20 for w, *_ in rows)
    assert _rows(
        store,
        """SELECT author_name, institution_id, country_code FROM authorships
           WHERE work_id = $w ORDER BY author_seq""",
        {"w": rows[0][0]},
    ) == [
        ("Zhang, Wei", "ris:inst:tsinghua university", "CN"),
        ("Smith, John A.", "ris:inst:stanford university", "US"),
    ]
    r2 = ingest_ris(store, DATA / "export_bad.ris")
    assert _counts(r2) == (3, 1, 0, 2, 0)
    assert [q[1:] for q in _quarantine(store)] == [
        (7, None, "ER", "record not terminated by ER"),
        (12, None, "PY", "not a year (YYYY)"),
    ]


def test_bibtex_with_strings_accents_and_duplicate_key(store: Store) -> None:
    r = ingest_bibtex(store, DATA / "library.bib")
    assert _counts(r) == (3, 2, 0, 0, 1)
    assert r.related["authorships"] == 4
    assert _rows(
        store,
        """SELECT work_id, doi, year, type, source_id, source_name, abstract IS NOT NULL
           FROM works ORDER BY work_id""",
    ) == [
        (
            "bib:lee2021",
            "10.1016/j.jpowsour.2021.229500",
            2021,
            "article",
            "issn:0378-7753",
            "Journal of Power Sources",
            True,
        ),
        (
            "bib:mueller2020",
            None,
            2020,
            "proceedings-paper",
            None,
            "Proceedings of the Materials Research Society Fall Meeting",
            False,
        ),
    ]
    assert _rows(
        store,
        "SELECT author_name FROM authorships WHERE work_id = 'bib:mueller2020' ORDER BY 1",
    ) == [("Dubois, Claire",), ("Müller, Hans",)]
    r2 = ingest_bibtex(store, DATA / "library_bad.bib")
    assert _counts(r2) == (3, 1, 0, 2, 0)
    assert [q[1:] for q in _quarantine(store)] == [
        (7, "broken2020", None, "malformed BibTeX entry: a brace is never closed"),
        (12, "badyear", "year", "not a year (YYYY)"),
    ]


# -- dispatcher, directories, helpers ------------------------------------------------------


def test_dispatcher_registers_every_format(store: Store, tmp_path: Path) -> None:
    assert {"wos", "scopus", "lens", "ris", "bibtex"} <= set(SOURCES)
    d = tmp_path / "wos"
    d.mkdir()
    shutil.copy(WOS_TAB, d / "a.txt")
    shutil.copy(WOS_PLAIN, d / "b.txt")
    seen: list[tuple[int, int]] = []
    r = ingest(store, "wos", [d], origin="wos-test", progress=lambda a, b: seen.append((a, b)))
    assert _counts(r) == (6, 5, 1, 0, 0)
    assert len(r.files) == 2 and seen[-1][0] == seen[-1][1]
    assert _rows(store, "SELECT DISTINCT origin FROM works") == [("wos-test",)]
    assert _rows(store, "SELECT source, read, status FROM ingest_log ORDER BY batch_id") == [
        ("wos", 3, "ok"),
        ("wos", 3, "ok"),
    ]
    r2 = ingest(store, "bibtex", [DATA / "library.bib"])
    assert r2.source == "bibtex" and r2.stored == 2


def test_affiliation_and_country_parsing() -> None:
    assert [
        country_code_of(x)
        for x in ("USA", "Peoples R China", "Scotland", "North Ireland", "South Korea", "Taiwan",
                  "Viet Nam", "U Arab Emirates", "Russia", "Germany", "United States")
    ] == ["US", "CN", "GB", "GB", "KR", "TW", "VN", "AE", "RU", "DE", "US"]  # fmt: skip
    a = parse_affiliation(
        "Department of Physics, University of Oxford, Oxford, OX1 3PU, United Kingdom",
        org_first=False,
    )
    assert (a.org, a.city, a.country_code) == ("University of Oxford", "Oxford", "GB")
    b = parse_affiliation("Samsung Electronics, Suwon, South Korea", org_first=False)
    assert (b.org, b.city, b.country_code) == ("Samsung Electronics", "Suwon", "KR")


def test_surname_particles_and_scopus_references() -> None:
    """Found by the cross-format corpus: "De Vries, P., …" references gave ``vries`` while the
    work itself ("de Vries, Pieter") gave ``devries``, so Scopus lost two internal links."""
    assert [surname_key(n) for n in ("de Vries, P", "De Vries P", "Pieter de Vries")] == [
        "devries",
        "devries",
        "devries",
    ]
    assert surname_key("Le Wang") == "wang"  # a capitalised word is a given name
    ref = "De Vries, P., Jansen, A., Title (2020) Scientometrics, 124 (3), pp. 2011-2030."
    assert scopus_reference_id(ref) == "ref:devries|2020|124|2011"


def test_scopus_affiliation_takes_the_largest_organisation() -> None:
    """Found by the cross-format corpus: Scopus writes units from the smallest to the
    largest, so the last organisation-like segment before the city is the organisation;
    "B.V." is a legal form."""
    cases = {
        "Oxford Internet Institute, University of Oxford, Oxford, United Kingdom": (
            "University of Oxford",
            "GB",
        ),
        "Institute of Physics, University of Tartu, Tartu, Estonia": ("University of Tartu", "EE"),
        "Research Intelligence, Elsevier B.V., Amsterdam, Netherlands": ("Elsevier B.V.", "NL"),
        "Centre for Science and Technology Studies (CWTS), Leiden University, Leiden, "
        "Netherlands": ("Leiden University", "NL"),
    }
    for raw, expected in cases.items():
        a = parse_affiliation(raw, org_first=False)
        assert (a.org, a.country_code) == expected, raw


# -- every record accounted for (issue 16) ------------------------------------------------------

BIG = 3_000_000  # characters of one field: the quadratic LaTeX decoder took minutes over this


def _big_text(n: int) -> str:
    """Plain words with a LaTeX accent, a brace group and a dash now and then."""
    unit = 'lithium {ion} cells by M{\\"u}ller -- a study of garnet electrolytes; '
    return (unit * (n // len(unit) + 1))[:n].rsplit(" ", 1)[0]


def _timed(fn: Any) -> tuple[IngestReport, float]:
    t = time.perf_counter()
    r = fn()
    return r, time.perf_counter() - t


def test_bibtex_ris_and_wos_read_a_field_of_megabytes_in_linear_time(
    store: Store, tmp_path: Path
) -> None:
    abstract = _big_text(BIG)
    bib = tmp_path / "big.bib"
    bib.write_text(
        DATA.joinpath("library.bib").read_text(encoding="utf-8")
        + f"\n@article{{big2024,\n  title = {{Big}},\n  year = {{2024}},\n"
        f"  abstract = {{{abstract}}},\n}}\n",
        encoding="utf-8",
    )
    r, seconds = _timed(lambda: ingest_bibtex(store, bib))
    assert _counts(r) == (4, 3, 0, 0, 1) and seconds < 10, seconds
    [(stored,)] = _rows(store, "SELECT abstract FROM works WHERE work_id = 'bib:big2024'")
    assert stored.startswith("lithium ion cells by Müller – a study") and len(stored) > 2_500_000
    ris = tmp_path / "big.ris"
    ris.write_text(
        f"TY  - JOUR\nTI  - Big\nPY  - 2024\nAB  - {abstract}\nER  - \n", encoding="utf-8"
    )
    r, seconds = _timed(lambda: ingest_ris(store, ris))
    assert _counts(r) == (1, 1, 0, 0, 0) and seconds < 10, seconds
    wos = tmp_path / "big.txt"
    wos.write_text(
        "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI Big\nPY 2024\n"
        f"AB {abstract}\n   {abstract}\nUT WOS:000999000000001\nER\nEF\n",
        encoding="utf-8",
    )
    r, seconds = _timed(lambda: ingest_wos(store, wos))
    assert _counts(r) == (1, 1, 0, 0, 0) and seconds < 10, seconds


def test_a_record_over_the_size_limit_is_quarantined_with_its_size(
    store: Store, tmp_path: Path
) -> None:
    huge = "x" * (MAX_RECORD + 100)
    bib = tmp_path / "huge.bib"
    bib.write_text(
        "@article{a, title={A}, year={2020}}\n"
        f"@article{{huge, title={{H}}, abstract={{{huge}}}}}\n"
        "@article{b, title={B}, year={2021}}\n",
        encoding="utf-8",
    )
    r, seconds = _timed(lambda: ingest_bibtex(store, bib))
    assert _counts(r) == (3, 2, 0, 1, 0) and seconds < 10
    [q] = _quarantine(store)
    assert q[1:3] == (2, "huge") and "over the 16,777,216-byte limit" in q[4]
    ris = tmp_path / "huge.ris"
    ris.write_text(
        f"TY  - JOUR\nTI  - A\nER  - \nTY  - JOUR\nTI  - H\nAB  - {huge}\nER  - \n",
        encoding="utf-8",
    )
    r = ingest_ris(store, ris)
    assert _counts(r) == (2, 1, 0, 1, 0)
    csv_text = DATA.joinpath("lens.csv").read_text(encoding="utf-8-sig").splitlines(True)
    lens = tmp_path / "huge.csv"
    lens.write_text(csv_text[0] + '"' + huge + '"\n' + "".join(csv_text[1:]), encoding="utf-8")
    r = ingest_lens(store, lens)
    assert (r.read, r.rejected) == (3, 1) and r.stored == 2
    assert _rows(store, "SELECT line FROM quarantine WHERE reason LIKE '%byte limit%'") == [
        (2,),
        (4,),
        (2,),
    ]


def test_counts_over_the_integer_range_quarantine_the_record_naming_the_field(
    store: Store, tmp_path: Path
) -> None:
    tab = tmp_path / "tc.txt"
    tab.write_bytes(WOS_TAB.read_bytes().replace(b"\t42\t", b"\t99999999999\t", 1))
    r = ingest_wos(store, tab)
    assert _counts(r) == (3, 2, 0, 1, 0)
    [q] = _quarantine(store)
    assert (q[2], q[3]) == (R1, "TC") and "over the largest count" in q[4]
    lines = DATA.joinpath("scopus.csv").read_text(encoding="utf-8-sig").splitlines(True)
    lines[1] = lines[1].replace('"15","17"', '"15","2147483648"', 1)
    sc = tmp_path / "sc.csv"
    sc.write_text("".join(lines), encoding="utf-8")
    r = ingest_scopus(store, sc)
    assert (r.read, r.rejected) == (3, 1)
    assert _rows(store, "SELECT field, line FROM quarantine WHERE file LIKE '%sc.csv'") == [
        ("Cited by", 2)
    ]


def test_a_stray_quote_in_a_scopus_row_swallows_nothing(store: Store, tmp_path: Path) -> None:
    raw = DATA.joinpath("scopus.csv").read_bytes()
    bad = raw.replace(b'"High-nickel layered', b'"High-nickel "layered', 1)
    f = tmp_path / "stray.csv"
    f.write_bytes(bad)
    r = ingest_scopus(store, f)
    assert _counts(r) == (3, 2, 0, 1, 0)
    assert _rows(store, "SELECT line, reason FROM quarantine") == [
        (2, "malformed CSV: text after a closing quote (lines 2-3)")
    ]
    assert _n(store, "works") == 2


def test_invalid_utf8_names_the_line_of_the_byte(store: Store, tmp_path: Path) -> None:
    ris = tmp_path / "latin.ris"
    ris.write_bytes(
        DATA.joinpath("export.ris").read_bytes().replace(b"Zhang, Wei", b"Zh\xe9ng, Wei", 1)
    )
    r = ingest_ris(store, ris)
    assert _counts(r) == (3, 2, 0, 1, 0)  # the record's later copy is stored
    assert _rows(store, "SELECT line, field, reason FROM quarantine") == [
        (1, "AU", "invalid UTF-8 byte 0xE9 at line 2")
    ]
    bib = tmp_path / "latin.bib"
    bib.write_bytes(DATA.joinpath("library.bib").read_bytes().replace(b"Dubois", b"Dub\xf6is", 1))
    r = ingest_bibtex(store, bib)
    assert _counts(r) == (3, 1, 0, 1, 1)
    assert _rows(store, "SELECT line, field, reason FROM quarantine WHERE file LIKE '%.bib'") == [
        (18, "author", "invalid UTF-8 byte 0xF6 at line 19")
    ]


def test_cut_files_and_independent_record_counts(store: Store, tmp_path: Path) -> None:
    plain = WOS_PLAIN.read_text(encoding="utf-8-sig")
    assert plain.count("\nER") == 3  # the independent count: records end with ER
    cut = tmp_path / "cut.txt"
    cut.write_text(plain[: plain.rindex("\nER") - 30], encoding="utf-8")
    r = ingest_wos(store, cut)
    assert _counts(r) == (3, 2, 0, 1, 0)
    assert _rows(store, "SELECT reason FROM quarantine") == [
        ("record not terminated by ER (file truncated?)",)
    ]
    bib = DATA.joinpath("library.bib").read_text(encoding="utf-8")
    assert len(re.findall(r"(?m)^@(?!string|comment|preamble)\w+\{", bib)) == 3
    cutb = tmp_path / "cut.bib"
    cutb.write_text(bib[: bib.rindex("abstract")], encoding="utf-8")
    r = ingest_bibtex(store, cutb)
    assert _counts(r) == (3, 2, 0, 1, 0)
    assert _rows(store, "SELECT line, reason FROM quarantine WHERE file LIKE '%.bib'") == [
        (26, "malformed BibTeX entry: the file ends inside it (file truncated?)")
    ]


def test_bom_at_a_later_line_and_crlf(store: Store, tmp_path: Path) -> None:
    """Two exports concatenated, the second with its byte-order mark and CRLF line ends."""
    one = DATA.joinpath("export.ris").read_bytes()
    both = tmp_path / "both.ris"
    both.write_bytes(one + b"\r\n" + one.replace(b"Energy Storage", b"Energy  Storage"))
    r = ingest_ris(store, both)
    assert _counts(r) == (6, 2, 0, 0, 4)
    lines = WOS_PLAIN.read_bytes().replace(b"\n", b"\r\n").split(b"\r\nEF", 1)[0]
    wos = tmp_path / "both.txt"
    wos.write_bytes(lines + b"\r\n" + WOS_PLAIN.read_bytes())
    r = ingest_wos(store, wos)
    assert _counts(r) == (6, 3, 0, 0, 3)


def test_the_same_records_in_another_file_are_replaced(store: Store, tmp_path: Path) -> None:
    ingest_scopus(store, DATA / "scopus.csv")
    again = tmp_path / "again.csv"
    again.write_bytes(DATA.joinpath("scopus.csv").read_bytes() + b"\r\n")
    r = ingest_scopus(store, again)
    assert _counts(r) == (3, 0, 3, 0, 0)
    assert _rows(store, "SELECT sum(stored) FROM ingest_log") == [(_n(store, "works"),)]


@pytest.mark.parametrize(
    "name",
    ["wos_savedrecs_tab.txt", "wos_savedrecs_plain.txt", "scopus.csv", "lens.csv", "export.ris",
     "library.bib"],
)  # fmt: skip
@pytest.mark.parametrize("seed", range(6))
def test_random_damage_never_raises_and_always_reconciles(
    tmp_path: Path, name: str, seed: int
) -> None:
    import random

    rng = random.Random(f"{name}{seed}")
    data = bytearray(DATA.joinpath(name).read_bytes())
    for _ in range(rng.randint(1, 4)):
        op, at = rng.choice(("flip", "cut", "quote", "newline", "brace")), rng.randrange(len(data))
        if op == "flip":
            data[at] = rng.randrange(256)
        elif op == "cut":
            del data[max(at, len(data) // 2) :]
        else:
            data[at:at] = {"quote": b'"', "newline": b"\n", "brace": b"{"}[op]
    f = tmp_path / name
    f.write_bytes(bytes(data))
    source = {"txt": "wos", "csv": "lens" if "lens" in name else "scopus", "ris": "ris"}
    with Store.open(tmp_path / "s.duckdb") as s:
        try:
            r = ingest(s, source.get(name.rsplit(".", 1)[1], "bibtex"), [f])
        except ParseError:  # the header itself is damaged: refused, nothing written
            assert _n(s, "works") == 0
            return
        assert r.read == r.stored + r.replaced + r.rejected + r.duplicates + r.filtered
        assert _n(s, "works") == r.stored and _n(s, "quarantine") == r.rejected


def test_a_failing_file_names_itself(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    from forcemap.store.ingest import bibliographic as bib

    d = tmp_path / "two"
    d.mkdir()
    shutil.copy(WOS_TAB, d / "a.txt")
    shutil.copy(WOS_PLAIN, d / "b.txt")
    real = bib._write

    def fail_b(con: Any, b: Any, origin: str) -> dict[str, int]:
        if b.file.endswith("b.txt"):
            raise duckdb.Error("disk full")
        return real(con, b, origin)

    monkeypatch.setattr(bib, "_write", fail_b)
    with pytest.raises(StoreError, match=r"b\.txt: ingest failed, this file left the store"):
        ingest_wos(store, d)
    assert _n(store, "works") == 3


def test_bibtex_values_macros_and_broken_entries(store: Store, tmp_path: Path) -> None:
    bib = tmp_path / "forms.bib"
    bib.write_text(
        '@string{pre = "Journal of "}\n'
        '@preamble{"\\newcommand{\\x}{y}"}\n'
        "@article(paren2020,\n"
        "  author = {{Barnes and Noble} and Caf{\\'e}, Ana},\n"
        '  title = "A {quoted} title",\n'
        "  journal = pre # {Tests},\n"
        "  year = 2020\n"
        ")\n"
        "@article{twice2021, title = {One}, title = {Two}, year = {2021}}\n"
        "@article{nokey, }\n"
        "@article{, title = {No key}}\n",
        encoding="utf-8",
    )
    r = ingest_bibtex(store, bib)
    assert _counts(r) == (4, 2, 0, 2, 0)
    assert _rows(store, "SELECT title, source_name FROM works WHERE work_id = 'bib:paren2020'") == [
        ("A quoted title", "Journal of Tests")
    ]
    assert _rows(
        store,
        "SELECT author_name FROM authorships WHERE work_id = 'bib:paren2020' ORDER BY author_seq",
    ) == [("Barnes and Noble",), ("Café, Ana",)]
    assert [q[1:] for q in _quarantine(store)] == [
        (9, "twice2021", "title", "malformed BibTeX entry: field 'title' given twice"),
        (11, None, "ID", "malformed BibTeX entry: missing or invalid citation key"),
    ]


def test_a_year_of_twenty_digits_is_not_its_first_four(store: Store, tmp_path: Path) -> None:
    tab = tmp_path / "py.txt"
    tab.write_bytes(WOS_TAB.read_bytes().replace(b"\t2021\t", b"\t18446744073709551615\t", 1))
    r = ingest_wos(store, tab)
    assert _counts(r) == (3, 2, 0, 1, 0)
    assert [q[3:] for q in _quarantine(store)] == [("PY", "not a year (YYYY)")]
