"""OpenAlex works and institutions: snapshot part files and API result pages.

Accepted inputs (files or directories, searched recursively):

* the snapshot layout: ``works/updated_date=YYYY-MM-DD/part_NNN.gz`` (gzipped JSON Lines, one
  work per line) and ``institutions/updated_date=…/part_NNN.gz`` (institution entities);
* plain or gzipped JSON Lines files (``.jsonl``, ``.ndjson``, ``.jsonl.gz``…) of works;
* API result pages (``.json``): ``{"meta": {…}, "results": [ … ]}``.

Both the 2023 schema (``concepts``, ``host_venue``) and the 2024 schema (``topics``,
``primary_topic``, ``primary_location``) are read; abstracts are rebuilt from
``abstract_inverted_index``. Parsing is set-based in DuckDB: every line is read with its line
number, validated, and transformed with one explicit JSON structure; nothing is parsed twice.

Each file is one atomic batch. Lines that are not JSON, records without a valid id, and fields of
the wrong type are quarantined with file, line, field and reason. A work already stored with the
same or a newer ``updated_date`` counts as a merged duplicate; a newer one replaces it.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path

import duckdb

from forcemap.errors import NotFoundError, ParseError, StoreError
from forcemap.store.store import Batch, IngestReport, Store, file_checksum

__all__ = ["find_openalex_files", "ingest_openalex"]

SOURCE = "openalex"
_MAX_LINE = 16 * 1024 * 1024  # bytes; the largest OpenAlex work records are a few MB

_WORK_STRUCT = json.dumps(
    {
        "id": "VARCHAR",
        "doi": "VARCHAR",
        "title": "VARCHAR",
        "display_name": "VARCHAR",
        "publication_year": "BIGINT",
        "publication_date": "VARCHAR",
        "type": "VARCHAR",
        "language": "VARCHAR",
        "cited_by_count": "BIGINT",
        "updated_date": "VARCHAR",
        "primary_location": {"source": {"id": "VARCHAR", "display_name": "VARCHAR"}},
        "host_venue": {"id": "VARCHAR", "display_name": "VARCHAR"},
        "authorships": [
            {
                "author_position": "VARCHAR",
                "author": {"id": "VARCHAR", "display_name": "VARCHAR", "orcid": "VARCHAR"},
                "institutions": [
                    {
                        "id": "VARCHAR",
                        "display_name": "VARCHAR",
                        "ror": "VARCHAR",
                        "country_code": "VARCHAR",
                        "type": "VARCHAR",
                    }
                ],
                "countries": ["VARCHAR"],
                "is_corresponding": "BOOLEAN",
                "raw_affiliation_string": "VARCHAR",
                "raw_affiliation_strings": ["VARCHAR"],
            }
        ],
        "concepts": [
            {"id": "VARCHAR", "display_name": "VARCHAR", "level": "INTEGER", "score": "DOUBLE"}
        ],
        "topics": [
            {
                "id": "VARCHAR",
                "display_name": "VARCHAR",
                "score": "DOUBLE",
                "subfield": {"id": "VARCHAR"},
                "field": {"id": "VARCHAR"},
                "domain": {"id": "VARCHAR"},
            }
        ],
        "primary_topic": {"id": "VARCHAR"},
        "referenced_works": ["VARCHAR"],
        "abstract_inverted_index": "MAP(VARCHAR, INTEGER[])",
    }
)

_INSTITUTION_STRUCT = json.dumps(
    {
        "id": "VARCHAR",
        "ror": "VARCHAR",
        "display_name": "VARCHAR",
        "type": "VARCHAR",
        "country_code": "VARCHAR",
        "geo": {"city": "VARCHAR", "country_code": "VARCHAR"},
        "updated_date": "VARCHAR",
    }
)

# Fields whose JSON type is checked: (field, expected json_type values, path).
_WORK_TYPED = (
    ("publication_year", "publication_year", ("BIGINT", "UBIGINT")),
    ("cited_by_count", "cited_by_count", ("BIGINT", "UBIGINT")),
    ("referenced_works", "referenced_works", ("ARRAY",)),
    ("authorships", "authorships", ("ARRAY",)),
    ("concepts", "concepts", ("ARRAY",)),
    ("topics", "topics", ("ARRAY",)),
    ("abstract_inverted_index", "abstract_inverted_index", ("OBJECT",)),
)

_OA = r"regexp_replace({}, '^https?://openalex\.org/', '')"
_ROR = r"regexp_replace({}, '^https?://ror\.org/', '')"
_LAST = r"regexp_extract({}, '([^/]+)$', 1)"

Progress = Callable[[int, int], None]


def find_openalex_files(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[Path, str]]:
    """Expand files and directories into ``(file, entity)`` pairs, entity ``works`` or
    ``institutions`` (an ``institutions`` folder in the path marks institution entities).

    Raises
    ------
    NotFoundError
        A path does not exist, or a directory holds no OpenAlex files.
    """
    out: list[tuple[Path, str]] = []
    suffixes = (".gz", ".jsonl", ".ndjson", ".json")
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise NotFoundError(f"{p}: no such file or directory")
        files = (
            sorted(f for f in p.rglob("*") if f.is_file() and f.name.endswith(suffixes))
            if p.is_dir()
            else [p]
        )
        if p.is_dir() and not files:
            raise NotFoundError(f"{p}: no OpenAlex files (*.gz, *.jsonl, *.json) in directory")
        for f in files:
            if f.name.startswith(".") or f.name == "manifest":
                continue
            entity = "institutions" if "institutions" in f.parts[:-1] else "works"
            out.append((f, entity))
    return out


def ingest_openalex(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    *,
    origin: str = "openalex",
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest OpenAlex works (and institution entities) into the store, one batch per file.

    Parameters
    ----------
    store
        An open, writable store.
    paths
        Files or directories (snapshot layout, JSON Lines, or API pages).
    origin
        Label stored with every record (``synthetic:openalex`` for generated worlds).
    progress
        Called as ``progress(bytes_done, bytes_total)`` after each file.

    Returns
    -------
    IngestReport
        Reconciled counts over all files: ``read == stored + rejected + duplicates``.
    """
    files = find_openalex_files(paths)
    total = sum(f.stat().st_size for f, _ in files)
    report = IngestReport(source=SOURCE)
    done = 0
    for f, entity in files:
        report.add(_ingest_file(store, f, entity=entity, origin=origin))
        done += f.stat().st_size
        if progress:
            progress(done, total)
    return report


# -- one file -----------------------------------------------------------------------------


def _ingest_file(store: Store, path: Path, *, entity: str, origin: str) -> IngestReport:
    started = datetime.now()
    checksum = file_checksum(path)
    source = SOURCE if entity == "works" else f"{SOURCE}:{entity}"
    if store.already_ingested(source, checksum):
        return IngestReport(source=SOURCE, skipped=[str(path)])
    con = store.con
    with tempfile.TemporaryDirectory(prefix="forcemap-oa-") as tmp:
        try:
            with store.batch(source, path) as b:
                status, undecodable = _stage_lines(b, path, Path(tmp))
                struct = _WORK_STRUCT if entity == "works" else _INSTITUTION_STRUCT
                prefix = "W" if entity == "works" else "I"
                _parse(con, struct, prefix, typed=_WORK_TYPED if entity == "works" else ())
                read = undecodable + _count(
                    con, "SELECT count(*) FROM _oa_lines WHERE line IS NOT NULL"
                )
                con.execute(
                    """INSERT INTO quarantine
                          (batch_id, source, file, line, record_id, field, reason, raw)
                       SELECT $b, $s, $f, line_no, rid, field, reason, raw FROM _oa_bad""",
                    {"b": b.batch_id, "s": source, "f": str(path)},
                )
                if entity == "works":
                    stored, dups = _write_works(con, b, origin)
                else:
                    stored, dups = _write_institutions(con, origin)
                report = store.finish(
                    b,
                    checksum=checksum,
                    read=read,
                    stored=stored,
                    duplicates=dups,
                    started=started,
                    status=status,
                )
        except duckdb.Error as e:
            raise StoreError(f"{path}: ingest failed, store unchanged: {e}") from e
        finally:
            for t in ("_oa_lines", "_oa_p", "_oa_bad", "_oa_ok", "_oa_new"):
                con.execute(f"DROP TABLE IF EXISTS {t}")
    q = store.export_quarantine(b.batch_id)
    if q:
        report.quarantine_files.append(str(q))
    return report


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _read_lines_sql() -> str:
    # One VARCHAR column per physical line; \x01 never occurs in JSON text, quoting is off,
    # and blank lines come back as NULL rows, so row_number() is the 1-based line number.
    return r"""CREATE TEMP TABLE _oa_lines AS
        SELECT row_number() OVER () AS line_no, line
        FROM read_csv($path, columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '',
                      escape = '', header = false, auto_detect = false,
                      max_line_size = $maxline, buffer_size = 2 * $maxline,
                      compression = $comp)"""


def _stage_lines(b: Batch, path: Path, tmp: Path) -> tuple[str, int]:
    """Load the file's lines into ``_oa_lines(line_no, line)``.

    Returns the file status (``ok`` or ``truncated``) and the number of undecodable lines
    quarantined on the way (they are not in ``_oa_lines``).

    The fast path is DuckDB's reader. A file it cannot read (invalid UTF-8, a truncated gzip
    stream) is streamed in Python instead: undecodable lines are quarantined and replaced by
    blank lines, so every other line keeps its number; a truncated stream keeps what was
    readable and the batch is logged with status ``truncated``.
    """
    con = b.con
    name = path.name.lower()
    if name.endswith(".json") and not name.endswith((".jsonl", ".ndjson")):
        lines_file = _api_page_to_lines(path, tmp)
        comp = "none"
    else:
        lines_file = path
        comp = "gzip" if name.endswith(".gz") else "none"
        try:
            con.execute(
                _read_lines_sql(), {"path": str(lines_file), "maxline": _MAX_LINE, "comp": comp}
            )
            return "ok", 0
        except (duckdb.InvalidInputException, duckdb.IOException, duckdb.ConversionException):
            # DuckDB aborts the transaction on error; restart it (nothing was written yet).
            con.execute("ROLLBACK")
            con.execute("BEGIN TRANSACTION")
        lines_file, status, undecodable = _salvage(b, path, tmp)
        con.execute(
            _read_lines_sql(), {"path": str(lines_file), "maxline": _MAX_LINE, "comp": "none"}
        )
        return status, undecodable
    con.execute(_read_lines_sql(), {"path": str(lines_file), "maxline": _MAX_LINE, "comp": comp})
    return "ok", 0


def _salvage(b: Batch, path: Path, tmp: Path) -> tuple[Path, str, int]:
    out = tmp / "salvaged.jsonl"
    status = "ok"
    undecodable = 0
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    n = 0
    with opener(path, "rb") as src, open(out, "wb") as dst:  # type: ignore[operator]
        try:
            for raw in src:
                n += 1
                if len(raw) >= _MAX_LINE:
                    b.reject(
                        f"record larger than {_MAX_LINE // 2**20} MB",
                        line=n,
                        raw=raw[:4000].decode("utf-8", errors="replace"),
                    )
                    dst.write(b"\n")
                    undecodable += 1
                    continue
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    b.reject(
                        "invalid UTF-8",
                        line=n,
                        field=f"byte {e.start}",
                        raw=raw.decode("utf-8", errors="replace"),
                    )
                    dst.write(b"\n")
                    undecodable += 1
                    continue
                dst.write(raw if raw.endswith(b"\n") else raw + b"\n")
        except (EOFError, gzip.BadGzipFile, zlib.error) as e:
            # The record cut off by the truncation is read and rejected; everything before
            # it is kept.
            status = "truncated"
            b.reject(
                "truncated compressed stream: the rest of the file is missing",
                line=n + 1,
                raw=str(e),
            )
            undecodable += 1
    return out, status, undecodable


def _api_page_to_lines(path: Path, tmp: Path) -> Path:
    try:
        with open(path, encoding="utf-8") as fh:
            page = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        line = getattr(e, "lineno", None)
        raise ParseError(f"not a JSON API page: {e}", file=str(path), line=line) from e
    if isinstance(page, dict) and isinstance(page.get("results"), list):
        records = page["results"]
    elif isinstance(page, dict) and "id" in page:
        records = [page]  # a single-entity API response
    elif isinstance(page, list):
        records = page
    else:
        raise ParseError(
            'expected an OpenAlex API page {"meta": …, "results": […]}', file=str(path)
        )
    out = tmp / "page.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return out


def _parse(con: duckdb.DuckDBPyConnection, struct: str, prefix: str, *, typed: tuple) -> None:
    """Parse ``_oa_lines`` into ``_oa_p(line_no, j)`` and split rejects into ``_oa_bad``."""
    # A mistyped field transforms to NULL; only then is its JSON type looked up (a second
    # parse of that line alone), so valid lines are parsed exactly once.
    checks = "\n".join(
        f"WHEN j.{field} IS NULL AND coalesce(json_type(line, '$.{path}'), 'NULL') NOT IN "
        f"('NULL', {', '.join(repr(t) for t in types)}) THEN 'wrong type: {field}'"
        for field, path, types in typed
    )
    id_re = rf"^(https://openalex\.org/)?{prefix}[0-9]+$"
    con.execute(
        f"""CREATE TEMP TABLE _oa_p AS
            SELECT line_no, j,
                   CASE WHEN reason IS NOT NULL THEN left(line, 4000) END AS raw, reason
            FROM (
              SELECT line_no, line, j,
                CASE
                  WHEN j IS NULL THEN 'malformed JSON'
                  WHEN j.id IS NULL AND json_type(line) <> 'OBJECT' THEN 'not a JSON object'
                  WHEN j.id IS NULL THEN 'missing id'
                  WHEN NOT regexp_matches(j.id, $idre) THEN 'invalid id'
                  {checks}
                END AS reason
              FROM (
                SELECT line_no, line, try(json_transform(line, $struct)) AS j
                FROM _oa_lines WHERE line IS NOT NULL
              )
            )""",  # noqa: S608 - only the allow-listed field names above are interpolated
        {"struct": struct, "idre": id_re},
    )
    con.execute(
        f"""CREATE TEMP TABLE _oa_bad AS
            SELECT line_no, {_OA.format("j.id")} AS rid,
                   CASE WHEN starts_with(reason, 'wrong type: ') THEN substr(reason, 13)
                        WHEN reason IN ('missing id', 'invalid id') THEN 'id' END AS field,
                   reason, raw
            FROM _oa_p WHERE reason IS NOT NULL"""  # noqa: S608
    )
    # Valid records, deduplicated within the file: the newest updated_date wins, then the
    # later line. Losers are merged duplicates.
    con.execute(
        f"""CREATE TEMP TABLE _oa_ok AS
            SELECT {_OA.format("j.id")} AS id, line_no, j,
                   TRY_CAST(j.updated_date AS TIMESTAMP) AS updated,
                   row_number() OVER (PARTITION BY {_OA.format("j.id")}
                       ORDER BY TRY_CAST(j.updated_date AS TIMESTAMP) DESC NULLS LAST,
                                line_no DESC) AS rnk
            FROM _oa_p WHERE reason IS NULL"""  # noqa: S608
    )


def _write_works(con: duckdb.DuckDBPyConnection, b: Batch, origin: str) -> tuple[int, int]:
    """Upsert the parsed works and their child rows; return (stored, duplicates)."""
    in_file_dups = _count(con, "SELECT count(*) FROM _oa_ok WHERE rnk > 1")
    # Keep a record that is new, or newer than the stored copy; the rest are duplicates.
    con.execute(
        """CREATE TEMP TABLE _oa_new AS
           SELECT o.* FROM _oa_ok o LEFT JOIN works w ON w.work_id = o.id
           WHERE o.rnk = 1 AND (w.work_id IS NULL OR o.updated > w.updated_date)"""
    )
    stored = _count(con, "SELECT count(*) FROM _oa_new")
    kept = _count(con, "SELECT count(*) FROM _oa_ok WHERE rnk = 1")
    for table, key in (
        ("works", "work_id"),
        ("authorships", "work_id"),
        ("work_concepts", "work_id"),
        ("work_topics", "work_id"),
        ("work_references", "citing_id"),
    ):
        con.execute(
            f"DELETE FROM {table} WHERE {key} IN (SELECT id FROM _oa_new)"  # noqa: S608
        )
    abstracts = """
        SELECT id, string_agg(word, ' ' ORDER BY pos) AS abstract FROM (
            SELECT id, word, unnest(poss) AS pos FROM (
                SELECT id, unnest(map_keys(j.abstract_inverted_index)) AS word,
                       unnest(map_values(j.abstract_inverted_index)) AS poss
                FROM _oa_new WHERE j.abstract_inverted_index IS NOT NULL))
        GROUP BY id"""
    con.execute(
        f"""INSERT INTO works
            SELECT n.id,
                   lower(regexp_replace(n.j.doi, '^https?://(dx\\.)?doi\\.org/', '')),
                   coalesce(n.j.title, n.j.display_name),
                   a.abstract,
                   n.j.publication_year,
                   TRY_CAST(n.j.publication_date AS DATE),
                   n.j.type,
                   {_OA.format("coalesce(n.j.primary_location.source.id, n.j.host_venue.id)")},
                   coalesce(n.j.primary_location.source.display_name,
                            n.j.host_venue.display_name),
                   n.j.cited_by_count,
                   n.j.language,
                   n.updated,
                   $origin,
                   $batch
            FROM _oa_new n LEFT JOIN ({abstracts}) a USING (id)""",  # noqa: S608
        {"origin": origin, "batch": b.batch_id},
    )
    con.execute(
        """CREATE TEMP TABLE _oa_auth AS
            SELECT id AS work_id, seq, au,
                   unnest(CASE WHEN len(au.institutions) > 0 THEN au.institutions
                               ELSE [NULL] END) AS inst
            FROM (SELECT id, unnest(j.authorships) AS au,
                         generate_subscripts(j.authorships, 1) AS seq
                  FROM _oa_new WHERE len(j.authorships) > 0)"""
    )
    con.execute(
        f"""INSERT INTO authorships
            SELECT work_id, seq, {_OA.format("au.author.id")}, au.author.display_name,
                   au.author_position, au.is_corresponding, {_OA.format("inst.id")},
                   coalesce(inst.country_code,
                            CASE WHEN inst.id IS NULL THEN au.countries[1] END),
                   coalesce(au.raw_affiliation_string, au.raw_affiliation_strings[1])
            FROM _oa_auth"""  # noqa: S608
    )
    con.execute(
        f"""INSERT INTO authors
            SELECT aid, arg_max(name, seq), arg_max(orcid, seq) FROM (
              SELECT {_OA.format("au.author.id")} AS aid, au.author.display_name AS name,
                     regexp_replace(au.author.orcid, '^https?://orcid\\.org/', '') AS orcid, seq
              FROM _oa_auth WHERE au.author.id IS NOT NULL)
            WHERE aid NOT IN (SELECT author_id FROM authors)
            GROUP BY aid"""  # noqa: S608
    )
    con.execute(
        f"""INSERT INTO institutions
            SELECT iid, any_value(ror), any_value(name), any_value(type),
                   any_value(country_code), NULL, $origin FROM (
              SELECT {_OA.format("inst.id")} AS iid, {_ROR.format("inst.ror")} AS ror,
                     inst.display_name AS name, inst.type AS type,
                     inst.country_code AS country_code
              FROM _oa_auth WHERE inst.id IS NOT NULL)
            WHERE iid NOT IN (SELECT institution_id FROM institutions)
            GROUP BY iid""",  # noqa: S608
        {"origin": origin},
    )
    con.execute("DROP TABLE _oa_auth")
    con.execute(
        f"""INSERT INTO work_references
            SELECT DISTINCT id, {_OA.format("ref")} FROM (
              SELECT id, unnest(j.referenced_works) AS ref FROM _oa_new)
            WHERE ref IS NOT NULL"""  # noqa: S608
    )
    con.execute(
        f"""INSERT INTO work_concepts
            SELECT id, {_OA.format("c.id")}, c.display_name, c.level, c.score FROM (
              SELECT id, unnest(j.concepts) AS c FROM _oa_new)
            WHERE c.id IS NOT NULL"""  # noqa: S608
    )
    con.execute(
        f"""INSERT INTO work_topics
            SELECT id, {_OA.format("t.id")}, t.display_name, t.score,
                   t.id = primary_id, {_LAST.format("t.subfield.id")},
                   {_LAST.format("t.field.id")}, {_LAST.format("t.domain.id")} FROM (
              SELECT id, j.primary_topic.id AS primary_id, unnest(j.topics) AS t FROM _oa_new)
            WHERE t.id IS NOT NULL"""  # noqa: S608
    )
    return stored, in_file_dups + (kept - stored)


def _write_institutions(con: duckdb.DuckDBPyConnection, origin: str) -> tuple[int, int]:
    """Upsert institution entities (authoritative over the copies embedded in works)."""
    in_file_dups = _count(con, "SELECT count(*) FROM _oa_ok WHERE rnk > 1")
    con.execute(
        """CREATE TEMP TABLE _oa_new AS
            SELECT id, j FROM _oa_ok WHERE rnk = 1"""
    )
    stored = _count(con, "SELECT count(*) FROM _oa_new")
    con.execute("DELETE FROM institutions WHERE institution_id IN (SELECT id FROM _oa_new)")
    con.execute(
        f"""INSERT INTO institutions
            SELECT id, {_ROR.format("j.ror")}, j.display_name, j.type,
                   coalesce(j.country_code, j.geo.country_code), j.geo.city, $origin
            FROM _oa_new""",  # noqa: S608
        {"origin": origin},
    )
    return stored, in_file_dups
