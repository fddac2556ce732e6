"""ROR data dumps (Research Organization Registry, schema v2): organisations, their names and
their relationships.

Accepted input: the dump's JSON file (``v1.NN-YYYY-MM-DD-ror-data_schema_v2.json``: one JSON
array of organisation records) or the ``.zip`` Zenodo publishes it in (its ``*schema_v2.json``
member, else its only ``.json`` member). Each record is read with the v2 fields:

* ``id`` (``https://ror.org/0…``), ``status``, ``types``;
* ``names[{value, types[ror_display|label|alias|acronym], lang}]`` → ``ror_names``;
* ``locations[{geonames_details{name, country_code}}]`` → city and country of
  ``ror_organizations`` (the first location);
* ``relationships[{type: parent|child|related|successor|predecessor, id, label}]`` →
  ``institution_relations`` as ``('ror:<id>', 'ror:<related id>', type, 'ror')``.

ROR ids reach organisations through ``organizations.ror`` when the organisations are resolved
(:func:`forcemap.store.organizations.resolve_organizations`): the relationships feed the
hierarchy, the acronyms and aliases the name matching.

One file is one atomic batch. ``read`` is the number of elements of the top-level array, split
by the bracket-and-string scanner of the OpenAlex API-page reader (independent of the JSON
parser). A record that is not JSON, has no valid ROR id, or has a relationship whose type is
not one of the five (or whose id is not a ROR id) is quarantined with the file, the record's
number, the field and the reason. A record already stored from an earlier dump is *replaced*
(its names and relationships with it); an id repeated in the file is a *duplicate* (the later
record wins).
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import duckdb

from forcemap.errors import NotFoundError, ParseError, StoreError
from forcemap.store.ingest.openalex import _stage_page
from forcemap.store.store import IngestReport, Store, file_checksum

__all__ = ["RELATIONSHIP_TYPES", "ingest_ror"]

SOURCE = "ror"

RELATIONSHIP_TYPES: tuple[str, ...] = ("parent", "child", "related", "successor", "predecessor")
"""The ROR v2 relationship types (``relationships[].type``)."""

_STRUCT = json.dumps(
    {
        "id": "VARCHAR",
        "status": "VARCHAR",
        "types": ["VARCHAR"],
        "names": [{"value": "VARCHAR", "types": ["VARCHAR"], "lang": "VARCHAR"}],
        "locations": [{"geonames_details": {"name": "VARCHAR", "country_code": "VARCHAR"}}],
        "relationships": [{"type": "VARCHAR", "id": "VARCHAR", "label": "VARCHAR"}],
    }
)

_ROR_ID = r"^(?:https?://ror\.org/)?(0[a-z0-9]{6}[0-9]{2})$"

_PARSE_SQL = """
CREATE TEMP TABLE _ror_p AS
SELECT line_no, j, CASE WHEN reason IS NOT NULL THEN left(line, 4000) END AS raw, reason, field,
       nullif(regexp_extract(lower(trim(j.id)), $idre, 1), '') AS ror
FROM (
    SELECT line_no, line, j,
        CASE WHEN j IS NULL THEN 'malformed JSON'
             WHEN j.id IS NULL AND json_type(line) <> 'OBJECT' THEN 'not a JSON object'
             WHEN j.id IS NULL THEN 'missing id'
             WHEN NOT regexp_matches(lower(trim(j.id)), $idre) THEN 'invalid ROR id'
             WHEN list_bool_or(list_transform(coalesce(j.relationships, []),
                  lambda r: NOT list_contains($types, lower(trim(r.type)))
                            OR r.type IS NULL))
                 THEN 'unknown relationship type (expected parent, child, related, '
                      || 'successor or predecessor)'
             WHEN list_bool_or(list_transform(coalesce(j.relationships, []),
                  lambda r: NOT regexp_matches(lower(trim(coalesce(r.id, ''))), $idre)))
                 THEN 'invalid ROR id in a relationship'
        END AS reason,
        CASE WHEN j IS NULL OR (j.id IS NULL AND json_type(line) <> 'OBJECT') THEN NULL
             WHEN j.id IS NULL OR NOT regexp_matches(lower(trim(j.id)), $idre) THEN 'id'
             ELSE 'relationships' END AS field
    FROM (SELECT line_no, line, try(json_transform(line, $struct)) AS j FROM _oa_lines)
)
"""


def _find_json(path: Path, tmp: Path) -> Path:
    """The dump's JSON file: ``path`` itself, or the v2 member of a ``.zip`` extracted to
    ``tmp``."""
    if not zipfile.is_zipfile(path):
        return path
    with zipfile.ZipFile(path) as z:
        members = [n for n in z.namelist() if n.lower().endswith(".json")]
        v2 = [n for n in members if "schema_v2" in n.lower()]
        pick = v2 or members
        if len(pick) != 1:
            raise ParseError(
                f"the zip holds {len(pick)} candidate JSON files ({', '.join(pick) or 'none'}); "
                "expected one ROR v2 dump (…schema_v2.json)",
                file=str(path),
            )
        return Path(z.extract(pick[0], tmp))


def ingest_ror(
    store: Store,
    path: str | os.PathLike[str],
    *,
    progress: object | None = None,
) -> IngestReport:
    """Ingest one ROR v2 data dump (JSON or its zip) into ``ror_organizations``,
    ``ror_names`` and ``institution_relations`` (see the module docstring).

    Parameters
    ----------
    store
        An open, writable store.
    path
        The dump: ``…ror-data_schema_v2.json`` or the Zenodo ``.zip``.
    progress
        Accepted for the ingest dispatch; one file is one step.

    Returns
    -------
    IngestReport
        ``read == stored + replaced + rejected + duplicates``.

    Raises
    ------
    NotFoundError
        The file does not exist.
    ParseError
        The file is not a JSON array (names the file), or a zip without one v2 dump.
    StoreError
        DuckDB failed; the store is unchanged.
    """
    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"{p}: no such file")
    started = datetime.now()
    checksum = file_checksum(p)
    if store.already_ingested(SOURCE, checksum):
        return IngestReport(source=SOURCE, skipped=[str(p)])
    con = store.con
    with tempfile.TemporaryDirectory(prefix="forcemap-ror-") as tmp:
        src = _find_json(p, Path(tmp))
        with src.open("rb") as fh:
            head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
        if not head.startswith(b"["):
            raise ParseError(
                "not a ROR v2 dump: expected a JSON array of organisation records", file=str(p)
            )
        try:
            with store.batch(SOURCE, p) as b:
                read, status = _stage_page(b, src)
                con.execute(
                    _PARSE_SQL,
                    {"struct": _STRUCT, "idre": _ROR_ID, "types": list(RELATIONSHIP_TYPES)},
                )
                con.execute(
                    """INSERT INTO quarantine
                          (batch_id, source, file, line, record_id, field, reason, raw, unit)
                       SELECT $b, $s, $f, line_no, j.id, field, reason, raw, 'record'
                       FROM _ror_p WHERE reason IS NOT NULL""",
                    {"b": b.batch_id, "s": SOURCE, "f": str(p)},
                )
                stored, replaced, dups = _write(con, b.batch_id)
                report = store.finish(
                    b,
                    checksum=checksum,
                    read=read,
                    stored=stored,
                    replaced=replaced,
                    duplicates=dups,
                    started=started,
                    status=status,
                )
        except duckdb.Error as e:
            raise StoreError(f"{p}: ingest failed, this file left the store unchanged: {e}") from e
        finally:
            for t in ("_oa_lines", "_ror_p", "_ror_new"):
                con.execute("DROP TABLE IF EXISTS " + t)  # identifiers from a fixed list
    q = store.export_quarantine(b.batch_id)
    if q:
        report.quarantine_files.append(str(q))
    return report


def _write(con: duckdb.DuckDBPyConnection, batch: int) -> tuple[int, int, int]:
    """Upsert the valid records; return (stored, replaced, duplicates)."""
    con.execute(
        """CREATE TEMP TABLE _ror_new AS
           SELECT ror, j, ror IN (SELECT ror FROM ror_organizations) AS replaces
           FROM _ror_p WHERE reason IS NULL
           QUALIFY row_number() OVER (PARTITION BY ror ORDER BY line_no DESC) = 1"""
    )
    valid = con.execute("SELECT count(*) FROM _ror_p WHERE reason IS NULL").fetchall()[0][0]
    stored, replaced = con.execute(
        "SELECT count(*) FILTER (NOT replaces), count(*) FILTER (replaces) FROM _ror_new"
    ).fetchall()[0]
    con.execute("DELETE FROM ror_organizations WHERE ror IN (SELECT ror FROM _ror_new)")
    con.execute("DELETE FROM ror_names WHERE ror IN (SELECT ror FROM _ror_new)")
    con.execute(
        """DELETE FROM institution_relations
           WHERE source = 'ror' AND institution_id IN (SELECT 'ror:' || ror FROM _ror_new)"""
    )
    con.execute(
        """INSERT INTO ror_organizations
           SELECT ror, (list_filter(j.names, lambda n: list_contains(n.types, 'ror_display'))
                        || j.names)[1].value,
                  j.types, lower(j.status),
                  upper(j.locations[1].geonames_details.country_code),
                  j.locations[1].geonames_details.name, $b
           FROM _ror_new""",
        {"b": batch},
    )
    con.execute(
        """INSERT INTO ror_names
           SELECT DISTINCT ror, n.value, unnest(n.types), n.lang FROM (
               SELECT ror, unnest(j.names) AS n FROM _ror_new)
           WHERE n.value IS NOT NULL AND trim(n.value) <> ''"""
    )
    con.execute(
        """INSERT INTO institution_relations
           SELECT DISTINCT 'ror:' || ror, 'ror:' || regexp_extract(lower(trim(r.id)), $idre, 1),
                  lower(trim(r.type)), 'ror', $b
           FROM (SELECT ror, unnest(j.relationships) AS r FROM _ror_new)""",
        {"b": batch, "idre": _ROR_ID},
    )
    return int(stored), int(replaced), int(valid) - int(stored) - int(replaced)
