"""EU CORDIS projects: the ``project`` and ``organization`` files of the CORDIS open data.

The Publications Office publishes, per framework programme, "CORDIS - EU research projects
under Horizon Europe (2021-2027)" and "… under Horizon 2020 (2014-2020)" on data.europa.eu
(https://data.europa.eu/data/datasets/cordis-eu-research-projects-under-horizon-europe-2021-2027,
https://data.europa.eu/data/datasets/cordis-eu-research-projects-under-horizon-2020-2014-2020):
a zip of CSV files (and the same tables as XLSX). This reader takes two of them:

* ``project.csv`` — one row per grant, header ``id;acronym;status;title;startDate;endDate;
  totalCost;ecMaxContribution;legalBasis;topics;ecSignatureDate;frameworkProgramme;masterCall;
  subCall;fundingScheme;nature;objective;contentUpdateDate;rcn;grantDoi`` → ``projects``;
* ``organization.csv`` — one row per (project, beneficiary), header ``projectID;projectAcronym;
  organisationID;vatNumber;name;shortName;SME;activityType;street;postCode;city;country;
  nutsCode;geolocation;organizationURL;contactForm;contentUpdateDate;rcn;order;role;
  ecContribution;netEcContribution;totalCost;endOfParticipation;active`` →
  ``project_participants``.

The CSV dialect is CORDIS's: ``;``-separated, UTF-8 (often with a byte-order mark), every field
quoted, ``"`` doubled inside a field, line breaks inside quoted fields (``objective``), money
with a **decimal comma** (``1499873,75``), dates ``YYYY-MM-DD``. The XLSX versions (first sheet,
header row first) are read with openpyxl. The mapping, the quirks handled and the reasons for
rejection are documented in ``docs/formats.md`` (section *EU CORDIS projects*).

Each file is one atomic batch (source ``cordis``): an identical file is skipped (checksum), a
stored project is replaced, and the participants of every project named in an organisation file
are replaced by the file's rows. Project files are read before organisation files, so one call
``ingest_cordis(store, ["project.csv", "organization.csv"])`` (or the unzipped folder) loads
both; an organisation row of a project that is neither stored nor valid in the project file is
quarantined (``unknown project``). Organisation resolution (``forcemap resolve``) then merges
the participants (``cordis:<organisationID>``) with institutions and assignees.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from forcemap.errors import NotFoundError, ParseError, StoreError
from forcemap.store.ingest._csv import (
    checks_sql,
    raw_sql,
    read_checksum,
    read_header,
    stage_csv,
)
from forcemap.store.ingest.projects import _write_participants, _write_projects
from forcemap.store.ingest.trade import code_key_sql, country_code_table
from forcemap.store.store import IngestReport, Store, file_checksum

__all__ = [
    "CORDIS_ACTIVITY_TYPES",
    "CORDIS_ORGANIZATION_COLUMNS",
    "CORDIS_PROJECT_COLUMNS",
    "CORDIS_STATUS",
    "ingest_cordis",
]

SOURCE = "cordis"

CORDIS_PROJECT_COLUMNS: tuple[str, ...] = (
    "id",
    "acronym",
    "status",
    "title",
    "startDate",
    "endDate",
    "totalCost",
    "ecMaxContribution",
    "legalBasis",
    "topics",
    "ecSignatureDate",
    "frameworkProgramme",
    "masterCall",
    "subCall",
    "fundingScheme",
    "nature",
    "objective",
    "contentUpdateDate",
    "rcn",
    "grantDoi",
)
"""The header of CORDIS ``project.csv`` (Horizon Europe and Horizon 2020 alike)."""

CORDIS_ORGANIZATION_COLUMNS: tuple[str, ...] = (
    "projectID",
    "projectAcronym",
    "organisationID",
    "vatNumber",
    "name",
    "shortName",
    "SME",
    "activityType",
    "street",
    "postCode",
    "city",
    "country",
    "nutsCode",
    "geolocation",
    "organizationURL",
    "contactForm",
    "contentUpdateDate",
    "rcn",
    "order",
    "role",
    "ecContribution",
    "netEcContribution",
    "totalCost",
    "endOfParticipation",
    "active",
)
"""The header of CORDIS ``organization.csv``."""

CORDIS_ACTIVITY_TYPES: dict[str, str] = {
    "HES": "education",  # higher or secondary education establishment
    "REC": "research",  # research organisation
    "PRC": "company",  # private for-profit entity (excluding education)
    "PUB": "government",  # public body (excluding research and education)
    "OTH": "other",
}
"""CORDIS ``activityType`` codes → ``project_participants.type`` (the words organisation
resolution maps to university / institute / enterprise / institute / other)."""

CORDIS_STATUS: dict[str, str] = {
    "SIGNED": "active",
    "CLOSED": "completed",
    "TERMINATED": "terminated",
}
"""CORDIS project ``status`` → ``projects.status`` (any other value is stored lower-cased)."""

_REQUIRED = {"project": ("id",), "organization": ("projectID", "organisationID")}
_COLUMNS = {"project": CORDIS_PROJECT_COLUMNS, "organization": CORDIS_ORGANIZATION_COLUMNS}
_FILE_NAMES = ("project", "organization")
_DATE_RE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"

Progress = Callable[[int, int], None]


def _lc(columns: Sequence[str]) -> list[str]:
    return [c.lower() for c in columns]


def _expected(kind: str) -> str:
    return f"CORDIS {kind}.csv header {';'.join(_COLUMNS[kind])}"


def _xlsx_rows(path: Path) -> list[tuple[int, list[object]]]:
    """The non-empty rows of the first sheet with their 1-based row numbers."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as e:
        raise ParseError(f"cannot read as XLSX: {e}", file=str(path)) from e
    try:
        ws = wb.worksheets[0]
        rows = [
            (n, list(values))
            for n, values in enumerate(ws.iter_rows(values_only=True), start=1)
            if any(v is not None and str(v).strip() != "" for v in values)
        ]
    finally:
        wb.close()
    return rows


def _xlsx_header(path: Path) -> list[str]:
    rows = _xlsx_rows(path)
    if not rows:
        raise ParseError("empty workbook; expected a CORDIS header row", file=str(path))
    return [("" if v is None else str(v)).strip().lstrip("\ufeff").lower() for v in rows[0][1]]


def _is_xlsx(path: Path) -> bool:
    return path.name.lower().endswith(".xlsx")


def _header(path: Path, encoding: str = "utf-8") -> list[str]:
    if _is_xlsx(path):
        return _xlsx_header(path)
    expected = f"{_expected('project')} or {_expected('organization')}"
    return read_header(path, expected, delim=";", encoding=encoding)


def _kind(path: Path, header: list[str]) -> str:
    names = set(header)
    if {"projectid", "organisationid"} & names:
        kind = "organization"
    elif "id" in names and names & {"acronym", "frameworkprogramme", "ecmaxcontribution"}:
        kind = "project"
    else:
        raise ParseError(
            f"not a CORDIS project or organization file: header {';'.join(header)[:200]!r}; "
            f"expected {_expected('project')} or {_expected('organization')}",
            file=str(path),
            line=1,
        )
    missing = [c for c in _REQUIRED[kind] if c.lower() not in names]
    if missing:
        raise ParseError(
            f"{kind} file lacks required column(s) {', '.join(missing)}; "
            f"expected {_expected(kind)}",
            file=str(path),
            line=1,
        )
    wanted = set(_lc(_COLUMNS[kind]))
    dup = sorted({c for c in header if c in wanted and header.count(c) > 1})
    if dup:
        raise ParseError(
            f"column(s) {', '.join(dup)} appear twice in the header", file=str(path), line=1
        )
    return kind


def _files(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise NotFoundError(f"{p}: no such file or directory")
        if not p.is_dir():
            out.append(p)
            continue
        found = {f.name.lower(): f for f in p.iterdir() if f.is_file()}
        picked = [
            found[f"{stem}.{ext}"]
            for stem in _FILE_NAMES
            for ext in ("csv", "xlsx")
            if f"{stem}.{ext}" in found
        ]
        if not picked:
            raise NotFoundError(
                f"{p}: no CORDIS project.csv / organization.csv (or .xlsx) in the directory"
            )
        out += picked
    return out


def ingest_cordis(
    store: Store,
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    origin: str | None = None,
    progress: Progress | None = None,
    encoding: str = "utf-8",
) -> IngestReport:
    """Ingest CORDIS ``project`` / ``organization`` files (CSV or XLSX) into the project tables.

    Parameters
    ----------
    store
        An open, writable store.
    paths
        Files (``project.csv``, ``organization.csv``, their ``.xlsx`` versions; the kind is
        taken from the header) or unzipped CORDIS folders (their ``project`` and
        ``organization`` files are read; the other CORDIS tables are ignored).
    origin
        Label stored with every project row (default ``cordis``).
    progress
        Called as ``progress(files_done, files_total)`` after each file.
    encoding
        The CSV files' text encoding, transcoded to UTF-8 (default ``utf-8``: a record with
        bytes that are not UTF-8 is quarantined with its line).

    Returns
    -------
    IngestReport
        Counted in data rows of the files: ``read == stored + replaced + rejected + duplicates
        + filtered``, ``read`` counted independently of the CSV parser; ``related`` gives the
        rows written per table.

    Raises
    ------
    NotFoundError
        A path does not exist, or a folder holds no project / organization file.
    ParseError
        A file is neither a CORDIS project nor an organization file, or lacks ``id``
        (``projectID``, ``organisationID``); nothing of that file is written.
    StoreError
        DuckDB failed; the store is unchanged for the failing file.

    Notes
    -----
    Every project file is ingested before any organisation file; each file is one batch. Ids
    are namespaced: project ``101057437`` is ``cordis:101057437`` and organisation
    ``999979500`` is ``cordis:999979500``. Money is in euros: ``budget`` is ``totalCost``
    (``ecMaxContribution`` when ``totalCost`` is empty) and a participant's ``contribution`` is
    its ``ecContribution`` (``netEcContribution`` when empty).

    References
    ----------
    Publications Office of the European Union, CORDIS – EU research projects under Horizon
    Europe (2021-2027) and under Horizon 2020 (2014-2020), data.europa.eu, the data
    dictionary "cordis-h2020-projects-data-dictionary" shipped with the datasets.
    """
    seq = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    files = _files(seq)
    kinds = [(f, _kind(f, _header(f, encoding))) for f in files]
    kinds.sort(key=lambda fk: _FILE_NAMES.index(fk[1]))  # stable: projects first
    report = IngestReport(source=SOURCE)
    for n, (f, kind) in enumerate(kinds, start=1):
        report.add(_ingest_file(store, f, kind=kind, origin=origin or SOURCE, encoding=encoding))
        if progress:
            progress(n, len(kinds))
    return report


_TEMPS = ("_pj_rows", "_pj_v", "_pj_ok", "_pj_ids", "_cd_x")
_TABLE = {"project": "projects", "organization": "project_participants"}


def _ingest_file(
    store: Store, path: Path, *, kind: str, origin: str, encoding: str
) -> IngestReport:
    started = datetime.now()
    header = _header(path, encoding)
    checksum = read_checksum(file_checksum(path), encoding)
    if store.already_ingested(SOURCE, checksum):
        return IngestReport(source=SOURCE, skipped=[str(path)])
    con = store.con
    wanted = _lc(_COLUMNS[kind])
    present = [c for c in wanted if c in header]
    try:
        with store.batch(SOURCE, path) as b:
            con.register("_pj_cc", country_code_table())
            con.execute("CREATE TEMP TABLE _pj_ids (project_id VARCHAR)")
            filtered: dict[str, int] = {}
            status = "ok"
            if _is_xlsx(path):
                read = _stage_xlsx(con, path, header, wanted)
            else:
                staged = stage_csv(
                    b, path, header, wanted, "_pj_rows", delim=";", encoding=encoding
                )
                read, filtered, status = staged.records, staged.filtered, staged.status
            (_validate_projects if kind == "project" else _validate_organizations)(con)
            con.execute(
                f"""INSERT INTO quarantine
                       (batch_id, source, file, line, record_id, field, reason, raw)
                    SELECT $b, $s, $f, v.line, v.project_id, v._field, v._reason,
                           left({raw_sql(present, "r", ";")}, 4000)
                    FROM (SELECT line, project_id, _field, _reason FROM _pj_v
                          WHERE _reason IS NOT NULL) v
                    JOIN _pj_rows r USING (line)""",  # noqa: S608 - allow-listed names only
                {"b": b.batch_id, "s": SOURCE, "f": str(path)},
            )
            write = _write_projects if kind == "project" else _write_participants
            stored, replaced, dups = write(con, b, origin)
            report = store.finish(
                b,
                checksum=checksum,
                read=read,
                stored=stored,
                replaced=replaced,
                duplicates=dups,
                filtered=filtered,
                status=status,
                started=started,
                tables=(_TABLE[kind],),
            )
            report.related = {_TABLE[kind]: stored + replaced}
    except duckdb.Error as e:
        raise StoreError(f"{path}: ingest failed, this file left the store unchanged: {e}") from e
    finally:
        for t in _TEMPS:
            con.execute(f"DROP TABLE IF EXISTS {t}")
        con.unregister("_pj_cc")
    q = store.export_quarantine(b.batch_id)
    if q:
        report.quarantine_files.append(str(q))
    return report


def _cell(v: object) -> str | None:
    """An XLSX cell as the text CORDIS writes in its CSV (numbers without a spurious ``.0``)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _stage_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, header: list[str], wanted: list[str]
) -> int:
    """Load the first sheet into ``_pj_rows(line, <wanted>…)``, all VARCHAR; line = row."""
    rows = _xlsx_rows(path)[1:]
    pos = {name: n for n, name in enumerate(header)}
    data: dict[str, list[object]] = {"line": [n for n, _ in rows]}
    for w in wanted:
        i = pos.get(w)
        data[w] = [_cell(vals[i]) if i is not None and i < len(vals) else None for _, vals in rows]
    schema = pa.schema([("line", pa.int64()), *((w, pa.string()) for w in wanted)])
    con.register("_cd_x", pa.table(data, schema=schema))
    try:
        con.execute("CREATE TEMP TABLE _pj_rows AS SELECT * FROM _cd_x")
    finally:
        con.unregister("_cd_x")
    return len(rows)


# -- validation: _pj_rows → _pj_v(line, <projects columns>, _field, _reason) ----------------


def _text(col: str, as_: str) -> str:
    return f"nullif(trim(r.{col}), '') AS {as_}"


def _money(col: str) -> str:
    """The raw value and its number: a decimal comma (``1499873,75``) or point is accepted."""
    return (
        f"nullif(trim(r.{col}), '') AS {col}_raw, "
        f"CASE WHEN isfinite(TRY_CAST(replace(trim(r.{col}), ',', '.') AS DOUBLE)) "
        f"THEN TRY_CAST(replace(trim(r.{col}), ',', '.') AS DOUBLE) END AS {col}_n"
    )


def _money_check(col: str, name: str) -> tuple[str, str, str]:
    return (
        f"{col}_raw IS NOT NULL AND ({col}_n IS NULL OR {col}_n < 0)",
        name,
        f"{name} is not a non-negative number",
    )


def _date_ok(col: str) -> str:
    return (
        f"({col} IS NULL OR (regexp_full_match({col}, '{_DATE_RE}') "
        f"AND try_strptime({col}, '%Y-%m-%d') IS NOT NULL))"
    )


def _create_v(
    con: duckdb.DuckDBPyConnection, inner: str, outer: str, checks: list[tuple[str, str, str]]
) -> None:
    field, reason = checks_sql(checks)
    con.execute(
        f"""CREATE TEMP TABLE _pj_v AS
            SELECT {outer}, {field} AS _field, {reason} AS _reason FROM ({inner})"""  # noqa: S608
    )


def _validate_projects(con: duckdb.DuckDBPyConnection) -> None:
    status = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CORDIS_STATUS.items())
    inner = f"""
        SELECT r.line, {_text("id", "id")}, {_text("title", "title")},
               {_text("frameworkprogramme", "programme")},
               {_text("startdate", "start_date")}, {_text("enddate", "end_date")},
               {_money("totalcost")}, {_money("ecmaxcontribution")},
               {_text("objective", "goals")},
               CASE upper(trim(r.status)) {status} ELSE lower(nullif(trim(r.status), '')) END
                   AS status
        FROM _pj_rows r"""  # noqa: S608 - literals of this module only
    outer = """line, 'cordis:' || id AS project_id, title, programme, start_date, end_date,
               coalesce(totalcost_n, ecmaxcontribution_n) AS budget, 'EUR' AS currency, goals,
               status"""
    checks = [
        ("id IS NULL", "id", "missing id"),
        ("NOT regexp_full_match(id, '[0-9]+')", "id", "id is not a CORDIS project number"),
        (f"NOT {_date_ok('start_date')}", "startDate", "startDate is not a YYYY-MM-DD date"),
        (f"NOT {_date_ok('end_date')}", "endDate", "endDate is not a YYYY-MM-DD date"),
        (
            "CAST(end_date AS DATE) < CAST(start_date AS DATE)",
            "endDate",
            "endDate is before startDate",
        ),
        _money_check("totalcost", "totalCost"),
        _money_check("ecmaxcontribution", "ecMaxContribution"),
    ]
    _create_v(con, inner, outer, checks)


def _validate_organizations(con: duckdb.DuckDBPyConnection) -> None:
    types = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CORDIS_ACTIVITY_TYPES.items())
    codes = ", ".join(sorted(CORDIS_ACTIVITY_TYPES))
    inner = f"""
        SELECT r.line, {_text("projectid", "pid")}, {_text("organisationid", "oid")},
               {_text("name", "name")},
               -- coordinator, participant, thirdParty → third party, associatedPartner → …
               lower(regexp_replace(nullif(trim(r.role), ''), '([a-z])([A-Z])', '\\1 \\2', 'g'))
                   AS role,
               upper(nullif(trim(r.activitytype), '')) AS activity,
               CASE upper(trim(r.activitytype)) {types} END AS type,
               nullif(trim(r.country), '') AS country_raw, cc.iso2 AS country_code,
               {_money("eccontribution")}, {_money("neteccontribution")},
               kp.project_id IS NOT NULL AS known
        FROM _pj_rows r
        LEFT JOIN _pj_cc cc ON cc.code = {code_key_sql("r.country")}
        LEFT JOIN (SELECT DISTINCT project_id FROM projects) kp
          ON kp.project_id = 'cordis:' || nullif(trim(r.projectid), '')"""  # noqa: S608
    outer = """line, 'cordis:' || pid AS project_id, 'cordis:' || oid AS org_id, name, role,
               type, country_code,
               coalesce(eccontribution_n, netEcContribution_n) AS contribution"""
    checks = [
        ("pid IS NULL", "projectID", "missing projectID"),
        ("NOT regexp_full_match(pid, '[0-9]+')", "projectID", "projectID is not a number"),
        ("oid IS NULL", "organisationID", "missing organisationID"),
        (
            "country_raw IS NOT NULL AND country_code IS NULL",
            "country",
            "unknown country code",
        ),
        (
            "activity IS NOT NULL AND type IS NULL",
            "activityType",
            f"activityType is not one of {codes}",
        ),
        _money_check("eccontribution", "ecContribution"),
        _money_check("netEcContribution", "netEcContribution"),
        ("NOT known", "projectID", "unknown project"),
    ]
    _create_v(con, inner, outer, checks)
