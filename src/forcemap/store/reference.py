"""Shipped reference vocabularies and the industry catalog.

Reference tables (read-only, shipped under ``forcemap/data/reference/``, provenance in its
``PROVENANCE.md``): countries, CPC titles, the WIPO IPC → 35 technology fields concordance,
HS 2022 codes and sections, and the OpenAlex topic hierarchy. Each is returned as an Arrow table
by :func:`reference_table` and can be attached to a DuckDB connection as ``ref_<name>`` views by
:func:`attach_reference` for set-based joins.

The industry catalog (``forcemap/data/industries.yaml``, extended by users' YAML files) describes
each strategic industry by CPC patterns, OpenAlex concepts and topics, HS codes and keywords, with
sub-technologies; :func:`load_industry_catalog` validates and merges the files, and
:class:`IndustryCatalog` exposes the links as Arrow tables.

Broad concepts (OpenAlex levels 0–1, such as "Engineering" or "Medicine") never define an
industry: they are tagged on a large share of all works, so one of them alone pulls thousands of
unrelated works into an entry, and two entries that share one look alike. The loader keeps an
entry's broad concepts apart (``broad_concepts``) from the concepts that decide membership
(``concepts``, level ≥ 2), and an entry whose only concepts are broad (no specific concept, no
topic) is an :class:`~forcemap.errors.InputError`. Levels come from the shipped table
``openalex_concepts_broad`` and, on a store, from the levels OpenAlex gave each work's concepts
(:func:`forcemap.store.slices.industry_works`; :mod:`forcemap.store.catalog_check`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import yaml

from forcemap._data import data_path
from forcemap.errors import InputError, NotFoundError, ParseError
from forcemap.store.store import scratch_connection

__all__ = [
    "BROAD_CONCEPT_MAX_LEVEL",
    "REFERENCE_TABLES",
    "Industry",
    "IndustryCatalog",
    "SubTechnology",
    "attach_reference",
    "broad_concept_levels",
    "ipc_to_wipo_field",
    "load_industry_catalog",
    "normalize_patent_symbol",
    "reference_table",
]

#: Names accepted by :func:`reference_table` (views are ``ref_<name>``).
REFERENCE_TABLES: tuple[str, ...] = (
    "countries",
    "cpc_titles",
    "hs",
    "hs_sections",
    "ipc_technology",
    "openalex_concepts_broad",
    "openalex_topics",
    "wipo_fields",
)

#: OpenAlex concept levels 0 to this one are *broad* (19 roots such as "Engineering", and their
#: children such as "Mechanical engineering"): they never decide an industry's membership.
BROAD_CONCEPT_MAX_LEVEL: int = 1

_CONTINENTS = {
    "AF": "Africa",
    "AN": "Antarctica",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "North America",
    "OC": "Oceania",
    "SA": "South America",
}


def _read_csv(name: str) -> pa.Table:
    """Read a shipped CSV with every column as string; only the empty string is null."""
    path = data_path("reference", name)
    if not path.exists():
        raise NotFoundError(f"reference file {path} is missing; reinstall forcemap")
    with pacsv.open_csv(path) as reader:
        header = reader.schema.names
    return pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


def _strip(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trim whitespace; a blank value becomes null."""
    s = pc.utf8_trim_whitespace(col)
    return pc.if_else(pc.equal(s, ""), pa.scalar(None, pa.string()), s)


def _countries() -> pa.Table:
    t = _read_csv("country-codes.csv")
    code = _strip(t["Continent"])
    continent = pc.cast(code, pa.string())
    for k, v in _CONTINENTS.items():
        continent = pc.if_else(pc.equal(code, k), pa.scalar(v), continent)
    return pa.table(
        {
            "iso2": _strip(t["ISO3166-1-Alpha-2"]),
            "iso3": _strip(t["ISO3166-1-Alpha-3"]),
            "iso_numeric": pc.cast(_strip(t["ISO3166-1-numeric"]), pa.int16()),
            "name": _strip(t["official_name_en"]),
            "short_name": _strip(t["CLDR display name"]),
            "region": _strip(t["Region Name"]),
            "subregion": _strip(t["Sub-region Name"]),
            "intermediate_region": _strip(t["Intermediate Region Name"]),
            "continent_code": code,
            "continent": continent,
        }
    )


def _cpc_titles() -> pa.Table:
    t = _read_csv("cpc_titles_upto_maingroup.csv.gz")
    return pa.table({"code": t["symbol"], "level": t["level"], "title": t["title"]})


def _ipc_technology() -> pa.Table:
    t = _read_csv("ipc_technology.csv")
    prefix = pc.replace_substring(pc.replace_substring(t["IPC_code"], " ", ""), "%", "")
    return pa.table(
        {
            "ipc_prefix": prefix,
            "field_number": pc.cast(t["Field_number"], pa.int8()),
            "field_name": t["Field_en"],
            "sector": t["Sector_en"],
        }
    )


def _wipo_fields() -> pa.Table:
    con = scratch_connection()
    con.register("ipc", reference_table("ipc_technology"))
    return con.sql(
        "SELECT DISTINCT field_number, field_name, sector FROM ipc ORDER BY field_number"
    ).to_arrow_table()


def _hs() -> pa.Table:
    t = _read_csv("harmonized-system.csv.gz")
    t = t.filter(pc.not_equal(t["hscode"], "TOTAL"))
    parent = pc.if_else(pc.equal(t["parent"], "TOTAL"), pa.scalar(None, pa.string()), t["parent"])
    return pa.table(
        {
            "hs_code": t["hscode"],
            "level": pc.cast(t["level"], pa.int8()),
            "description": t["description"],
            "parent": parent,
            "section": t["section"],
        }
    )


def _hs_sections() -> pa.Table:
    t = _read_csv("sections.csv")
    return pa.table(
        {
            "section": t["section"],
            "section_number": pa.array(range(1, t.num_rows + 1), pa.int8()),
            "name": t["name"],
        }
    )


def _openalex_topics() -> pa.Table:
    t = _read_csv("openalex_topics_2024_09.csv.gz")
    cols = [
        "topic_id",
        "topic_name",
        "subfield_id",
        "subfield_name",
        "field_id",
        "field_name",
        "domain_id",
        "domain_name",
    ]
    out = t.select(cols)
    out = out.append_column("works_count", pc.cast(t["topic_works"], pa.int64()))
    return out.append_column("description", t["topic_description"])


def _openalex_concepts_broad() -> pa.Table:
    t = _read_csv("openalex_concepts_broad.csv")
    return pa.table(
        {
            "concept_id": t["concept_id"],
            "name": t["name"],
            "level": pc.cast(t["level"], pa.int8()),
        }
    )


_BUILDERS = {
    "countries": _countries,
    "cpc_titles": _cpc_titles,
    "hs": _hs,
    "hs_sections": _hs_sections,
    "ipc_technology": _ipc_technology,
    "openalex_concepts_broad": _openalex_concepts_broad,
    "openalex_topics": _openalex_topics,
    "wipo_fields": _wipo_fields,
}


@lru_cache(maxsize=16)
def reference_table(name: str) -> pa.Table:
    """One shipped reference vocabulary as an Arrow table.

    Parameters
    ----------
    name : str
        One of :data:`REFERENCE_TABLES`.

    Returns
    -------
    pa.Table
        By ``name``:

        - ``countries`` (249 rows): iso2: string, iso3: string, iso_numeric: int16 (ISO 3166-1
          numeric = UN M49), name: string (official English name), short_name: string (CLDR),
          region, subregion, intermediate_region: string (UN M49), continent_code: string
          (AF, AN, AS, EU, NA, OC, SA), continent: string.
        - ``cpc_titles`` (10,592): code: string (``A``, ``A01``, ``A01B``, ``A01B1/00``),
          level: string (section, class, subclass, main_group), title: string (CPC 2022-08).
        - ``ipc_technology`` (764): ipc_prefix: string (IPC symbol prefix without spaces, e.g.
          ``H01L`` or ``G01N35/``), field_number: int8 (1–35), field_name: string, sector: string.
        - ``wipo_fields`` (35): field_number: int8, field_name: string, sector: string.
        - ``hs`` (6,939; the file's TOTAL row is dropped): hs_code: string (2, 4 or 6
          digits), level: int8 (2, 4, 6), description: string, parent: string (null for
          chapters), section: string (roman).
        - ``hs_sections`` (21): section: string (roman), section_number: int8, name: string.
        - ``openalex_concepts_broad`` (242): concept_id (``C127413603``), name: string;
          level: int8 (0 or 1). Every level-0 concept of OpenAlex (19) and the 223 level-1
          concepts tagged in the SYNERGY sample; a store knows the level of every concept it
          holds, so this list is needed only where no store is at hand (loading a catalog).
        - ``openalex_topics`` (4,516): topic_id (``T10001``), topic_name, subfield_id
          (``"2208"``), subfield_name, field_id, field_name, domain_id, domain_name: string;
          works_count: int64 (2024-09); description: string.

    Raises
    ------
    NotFoundError
        ``name`` is not a reference table (the message lists the valid names).

    Notes
    -----
    Tables are read once per process (``functools.lru_cache``) and must not be mutated.
    Country codes are read as strings, so Namibia's ``NA`` is not taken for a null.

    References
    ----------
    Schmoch, U. (2008). Concept of a technology classification for country comparisons. Final
    report to WIPO. https://www.wipo.int/edocs/mdocs/classifications/en/ipc_ce_41/ipc_ce_41_5-annex1.pdf
    """
    builder = _BUILDERS.get(name)
    if builder is None:
        raise NotFoundError(
            f"no reference table {name!r}; valid names: {', '.join(REFERENCE_TABLES)}"
        )
    return builder()


def attach_reference(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Register every reference table on a DuckDB connection as a view ``ref_<name>``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection (e.g. a store's cursor); nothing is written to its database.

    Returns
    -------
    list[str]
        The view names registered, e.g. ``["ref_countries", ...]``.

    Notes
    -----
    Views are registered Arrow tables: they live as long as the connection and are not
    persisted in the database file.
    """
    names = []
    for name in REFERENCE_TABLES:
        view = f"ref_{name}"
        con.register(view, reference_table(name))
        names.append(view)
    return names


def normalize_patent_symbol(symbol: str) -> str:
    """An IPC/CPC symbol without spaces, upper case (``"h01l 21/027"`` → ``"H01L21/027"``)."""
    return re.sub(r"\s+", "", symbol).upper()


_WIPO_SCHEMA = pa.schema(
    [
        ("symbol", pa.string()),
        ("ipc_prefix", pa.string()),
        ("field_number", pa.int8()),
        ("field_name", pa.string()),
        ("sector", pa.string()),
    ]
)

_WIPO_SQL = """
WITH sym AS (
    SELECT row_number() OVER () AS i, symbol,
           upper(regexp_replace(symbol, '\\s+', '', 'g')) AS norm
    FROM _symbols
), hit AS (
    SELECT s.i, c.ipc_prefix, c.field_number, c.field_name, c.sector
    FROM sym s JOIN _ipc c ON starts_with(s.norm, c.ipc_prefix)
    QUALIFY row_number() OVER (PARTITION BY s.i ORDER BY length(c.ipc_prefix) DESC) = 1
)
SELECT s.symbol, h.ipc_prefix, h.field_number, h.field_name, h.sector
FROM sym s LEFT JOIN hit h USING (i)
ORDER BY s.i
"""


def ipc_to_wipo_field(codes: pa.Array | pa.ChunkedArray | Iterable[str]) -> pa.Table:
    """Map IPC/CPC symbols to WIPO's 35 technology fields by the longest matching prefix.

    Parameters
    ----------
    codes : pa.Array, pa.ChunkedArray or iterable of str
        IPC or CPC symbols at any level (``H01L21/027``, ``G06N3/08``, ``H01L 21/027``,
        ``G01N``); spaces and case are ignored.

    Returns
    -------
    pa.Table
        One row per input symbol, in input order: symbol: string (as given),
        ipc_prefix: string (the matched concordance prefix), field_number: int8,
        field_name: string, sector: string (one of 5 sectors).

    Notes
    -----
    The concordance lists IPC subclasses (``H01L``) and, where a subclass is split between
    fields, main groups (``G01N33/``); the longest prefix wins. CPC symbols map through their
    IPC-compatible part. Symbols with no matching prefix (e.g. CPC ``Y`` tags, nulls) get nulls.

    References
    ----------
    Schmoch, U. (2008). Concept of a technology classification for country comparisons. Final
    report to the World Intellectual Property Organisation (WIPO), updated 2019 (IPC 2019.01).
    https://www.wipo.int/edocs/mdocs/classifications/en/ipc_ce_41/ipc_ce_41_5-annex1.pdf
    """
    if isinstance(codes, pa.ChunkedArray):
        arr = codes.combine_chunks()
    elif isinstance(codes, pa.Array):
        arr = codes
    else:
        arr = pa.array(list(codes), pa.string())
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    if len(arr) == 0:
        return _WIPO_SCHEMA.empty_table()
    con = scratch_connection()
    con.register("_symbols", pa.table({"symbol": arr}))
    con.register("_ipc", reference_table("ipc_technology"))
    return con.sql(_WIPO_SQL).to_arrow_table().cast(_WIPO_SCHEMA)


# ---------------------------------------------------------------------------------------------
# Industry catalog
# ---------------------------------------------------------------------------------------------

_CPC_RE = re.compile(r"^[A-HY](\d{2}([A-Z](\d{1,4}(/\d{0,6})?)?)?)?$")
_HS_RE = re.compile(r"^\d{2}(\d{2}){0,2}$")
_CONCEPT_RE = re.compile(r"^C\d+$")
_TOPIC_RE = re.compile(r"^T\d+$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_LISTS = ("cpc", "concepts", "topics", "hs", "keywords")
_INDUSTRY_FIELDS = {"key", "name", "description", *_LISTS, "sub_technologies"}
_SUB_FIELDS = {"key", "name", "description", "cpc", "concepts", "topics", "keywords"}
_REQUIRED = ("key", "name", "cpc")


@dataclass(frozen=True)
class SubTechnology:
    """A technology inside an industry (e.g. lithography in semiconductors).

    ``cpc`` holds normalised CPC prefixes (a main group written ``H01M10`` is stored as
    ``H01M10/`` so that it does not also match ``H01M100/…``). ``concepts`` are the specific
    concepts (OpenAlex level ≥ 2) that decide membership; ``broad_concepts`` (levels 0–1) are
    kept as written but never pull a work.
    """

    key: str
    name: str
    cpc: tuple[str, ...]
    description: str = ""
    concepts: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    broad_concepts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Industry:
    """A strategic industry: CPC patterns, OpenAlex concepts/topics, HS codes, keywords.

    ``concepts`` are the specific concepts (OpenAlex level ≥ 2) that decide membership;
    ``broad_concepts`` (levels 0–1) are kept as written but never pull a work.
    """

    key: str
    name: str
    description: str
    cpc: tuple[str, ...]
    concepts: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    hs: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    sub_technologies: tuple[SubTechnology, ...] = ()
    broad_concepts: tuple[str, ...] = ()


def _s(field: str) -> pa.Field:
    return pa.field(field, pa.string())


class IndustryCatalog(Mapping[str, Industry]):
    """The industries, keyed by ``Industry.key``, in file order; links as Arrow tables."""

    def __init__(self, industries: Iterable[Industry]) -> None:
        self._items: dict[str, Industry] = {i.key: i for i in industries}

    def __getitem__(self, key: str) -> Industry:
        try:
            return self._items[key]
        except KeyError:
            raise NotFoundError(f"no industry {key!r}; known: {', '.join(self._items)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: str, default: Any = None) -> Any:
        """The industry for ``key``, or ``default`` when there is none."""
        return self._items.get(key, default)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"IndustryCatalog({list(self._items)})"

    def cpc_patterns(self) -> pa.Table:
        """CPC prefixes: industry, sub_technology (null for industry-level), pattern: string."""
        rows: list[tuple[str, str | None, str]] = [
            (i.key, None, p) for i in self.values() for p in i.cpc
        ]
        rows += [
            (i.key, s.key, p) for i in self.values() for s in i.sub_technologies for p in s.cpc
        ]
        return _rows(rows, ["industry", "sub_technology", "pattern"])

    def _links(self, attr: str, column: str, *, subs: bool = True) -> pa.Table:
        seen: dict[tuple[str, str], None] = {}
        for i in self.values():
            values = list(getattr(i, attr))
            if subs:
                values += [v for s in i.sub_technologies for v in getattr(s, attr)]
            for v in values:
                seen[(i.key, v)] = None
        return _rows(list(seen), ["industry", column])

    def concept_links(self) -> pa.Table:
        """Distinct industry, concept_id (``C…``) pairs of the specific concepts (the ones
        that decide membership), sub-technologies included."""
        return self._links("concepts", "concept_id")

    def broad_concept_links(self) -> pa.Table:
        """Distinct industry, concept_id pairs of the broad concepts (OpenAlex levels 0–1)
        written in the entries, sub-technologies included; they never decide membership."""
        return self._links("broad_concepts", "concept_id")

    def topic_links(self) -> pa.Table:
        """Distinct industry, topic_id (``T…``) pairs, sub-technologies included."""
        return self._links("topics", "topic_id")

    def hs_links(self) -> pa.Table:
        """Distinct industry, hs_prefix (2, 4 or 6 digits) pairs."""
        return self._links("hs", "hs_prefix", subs=False)

    def keywords(self) -> pa.Table:
        """Distinct industry, keyword pairs, sub-technologies included."""
        return self._links("keywords", "keyword")

    def match_cpc(
        self, symbols: pa.Array | pa.ChunkedArray | Iterable[str], *, sub_technologies: bool = False
    ) -> pa.Table:
        """Industries whose CPC patterns are a prefix of each symbol.

        Parameters
        ----------
        symbols : pa.Array, pa.ChunkedArray or iterable of str
            CPC symbols (``G03F7/70``; spaces and case ignored).
        sub_technologies : bool, default False
            Also return the matching sub-technology (one row per symbol, industry and
            sub-technology; null where only an industry-level pattern matched).

        Returns
        -------
        pa.Table
            Distinct symbol: string (as given), industry: string [, sub_technology: string],
            ordered by symbol and industry. Symbols matching no industry are absent.
        """
        if isinstance(symbols, pa.ChunkedArray):
            arr = symbols.combine_chunks()
        elif isinstance(symbols, pa.Array):
            arr = symbols
        else:
            arr = pa.array(list(symbols), pa.string())
        con = scratch_connection()
        con.register("_symbols", pa.table({"symbol": pc.cast(arr, pa.string())}))
        con.register("_patterns", self.cpc_patterns())
        sql = _MATCH_SUB_SQL if sub_technologies else _MATCH_SQL
        return con.sql(sql).to_arrow_table()


_MATCH_SQL = """
SELECT DISTINCT s.symbol, p.industry
FROM _symbols s
JOIN _patterns p ON starts_with(upper(regexp_replace(s.symbol, '\\s+', '', 'g')), p.pattern)
ORDER BY 1, 2
"""

_MATCH_SUB_SQL = """
WITH m AS (
    SELECT DISTINCT s.symbol, p.industry, p.sub_technology
    FROM _symbols s
    JOIN _patterns p ON starts_with(upper(regexp_replace(s.symbol, '\\s+', '', 'g')), p.pattern)
)
SELECT * FROM m
WHERE sub_technology IS NOT NULL
   OR NOT EXISTS (SELECT 1 FROM m m2 WHERE m2.symbol = m.symbol
                  AND m2.industry = m.industry AND m2.sub_technology IS NOT NULL)
ORDER BY 1, 2, 3
"""


def _rows(rows: list[tuple[Any, ...]], names: list[str]) -> pa.Table:
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return pa.table(
        [pa.array(c, pa.string()) for c in cols], schema=pa.schema([_s(n) for n in names])
    )


@lru_cache(maxsize=1)
def _topic_ids() -> frozenset[str]:
    return frozenset(reference_table("openalex_topics")["topic_id"].to_pylist())


@lru_cache(maxsize=1)
def broad_concept_levels() -> Mapping[str, tuple[str, int]]:
    """The shipped broad OpenAlex concepts: concept id → (name, level 0 or 1).

    Read from the reference table ``openalex_concepts_broad`` (all 19 level-0 concepts and
    the 223 level-1 concepts of the SYNERGY sample). A concept absent from it is taken as
    specific when a catalog is loaded; on a store, the level OpenAlex recorded for each work's
    concept is used as well (:func:`forcemap.store.slices.industry_works`).
    """
    t = reference_table("openalex_concepts_broad")
    return {
        c: (n, int(lv))
        for c, n, lv in zip(
            t["concept_id"].to_pylist(), t["name"].to_pylist(), t["level"].to_pylist(), strict=True
        )
    }


def _broad_label(concept_id: str) -> str:
    name, level = broad_concept_levels()[concept_id]
    return f"{concept_id!r} ({name}, OpenAlex level {level})"


class _Checker:
    """Validates one YAML file; every error names the file, the industry key and the field.

    ``strict`` (the default) makes an entry defined by broad concepts alone an error; without
    it the entry is kept (its broad concepts recorded, none deciding membership) so that
    :func:`forcemap.store.catalog_check.check_industries` can report every such entry at once.
    """

    def __init__(self, file: str, *, strict: bool = True) -> None:
        self.file = file
        self.strict = strict

    def concepts(
        self, e: dict[str, Any], label: str, has_topics: bool
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(specific, broad) concepts of an entry; broad-only entries fail when strict."""
        listed = self._list(e, "concepts", label)
        levels = broad_concept_levels()
        broad = tuple(c for c in listed if c in levels)
        specific = tuple(c for c in listed if c not in levels)
        if broad and not specific and not has_topics and self.strict:
            raise self.fail(
                label,
                "concepts",
                f"{_broad_label(broad[0])} is a broad concept and the entry has no specific "
                "concept (OpenAlex level 2 or deeper) or topic: a broad concept alone would "
                "pull every work tagged with it. Add a specific concept or a topic, or remove "
                "the broad one",
            )
        return specific, broad

    def fail(self, key: str | None, field: str | None, msg: str) -> InputError:
        where = f"{self.file}: "
        if key is not None:
            where += f"industry {key!r}: "
        if field is not None:
            where += f"field {field!r}: "
        return InputError(where + msg)

    def _str(self, value: Any, key: str | None, field: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, field, f"must be a non-empty string, got {value!r}")
        return value.strip()

    def _list(self, entry: dict[str, Any], field: str, key: str) -> tuple[str, ...]:
        values = entry.get(field, [])
        if values is None:
            values = []
        if not isinstance(values, list):
            raise self.fail(key, field, f"must be a list, got {type(values).__name__}")
        out = [self._str(v, key, field) for v in values]
        pattern = {"concepts": _CONCEPT_RE, "topics": _TOPIC_RE, "hs": _HS_RE}.get(field)
        for v in out:
            if field == "cpc":
                if not _CPC_RE.match(normalize_patent_symbol(v)):
                    raise self.fail(
                        key,
                        field,
                        f"{v!r} is not a CPC symbol prefix (section letter, 2-digit class, "
                        "subclass letter, group/subgroup, e.g. 'H01L', 'G03F7/20')",
                    )
            elif pattern is not None and not pattern.match(v):
                what = {
                    "concepts": "an OpenAlex concept id like 'C71924100'",
                    "topics": "an OpenAlex topic id like 'T10001'",
                    "hs": "an HS code of 2, 4 or 6 digits",
                }[field]
                raise self.fail(key, field, f"{v!r} is not {what}")
            if field == "topics" and v not in _topic_ids():
                raise self.fail(key, field, f"{v!r} is not in the shipped OpenAlex topic table")
        if field == "cpc":
            out = [_norm_cpc(v) for v in out]
        return tuple(dict.fromkeys(out))

    def _fields(
        self, entry: Any, allowed: set[str], key_hint: str | None, what: str
    ) -> tuple[dict[str, Any], str]:
        if not isinstance(entry, dict):
            raise self.fail(key_hint, None, f"each {what} must be a mapping, got {entry!r}")
        key = entry.get("key")
        label = key if isinstance(key, str) else key_hint
        for req in _REQUIRED:
            if req not in entry:
                raise self.fail(label, req, f"required field missing in {what}")
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise self.fail(
                label, unknown[0], f"unknown field in {what}; allowed: {', '.join(sorted(allowed))}"
            )
        key = self._str(entry["key"], label, "key")
        if not _KEY_RE.match(key):
            raise self.fail(key, "key", "must be snake_case (a-z, 0-9, _), starting with a letter")
        return entry, key

    def sub(self, entry: Any, industry: str) -> SubTechnology:
        e, key = self._fields(entry, _SUB_FIELDS, industry, "sub-technology")
        label = f"{industry}.{key}"
        desc = e.get("description", "")
        topics = self._list(e, "topics", label)
        specific, broad = self.concepts(e, label, bool(topics))
        return SubTechnology(
            key=key,
            name=self._str(e["name"], label, "name"),
            description=self._str(desc, label, "description") if desc else "",
            cpc=self._list(e, "cpc", label),
            concepts=specific,
            topics=topics,
            keywords=self._list(e, "keywords", label),
            broad_concepts=broad,
        )

    def industry(self, entry: Any, index: int) -> Industry:
        e, key = self._fields(entry, _INDUSTRY_FIELDS, f"#{index + 1}", "industry")
        subs_raw = e.get("sub_technologies", []) or []
        if not isinstance(subs_raw, list):
            raise self.fail(key, "sub_technologies", "must be a list")
        subs = [self.sub(s, key) for s in subs_raw]
        dup = _first_duplicate(s.key for s in subs)
        if dup is not None:
            raise self.fail(key, "sub_technologies", f"duplicate sub-technology key {dup!r}")
        desc = e.get("description", "")
        topics = self._list(e, "topics", key)
        specific, broad = self.concepts(e, key, bool(topics))
        return Industry(
            key=key,
            name=self._str(e["name"], key, "name"),
            description=self._str(desc, key, "description") if desc else "",
            cpc=self._list(e, "cpc", key),
            concepts=specific,
            topics=topics,
            hs=self._list(e, "hs", key),
            keywords=self._list(e, "keywords", key),
            sub_technologies=tuple(subs),
            broad_concepts=broad,
        )


def _norm_cpc(pattern: str) -> str:
    """``H01M10`` → ``H01M10/`` (a main group); other prefixes unchanged (spaces removed)."""
    p = normalize_patent_symbol(pattern)
    return p + "/" if re.match(r"^[A-HY]\d{2}[A-Z]\d+$", p) else p


def _first_duplicate(keys: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for k in keys:
        if k in seen:
            return k
        seen.add(k)
    return None


def _read_catalog_file(path: Path, *, strict: bool = True) -> list[Industry]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"industry catalog file {name} does not exist") from None
    except OSError as e:
        raise InputError(f"{name}: cannot read industry catalog: {e}") from e
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ParseError(f"invalid YAML: {e}", file=name, line=line) from e
    check = _Checker(name, strict=strict)
    if not isinstance(doc, dict):
        raise check.fail(None, None, "top level must be a mapping with an 'industries' list")
    unknown = sorted(set(doc) - {"version", "industries"})
    if unknown:
        raise check.fail(None, unknown[0], "unknown top-level field; allowed: industries, version")
    if doc.get("version", 1) != 1:
        raise check.fail(None, "version", f"unsupported version {doc['version']!r}; use 1")
    entries = doc.get("industries")
    if not isinstance(entries, list):
        raise check.fail(None, "industries", "required: a list of industries")
    industries = [check.industry(e, i) for i, e in enumerate(entries)]
    dup = _first_duplicate(i.key for i in industries)
    if dup is not None:
        raise check.fail(dup, "key", "duplicate industry key in this file")
    return industries


def load_industry_catalog(*extra: str | Path, strict: bool = True) -> IndustryCatalog:
    """The shipped industry catalog, merged with users' YAML files.

    Parameters
    ----------
    *extra : str or Path
        Users' catalog files in the schema documented at the top of the shipped
        ``forcemap/data/industries.yaml``, applied in order: an industry whose key already
        exists replaces it whole (keeping its position); a new key is appended.
    strict : bool, default True
        An entry (industry or sub-technology) whose only concepts are broad (OpenAlex levels
        0–1, see :func:`broad_concept_levels`) and that has no topic is an error. With
        ``False`` such entries are kept, their broad concepts recorded and none deciding
        membership, for :func:`forcemap.store.catalog_check.check_industries` to report.

    Returns
    -------
    IndustryCatalog
        The merged catalog.

    Raises
    ------
    InputError
        An unknown or missing field, a malformed CPC pattern, an HS code that is not 2/4/6
        digits, a malformed concept id, a topic id not in the shipped topic table, a duplicate
        key within one file, or (``strict``) an entry defined by broad concepts alone; the
        message names the file, the industry key, the field and the concept.
    ParseError
        A file is not valid YAML (file and line named).
    NotFoundError
        A file does not exist.
    """
    merged: dict[str, Industry] = {}
    for path in (data_path("industries.yaml"), *map(Path, extra)):
        for industry in _read_catalog_file(path, strict=strict):
            merged[industry.key] = industry
    return IndustryCatalog(merged.values())
