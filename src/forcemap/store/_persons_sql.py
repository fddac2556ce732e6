"""The SQL of author disambiguation (:mod:`forcemap.store.persons`): names, features, blocking.

Every statement works on the store's connection and writes ``_fm_pp_*`` temporary tables;
parameters are bound (``$name``), never formatted into the text.
"""

from __future__ import annotations

__all__: list[str] = []

# Particles that belong to a surname when they stand before its last word ("van der Berg").
SURNAME_PARTICLES: tuple[str, ...] = (
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "le",
    "la", "ten", "ter", "bin", "al", "el", "zu", "op", "het", "st",
)  # fmt: skip

# Generational suffixes dropped from the end of a name.
NAME_SUFFIXES: tuple[str, ...] = ("jr", "sr", "ii", "iii", "iv")

# Letters without a canonical decomposition, transliterated after strip_accents (which removes
# the combining marks of the NFD/NFKD decomposition: é -> e, ü -> u, ř -> r).
_TRANSLIT = (
    ("ø", "o"), ("Ø", "O"), ("ł", "l"), ("Ł", "L"), ("ß", "ss"), ("æ", "ae"), ("Æ", "AE"),
    ("œ", "oe"), ("Œ", "OE"), ("đ", "d"), ("Đ", "D"), ("ı", "i"), ("þ", "th"), ("ð", "d"),
)  # fmt: skip


def _fold(expr: str) -> str:
    """SQL folding ``expr`` to ASCII letters, comma, hyphen, dot and single spaces."""
    out = f"strip_accents(coalesce({expr}, ''))"
    for a, b in _TRANSLIT:
        out = f"replace({out}, '{a}', '{b}')"
    return (
        f"trim(regexp_replace(regexp_replace({out}, '[^A-Za-z,\\- .]', '', 'g'), '\\s+', ' ', 'g'))"
    )


_PARTICLES_SQL = ", ".join(f"'{p}'" for p in SURNAME_PARTICLES)
_SUFFIXES_SQL = ", ".join(f"'{p}'" for p in NAME_SUFFIXES)

# One row per author id (authors ∪ authorships): its display name (authors.name, else its most
# frequent authorship name), normalised ORCID and parsed name.
#   sur_key   the whole surname, letters only, particles included ("vanderberg")
#   sur_core  its last word ("berg"; "courbon" for "Brefel-Courbon")
#   initials  the given names' initials in order ("mm" for "Marsha M.", "M. M.", "LINEHAN MM")
#   first_name the first given name when written out (NULL for an initial)
#   given     the given names, space-separated ("marsha m")
#   only_initials  the name is empty or only capitals (initials: "J.C.", "MM")
# Surname and given names: "Surname, Given" (comma form), "Surname AB" / "Surname A.B."
# (initials after the surname, WoS style), else the last word with the particles before it.
NAMES_SQL = (
    r"""
CREATE OR REPLACE TEMP TABLE _fm_pp_names AS
WITH ids AS (
    SELECT author_id FROM authors WHERE author_id IS NOT NULL AND trim(author_id) <> ''
    UNION
    SELECT author_id FROM authorships WHERE author_id IS NOT NULL AND trim(author_id) <> ''
), au AS (
    SELECT author_id, min(nullif(trim(name), '')) AS name, min(orcid) AS orcid
    FROM authors GROUP BY author_id
), sn AS (
    SELECT author_id, author_name FROM (
        SELECT author_id, trim(author_name) AS author_name, count(*) AS n FROM authorships
        WHERE author_id IS NOT NULL AND trim(author_name) <> ''
        GROUP BY author_id, trim(author_name))
    QUALIFY row_number() OVER (PARTITION BY author_id ORDER BY n DESC, author_name) = 1
), raw AS (
    SELECT ids.author_id, coalesce(au.name, sn.author_name) AS name, au.orcid AS raw_orcid
    FROM ids LEFT JOIN au USING (author_id) LEFT JOIN sn USING (author_id)
), folded AS (
    SELECT *, """  # noqa: S608 - constants only
    + _fold("name")
    + r""" AS f FROM raw
), split AS (
    SELECT *,
        CASE WHEN contains(f, ',') THEN trim(split_part(f, ',', 1))
             WHEN regexp_full_match(f, '[A-Za-z\-]+ ([A-Z]\.?){1,3}') THEN split_part(f, ' ', 1)
        END AS sur_x,
        CASE WHEN contains(f, ',') THEN trim(split_part(f, ',', 2))
             WHEN regexp_full_match(f, '[A-Za-z\-]+ ([A-Z]\.?){1,3}') THEN split_part(f, ' ', 2)
        END AS giv_x,
        list_filter(string_split(f, ' '), lambda x: x <> '') AS tk0
    FROM folded
), nosfx AS (
    SELECT *,
        CASE WHEN len(tk0) > 1 AND lower(replace(tk0[-1], '.', '')) IN ("""
    + _SUFFIXES_SQL
    + r""")
             THEN tk0[:-2] ELSE tk0 END AS tk
    FROM split
), lead AS (
    SELECT *,
        list_transform(list_reverse(tk[:-2]), lambda x: lower(x) IN ("""
    + _PARTICLES_SQL
    + r""")) AS rp
    FROM nosfx
), pos AS (
    SELECT *, coalesce(list_position(rp, false) - 1, len(rp)) AS n_part FROM lead
), sg AS (
    SELECT author_id, name, raw_orcid, f,
        coalesce(sur_x, array_to_string(tk[len(tk) - n_part:], ' ')) AS sur,
        coalesce(giv_x, array_to_string(tk[:len(tk) - n_part - 1], ' ')) AS giv
    FROM pos
), gt AS (
    SELECT *,
        flatten(list_transform(
            list_filter(regexp_split_to_array(giv, '[ .\-]+'), lambda x: x <> ''),
            lambda x: CASE WHEN regexp_full_match(x, '[A-Z]{2,3}') THEN string_split(x, '')
                           ELSE [x] END)) AS g
    FROM sg
)
SELECT author_id, name,
       nullif(regexp_extract(upper(trim(raw_orcid)),
                             '^(?:HTTPS?://(?:WWW\.)?ORCID\.ORG/)?([0-9]{4}-?[0-9]{4}-?[0-9]{4}-?[0-9]{3}[0-9X])$',
                             1), '') AS orcid_raw,
       raw_orcid IS NOT NULL AND trim(raw_orcid) <> '' AS has_raw_orcid,
       nullif(lower(regexp_replace(sur, '[^A-Za-z]', '', 'g')), '') AS sur_key,
       nullif(lower(regexp_extract(sur, '([A-Za-z]+)[^A-Za-z]*$', 1)), '') AS sur_core,
       lower(array_to_string(list_transform(g, lambda x: x[1]), '')) AS initials,
       CASE WHEN len(g[1]) > 1 THEN lower(g[1]) END AS first_name,
       lower(array_to_string(g, ' ')) AS given,
       list_transform(g, lambda x: lower(x)) AS given_list,
       f = '' OR regexp_full_match(f, '([A-Z]\.?[ \-]?)+') AS only_initials
FROM gt
"""
)

# The ORCID, hyphenated (16 characters, the last a digit or X; anything else is no ORCID), and
# whether its ISO 7064 MOD 11-2 check digit is right. A well-formed ORCID with a wrong check
# digit still identifies (two ids with it are one person; two different ones are two people);
# it is counted in the report.
ORCID_SQL = r"""
CREATE OR REPLACE TEMP TABLE _fm_pp_orcid AS
WITH d AS (
    SELECT author_id, replace(orcid_raw, '-', '') AS o FROM _fm_pp_names
    WHERE orcid_raw IS NOT NULL
), c AS (
    SELECT author_id, o,
           list_reduce(list_transform(string_split(o[:15], ''), lambda x: x::INTEGER),
                       lambda acc, x: ((acc + x) * 2) % 11, 0) AS total
    FROM d
)
SELECT author_id,
       o[1:4] || '-' || o[5:8] || '-' || o[9:12] || '-' || o[13:16] AS orcid,
       o[16] = CASE (12 - total % 11) % 11 WHEN 10 THEN 'X'
                    ELSE ((12 - total % 11) % 11)::VARCHAR END AS check_ok
FROM c
"""

# Authorships with a known author id, their work's year and venue and the author count.
AUTHORSHIPS_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_pp_as AS
SELECT a.work_id, a.author_id, w.year, w.source_id, a.institution_id,
       count(*) OVER (PARTITION BY a.work_id) AS n_auth
FROM authorships AS a LEFT JOIN works AS w USING (work_id)
WHERE a.author_id IS NOT NULL AND trim(a.author_id) <> ''
"""

# One row per author: parsed name, ORCID and the evidence sets compared between candidates.
#   coauthors  "<surname key> <first initial>" of the co-authors of works with at most
#              $max_work_authors authors (names, not ids: a co-author split over several ids
#              still counts once), names held by at most $max_coauthor_key ids only
#   insts      institution ids;  venues  source ids;  topics  level-1 concepts (score >= 0.3)
#              or, when the store has no level-1 concepts, topic subfields
#   y0, y1     first and last publication year
FEATURES_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_pp_feat AS
WITH nm AS (
    SELECT n.*, o.orcid, coalesce(o.check_ok, true) AS check_ok,
           length(coalesce(n.sur_key, '')) >= 2 AND n.initials <> '' AND NOT n.only_initials
               AS matchable
    FROM _fm_pp_names AS n LEFT JOIN _fm_pp_orcid AS o USING (author_id)
), ck AS (
    SELECT author_id, sur_key || ' ' || initials[1] AS ckey,
           count(*) OVER (PARTITION BY sur_key, initials[1]) AS n_key
    FROM nm WHERE matchable
), co AS (
    SELECT x.author_id, list(DISTINCT n.ckey) AS coauthors
    FROM _fm_pp_as AS x
    JOIN _fm_pp_as AS y ON y.work_id = x.work_id AND y.author_id <> x.author_id
    JOIN ck AS n ON n.author_id = y.author_id
    JOIN ck AS me ON me.author_id = x.author_id
    WHERE x.n_auth <= $max_work_authors
      -- a common co-author name (more than $max_coauthor_key ids) says little about who is
      -- who; a namesake co-author is not evidence (and not the author: see PAIRS_SQL)
      AND n.n_key <= $max_coauthor_key AND n.ckey <> me.ckey
    GROUP BY x.author_id
), inst AS (
    SELECT author_id, list(DISTINCT institution_id) AS insts FROM _fm_pp_as
    WHERE institution_id IS NOT NULL GROUP BY author_id
), ven AS (
    SELECT author_id, list(DISTINCT source_id) AS venues FROM _fm_pp_as
    WHERE source_id IS NOT NULL GROUP BY author_id
), items AS (
    SELECT work_id, concept_id AS item FROM work_concepts
    WHERE level = 1 AND coalesce(score, 1.0) >= 0.3
    UNION ALL
    SELECT work_id, subfield_id FROM work_topics
    WHERE subfield_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM work_concepts WHERE level = 1)
), top AS (
    SELECT x.author_id, list(DISTINCT i.item) AS topics
    FROM _fm_pp_as AS x JOIN items AS i USING (work_id) GROUP BY x.author_id
), yr AS (
    SELECT author_id, min(year) AS y0, max(year) AS y1, count(DISTINCT work_id) AS n_works
    FROM _fm_pp_as GROUP BY author_id
)
SELECT nm.author_id, nm.name, nm.orcid, nm.check_ok, nm.has_raw_orcid, nm.sur_key, nm.sur_core,
       nm.initials, nm.first_name, nm.given, nm.given_list, nm.only_initials, nm.matchable,
       co.coauthors, inst.insts, ven.venues, top.topics, yr.y0, yr.y1,
       coalesce(yr.n_works, 0) AS n_works
FROM nm
LEFT JOIN co USING (author_id) LEFT JOIN inst USING (author_id) LEFT JOIN ven USING (author_id)
LEFT JOIN top USING (author_id) LEFT JOIN yr USING (author_id)
"""

# Blocking keys: (surname, first initial) and (last surname word, first initial); a block with
# more than $max_block authors is split by the first name (or the initials), and a split block
# still above $max_block is not compared (its authors are counted in the report).
KEYS_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_pp_keys AS
WITH base AS (
    SELECT author_id, sur_key || '|' || initials[1] AS k1,
           CASE WHEN sur_core <> sur_key THEN sur_core || '|' || initials[1] END AS k2,
           coalesce(first_name, initials) AS fine
    FROM _fm_pp_feat WHERE matchable
), keys AS (
    SELECT author_id, k1 AS bkey, fine FROM base
    UNION ALL
    SELECT author_id, k2, fine FROM base WHERE k2 IS NOT NULL
), sized AS (
    SELECT *, count(*) OVER (PARTITION BY bkey) AS n_block FROM keys
), split AS (
    SELECT author_id,
           CASE WHEN n_block <= $max_block THEN bkey ELSE bkey || '|' || fine END AS bkey
    FROM sized
)
SELECT *, count(*) OVER (PARTITION BY bkey) AS n_block FROM split
"""

# Two names that may be one person's: one initials string a prefix of the other, and every
# given name written out on both sides agrees ("Myung Kyum" is not "Myung Ku"). ``fl`` and
# ``fr`` are two rows of _fm_pp_feat. Used for candidate pairs and, within a cluster, for the
# conflict check (a chain "Jun Sun" - "J. Sun" - "Jian Sun" is not one person).
COMPATIBLE_NAMES = """
(starts_with(fl.initials, fr.initials) OR starts_with(fr.initials, fl.initials))
AND list_bool_and(list_transform(
        range(1, least(len(fl.given_list), len(fr.given_list)) + 1),
        lambda i: len(fl.given_list[i]) = 1 OR len(fr.given_list[i]) = 1
                  OR fl.given_list[i] = fr.given_list[i]))
"""

# Candidate pairs: same block, compatible names, not both carrying an ORCID (two ORCIDs are
# two people; one ORCID is already one person).
PAIRS_SQL = f"""
CREATE OR REPLACE TEMP TABLE _fm_pp_pairs AS
SELECT DISTINCT l.author_id AS id_l, r.author_id AS id_r
FROM _fm_pp_keys AS l
JOIN _fm_pp_keys AS r ON l.bkey = r.bkey AND l.author_id < r.author_id
JOIN _fm_pp_feat AS fl ON fl.author_id = l.author_id
JOIN _fm_pp_feat AS fr ON fr.author_id = r.author_id
WHERE l.n_block <= $max_block
  AND ({COMPATIBLE_NAMES})
  AND (fl.orcid IS NULL OR fr.orcid IS NULL)
  -- two authors of one work are two people
  AND NOT EXISTS (SELECT 1 FROM _fm_pp_as AS x JOIN _fm_pp_as AS y USING (work_id)
                  WHERE x.author_id = l.author_id AND y.author_id = r.author_id)
"""  # noqa: S608 - constant SQL

# Author features handed to splink (the comparison columns only).
SPLINK_INPUT_SQL = """
SELECT f.author_id AS unique_id, f.given, f.first_name, b.block_n, f.coauthors, f.insts,
       f.venues, f.topics, f.y0, f.y1
FROM _fm_pp_feat AS f
LEFT JOIN (SELECT author_id, min(n_block) AS block_n FROM _fm_pp_keys GROUP BY author_id) AS b
    USING (author_id)
WHERE f.author_id IN (SELECT id_l FROM _fm_pp_pairs UNION SELECT id_r FROM _fm_pp_pairs)
ORDER BY f.author_id
"""

# Connected components by iterated minimum-label propagation over _fm_pp_cc_edges(a, b)
# (both directions present). _fm_pp_cc(node, comp): comp is the smallest node id reachable.
CC_INIT_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_pp_cc AS
SELECT a AS node, least(a, min(b)) AS comp FROM _fm_pp_cc_edges GROUP BY a
"""

CC_STEP_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_pp_cc_next AS
WITH hop AS (
    SELECT e.a AS node, min(c.comp) AS comp
    FROM _fm_pp_cc_edges AS e JOIN _fm_pp_cc AS c ON c.node = e.b GROUP BY e.a
), jump AS (
    SELECT c.node, least(c.comp, h.comp) AS comp FROM _fm_pp_cc AS c JOIN hop AS h USING (node)
)
SELECT j.node, least(j.comp, coalesce(p.comp, j.comp)) AS comp
FROM jump AS j LEFT JOIN _fm_pp_cc AS p ON p.node = j.comp
"""
