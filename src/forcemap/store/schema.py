"""The canonical store schema (DESIGN.md §2) as an ordered list of migrations.

Each migration is applied once, in order, inside a transaction, and recorded in
``schema_migrations``. Never edit a released migration: append a new one.

Identifiers are the source's own, namespaced by source where ambiguity is possible:
OpenAlex keeps its short ids (``W2125158795``, ``I45084792``, ``A5023888391``); patents are
``US-<number>``; PatentsView assignees ``patentsview:<id>``, USPTO assignees
``uspto:<name>``; project and trade ids are the user's.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SOURCE_TABLES", "TABLES"]

_V1 = """
CREATE TABLE works (
    work_id VARCHAR NOT NULL,        -- OpenAlex id (W...) or source-namespaced id
    doi VARCHAR,                     -- lower-case, without https://doi.org/
    title VARCHAR,
    abstract VARCHAR USING COMPRESSION zstd,  -- rebuilt from abstract_inverted_index
    year INTEGER,
    pub_date DATE,
    type VARCHAR,                    -- journal-article, article, review, ...
    source_id VARCHAR,               -- journal / venue id (S...)
    source_name VARCHAR,
    cited_by_count INTEGER,
    language VARCHAR,
    updated_date TIMESTAMP,          -- the source's last update, used for incremental upserts
    origin VARCHAR NOT NULL,         -- 'openalex', 'synthetic:openalex', ...
    batch_id INTEGER NOT NULL
);
CREATE TABLE authorships (
    work_id VARCHAR NOT NULL,
    author_seq SMALLINT NOT NULL,    -- 1-based position in the author list
    author_id VARCHAR,               -- NULL when the source has no author id
    author_name VARCHAR,
    author_position VARCHAR,         -- first / middle / last
    is_corresponding BOOLEAN,
    institution_id VARCHAR,          -- NULL for an authorship without institution
    country_code VARCHAR,            -- ISO 3166-1 alpha-2 of the institution (or author)
    raw_affiliation VARCHAR USING COMPRESSION zstd
);
CREATE TABLE authors (
    author_id VARCHAR NOT NULL,
    name VARCHAR,
    orcid VARCHAR
);
CREATE TABLE institutions (
    institution_id VARCHAR NOT NULL,
    ror VARCHAR,                     -- bare ROR id, e.g. 04jr1s763
    name VARCHAR,
    type VARCHAR,                    -- education, company, government, facility, healthcare, ...
    country_code VARCHAR,
    city VARCHAR,
    origin VARCHAR NOT NULL
);
CREATE TABLE work_references (
    citing_id VARCHAR NOT NULL,
    cited_id VARCHAR NOT NULL        -- may name a work outside the store (external id)
);
CREATE TABLE work_concepts (
    work_id VARCHAR NOT NULL,
    concept_id VARCHAR NOT NULL,
    name VARCHAR,
    level SMALLINT,
    score DOUBLE
);
CREATE TABLE work_topics (
    work_id VARCHAR NOT NULL,
    topic_id VARCHAR NOT NULL,
    name VARCHAR,
    score DOUBLE,
    is_primary BOOLEAN,
    subfield_id VARCHAR,
    field_id VARCHAR,
    domain_id VARCHAR
);
CREATE TABLE patents (
    patent_id VARCHAR NOT NULL,      -- office-number, e.g. US-10123456
    office VARCHAR,
    kind VARCHAR,
    type VARCHAR,
    grant_date DATE,
    filing_date DATE,
    year INTEGER,                    -- grant year
    title VARCHAR,
    abstract VARCHAR USING COMPRESSION zstd,
    family_id VARCHAR,
    num_claims INTEGER,
    origin VARCHAR NOT NULL,
    batch_id INTEGER NOT NULL
);
CREATE TABLE patent_cpc (
    patent_id VARCHAR NOT NULL,
    seq SMALLINT,
    cpc_subgroup VARCHAR,            -- H01L21/027
    cpc_group VARCHAR,               -- H01L21/00 (main group)
    cpc_subclass VARCHAR,            -- H01L
    cpc_class VARCHAR,               -- H01
    cpc_section VARCHAR,             -- H
    is_first BOOLEAN
);
CREATE TABLE patent_assignees (
    patent_id VARCHAR NOT NULL,
    seq SMALLINT,
    assignee_id VARCHAR,
    name VARCHAR,
    type VARCHAR,                    -- company, university, government, individual, ...
    country_code VARCHAR,
    city VARCHAR
);
CREATE TABLE patent_inventors (
    patent_id VARCHAR NOT NULL,
    seq SMALLINT,
    inventor_id VARCHAR,
    name VARCHAR,
    country_code VARCHAR,
    city VARCHAR
);
CREATE TABLE patent_citations (
    citing_id VARCHAR NOT NULL,
    cited_id VARCHAR NOT NULL
);
CREATE TABLE patent_npl (
    patent_id VARCHAR NOT NULL,
    work_id VARCHAR NOT NULL
);
CREATE TABLE projects (
    project_id VARCHAR NOT NULL,
    title VARCHAR,
    programme VARCHAR,
    start_date DATE,
    end_date DATE,
    budget DOUBLE,
    currency VARCHAR,
    goals VARCHAR,
    status VARCHAR,
    origin VARCHAR NOT NULL,
    batch_id INTEGER NOT NULL
);
CREATE TABLE project_participants (
    project_id VARCHAR NOT NULL,
    org_id VARCHAR NOT NULL,
    name VARCHAR,
    role VARCHAR,                    -- coordinator / participant / ...
    type VARCHAR,
    country_code VARCHAR,
    contribution DOUBLE
);
CREATE TABLE project_outputs (
    project_id VARCHAR NOT NULL,
    output_type VARCHAR NOT NULL,    -- work / patent
    output_id VARCHAR NOT NULL
);
CREATE TABLE trade (
    year INTEGER NOT NULL,
    reporter VARCHAR NOT NULL,       -- ISO 3166-1 alpha-2
    partner VARCHAR NOT NULL,        -- ISO 3166-1 alpha-2
    hs6 VARCHAR NOT NULL,
    export_value DOUBLE,             -- reporter -> partner, current USD
    import_value DOUBLE,             -- partner -> reporter, current USD
    origin VARCHAR NOT NULL,
    batch_id INTEGER NOT NULL
);
CREATE TABLE organizations (
    org_id VARCHAR NOT NULL,
    name VARCHAR,
    type VARCHAR,                    -- enterprise university institute facility healthcare other
    country_code VARCHAR,
    city VARCHAR,
    ror VARCHAR
);
CREATE TABLE org_aliases (
    source VARCHAR NOT NULL,         -- institution / assignee / participant
    source_id VARCHAR NOT NULL,
    org_id VARCHAR NOT NULL,
    method VARCHAR NOT NULL,         -- ror / name / override / self
    evidence VARCHAR
);
CREATE TABLE ingest_log (
    batch_id INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    checksum VARCHAR,
    read BIGINT NOT NULL,
    stored BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,      -- merged duplicates (same id in the file or already stored)
    started TIMESTAMP NOT NULL,
    finished TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL          -- ok / skipped
);
CREATE TABLE quarantine (
    batch_id INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    line BIGINT,
    record_id VARCHAR,
    field VARCHAR,
    reason VARCHAR NOT NULL,
    raw VARCHAR
);
CREATE SEQUENCE batch_seq START 1;
"""

_V2 = """
CREATE TABLE fetch_checkpoints (
    query_key VARCHAR NOT NULL,      -- hash of (base URL, entity, filter, since)
    query VARCHAR NOT NULL,          -- the request, readable
    cursor VARCHAR,                  -- the next cursor to request; NULL when done
    pages INTEGER NOT NULL,
    records BIGINT NOT NULL,
    done BOOLEAN NOT NULL,
    updated TIMESTAMP NOT NULL
);
"""

# Which canonical tables each ingest source writes (a batch of the source that stored or
# replaced rows bumps their version in ``table_versions``).
_WORKS = (
    "works",
    "authorships",
    "authors",
    "institutions",
    "work_references",
    "work_concepts",
    "work_topics",
)
_PATENTS = (
    "patents",
    "patent_cpc",
    "patent_assignees",
    "patent_inventors",
    "patent_citations",
    "patent_npl",
)
_PROJECTS = ("projects", "project_participants", "project_outputs")
SOURCE_TABLES: dict[str, tuple[str, ...]] = {
    "openalex": _WORKS,
    "wos": _WORKS,
    "scopus": _WORKS,
    "lens": _WORKS,
    "ris": _WORKS,
    "bibtex": _WORKS,
    "patentsview": _PATENTS,
    "uspto": _PATENTS,
    "projects": _PROJECTS,
    "cordis": _PROJECTS,
    "trade": ("trade",),
    "resolve": ("organizations", "org_aliases"),
}
"""The canonical tables each ingest source (and the organisation resolution) writes."""

_BACKFILL = ",\n".join(f"('{src}', '{t}')" for src, tables in SOURCE_TABLES.items() for t in tables)

# V3: rows filtered out by design (e.g. Comtrade aggregates) are counted in the ingest log;
# table versions and saved indicator results with the versions they were computed from.
_V3 = f"""
ALTER TABLE ingest_log ADD COLUMN filtered BIGINT DEFAULT 0;  -- rows skipped by design
CREATE TABLE table_versions (
    table_name VARCHAR NOT NULL,
    batch_id INTEGER NOT NULL,       -- the batch that changed the table (from batch_seq)
    source VARCHAR NOT NULL,
    changed TIMESTAMP NOT NULL
);
INSERT INTO table_versions
SELECT m.t, l.batch_id, l.source, l.finished
FROM ingest_log l JOIN (VALUES {_BACKFILL}) m(src, t) ON m.src = l.source
WHERE l.status <> 'skipped' AND l.stored + l.duplicates > 0;
CREATE TABLE saved_results (
    name VARCHAR NOT NULL,           -- the user's name; its rows are in table result__<name>
    indicator VARCHAR NOT NULL,      -- key of forcemap.indicators.INDICATORS
    params VARCHAR NOT NULL,         -- JSON object of the indicator's keyword arguments
    inputs VARCHAR NOT NULL,         -- JSON: input table -> version (batch id; 0 = never)
    result_table VARCHAR NOT NULL,
    n_rows BIGINT NOT NULL,
    computed TIMESTAMP NOT NULL
);
"""  # noqa: S608 - SOURCE_TABLES literals only

# V4: every reader reconciles against an independent count of the records its file holds:
# ``read`` is that count, ``replaced`` the records that replaced an already-stored copy (before,
# some readers counted them as stored, others as duplicates); a quarantine entry says whether
# its ``line`` is a physical line or a record number (formats without lines: JSON arrays).
_V4 = """
ALTER TABLE ingest_log ADD COLUMN replaced BIGINT DEFAULT 0;
ALTER TABLE quarantine ADD COLUMN unit VARCHAR DEFAULT 'line';  -- line / record
"""

# V5: entity resolution across sources (issue 19). Each part is one block headed by a comment;
# _V5 is their concatenation, applied as one migration.
_V5_ORGANISATIONS = """
-- V5 organisations: hierarchy from the sources (OpenAlex lineage and associated
-- institutions, ROR relationships), ROR records and names, and the resolved hierarchy.
CREATE TABLE institution_relations (
    institution_id VARCHAR NOT NULL, -- OpenAlex 'I...' or 'ror:<id>'
    related_id VARCHAR NOT NULL,     -- same id spaces
    relationship VARCHAR NOT NULL,   -- parent / child / related / successor / predecessor /
                                     -- ancestor (OpenAlex lineage: related_id is an ancestor)
    source VARCHAR NOT NULL,         -- openalex:lineage / openalex:associated / ror
    batch_id INTEGER NOT NULL
);
CREATE TABLE ror_organizations (
    ror VARCHAR NOT NULL,            -- bare ROR id, e.g. 042nb2s44
    name VARCHAR,                    -- the ror_display name
    types VARCHAR[],                 -- education, company, government, facility, ...
    status VARCHAR,                  -- active / inactive / withdrawn
    country_code VARCHAR,
    city VARCHAR,
    batch_id INTEGER NOT NULL
);
CREATE TABLE ror_names (
    ror VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    name_type VARCHAR NOT NULL,      -- ror_display / label / alias / acronym
    lang VARCHAR
);
CREATE TABLE org_hierarchy (
    org_id VARCHAR NOT NULL,         -- every organisation, one row
    parent_id VARCHAR NOT NULL,      -- its parent organisation; itself when none is known
    top_id VARCHAR NOT NULL,         -- the top of its chain of parents; itself when none
    depth INTEGER NOT NULL,          -- parents between it and its top (0 = a top)
    source VARCHAR NOT NULL,         -- what gave the parent: ror / openalex:associated /
                                     -- openalex:lineage / self
    n_parents INTEGER NOT NULL       -- distinct parent organisations the sources give
);
"""
SOURCE_TABLES["openalex"] = (*_WORKS, "institution_relations")
SOURCE_TABLES["openalex:institutions"] = ("institutions", "institution_relations")
SOURCE_TABLES["ror"] = ("ror_organizations", "ror_names", "institution_relations")
SOURCE_TABLES["resolve"] = (*SOURCE_TABLES["resolve"], "org_hierarchy")

_V5_PATENTS = """
-- V5 patents: where a holder's country came from, priority claims, related US documents and
-- the patent families built from them (the counting unit of the patent indicators).
ALTER TABLE patent_assignees ADD COLUMN country_source VARCHAR;
-- country_source: address / type_code / name / location / holder (patent_resolution.py)
CREATE TABLE patent_priority (
    patent_id VARCHAR NOT NULL,
    seq SMALLINT,
    country VARCHAR,                 -- office of the priority application (ISO2, EP, WO ...)
    number VARCHAR NOT NULL,         -- the priority application number as given
    number_key VARCHAR,              -- the linking key (patent_resolution.number_key_sql);
                                     -- NULL: the number is too short to link
    filing_date DATE,
    kind VARCHAR                     -- priority_claim_kind (national, regional, international)
);
CREATE TABLE patent_relations (
    patent_id VARCHAR NOT NULL,
    seq SMALLINT,
    relation VARCHAR NOT NULL,       -- continuation, continuation-in-part, division, ...
    country VARCHAR,
    number VARCHAR NOT NULL,         -- the related application or document number as given
    number_key VARCHAR,              -- the linking key (patent_resolution.number_key_sql);
                                     -- NULL: the number is too short to link
    kind VARCHAR,
    doc_date DATE,
    status VARCHAR
);
CREATE TABLE patent_families (
    patent_id VARCHAR NOT NULL,
    family_id VARCHAR NOT NULL,      -- the source's family id; else the smallest patent_id of
                                     -- the priority-linked group; else the patent itself
    method VARCHAR NOT NULL,         -- source / priority / single
    size INTEGER NOT NULL            -- patents of the family in this store
);
INSERT INTO patent_families  -- a populated store: the source's family ids, else the patent
SELECT patent_id, coalesce(fid, patent_id), CASE WHEN fid IS NULL THEN 'single' ELSE 'source' END,
       count(*) OVER (PARTITION BY coalesce(fid, patent_id))
FROM (SELECT patent_id, nullif(trim(any_value(family_id)), '') AS fid
      FROM patents GROUP BY patent_id);
"""
# V5 patents: the patent readers also write the priority claims, related documents and families
# (set after V3, whose backfill reads SOURCE_TABLES, so that V3's SQL stays as released).
_PATENTS_V5 = (*_PATENTS, "patent_priority", "patent_relations", "patent_families")
SOURCE_TABLES["patentsview"] = SOURCE_TABLES["uspto"] = _PATENTS_V5

_V5_PERSONS = """
-- V5 persons: author disambiguation (store/persons.py). One row per author id: the person it
-- belongs to and why; pairs scored between the "possible" and the merge threshold that ended
-- in different persons ("possibly the same person as ...").
CREATE TABLE person_aliases (
    author_id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,      -- an author id of the person (its representative)
    method VARCHAR NOT NULL,         -- orcid / match / override / self
    score DOUBLE,                    -- match probability of the author's best link (match)
    evidence VARCHAR,                -- orcid:<id>, weights of the best link, override:<file>:<n>
    name VARCHAR,                    -- the person's display name (the representative's)
    orcid VARCHAR                    -- the author's normalised ORCID (NULL when none or invalid)
);
CREATE TABLE person_possible (
    author_id VARCHAR NOT NULL,
    other_author_id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    other_person_id VARCHAR NOT NULL,
    score DOUBLE NOT NULL,           -- match probability of the pair
    evidence VARCHAR
);
"""
SOURCE_TABLES["resolve"] = (*SOURCE_TABLES["resolve"], "person_aliases", "person_possible")

_V5_WORKS = """
-- V5 works: one row of ``works`` per distinct paper; the source records behind a merged work
-- stay in ``record_*`` tables (their own rows, parked while merged: merges are reversible).
CREATE TABLE work_records (
    record_id VARCHAR NOT NULL,      -- the source record's own id (W..., WOS:..., ris:...)
    work_id VARCHAR NOT NULL,        -- the merged work (a row of works) it belongs to
    source VARCHAR,                  -- ingest source of the record's batch (openalex, ris, ...)
    origin VARCHAR,
    batch_id INTEGER,
    is_canonical BOOLEAN NOT NULL,   -- the record whose id and authorships the work keeps
    method VARCHAR NOT NULL,         -- canonical / doi / probabilistic / override
    match_probability DOUBLE,        -- of the record's strongest link into the work
    evidence VARCHAR                 -- JSON: per-field match weights of that link
);
CREATE TABLE work_links (            -- accepted record pairs (record_a < record_b)
    record_a VARCHAR NOT NULL,
    record_b VARCHAR NOT NULL,
    method VARCHAR NOT NULL,         -- doi / probabilistic / override
    match_probability DOUBLE,
    match_weight DOUBLE,
    evidence VARCHAR,                -- JSON: field -> match weight (log2 Bayes factor)
    batch_id INTEGER                 -- the ingest batch that found it (NULL: forcemap resolve)
);
CREATE TABLE work_conflicts (        -- pairs that matched but were not merged, and why
    record_a VARCHAR NOT NULL,
    record_b VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,           -- doi_year / two_dois / override_apart
    detail VARCHAR
);
CREATE TABLE work_overrides (        -- the user's overrides file, honoured by ingest and resolve
    record_a VARCHAR NOT NULL,
    record_b VARCHAR NOT NULL,
    action VARCHAR NOT NULL,         -- join / apart
    reason VARCHAR,
    file VARCHAR,
    line BIGINT
);
CREATE TABLE record_works AS SELECT * FROM works WHERE false;
CREATE TABLE record_authorships AS SELECT * FROM authorships WHERE false;
CREATE TABLE record_work_concepts AS SELECT * FROM work_concepts WHERE false;
CREATE TABLE record_work_topics AS SELECT * FROM work_topics WHERE false;
CREATE TABLE record_work_references AS SELECT * FROM work_references WHERE false;
CREATE TABLE record_patent_npl AS SELECT * FROM patent_npl WHERE false;
CREATE TABLE record_project_outputs AS SELECT * FROM project_outputs WHERE false;
ALTER TABLE ingest_log ADD COLUMN merged BIGINT DEFAULT 0;  -- records folded into a work
"""
# V5 works: forcemap resolve merges works across sources (set after V3, whose backfill reads
# SOURCE_TABLES, so that V3's SQL stays as released)
SOURCE_TABLES["resolve"] = (
    *SOURCE_TABLES["resolve"],
    *_WORKS,
    "patent_npl",
    "project_outputs",
    "work_records",
    "work_links",
    "work_conflicts",
    "work_overrides",
)

_V5 = _V5_WORKS + _V5_ORGANISATIONS + _V5_PATENTS + _V5_PERSONS

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5)
SCHEMA_VERSION = len(MIGRATIONS)

TABLES: tuple[str, ...] = (
    "works",
    "authorships",
    "authors",
    "institutions",
    "work_references",
    "work_concepts",
    "work_topics",
    "patents",
    "patent_cpc",
    "patent_assignees",
    "patent_inventors",
    "patent_citations",
    "patent_npl",
    "projects",
    "project_participants",
    "project_outputs",
    "trade",
    "organizations",
    "org_aliases",
    "ingest_log",
    "quarantine",
    "fetch_checkpoints",
    "table_versions",
    "saved_results",
    # V5 works
    "work_records",
    "work_links",
    "work_conflicts",
    "work_overrides",
    "record_works",
    "record_authorships",
    "record_work_concepts",
    "record_work_topics",
    "record_work_references",
    "record_patent_npl",
    "record_project_outputs",
    # V5 organisations
    "institution_relations",
    "ror_organizations",
    "ror_names",
    "org_hierarchy",
    # V5 patents
    "patent_priority",
    "patent_relations",
    "patent_families",
    # V5 persons
    "person_aliases",
    "person_possible",
)
