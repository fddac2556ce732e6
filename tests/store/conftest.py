"""The readers of the bad-input matrix and the property tests: one small valid seed per reader.

Each :class:`Reader` describes one input format as its real files are laid out (the header,
separator, quoting and record syntax of ``tests/data`` and ``src/forcemap/data/demo``): how a
record is written (:meth:`Reader.render_file`), which field holds its id, a number, free text,
and how to find the stored records again (``key_sql``: one row per stored primary record, its
key). The seed records are made from the real sample files' values; every record carries one
non-ASCII character (``é``) so that an encoding defect can replace exactly that byte.

Markers inside a field value are replaced *after* the record has been encoded, so a defect can
put bytes into a record that its writer would otherwise have escaped or quoted: ``MARK_QUOTE``
becomes a bare ``"``, ``MARK_LATIN1`` the Latin-1 byte ``0xE9``.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from forcemap.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
EXPORTS = DATA / "exports"

MARK_QUOTE = "⟦Q⟧"
"""Becomes one bare ``"`` byte in the written file."""
MARK_LATIN1 = "⟦L⟧"
"""Becomes the single Latin-1 byte ``0xE9`` (``é``), which is not UTF-8."""

N_SEED = 8
"""Records in every seed file."""


class Lit(str):
    """A JSON value written verbatim (``1e400``): ``json.dumps`` cannot write it."""


@dataclass(frozen=True)
class Reader:
    """One input format of one reader, as the matrix writes it."""

    name: str
    source: str
    kind: str  # csv | jsonl | json | blocks
    filename: str
    key_sql: str
    make: Callable[[int], dict[str, Any]]
    key: Callable[[dict[str, Any]], str]
    id_field: str
    num_field: str
    num_names: frozenset[str]  # names a quarantine entry may give the numeric field
    bad_numbers: dict[str, Any]  # wrong_type / overflow / nan_inf -> value
    text_field: str | None = None  # a free-text field (None: defects go into num_field)
    id_names: frozenset[str] = frozenset()
    columns: tuple[str, ...] = ()
    delim: str = ","
    quoting: str = "minimal"  # all | minimal | none (no quoting at all: a quote is data)
    header_bom: bool = False
    prologue: str = ""
    epilogue: str = ""
    block: Callable[[dict[str, Any]], str] | None = None
    compressed: tuple[str, ...] = ()  # "gz", "zip" when the reader takes compressed files
    container: str | None = None  # a directory name when the reader takes a folder
    extra: dict[str, Any] = field(default_factory=dict)

    # -- writing ---------------------------------------------------------------------------
    def header(self) -> str | None:
        if self.kind != "csv":
            return None
        return self._row({c: c for c in self.columns}, self.columns)

    def _row(self, rec: dict[str, Any], columns: tuple[str, ...]) -> str:
        out = []
        for c in columns:
            v = rec.get(c, "")
            s = "" if v is None else str(v)
            if self.quoting == "all":
                s = '"' + s.replace('"', '""') + '"'
            elif self.quoting == "minimal" and any(ch in s for ch in (self.delim, '"', "\n", "\r")):
                s = '"' + s.replace('"', '""') + '"'
            out.append(s)
        return self.delim.join(out)

    def record_text(self, rec: dict[str, Any], columns: tuple[str, ...] | None = None) -> str:
        """One record as written (without its final line end)."""
        if self.kind == "csv":
            return self._row(rec, columns or self.columns)
        if self.kind in ("jsonl", "json"):
            return dumps(rec)
        assert self.block is not None
        return self.block(rec)

    def render_file(
        self,
        records: list[str],
        *,
        header: str | None = None,
        nl: str = "\n",
    ) -> tuple[bytes, list[int]]:
        """The file's bytes and the physical line (1-based) where each record starts.

        ``records`` are record texts (:meth:`record_text`, possibly altered by a defect).
        """
        parts: list[str] = []
        starts: list[int] = []
        line = 1
        pre = self.prologue
        if self.kind == "csv":
            pre = (header if header is not None else self.header() or "") + "\n"
        parts.append(pre)
        line += pre.count("\n")
        for k, r in enumerate(records):
            starts.append(line)
            if self.kind == "json":
                text = r + (",\n" if k < len(records) - 1 else "\n")
            elif self.kind == "blocks":
                text = r + "\n"  # a block ends with its line end; a blank line follows
            else:
                text = r + "\n"
            parts.append(text)
            line += text.count("\n")
        parts.append(self.epilogue)
        text = "".join(parts)
        if nl != "\n":
            text = text.replace("\n", nl)
        data = encode(text)
        if self.header_bom:
            data = b"\xef\xbb\xbf" + data
        return data, starts

    def seed(self, n: int = N_SEED, first: int = 0) -> list[dict[str, Any]]:
        return [self.make(i) for i in range(first, first + n)]

    def stored_keys(self, store: Store) -> list[str]:
        return [str(r[0]) for r in store.sql(self.key_sql).fetchall()]


def encode(text: str) -> bytes:
    """UTF-8, with the markers turned into the bytes they stand for."""
    return (
        text.encode("utf-8")
        .replace(MARK_QUOTE.encode(), b'"')
        .replace(MARK_LATIN1.encode(), b"\xe9")
    )


def dumps(rec: dict[str, Any]) -> str:
    lits: dict[str, str] = {}

    def walk(v: Any) -> Any:
        if isinstance(v, Lit):
            token = f"@@lit{len(lits)}@@"
            lits[token] = str(v)
            return token
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    s = json.dumps(walk(rec), ensure_ascii=False)
    for token, lit in lits.items():
        s = s.replace(f'"{token}"', lit)
    return s


# -- seeds ---------------------------------------------------------------------------------------

_TITLES = (
    "Garnet-type solid électrolytes for lithium metal batteries",
    "Perovskite-silicon tandem cells: a réview",
    "Field normalisation of citation counts (étude)",
    "Hard carbon anodes for sodium-ion céllules",
    "High-nickel layered oxide cathodes, revisité",
    "In situ X-ray diffraction of garnet électrolytes",
    "Solid-state batteries for heavy transport, phase é",
    "Photonic chips packaging and tést",
    "Quantum sensing testbed à grande échelle",
    "Lithography light source for EUV (é)",
    "Hydrogen storage in metal hydrides, é",
    "Thermal management of battery packs é",
)
_HS6 = (
    "848620", "850760", "847130", "854231", "300490", "010121",
    "030219", "850440", "854140", "870380", "880240", "901890",
)  # fmt: skip


def _title(i: int) -> str:
    return f"{_TITLES[i % len(_TITLES)]} #{i}"


def _openalex_template() -> dict[str, Any]:
    with open(EXPORTS / "corpus" / "corpus_openalex.jsonl", encoding="utf-8") as fh:
        return json.loads(fh.readline())


_OA = _openalex_template()


def _openalex(i: int) -> dict[str, Any]:
    rec = json.loads(json.dumps(_OA))
    wid = f"W39100000{i:02d}"
    rec["id"] = f"https://openalex.org/{wid}"
    rec["doi"] = f"https://doi.org/10.5555/bad.input.{i}"
    rec["ids"] = {"openalex": rec["id"], "doi": rec["doi"]}
    rec["title"] = rec["display_name"] = _title(i)
    rec["cited_by_count"] = 10 + i
    rec["referenced_works"] = [f"https://openalex.org/W39100000{j:02d}" for j in range(i)][:2]
    return rec


def _uspto_json(i: int) -> dict[str, Any]:
    n = 11_000_000 + i
    return {
        "guid": f"US-{n}-B2",
        "publicationReferenceDocumentNumber": str(n),
        "datePublished": "2023-01-17T00:00:00Z",
        "inventionTitle": _title(i),
        "type": "USPAT",
        "databaseName": "USPT",
        "applicationFilingDate": ["2022-01-05T00:00:00Z"],
        "numberOfClaims": 20,
        "assigneeName": ["Marvell Asia Pte Ltd"],
        "assigneeCountry": ["SG"],
        "cpcInventiveFlattened": "G11B5/59666;G11B5/59627",
        "cpcAdditionalFlattened": "",
        "inventorsName": ["Zhang; Wei"],
        "urpn": ["6249393", "8711504"],
        "kindCode": ["B2"],
        "familyIdentifierCurStr": str(80_000_000 + i),
    }


def _uspto_csv(i: int) -> dict[str, Any]:
    n = 11_000_000 + i
    return {
        "patent": f"US-{n}-B1",
        "src": "doc",
        "title": _title(i),
        "date": "2023-01-17",
        "filed": "2022-01-05T00:00:00Z",
        "assignee": "Marvell Asia Pte Ltd",
        "assignee_country": "SG",
        "cpc_inventive": "G11B5/59666;G11B5/59627",
        "cpc_additional": "",
        "us_cited": "6249393;8711504",
        "n_us_cited": "2",
    }


def _patentsview(i: int) -> dict[str, Any]:
    return {
        "patent_id": str(10_100_000 + i),
        "patent_type": "utility",
        "patent_date": "2018-06-19",
        "patent_title": _title(i),
        "patent_abstract": "A widget, é.",
        "wipo_kind": "B2",
        "num_claims": str(20 + i),
        "withdrawn": "0",
        "filename": "ipg180619.xml",
    }


def _projects(i: int) -> dict[str, Any]:
    return {
        "project_id": f"HE-1010000{i:02d}",
        "title": _title(i),
        "programme": "Horizon Europe Cluster 5",
        "start_date": "2021-09-01",
        "end_date": "2025-08-31",
        "budget": str(4_998_750 + i),
        "currency": "EUR",
        "goals": "Demonstrate a 400 Wh/kg solid-state cell.",
        "status": "active",
    }


def _cordis_columns() -> tuple[str, ...]:
    from forcemap.store.ingest.cordis import CORDIS_PROJECT_COLUMNS

    return CORDIS_PROJECT_COLUMNS


def _cordis(i: int) -> dict[str, Any]:
    pid = str(101_069_600 + i)
    return {
        "id": pid,
        "acronym": f"SOLID-{i}",
        "status": "SIGNED",
        "title": _title(i),
        "startDate": "2022-09-01",
        "endDate": "2026-08-31",
        "totalCost": f"{7_999_573 + i},75",
        "ecMaxContribution": f"{7_999_573 + i},75",
        "legalBasis": "HORIZON.2.5",
        "topics": "HORIZON-CL5-2021-D2-01-03",
        "ecSignatureDate": "2022-06-29",
        "frameworkProgramme": "HORIZON",
        "masterCall": "HORIZON-CL5-2021-D2-01",
        "subCall": "HORIZON-CL5-2021-D2-01",
        "fundingScheme": "HORIZON-RIA",
        "nature": "",
        "objective": "The project develops a solid-state cell with a lithium-metal anode.",
        "contentUpdateDate": "2023-11-09 16:25:55",
        "rcn": str(240_000 + i),
        "grantDoi": f"10.3030/{pid}",
    }


def _baci(i: int) -> dict[str, Any]:
    return {"t": "2022", "i": "156", "j": "528", "k": _HS6[i], "v": f"{1200.5 + i:.3f}",
            "q": "10.000"}  # fmt: skip


def _comtrade_template() -> tuple[tuple[str, ...], dict[str, str]]:
    with open(DATA / "trade" / "comtrade_sample.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = tuple(rows[0])
    row = dict(zip(header, rows[2], strict=True))  # DEU -> CHN exports of 850760
    return header, row


_COMTRADE_COLUMNS, _COMTRADE_ROW = _comtrade_template()


def _comtrade(i: int) -> dict[str, Any]:
    rec = dict(_COMTRADE_ROW)
    rec["cmdCode"] = _HS6[i]
    rec["cmdDesc"] = f"Goods of heading {_HS6[i]}; é, including parts"
    rec["primaryValue"] = rec["fobvalue"] = f"{1_184_000_000.5 + i}"
    return rec


def _forcemap_trade(i: int) -> dict[str, Any]:
    return {"year": "2021", "reporter": "DE", "partner": "CN", "hs6": _HS6[i],
            "export_value": str(1_500_000 + i), "import_value": ""}  # fmt: skip


def _first_line(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig").splitlines()[0]


_WOS_TAB_COLUMNS = tuple(_first_line(EXPORTS / "wos_savedrecs_tab.txt").split("\t"))
_SCOPUS_COLUMNS = tuple(next(csv.reader(io.StringIO(_first_line(EXPORTS / "scopus.csv")))))
_LENS_COLUMNS = tuple(next(csv.reader(io.StringIO(_first_line(EXPORTS / "lens.csv")))))


def _wos(i: int) -> dict[str, Any]:
    return {
        "PT": "J",
        "AU": "Ellison, M; Okafor, S",
        "AF": "Ellison, Margaret; Okafor, Sarah",
        "TI": _title(i),
        "SO": "JOURNAL OF INFORMETRICS",
        "LA": "English",
        "DT": "Article",
        "C1": "[Ellison, Margaret] Univ Oxford, Oxford Internet Inst, Oxford OX1 3JS, England.",
        "CR": "Hirsch JE, 2005, P NATL ACAD SCI USA, V102, P16569, DOI 10.1073/pnas.0507655102",
        "NR": "1",
        "TC": "31",
        "PY": "2019",
        "VL": "13",
        "BP": str(455 + i),
        "DI": f"10.5555/wos.bad.{i}",
        "UT": f"WOS:0004681234000{i:02d}",
        "DA": "2024-06-03",
    }


_WOS_PLAIN_ORDER = ("PT", "AU", "AF", "TI", "SO", "LA", "DT", "C1", "CR", "NR", "TC", "PY",
                    "VL", "BP", "DI", "UT", "DA")  # fmt: skip


def _wos_plain_block(rec: dict[str, Any]) -> str:
    lines = []
    for tag in list(_WOS_PLAIN_ORDER) + [t for t in rec if t not in _WOS_PLAIN_ORDER]:
        if tag not in rec:
            continue
        v = str(rec[tag])
        parts = v.split("; ") if tag in ("AU", "AF") else [v]
        lines.append(f"{tag} {parts[0]}")
        lines += [f"   {p}" for p in parts[1:]]
    lines.append("ER")
    return "\n".join(lines) + "\n"


def _scopus(i: int) -> dict[str, Any]:
    eid = f"2-s2.0-851000000{i:02d}"
    return {
        "Authors": "Lee, K.; Brown, A.B.",
        "Author full names": "Lee, Kyung (57200000001); Brown, Alice B. (57200000002)",
        "Author(s) ID": "57200000001; 57200000002",
        "Title": _title(i),
        "Year": "2021",
        "Source title": "Journal of Power Sources",
        "Volume": "490",
        "Cited by": "17",
        "DOI": f"10.5555/scopus.bad.{i}",
        "Link": f"https://www.scopus.com/inward/record.uri?eid={eid}&partnerID=40",
        "Affiliations": "Argonne National Laboratory, Lemont, IL, United States",
        "Authors with affiliations": "Lee, K., Argonne National Laboratory, Lemont, IL, "
        "United States",
        "Abstract": "Nickel-rich layered oxides push the energy density of lithium-ion cells.",
        "References": "Goodenough, J.B., Kim, Y., Challenges for rechargeable Li batteries "
        "(2010) Chemistry of Materials, 22 (3), pp. 587-603.",
        "Publisher": "Elsevier B.V.",
        "ISSN": "03787753",
        "Language of Original Document": "English",
        "Document Type": "Article",
        "Publication Stage": "Final",
        "Source": "Scopus",
        "EID": eid,
    }


def _lens(i: int) -> dict[str, Any]:
    return {
        "Lens ID": f"010-203-405-607-8{i:02d}",
        "Title": _title(i),
        "Date Published": "2022-06-01",
        "Publication Year": "2022",
        "Publication Type": "journal article",
        "Source Title": "Journal of Materials Chemistry A",
        "ISSNs": "20507488; 20507496",
        "Author/s": "Li Na; Peter Olsen",
        "Volume": "10",
        "Start Page": str(11800 + i),
        "DOI": f"10.5555/lens.bad.{i}",
        "References": "022-334-455-667-789",
        "Citing Works Count": "12",
    }


def _ris(i: int) -> dict[str, Any]:
    return {
        "TY": "JOUR",
        "AU": "Zhang, Wei",
        "TI": _title(i),
        "T2": "Energy Storage Materials",
        "PY": "2021",
        "VL": "36",
        "SP": str(1 + i),
        "DO": f"10.5555/ris.bad.{i}",
        "LA": "English",
    }


def _ris_block(rec: dict[str, Any]) -> str:
    lines = [f"{tag}  - {v}" for tag, v in rec.items()]
    lines.append("ER  - ")
    return "\n".join(lines) + "\n"


def _bibtex(i: int) -> dict[str, Any]:
    return {
        "ID": f"lee2021bad{i}",
        "author": "Lee, Kyung and Brown, Alice B.",
        "title": _title(i),
        "journal": "Journal of Power Sources",
        "year": "2021",
        "pages": str(229500 + i),
        "doi": f"10.5555/bib.bad.{i}",
    }


def _bibtex_block(rec: dict[str, Any]) -> str:
    lines = [f"@article{{{rec.get('ID', '')},"]
    lines += [f"  {k} = {{{v}}}," for k, v in rec.items() if k != "ID"]
    lines.append("}")
    return "\n".join(lines) + "\n"


_NUMS = {"wrong_type": "lots", "overflow": "1e400", "nan_inf": "NaN"}
_YEARS = {"wrong_type": "20x1", "overflow": "18446744073709551615", "nan_inf": "NaN"}
_OA_KEY = "SELECT work_id FROM works"
_PATENT_KEY = "SELECT patent_id FROM patents"
_PROJECT_KEY = "SELECT project_id FROM projects"
_TRADE_KEY = "SELECT hs6 FROM trade WHERE export_value IS NOT NULL"


def _fs(*names: str) -> frozenset[str]:
    return frozenset(n.lower() for n in names)


READERS: dict[str, Reader] = {
    r.name: r
    for r in (
        Reader(
            name="openalex-jsonl",
            source="openalex",
            kind="jsonl",
            filename="works.jsonl",
            key_sql=_OA_KEY,
            make=_openalex,
            key=lambda r: r["id"].rsplit("/", 1)[-1],
            id_field="id",
            id_names=_fs("id"),
            num_field="cited_by_count",
            num_names=_fs("cited_by_count"),
            bad_numbers={"wrong_type": "many", "overflow": 2**31, "nan_inf": Lit("1e400")},
            text_field="title",
            compressed=("gz",),
        ),
        Reader(
            name="openalex-api-page",
            source="openalex",
            kind="json",
            filename="page.json",
            key_sql=_OA_KEY,
            make=_openalex,
            key=lambda r: r["id"].rsplit("/", 1)[-1],
            id_field="id",
            id_names=_fs("id"),
            num_field="cited_by_count",
            num_names=_fs("cited_by_count"),
            bad_numbers={"wrong_type": "many", "overflow": 2**31, "nan_inf": Lit("1e400")},
            text_field="title",
            prologue='{"meta": {"count": 8, "db_response_time_ms": 31, "page": 1, '
            '"per_page": 200},\n"results": [\n',
            epilogue="]}\n",
        ),
        Reader(
            name="patentsview",
            source="patentsview",
            kind="csv",
            filename="g_patent.tsv",
            key_sql=_PATENT_KEY,
            make=_patentsview,
            key=lambda r: f"US-{r['patent_id']}",
            id_field="patent_id",
            id_names=_fs("patent_id"),
            num_field="num_claims",
            num_names=_fs("num_claims"),
            bad_numbers={"wrong_type": "twenty", "overflow": "99999999999", "nan_inf": "NaN"},
            text_field="patent_title",
            columns=(
                "patent_id",
                "patent_type",
                "patent_date",
                "patent_title",
                "patent_abstract",
                "wipo_kind",
                "num_claims",
                "withdrawn",
                "filename",
            ),
            delim="\t",
            quoting="all",
            compressed=("gz", "zip"),
            container="patentsview",
        ),
        Reader(
            name="uspto-json",
            source="uspto",
            kind="json",
            filename="doc.json",
            key_sql=_PATENT_KEY,
            make=_uspto_json,
            key=lambda r: r["guid"].rsplit("-", 1)[0],
            id_field="guid",
            id_names=_fs("guid"),
            num_field="numberOfClaims",
            num_names=_fs("numberOfClaims", "num_claims"),
            bad_numbers={"wrong_type": "many", "overflow": 2**31, "nan_inf": "NaN"},
            text_field="inventionTitle",
            prologue="[\n",
            epilogue="]\n",
        ),
        Reader(
            name="uspto-jsonl",
            source="uspto",
            kind="jsonl",
            filename="doc.jsonl",
            key_sql=_PATENT_KEY,
            make=_uspto_json,
            key=lambda r: r["guid"].rsplit("-", 1)[0],
            id_field="guid",
            id_names=_fs("guid"),
            num_field="numberOfClaims",
            num_names=_fs("numberOfClaims", "num_claims"),
            bad_numbers={"wrong_type": "many", "overflow": Lit("1e400"), "nan_inf": "inf"},
            text_field="inventionTitle",
        ),
        Reader(
            name="uspto-csv",
            source="uspto",
            kind="csv",
            filename="patents.csv",
            key_sql=_PATENT_KEY,
            make=_uspto_csv,
            key=lambda r: r["patent"].rsplit("-", 1)[0],
            id_field="patent",
            id_names=_fs("patent"),
            num_field="date",
            num_names=_fs("date"),
            bad_numbers={"wrong_type": "17 Jan 2023", "overflow": "99999-01-17", "nan_inf": "NaN"},
            text_field="title",
            columns=(
                "patent",
                "src",
                "title",
                "date",
                "filed",
                "assignee",
                "assignee_country",
                "cpc_inventive",
                "cpc_additional",
                "us_cited",
                "n_us_cited",
            ),
        ),
        Reader(
            name="projects",
            source="projects",
            kind="csv",
            filename="projects.csv",
            key_sql=_PROJECT_KEY,
            make=_projects,
            key=lambda r: r["project_id"],
            id_field="project_id",
            id_names=_fs("project_id"),
            num_field="budget",
            num_names=_fs("budget"),
            bad_numbers=_NUMS,
            text_field="title",
            columns=(
                "project_id",
                "title",
                "programme",
                "start_date",
                "end_date",
                "budget",
                "currency",
                "goals",
                "status",
            ),
            compressed=("gz",),
        ),
        Reader(
            name="cordis",
            source="cordis",
            kind="csv",
            filename="project.csv",
            key_sql=_PROJECT_KEY,
            make=_cordis,
            key=lambda r: f"cordis:{r['id']}",
            id_field="id",
            id_names=_fs("id", "project_id"),
            num_field="totalCost",
            num_names=_fs("totalCost", "budget"),
            bad_numbers={"wrong_type": "lots", "overflow": "1e400", "nan_inf": "NaN"},
            text_field="title",
            columns=_cordis_columns(),
            delim=";",
            quoting="all",
            header_bom=True,
        ),
        Reader(
            name="trade-baci",
            source="trade",
            kind="csv",
            filename="BACI_HS17_Y2022_V202401.csv",
            key_sql=_TRADE_KEY,
            make=_baci,
            key=lambda r: r["k"],
            id_field="k",
            id_names=_fs("k", "hs6"),
            num_field="v",
            num_names=_fs("v", "export_value"),
            bad_numbers=_NUMS,
            columns=("t", "i", "j", "k", "v", "q"),
            compressed=("gz",),
            extra={"dangling": ("i", "999"), "dangling_names": _fs("i", "reporter")},
        ),
        Reader(
            name="trade-comtrade",
            source="trade",
            kind="csv",
            filename="comtrade.csv",
            key_sql=_TRADE_KEY,
            make=_comtrade,
            key=lambda r: r["cmdCode"],
            id_field="cmdCode",
            id_names=_fs("cmdCode", "hs6"),
            num_field="primaryValue",
            num_names=_fs("primaryValue", "export_value"),
            bad_numbers=_NUMS,
            text_field="cmdDesc",
            columns=_COMTRADE_COLUMNS,
            compressed=("gz",),
            extra={
                "dangling": ("partnerISO", "ZZZ"),
                "dangling_also": {"partnerCode": "999", "partnerDesc": "Nowhere"},
                "dangling_names": _fs("partnerISO", "partnerCode", "partner"),
            },
        ),
        Reader(
            name="trade-forcemap",
            source="trade",
            kind="csv",
            filename="trade.csv",
            key_sql=_TRADE_KEY,
            make=_forcemap_trade,
            key=lambda r: r["hs6"],
            id_field="hs6",
            id_names=_fs("hs6"),
            num_field="export_value",
            num_names=_fs("export_value"),
            bad_numbers=_NUMS,
            columns=("year", "reporter", "partner", "hs6", "export_value", "import_value"),
            compressed=("gz",),
            extra={"dangling": ("partner", "ZZ"), "dangling_names": _fs("partner")},
        ),
        Reader(
            name="wos-plain",
            source="wos",
            kind="blocks",
            filename="savedrecs.txt",
            key_sql=_OA_KEY,
            make=_wos,
            key=lambda r: r["UT"],
            id_field="UT",
            id_names=_fs("UT"),
            num_field="PY",
            num_names=_fs("PY"),
            bad_numbers=_YEARS,
            text_field="TI",
            prologue="\ufeffFN Clarivate Analytics Web of Science\nVR 1.0\n",
            epilogue="EF\n",
            block=_wos_plain_block,
        ),
        Reader(
            name="wos-tab",
            source="wos",
            kind="csv",
            filename="savedrecs_tab.txt",
            key_sql=_OA_KEY,
            make=_wos,
            key=lambda r: r["UT"],
            id_field="UT",
            id_names=_fs("UT"),
            num_field="PY",
            num_names=_fs("PY"),
            bad_numbers=_YEARS,
            text_field="TI",
            columns=_WOS_TAB_COLUMNS,
            delim="\t",
            quoting="none",
            header_bom=True,
        ),
        Reader(
            name="scopus",
            source="scopus",
            kind="csv",
            filename="scopus.csv",
            key_sql=_OA_KEY,
            make=_scopus,
            key=lambda r: f"scopus:{r['EID']}",
            id_field="EID",
            id_names=_fs("EID"),
            num_field="Year",
            num_names=_fs("Year"),
            bad_numbers=_YEARS,
            text_field="Title",
            columns=_SCOPUS_COLUMNS,
            quoting="all",
            header_bom=True,
        ),
        Reader(
            name="lens",
            source="lens",
            kind="csv",
            filename="lens.csv",
            key_sql=_OA_KEY,
            make=_lens,
            key=lambda r: f"lens:{r['Lens ID']}",
            id_field="Lens ID",
            id_names=_fs("Lens ID"),
            num_field="Publication Year",
            num_names=_fs("Publication Year"),
            bad_numbers=_YEARS,
            text_field="Title",
            columns=_LENS_COLUMNS,
            quoting="all",
            header_bom=True,
        ),
        Reader(
            name="ris",
            source="ris",
            kind="blocks",
            filename="export.ris",
            key_sql="SELECT doi FROM works",
            make=_ris,
            key=lambda r: r["DO"].lower(),
            id_field="DO",
            id_names=_fs("DO"),
            num_field="PY",
            num_names=_fs("PY"),
            bad_numbers=_YEARS,
            text_field="TI",
            block=_ris_block,
        ),
        Reader(
            name="bibtex",
            source="bibtex",
            kind="blocks",
            filename="library.bib",
            key_sql=_OA_KEY,
            make=_bibtex,
            key=lambda r: f"bib:{r['ID']}",
            id_field="ID",
            id_names=_fs("ID", "key", "citekey"),
            num_field="year",
            num_names=_fs("year"),
            bad_numbers=_YEARS,
            text_field="title",
            prologue="% Exported from a reference manager\n\n",
            block=_bibtex_block,
        ),
    )
}


@pytest.fixture(scope="session")
def empty_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated store file, copied for every case (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "empty.duckdb"
    Store.open(path).close()
    return path


@pytest.fixture
def fresh_store(empty_store_file: Path, tmp_path: Path) -> Iterator[Store]:
    """A fresh store at ``tmp_path / "s.duckdb"`` (a copy of the empty template)."""
    path = tmp_path / "s.duckdb"
    shutil.copyfile(empty_store_file, path)
    s = Store.open(path)
    yield s
    s.close()
