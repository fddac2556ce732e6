"""Trade flows: CEPII BACI ``t,i,j,k,v,q`` files or the forcemap ``year,reporter,…`` layout.

The layout is recognised by the header (names are matched case-insensitively; extra columns are
ignored; see ``docs/formats.md``):

* **BACI** — ``t,i,j,k,v,q``: year, exporter and importer (ISO 3166 numeric, with BACI's own
  variants such as 842 for the United States or 490 for Taiwan), HS6 product code (a leading
  zero lost by a spreadsheet is restored), value in *thousand* US dollars, quantity in tonnes
  (``q`` is not stored; real files pad numbers with spaces and write ``NA`` for a missing
  quantity, both accepted).
* **forcemap** — ``year,reporter,partner,hs6,export_value,import_value``: values in US dollars
  from the reporter's point of view; country codes ISO 3166 alpha-2, alpha-3 or numeric.

Every country code is stored as **ISO 3166-1 alpha-2**, the code used by the rest of the store
(``authorships``, ``patent_assignees``, ``project_participants``), so trade, publications and
patents share one location key in :func:`forcemap.indicators.specialisation.activity_table`.

BACI flows are **mirrored**. A BACI row is one reconciled flow exporter → importer, so it is
both an export of ``i`` and an import of ``j``; it is stored as ``export_value`` on the row
``(t, reporter=i, partner=j, hs6)`` and as ``import_value`` on the row ``(t, reporter=j,
partner=i, hs6)``. Each canonical row therefore holds the flow reporter → partner in
``export_value`` and the flow partner → reporter in ``import_value``, as the schema says, and
summing ``export_value`` by reporter (what export RCA does) counts every flow exactly once.
The forcemap layout is stored as reported (not mirrored): its two columns are already the
reporter's view.

Set-based in DuckDB (BACI files have millions of rows); each file is one atomic batch. Rows whose
year, country code, HS6 code or value is invalid are quarantined with file, line and field.
Several rows with the same key (year, exporter/reporter, importer/partner, HS6) in one file are
merged: per column the value of the last line that has one wins, the other lines count as
duplicates. A flow already stored for the same key and direction is replaced (counted as a
duplicate); the other column of an existing row is kept.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa

from forcemap.errors import NotFoundError, ParseError, StoreError
from forcemap.store.ingest._csv import (
    _count,
    _drop,
    _open_binary,
    checks_sql,
    default_origin,
    missing_sql,
    raw_sql,
    read_checksum,
    read_header,
    stage_csv,
)
from forcemap.store.reference import reference_table
from forcemap.store.store import Batch, IngestReport, Store, file_checksum

__all__ = [
    "BACI_COLUMNS",
    "BACI_COUNTRY_VARIANTS",
    "COMTRADE_COLUMNS",
    "COMTRADE_NOT_COUNTRIES",
    "COMTRADE_USED",
    "FORCEMAP_TRADE_COLUMNS",
    "country_code_table",
    "ingest_trade",
]

SOURCE = "trade"

BACI_COLUMNS: tuple[str, ...] = ("t", "i", "j", "k", "v", "q")
"""The BACI header; ``q`` may be absent."""

FORCEMAP_TRADE_COLUMNS: tuple[str, ...] = (
    "year",
    "reporter",
    "partner",
    "hs6",
    "export_value",
    "import_value",
)
"""The forcemap trade header; one of ``export_value`` / ``import_value`` may be absent."""

COMTRADE_COLUMNS: tuple[str, ...] = (
    "typeCode",
    "freqCode",
    "refPeriodId",
    "refYear",
    "refMonth",
    "period",
    "reporterCode",
    "reporterISO",
    "reporterDesc",
    "flowCode",
    "flowDesc",
    "partnerCode",
    "partnerISO",
    "partnerDesc",
    "partner2Code",
    "partner2ISO",
    "partner2Desc",
    "classificationCode",
    "classificationSearchCode",
    "isOriginalClassification",
    "cmdCode",
    "cmdDesc",
    "aggrLevel",
    "isLeaf",
    "customsCode",
    "customsDesc",
    "mosCode",
    "motCode",
    "motDesc",
    "qtyUnitCode",
    "qtyUnitAbbr",
    "qty",
    "isQtyEstimated",
    "altQtyUnitCode",
    "altQtyUnitAbbr",
    "altQty",
    "isAltQtyEstimated",
    "netWgt",
    "isNetWgtEstimated",
    "grossWgt",
    "isGrossWgtEstimated",
    "cifvalue",
    "fobvalue",
    "primaryValue",
    "legacyEstimationFlag",
    "isReported",
    "isAggregate",
)
"""The UN Comtrade (v1 API / Comtrade Plus bulk) data header, as the API and
``comtradeapicall`` return it; the reader uses the columns of :data:`COMTRADE_USED`."""

COMTRADE_USED: tuple[str, ...] = (
    "freqCode",
    "refYear",
    "period",
    "reporterCode",
    "reporterISO",
    "flowCode",
    "partnerCode",
    "partnerISO",
    "partner2Code",
    "classificationCode",
    "cmdCode",
    "customsCode",
    "mosCode",
    "motCode",
    "primaryValue",
)
"""The Comtrade columns read (lower-cased on input); the others are ignored."""

COMTRADE_NOT_COUNTRIES: dict[str, str] = {
    "0": "World",
    "837": "Bunkers",
    "838": "Free zones",
    "839": "Special categories",
    "899": "Areas, nes",
}
"""Comtrade partner codes that are not countries; their rows are filtered (counted)."""

BACI_COUNTRY_VARIANTS: dict[int, str] = {
    58: "BE",  # Belgium-Luxembourg (…1998)
    251: "FR",  # France incl. Monaco
    381: "IT",  # Italy incl. San Marino
    490: "TW",  # "Other Asia, nes" = Taiwan
    530: "AN",  # Netherlands Antilles (…2010); withdrawn ISO alpha-2
    579: "NO",  # Norway incl. Svalbard and Jan Mayen
    699: "IN",  # India
    711: "ZA",  # Southern African Customs Union (…1999)
    736: "SD",  # Sudan (…2011, before South Sudan)
    757: "CH",  # Switzerland incl. Liechtenstein
    842: "US",  # USA incl. Puerto Rico and US Virgin Islands
    849: "UM",  # US Minor Outlying Islands (ISO 581)
    891: "CS",  # Serbia and Montenegro (…2005); withdrawn ISO alpha-2
}
"""BACI / UN Comtrade country codes that are not ISO 3166 numeric, mapped to ISO alpha-2."""

# Other codes seen in real files: EU conventions (UK, EL), Kosovo (XK, user-assigned), the
# alpha-3 forms of the withdrawn codes above, and Comtrade's S19 ("Other Asia, nes").
_ALPHA_VARIANTS: dict[str, str] = {
    "UK": "GB",
    "EL": "GR",
    "XK": "XK",
    "XKX": "XK",
    "AN": "AN",
    "ANT": "AN",
    "CS": "CS",
    "SCG": "CS",
    "S19": "TW",
}

_HS6_RE = "[0-9]{5,6}"
_BAD_YEAR = "year is not an integer between 1900 and 2100"

Progress = Callable[[int, int], None]


# -- shared with the projects and CORDIS readers: country codes ----------------------------


@lru_cache(maxsize=1)
def country_code_table() -> pa.Table:
    """Every accepted country code and its ISO 3166-1 alpha-2 code.

    Returns
    -------
    pa.Table
        ``code: string`` (an alpha-2 or alpha-3 code in upper case, or an ISO / BACI numeric
        code with or without leading zeros: ``"4"``, ``"04"``, ``"004"``), ``iso2: string``.
        Built from the
        shipped ``countries`` reference table plus :data:`BACI_COUNTRY_VARIANTS` and a few
        conventional variants (``UK``, ``EL``, ``XK``); ISO codes take precedence.
    """
    ref = reference_table("countries")
    codes: dict[str, str] = {}
    for iso2, iso3, num in zip(
        ref.column("iso2").to_pylist(),
        ref.column("iso3").to_pylist(),
        ref.column("iso_numeric").to_pylist(),
        strict=True,
    ):
        if iso2 is None:
            continue
        codes[iso2.upper()] = iso2.upper()
        if iso3:
            codes[iso3.upper()] = iso2.upper()
        if num is not None:
            for key in _numeric_keys(int(num)):
                codes[key] = iso2.upper()
    for num, iso2 in BACI_COUNTRY_VARIANTS.items():
        for key in _numeric_keys(num):
            codes.setdefault(key, iso2)
    for alpha, iso2 in _ALPHA_VARIANTS.items():
        codes.setdefault(alpha, iso2)
    return pa.table(
        {"code": list(codes), "iso2": list(codes.values())},
        schema=pa.schema([("code", pa.string()), ("iso2", pa.string())]),
    )


def _numeric_keys(num: int) -> set[str]:
    return {str(num), f"{num:02d}", f"{num:03d}"}


def code_key_sql(expr: str) -> str:
    """SQL normalising a raw country code to a ``country_code_table().code`` key."""
    return f"upper(trim({expr}))"


# -- the trade reader ------------------------------------------------------------------------


def _trade_files(path: Path) -> list[Path]:
    if not path.exists():
        raise NotFoundError(f"{path}: no such file or directory")
    if not path.is_dir():
        return [path]
    files = sorted(
        f
        for f in path.iterdir()
        if f.is_file()
        and f.name.lower().endswith((".csv", ".csv.gz"))
        and not f.name.lower().startswith(("country_codes", "product_codes"))
    )
    if not files:
        raise NotFoundError(f"{path}: no trade CSV files (*.csv) in directory")
    return files


def ingest_trade(
    store: Store,
    path: str | os.PathLike[str],
    *,
    origin: str | None = None,
    progress: Progress | None = None,
    encoding: str = "utf-8",
) -> IngestReport:
    """Ingest one trade CSV file (BACI or forcemap layout) into the ``trade`` table.

    Parameters
    ----------
    store
        An open, writable store.
    path
        A CSV file (optionally ``.csv.gz``), or a directory whose ``*.csv`` files are ingested
        in name order (BACI's ``country_codes_*`` / ``product_codes_*`` files are skipped).
    origin
        Label stored with every row; by default ``trade``, or ``synthetic:trade`` for the
        ``trade/`` folder of a world written by :func:`forcemap.store.synth.write_world`.
    progress
        Called as ``progress(bytes_done, bytes_total)`` after each file.
    encoding
        The files' text encoding (``latin-1``, ``cp1252``…), transcoded to UTF-8; with the
        default ``utf-8`` a record with bytes that are not UTF-8 is quarantined.

    Returns
    -------
    IngestReport
        ``read == stored + replaced + rejected + duplicates + filtered`` counted in file rows
        (flows), ``read`` counted independently of the CSV parser;
        ``related["trade table rows"]`` is the number of canonical rows written (a BACI flow
        fills an export cell and a mirrored import cell).

    Raises
    ------
    NotFoundError
        ``path`` does not exist.
    ParseError
        The header is neither layout (the message lists both expected headers).
    StoreError
        DuckDB failed; the store is unchanged.

    References
    ----------
    Gaulier, G. & Zignago, S. (2010). BACI: International Trade Database at the Product-Level.
    The 1994-2007 Version. CEPII Working Paper 2010-23. https://doi.org/10.2139/ssrn.1994500
    """
    p = Path(path)
    files = _trade_files(p)
    if origin is None:
        origin = default_origin(p.parent if p.is_dir() else p.parent.parent, SOURCE)
    total = sum(f.stat().st_size for f in files)
    report = IngestReport(source=SOURCE)
    done = 0
    for f in files:
        report.add(_ingest_file(store, f, origin=origin, encoding=encoding))
        done += f.stat().st_size
        if progress:
            progress(done, total)
    return report


_EXPECTED = (
    f'BACI "{",".join(BACI_COLUMNS)}", forcemap "{",".join(FORCEMAP_TRADE_COLUMNS)}" or UN '
    'Comtrade "typeCode,freqCode,…,refYear,…,reporterISO,…,flowCode,…,partnerISO,…,cmdCode,…,'
    'primaryValue,…"'
)
_COMTRADE_USED_LC = tuple(c.lower() for c in COMTRADE_USED)


def _sniff_delim(path: Path) -> str:
    """``\\t`` when the header line has more tabs than commas (Comtrade bulk .txt), else ``,``."""
    try:
        with _open_binary(path) as fh:
            first = fh.readline(1 << 20)
    except (OSError, EOFError, zipfile.BadZipFile, ParseError):
        return ","  # read_header reports the problem
    return "\t" if first.count(b"\t") > first.count(b",") else ","


def _layout(path: Path, header: list[str]) -> str:
    names = set(header)
    if {"t", "i", "j", "k", "v"} <= names:
        layout, wanted = "baci", BACI_COLUMNS
    elif (
        {"flowcode", "cmdcode", "primaryvalue"} <= names
        and names & {"refyear", "period"}
        and names & {"reporteriso", "reportercode"}
        and names & {"partneriso", "partnercode"}
    ):
        layout, wanted = "comtrade", _COMTRADE_USED_LC
    elif {"year", "reporter", "partner", "hs6"} <= names and names & {
        "export_value",
        "import_value",
    }:
        layout, wanted = "forcemap", FORCEMAP_TRADE_COLUMNS
    else:
        raise ParseError(
            f"not a trade file: header {','.join(header)[:300]!r} matches no layout; "
            f"expected {_EXPECTED}",
            file=str(path),
            line=1,
        )
    dup = sorted({c for c in header if c in wanted and header.count(c) > 1})
    if dup:
        raise ParseError(f"column(s) {', '.join(dup)} appear twice in the header", file=str(path))
    return layout


_TEMPS = ("_tr_rows", "_tr_v", "_tr_f", "_tr_new", "_tr_old", "_tr_out")


def _ingest_file(store: Store, path: Path, *, origin: str, encoding: str) -> IngestReport:
    started = datetime.now()
    delim = _sniff_delim(path)
    header = read_header(path, _EXPECTED, delim=delim, encoding=encoding)
    layout = _layout(path, header)
    checksum = read_checksum(file_checksum(path), encoding)
    if store.already_ingested(SOURCE, checksum):
        return IngestReport(source=SOURCE, skipped=[str(path)])
    con = store.con
    wanted = {
        "baci": BACI_COLUMNS,
        "forcemap": FORCEMAP_TRADE_COLUMNS,
        "comtrade": _COMTRADE_USED_LC,
    }[layout]
    present = [c for c in wanted if c in header]
    try:
        with store.batch(SOURCE, path) as b:
            con.register("_tr_cc", country_code_table())
            staged = stage_csv(b, path, header, wanted, "_tr_rows", delim=delim, encoding=encoding)
            if layout == "comtrade":
                _validate_comtrade(con, header)
            else:
                _validate(con, layout)
            filtered = dict(
                con.execute(
                    "SELECT _filter, count(*) FROM _tr_v WHERE _filter IS NOT NULL GROUP BY ALL"
                ).fetchall()
            )
            filtered.update(staged.filtered)
            con.execute(
                f"""INSERT INTO quarantine
                       (batch_id, source, file, line, record_id, field, reason, raw)
                    SELECT $b, $s, $f, v.line, NULL, v._field, v._reason,
                           left({raw_sql(present, "r", delim)}, 4000)
                    FROM (SELECT line, _field, _reason FROM _tr_v WHERE _reason IS NOT NULL) v
                    JOIN _tr_rows r USING (line)""",  # noqa: S608 - allow-listed names only
                {"b": b.batch_id, "s": SOURCE, "f": str(path)},
            )
            con.execute("DROP TABLE _tr_rows")  # frees memory early (BACI files are large)
            stored, replaced, dups, rows = _write(con, b, layout, origin)
            report = store.finish(
                b,
                checksum=checksum,
                read=staged.records,
                stored=stored,
                replaced=replaced,
                duplicates=dups,
                started=started,
                filtered=filtered,
                status=staged.status,
            )
            report.related["trade table rows"] = rows
    except duckdb.Error as e:
        raise StoreError(f"{path}: ingest failed, this file left the store unchanged: {e}") from e
    finally:
        _drop(con, _TEMPS)
        con.unregister("_tr_cc")
    q = store.export_quarantine(b.batch_id)
    if q:
        report.quarantine_files.append(str(q))
    return report


def _validate(con: duckdb.DuckDBPyConnection, layout: str) -> None:
    """``_tr_rows`` → ``_tr_v(line, year, reporter, partner, hs6, export_value, import_value,
    _field, _reason)``; ``_reason`` is NULL for a valid row."""
    # Each raw value is trimmed once (s_…), parsed once (…_n) and flagged missing once (…_m).
    if layout == "baci":
        y, a, z, k = "t", "i", "j", "k"
        vals: tuple[str, ...] = ("v",)
        exp, imp = "round(v_n * 1000, 6)", "NULL::DOUBLE"
        values = [
            ("v_m", "v", "missing value v"),
            ("v_n IS NULL OR v_n < 0", "v", "value v is not a non-negative number"),
        ]
        who = ("exporter", "importer")
    else:
        y, a, z, k = "year", "reporter", "partner", "hs6"
        vals = ("export_value", "import_value")
        exp, imp = "export_value_n", "import_value_n"
        values = [
            (
                "export_value_m AND import_value_m",
                "export_value",
                "no export_value or import_value",
            ),
            *(
                (
                    f"NOT {c}_m AND ({c}_n IS NULL OR {c}_n < 0)",
                    c,
                    f"{c} is not a non-negative number",
                )
                for c in vals
            ),
        ]
        who = ("reporter", "partner")
    checks = [
        ("y_m", y, "missing year"),
        ("_year IS NULL OR _year NOT BETWEEN 1900 AND 2100", y, _BAD_YEAR),
        ("a_m", a, f"missing {who[0]} country code"),
        ("_reporter IS NULL", a, f"unknown {who[0]} country code"),
        ("z_m", z, f"missing {who[1]} country code"),
        ("_partner IS NULL", z, f"unknown {who[1]} country code"),
        ("_hs6 IS NULL", k, "not an HS6 product code"),
        *values,
    ]
    field, reason = checks_sql(checks)
    trimmed = ", ".join(
        [f"trim(r.{y}) AS s_y", f"upper(trim(r.{a})) AS s_a", f"upper(trim(r.{z})) AS s_z"]
        + [f"trim(r.{k}) AS s_k"]
        + [f"trim(r.{c}) AS s_{c}" for c in vals]
    )
    parsed = ", ".join(
        [
            "TRY_CAST(s_y AS INTEGER) AS _year",
            f"{missing_sql('s_y')} AS y_m",
            # not missing_sql: NA is Namibia
            "coalesce(s_a = '', true) AS a_m",
            "coalesce(s_z = '', true) AS z_m",
            "ci.iso2 AS _reporter",
            "cj.iso2 AS _partner",
            f"CASE WHEN regexp_full_match(s_k, '{_HS6_RE}') THEN lpad(s_k, 6, '0') END AS _hs6",
        ]
        + [f"{missing_sql(f's_{c}')} AS {c}_m" for c in vals]
        + [f"TRY_CAST(s_{c} AS DOUBLE) AS {c}_d" for c in vals]
    )
    finite = ", ".join(f"CASE WHEN isfinite({c}_d) THEN {c}_d END AS {c}_n" for c in vals)
    con.execute(
        f"""CREATE TEMP TABLE _tr_v AS
            SELECT line, _year AS year, _reporter AS reporter, _partner AS partner,
                   _hs6 AS hs6, {exp} AS export_value, {imp} AS import_value,
                   {field} AS _field, {reason} AS _reason, NULL::VARCHAR AS _filter
            FROM (
              SELECT *, {finite} FROM (
                SELECT s.*, {parsed}
                FROM (SELECT r.line, {trimmed} FROM _tr_rows r) s
                LEFT JOIN _tr_cc ci ON ci.code = s.s_a
                LEFT JOIN _tr_cc cj ON cj.code = s.s_z))"""  # noqa: S608 - literals of this module
    )


def _validate_comtrade(con: duckdb.DuckDBPyConnection, header: Sequence[str]) -> None:
    """``_tr_rows`` (Comtrade columns) → ``_tr_v``: per row its canonical cell, or the reason it
    is filtered (``_filter``: a valid row left out by design) or rejected (``_reason``).

    Filters (first match): monthly data, a non-HS classification, an aggregate product (``TOTAL``
    or a 2- or 4-digit code), a flow other than M / X, a partner that is not a country
    (:data:`COMTRADE_NOT_COUNTRIES`, ``W00``, ``_X``), and breakdown rows (second partner,
    customs procedure, mode of supply or transport other than the total), whose totals are kept.
    """
    not_countries = ", ".join(f"'{c}'" for c in COMTRADE_NOT_COUNTRIES)

    def has(c: str) -> bool:
        return c in header

    # breakdown columns absent from the header are totals by definition
    def not_total(col: str, total: str) -> str:
        if not has(col):
            return "false"
        return f"coalesce(nullif(upper(trim(r.{col})), '') NOT IN ({total}), false)"

    filters = [
        (
            "upper(trim(r.freqcode)) NOT IN ('', 'A')" if has("freqcode") else "false",
            "monthly record (freqCode not A); the trade table is annual",
        ),
        (
            "NOT coalesce(upper(trim(r.classificationcode)), 'H') LIKE 'H%'"
            if has("classificationcode")
            else "false",
            "not an HS classification (classificationCode)",
        ),
        (
            "upper(trim(r.cmdcode)) = 'TOTAL' "
            "OR regexp_full_match(trim(r.cmdcode), '[0-9]{2}|[0-9]{4}')",
            "aggregate product (cmdCode TOTAL, HS2 or HS4)",
        ),
        (
            "upper(trim(r.flowcode)) NOT IN ('', 'M', 'X')",
            "flow other than import M / export X (re-exports, re-imports, processing)",
        ),
        (
            f"ltrim(trim(r.partnercode), '0') IN ({not_countries}) "
            "OR (trim(r.partnercode) <> '' AND ltrim(trim(r.partnercode), '0') = '') "
            "OR upper(trim(r.partneriso)) IN ('W00', '_X', 'WLD')"
            if has("partnercode") and has("partneriso")
            else (
                f"ltrim(trim(r.partnercode), '0') IN ({not_countries}) "
                "OR (trim(r.partnercode) <> '' AND ltrim(trim(r.partnercode), '0') = '')"
                if has("partnercode")
                else "upper(trim(r.partneriso)) IN ('W00', '_X', 'WLD')"
            ),
            "partner is not a country (World, areas nes, bunkers, free zones, special categories)",
        ),
        (
            " OR ".join(
                [
                    not_total("partner2code", "'0', '00', '000'"),
                    not_total("customscode", "'C00'"),
                    not_total("moscode", "'0'"),
                    not_total("motcode", "'0'"),
                ]
            ),
            "breakdown row (second partner, customs procedure or transport mode); totals kept",
        ),
    ]
    filter_sql = (
        "CASE " + " ".join(f"WHEN coalesce({c}, false) THEN '{r}'" for c, r in filters) + " END"
    )
    year = "coalesce(nullif(trim(r.refyear), ''), left(trim(r.period), 4))"
    if not has("refyear"):
        year = "left(trim(r.period), 4)"
    elif not has("period"):
        year = "trim(r.refyear)"
    iso = {
        side: (f"upper(trim(r.{side}iso))" if has(f"{side}iso") else "NULL")
        for side in ("reporter", "partner")
    }
    num = {
        side: (f"ltrim(trim(r.{side}code), '0')" if has(f"{side}code") else "NULL")
        for side in ("reporter", "partner")
    }
    checks = [
        ("s_y IS NULL OR s_y = ''", "refYear", "missing year"),
        ("_year IS NULL OR _year NOT BETWEEN 1900 AND 2100", "refYear", _BAD_YEAR),
        ("a_raw IS NULL", "reporterISO", "missing reporter country code"),
        ("_reporter IS NULL", "reporterISO", "unknown reporter country code"),
        ("z_raw IS NULL", "partnerISO", "missing partner country code"),
        ("_partner IS NULL", "partnerISO", "unknown partner country code"),
        ("_hs6 IS NULL", "cmdCode", "not an HS6 product code"),
        ("s_f = ''", "flowCode", "missing flowCode"),
        ("v_m", "primaryValue", "missing primaryValue"),
        ("v_n IS NULL OR v_n < 0", "primaryValue", "primaryValue is not a non-negative number"),
    ]
    field, reason = checks_sql(checks)
    con.execute(
        f"""CREATE TEMP TABLE _tr_v AS
            SELECT line, _year AS year, _reporter AS reporter, _partner AS partner, _hs6 AS hs6,
                   CASE WHEN s_f = 'X' THEN v_n END AS export_value,
                   CASE WHEN s_f = 'M' THEN v_n END AS import_value,
                   CASE WHEN _filter IS NULL THEN {field} END AS _field,
                   CASE WHEN _filter IS NULL THEN {reason} END AS _reason, _filter
            FROM (
              SELECT s.*, TRY_CAST(s_y AS INTEGER) AS _year,
                     coalesce(ia.iso2, na.iso2) AS _reporter,
                     coalesce(iz.iso2, nz.iso2) AS _partner,
                     CASE WHEN regexp_full_match(s_k, '{_HS6_RE}') THEN lpad(s_k, 6, '0') END
                         AS _hs6,
                     {missing_sql("s_v")} AS v_m,
                     CASE WHEN isfinite(TRY_CAST(s_v AS DOUBLE)) THEN TRY_CAST(s_v AS DOUBLE) END
                         AS v_n
              FROM (
                SELECT r.line, {year} AS s_y,
                       nullif(coalesce({iso["reporter"]}, ''), '') AS a_iso,
                       nullif(coalesce({num["reporter"]}, ''), '') AS a_num,
                       nullif(coalesce({iso["partner"]}, ''), '') AS z_iso,
                       nullif(coalesce({num["partner"]}, ''), '') AS z_num,
                       coalesce(a_iso, a_num) AS a_raw, coalesce(z_iso, z_num) AS z_raw,
                       trim(r.cmdcode) AS s_k, coalesce(upper(trim(r.flowcode)), '') AS s_f,
                       trim(r.primaryvalue) AS s_v, {filter_sql} AS _filter
                FROM _tr_rows r) s
              LEFT JOIN _tr_cc ia ON ia.code = s.a_iso
              LEFT JOIN _tr_cc na ON na.code = s.a_num
              LEFT JOIN _tr_cc iz ON iz.code = s.z_iso
              LEFT JOIN _tr_cc nz ON nz.code = s.z_num)"""  # noqa: S608 - literals of this module
    )


def _write(
    con: duckdb.DuckDBPyConnection, b: Batch, layout: str, origin: str
) -> tuple[int, int, int, int]:
    """Merge the valid rows into ``trade``; return (stored, replaced, duplicates, canonical
    rows): a flow already stored for its key and direction is *replaced* by the file's value,
    a flow repeated in the file is a *duplicate* (the value of its last line wins)."""
    key = "year, reporter, partner, hs6"
    # One flow per key: per column, the value of the last line that has one.
    con.execute(
        f"""CREATE TEMP TABLE _tr_f AS
            SELECT {key},
                   arg_max(export_value, line) FILTER (WHERE export_value IS NOT NULL)
                       AS export_value,
                   arg_max(import_value, line) FILTER (WHERE import_value IS NOT NULL)
                       AS import_value,
                   count(*) AS n
            FROM _tr_v WHERE _reason IS NULL AND _filter IS NULL GROUP BY {key}"""  # noqa: S608
    )
    if layout == "comtrade":
        # a Comtrade row is one cell (its flow M or X): count flows as filled cells
        cells = "(export_value IS NOT NULL)::INT + (import_value IS NOT NULL)::INT"
        flows = _count(con, f"SELECT sum({cells}) FROM _tr_f")  # noqa: S608
        in_file_dups = _count(con, "SELECT sum(n) FROM _tr_f") - flows
    else:
        flows = _count(con, "SELECT count(*) FROM _tr_f")
        in_file_dups = _count(con, "SELECT sum(n) - count(*) FROM _tr_f")
    con.execute("DROP TABLE _tr_v")
    if layout == "baci":
        # Mirror: the flow a -> b is a's export and b's import. Keys are unique in _tr_f, so
        # a full join of the flows with the reversed flows gives each row both cells.
        con.execute(
            """CREATE TEMP TABLE _tr_new AS
               SELECT coalesce(e.year, m.year) AS year,
                      coalesce(e.reporter, m.partner) AS reporter,
                      coalesce(e.partner, m.reporter) AS partner,
                      coalesce(e.hs6, m.hs6) AS hs6,
                      e.export_value AS export_value, m.export_value AS import_value
               FROM _tr_f e FULL JOIN _tr_f m
                 ON e.year = m.year AND e.reporter = m.partner AND e.partner = m.reporter
                AND e.hs6 = m.hs6"""
        )
    else:
        con.execute(
            f"CREATE TEMP TABLE _tr_new AS SELECT {key}, export_value, import_value FROM _tr_f"  # noqa: S608
        )
    rows = _count(con, "SELECT count(*) FROM _tr_new")
    store_dups = 0
    if _count(con, "SELECT count(*) FROM trade") > 0:
        # the stored rows with a key of this file (one per key; max() only guards against
        # duplicates written by other tools)
        con.execute(
            f"""CREATE TEMP TABLE _tr_old AS
                SELECT {key}, max(export_value) AS export_value,
                       max(import_value) AS import_value
                FROM trade SEMI JOIN _tr_new USING ({key}) GROUP BY {key}"""  # noqa: S608
        )
        same_e = "(f.export_value IS NOT NULL AND o.export_value IS NOT NULL)"
        same_i = "(f.import_value IS NOT NULL AND o.import_value IS NOT NULL)"
        replaced = (
            f"{same_e}::INT + {same_i}::INT"  # cells (Comtrade)
            if layout == "comtrade"
            else f"({same_e} OR {same_i})::INT"  # rows
        )
        store_dups = _count(
            con,
            f"""SELECT sum({replaced}) FROM _tr_f f JOIN _tr_old o USING ({key})""",  # noqa: S608
        )
        con.execute(
            f"""CREATE TEMP TABLE _tr_out AS
                SELECT {key}, coalesce(n.export_value, o.export_value) AS export_value,
                       coalesce(n.import_value, o.import_value) AS import_value
                FROM _tr_new n LEFT JOIN _tr_old o USING ({key})"""  # noqa: S608
        )
        con.execute("DROP TABLE _tr_old")
        con.execute(
            """DELETE FROM trade USING _tr_new n
               WHERE trade.year = n.year AND trade.reporter = n.reporter
                 AND trade.partner = n.partner AND trade.hs6 = n.hs6"""
        )
        src = "_tr_out"
    else:
        src = "_tr_new"
    con.execute("DROP TABLE _tr_f")
    con.execute(
        f"""INSERT INTO trade
            SELECT {key}, export_value, import_value, $origin, $batch
            FROM {src} ORDER BY {key}""",  # noqa: S608
        {"origin": origin, "batch": b.batch_id},
    )
    return flows - store_dups, store_dups, in_file_dups, rows
