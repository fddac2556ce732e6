r"""Co-word terms: stemmed title / abstract terms of works, and thesaurus files.

Terms of a text
---------------
The terms of a work's title or abstract are those of :func:`forcemap.indicators.text.analyze`,
computed set-based in DuckDB: the tokens of :data:`~forcemap.indicators.text.SQL_TOKEN_PATTERN`
(``regexp_extract_all`` over the lower-cased text, the tokeniser of
:func:`~forcemap.indicators.text.sql_terms`), the :data:`~forcemap.indicators.text.STOP_WORDS`
dropped by an anti-join, each distinct token Snowball-stemmed once
(:func:`~forcemap.indicators.text.stem_words`, English), then every stem (unigram) and every
pair of consecutive remaining stems (bigram, ``"neural network"``). Title and abstract are
separate texts: no bigram spans from the end of the title into the abstract. A term is named
by its stems (``node_id`` ``"neural network"``) and labelled by its most frequent surface
form (the lower-cased tokens as written, counted over every occurrence; ties: the
alphabetically first), e.g. ``"neural networks"``.

Thesaurus
---------
VOSviewer's thesaurus file (van Eck & Waltman, *VOSviewer Manual*, "Thesaurus files"): UTF-8,
tab-separated, a header line ``label<TAB>replace by``, then one row per term: the term's
label and the label that replaces it, or an empty "replace by" to ignore (drop) the term.
Rows map terms, not chains (a replaced term is not replaced again). Labels are matched as the
terms are made: for text terms, a label is analysed like the text (tokens, stop words,
stems), so ``Neural Networks`` matches the term ``neural network`` whatever its surface form,
and must come to one or two stems (a "replace by" is analysed the same way, to the id of the
merged term, and may be longer: ``systematic review (SR)`` → ``systemat review sr``); for
concepts and topics, a label matches a term by its name or id, case-insensitively, and a
"replace by" naming an existing term merges into it (else it is the new term's id). The
merged term is labelled by the "replace by" text as written (the first row's, when several
rows name one target). Empty lines are skipped; a line without a tab, with more than two
fields, an empty label or a label given twice with different replacements is an error naming
the file and line; two different labels naming the same term (``neural networks``, ``Neural
Network``) are not: the first row naming a term maps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from forcemap.errors import InputError, ParseError
from forcemap.indicators.text import SQL_TOKEN_PATTERN, STOP_WORDS, stem_words, tokenize

__all__ = [
    "TERM_SOURCES",
    "TEXT_SOURCES",
    "Thesaurus",
    "apply_thesaurus",
    "read_thesaurus",
    "text_key",
    "text_labels",
    "text_terms",
]

TEXT_SOURCES: tuple[str, ...] = ("title", "abstract", "title_abstract")
"""Text co-word terms: stemmed title, abstract, or title and abstract terms."""
TERM_SOURCES: tuple[str, ...] = ("concept", "topic", *TEXT_SOURCES)
"""Every kind of co-word term."""

_HEADER = ("label", "replace by")
_FIELDS = {"title": ("title",), "abstract": ("abstract",), "title_abstract": ("title", "abstract")}


@dataclass(frozen=True)
class Thesaurus:
    """A VOSviewer thesaurus: ``rows`` of (line, label, replace by or ``None`` = ignore)."""

    path: str
    rows: tuple[tuple[int, str, str | None], ...]


def read_thesaurus(path: str | Path) -> Thesaurus:
    """Read a VOSviewer thesaurus file (see the module docstring); :class:`ParseError` names
    the file and line of a malformed row.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.txt"
    >>> rows = "label\\treplace by\\nneural networks\\tneural network\\nstudy\\t\\n"
    >>> _ = p.write_text(rows, encoding="utf-8")
    >>> read_thesaurus(p).rows
    ((2, 'neural networks', 'neural network'), (3, 'study', None))
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"thesaurus file {p} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ParseError(f"cannot read the thesaurus: {e}", file=str(p)) from e
    lines = text.splitlines()
    header = tuple(x.strip().lower() for x in lines[0].split("\t")) if lines else ()
    if header != _HEADER:
        raise ParseError(
            "the first line must be the header 'label<TAB>replace by' (VOSviewer's thesaurus "
            f"format), not {lines[0] if lines else ''!r}",
            file=str(p),
            line=1,
        )
    rows: list[tuple[int, str, str | None]] = []
    seen: dict[str, tuple[int, str | None]] = {}
    for no, raw in enumerate(lines[1:], start=2):
        if not raw.strip():
            continue
        parts = raw.split("\t")
        if len(parts) != 2:
            raise ParseError(
                f"expected 'label<TAB>replace by' (two tab-separated fields), got {len(parts)} "
                f"field(s): {raw!r}",
                file=str(p),
                line=no,
            )
        label, repl = parts[0].strip(), parts[1].strip()
        if not label:
            raise ParseError(f"empty label in {raw!r}", file=str(p), line=no)
        key = label.casefold()
        new = repl or None
        if key in seen and seen[key][1] != new:
            raise ParseError(
                f"label {label!r} is already replaced on line {seen[key][0]} "
                f"(by {seen[key][1]!r}), now by {new!r}",
                file=str(p),
                line=no,
            )
        seen.setdefault(key, (no, new))
        rows.append((no, label, new))
    return Thesaurus(path=str(p), rows=tuple(rows))


def text_key(
    label: str, *, where: str = "", bigrams: bool = True, replacement: bool = False
) -> str:
    """The term a label names: its tokens without stop words, stemmed, joined by a space
    (one stem, or two with ``bigrams``; a ``replacement`` may be longer: it names a merged
    term, matched by nothing); ``where`` (``file:line``) prefixes the error.

    >>> text_key("Neural Networks")
    'neural network'
    """
    stems = stem_words(tokenize(label))
    if replacement and stems:
        return " ".join(stems)
    if not 1 <= len(stems) <= (2 if bigrams else 1):
        size = "one or two words" if bigrams else "single words"
        raise InputError(
            f"{where}{label!r} is {len(stems)} word(s) without stop words; co-word terms are {size}"
        )
    return " ".join(stems)


def text_terms(cur: duckdb.DuckDBPyConnection, source: str, *, bigrams: bool = True) -> None:
    """The stemmed terms of the works in the temporary table ``_fm_works`` (column
    ``work_id``), as temporary tables ``_fm_items0 (doc_id, item_id)`` (distinct (work, term)
    pairs) and ``_fm_occ_terms (work_id, term, surface)`` (every occurrence, for
    :func:`text_labels`).

    ``source``: ``title``, ``abstract`` or ``title_abstract`` (module docstring)."""
    if source not in _FIELDS:
        raise InputError(f"text terms must be one of {', '.join(TEXT_SOURCES)}, not {source!r}")
    docs = " UNION ALL ".join(
        f"SELECT w.work_id, {i} AS part, w.{col} AS txt FROM works AS w "  # noqa: S608 - allow-listed
        f"SEMI JOIN _fm_works AS s ON s.work_id = w.work_id WHERE w.{col} IS NOT NULL"
        for i, col in enumerate(_FIELDS[source])
    )
    stops = ", ".join(f"'{w}'" for w in sorted(STOP_WORDS))  # plain ASCII words
    cur.execute(
        f"""CREATE OR REPLACE TEMP TABLE _fm_tok AS
        WITH t AS (SELECT work_id, part,
                          list_filter(regexp_extract_all(lower(txt), '{SQL_TOKEN_PATTERN}'),
                                      lambda x: NOT list_contains([{stops}], x)) AS toks
                   FROM ({docs}))
        SELECT work_id, part, unnest(toks) AS tok, unnest(range(len(toks))) AS pos FROM t"""  # noqa: S608 - allow-listed SQL
    )
    vocab = cur.sql("SELECT DISTINCT tok FROM _fm_tok").to_arrow_table().column(0).to_pylist()
    stems = pa.table(
        {
            "tok": pa.array(vocab, pa.string()),
            "stem": pa.array(stem_words(vocab), pa.string()),
        }
    )
    cur.register("_fm_stems_arrow", stems)
    try:
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_stok AS
               SELECT t.work_id, t.part, t.pos, t.tok, s.stem
               FROM _fm_tok AS t JOIN _fm_stems_arrow AS s USING (tok)"""
        )
    finally:
        cur.unregister("_fm_stems_arrow")
    bigram_sql = """
        UNION ALL
        SELECT a.work_id, a.stem || ' ' || b.stem, a.tok || ' ' || b.tok
        FROM _fm_stok AS a JOIN _fm_stok AS b
          ON b.work_id = a.work_id AND b.part = a.part AND b.pos = a.pos + 1"""
    cur.execute(
        f"""CREATE OR REPLACE TEMP TABLE _fm_occ_terms AS
            SELECT work_id, stem AS term, tok AS surface FROM _fm_stok
            {bigram_sql if bigrams else ""}"""  # noqa: S608 - allow-listed SQL
    )
    cur.execute(
        """CREATE OR REPLACE TEMP TABLE _fm_items0 AS
           SELECT DISTINCT work_id AS doc_id, term AS item_id FROM _fm_occ_terms"""
    )
    for t in ("_fm_tok", "_fm_stok"):
        cur.execute(f"DROP TABLE IF EXISTS {t}")


def text_labels(cur: duckdb.DuckDBPyConnection) -> None:
    """``_fm_labels0 (node_id, label)`` for the terms kept in ``_fm_occ`` (``item_id``):
    the most frequent surface form of each in ``_fm_occ_terms`` (:func:`text_terms`; ties:
    the alphabetically first), or the thesaurus label of a merged term
    (``_fm_thes_labels``, :func:`apply_thesaurus`, when present)."""
    has_thes = bool(
        cur.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = '_fm_thes_labels' "
            "AND temporary"
        ).fetchall()[0][0]
    )
    thes = (
        "SELECT node_id, label FROM _fm_thes_labels"
        if has_thes
        else ("SELECT NULL::VARCHAR AS node_id, NULL::VARCHAR AS label WHERE false")
    )
    cur.execute(
        f"""CREATE OR REPLACE TEMP TABLE _fm_labels0 AS
            WITH th AS ({thes}),
            s AS (SELECT term, surface, count(*) AS n
                  FROM _fm_occ_terms SEMI JOIN _fm_occ ON item_id = term
                  WHERE term NOT IN (SELECT node_id FROM th) GROUP BY ALL)
            SELECT term AS node_id, first(surface ORDER BY n DESC, surface) AS label
            FROM s GROUP BY term
            UNION ALL SELECT node_id, label FROM th"""  # noqa: S608 - allow-listed SQL
    )
    cur.execute("DROP TABLE IF EXISTS _fm_occ_terms")


def apply_thesaurus(
    cur: duckdb.DuckDBPyConnection, thesaurus: Thesaurus, *, text: bool, bigrams: bool = True
) -> int:
    """Rewrite ``_fm_items0`` and ``_fm_labels0`` by the thesaurus (module docstring):
    ignored terms dropped, replaced terms merged into their target (a work carrying both
    counts once). ``text``: the terms are stemmed text terms (else concept / topic ids).
    Returns the number of distinct terms the thesaurus matched."""
    line: list[int] = []
    label_key: list[str] = []
    new_key: list[str | None] = []
    new_label: list[str | None] = []
    for no, label, repl in thesaurus.rows:
        where = f"{thesaurus.path}:{no}: "
        line.append(no)
        label_key.append(text_key(label, where=where, bigrams=bigrams) if text else label.lower())
        new_label.append(repl)
        if repl is None:
            new_key.append(None)
        else:
            new_key.append(
                text_key(repl, where=where, bigrams=bigrams, replacement=True)
                if text
                else repl.lower()
            )
    raw = pa.table(
        {
            "line": pa.array(line, pa.int64()),
            "label_key": pa.array(label_key, pa.string()),
            "new_key": pa.array(new_key, pa.string()),
            "new_label": pa.array(new_label, pa.string()),
        }
    )
    if text:  # keys are the terms themselves
        match_sql = """
            SELECT line, label_key AS key, new_key, new_label FROM _fm_thes_raw"""
    else:  # keys are names or ids: resolve them to ids; an unknown target is a new term
        match_sql = """
            SELECT r.line, l.node_id AS key,
                   CASE WHEN r.new_key IS NULL THEN NULL
                        ELSE coalesce((SELECT min(t.node_id) FROM _fm_labels0 AS t
                                       WHERE lower(t.label) = r.new_key
                                          OR lower(t.node_id) = r.new_key), r.new_label)
                   END AS new_key, r.new_label
            FROM _fm_thes_raw AS r JOIN _fm_labels0 AS l
              ON lower(l.label) = r.label_key OR lower(l.node_id) = r.label_key"""
    cur.register("_fm_thes_raw", raw)
    try:
        cur.execute(
            f"""CREATE OR REPLACE TEMP TABLE _fm_thes AS
                SELECT line, key, new_key, new_label FROM ({match_sql})
                QUALIFY row_number() OVER (PARTITION BY key ORDER BY line) = 1"""  # noqa: S608 - allow-listed SQL
        )
        # a target is labelled by the first row naming it
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_thes_labels AS
               SELECT new_key AS node_id, first(new_label ORDER BY line) AS label
               FROM _fm_thes WHERE new_key IS NOT NULL GROUP BY new_key"""
        )
    finally:
        cur.unregister("_fm_thes_raw")
    matched = cur.execute(
        "SELECT count(DISTINCT item_id) FROM _fm_items0 SEMI JOIN _fm_thes ON key = item_id"
    ).fetchall()[0][0]
    cur.execute(
        """CREATE OR REPLACE TEMP TABLE _fm_items0 AS
           SELECT DISTINCT i.doc_id, coalesce(t.new_key, i.item_id) AS item_id
           FROM _fm_items0 AS i LEFT JOIN _fm_thes AS t ON t.key = i.item_id
           WHERE t.key IS NULL OR t.new_key IS NOT NULL"""
    )
    if not text:
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_labels0 AS
               SELECT node_id, label FROM _fm_labels0 ANTI JOIN _fm_thes_labels USING (node_id)
               UNION ALL SELECT node_id, label FROM _fm_thes_labels"""
        )
    return int(matched)
