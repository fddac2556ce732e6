r"""The review panel's expertise match (:mod:`forcemap.decide.panel`).

:func:`score_candidates` scores every active candidate against the project: the TF-IDF cosine
of the project text with the candidate's recent documents over Snowball stems (the
candidates' weights are :class:`~forcemap.indicators.text.Postings` of
:mod:`forcemap.decide.panel.candidates`; the query is tokenised, stemmed and weighted the same
way), multiplied by the share of the query's known stems the candidate holds (Lucene's
coordination factor: one shared word of a three-word project scores a third); the Jaccard
overlap of the project's topics / concepts with the candidate's; and log-scaled recent
activity, combined by the weights into ``match`` (see "Expertise match" in the package
docstring).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from forcemap.decide.panel.candidates import Side, expand_sql, stem_tokens
from forcemap.decide.params import CONCEPT_MIN_SCORE
from forcemap.errors import InputError
from forcemap.indicators.text import sql_sublinear_tf

__all__ = ["Scores", "score_candidates"]

# The query's tokens (the candidates' tokeniser and stop words), stemmed in Python, then
# weighted over the stems the candidates' documents know.
_QUERY_TOKENS_SQL = expand_sql(
    """
SELECT 0 AS did, tok, count(*) AS n FROM (SELECT @TERMS($q)@ AS tok)
WHERE tok NOT IN (SELECT tok FROM _rp_stop) GROUP BY tok
"""
)
_QUERY_SQL = """
SELECT idf.code, q.tok, @TF@ * idf.idf AS w FROM _rp_qtok AS q JOIN _rp_idf AS idf USING (tok)
ORDER BY idf.code
""".replace("@TF@", sql_sublinear_tf("q.n"))

# Per active candidate (position): the project's topics / concepts among its items, and its
# items (recent works' topics, and concepts scored ≥ $concept_min_score).
_TOPICS_SQL = """
WITH items AS (
    SELECT DISTINCT cw.cid, 'T:' || t.topic_id AS item
    FROM _rp_cw AS cw JOIN work_topics AS t USING (work_id) WHERE $use_topics
    UNION
    SELECT DISTINCT cw.cid, 'C:' || c.concept_id
    FROM _rp_cw AS cw JOIN work_concepts AS c USING (work_id)
    WHERE $use_concepts AND coalesce(c.score, 1.0) >= $concept_min_score
)
SELECT a.pos, count(*) FILTER (WHERE item IN (SELECT item FROM _rp_pitems)) AS inter,
       count(*) AS n_items
FROM items JOIN _rp_active AS a USING (cid) GROUP BY a.pos
"""


def _resolve_items(
    cur: duckdb.DuckDBPyConnection, values: list[str], kind: str
) -> tuple[list[tuple[str, str]], list[str]]:
    """(id, name) of each topic / concept given by id, OpenAlex URL or name; unknown ones."""
    if not values:
        return [], []
    table, col = ("work_topics", "topic_id") if kind == "topic" else ("work_concepts", "concept_id")
    found: list[tuple[str, str]] = []
    unknown: list[str] = []
    for v in values:
        key = v.lower().removeprefix("https://openalex.org/").removeprefix("http://openalex.org/")
        rows = cur.execute(
            f"SELECT {col}, any_value(name) FROM {table} "  # noqa: S608 - fixed names
            f"WHERE lower({col}) = $k OR lower(name) = $v GROUP BY {col} ORDER BY {col}",
            {"k": key, "v": v.lower()},
        ).fetchall()
        if rows:
            found += [(str(i), str(n) if n else str(i)) for i, n in rows]
        else:
            unknown.append(v)
    return list(dict.fromkeys(found)), unknown


@dataclass(frozen=True)
class Scores:
    """The match of every active candidate, by position in ``_rp_active``.

    ``text``, ``topics`` (None when the project has no known topic or concept) and
    ``activity`` are the components, ``match`` their weighted mean with ``weights`` (the
    topics weight 0 without topics); ``q_codes``, ``q_terms``, ``q_w`` the query's term
    codes, terms and weights; ``topic_items`` / ``concept_items`` the project's (id, name)
    found in the store and ``unknown`` those that are not (used as query words only).
    """

    text: np.ndarray
    topics: np.ndarray | None
    activity: np.ndarray
    match: np.ndarray
    weights: dict[str, float]
    q_codes: np.ndarray
    q_terms: list[str]
    q_w: np.ndarray
    topic_items: list[tuple[str, str]]
    concept_items: list[tuple[str, str]]
    unknown: list[str]


def score_candidates(
    cur: duckdb.DuckDBPyConnection,
    side: Side,
    *,
    text: str | None,
    topics: list[str],
    concepts: list[str],
    weights: dict[str, float],
    concept_min_score: float = CONCEPT_MIN_SCORE,
) -> Scores:
    """Score the active candidates of ``side`` against the project (``text``, else the names
    of ``topics`` and ``concepts``); a work carries a concept scored ≥ ``concept_min_score``.

    Raises
    ------
    InputError
        The weights leave nothing to score (only the topics weight, and no topic found).
    """
    t_items, t_unknown = _resolve_items(cur, topics, "topic")
    c_items, c_unknown = _resolve_items(cur, concepts, "concept")
    query = (
        text.strip()
        if text and text.strip()
        else " ".join([n for _, n in t_items] + [n for _, n in c_items] + t_unknown + c_unknown)
    )
    p_items = [f"T:{i}" for i, _ in t_items] + [f"C:{i}" for i, _ in c_items]
    cur.register("_rp_pitems", pa.table({"item": pa.array(p_items, pa.string())}))
    w_used = dict(weights)
    if not p_items:
        w_used["topics"] = 0.0
    w_sum = sum(w_used.values())
    if w_sum <= 0:
        raise InputError(
            f"weights {weights} leave nothing to score: the project has no topics or concepts"
        )
    n_act = side.active.num_rows
    cur.execute("CREATE OR REPLACE TEMP TABLE _rp_qtok AS " + _QUERY_TOKENS_SQL, {"q": query})
    stem_tokens(cur, "_rp_qtok")
    q_rows = cur.execute(_QUERY_SQL).fetchall()
    q_codes = np.asarray([r[0] for r in q_rows], np.int64)
    q_terms = [str(r[1]) for r in q_rows]
    q_w = np.asarray([r[2] for r in q_rows], np.float64)
    # cosine × coordination (the share of the query's known stems the candidate holds)
    text_sim = side.postings.cosine(q_codes, q_w) * side.postings.coverage(q_codes)
    topic: np.ndarray | None = None
    if p_items:
        tp = cur.execute(
            _TOPICS_SQL,
            {
                "use_topics": bool(t_items),
                "use_concepts": bool(c_items),
                "concept_min_score": concept_min_score,
            },
        ).fetchnumpy()
        inter = np.asarray(tp["inter"], np.float64)
        topic = np.zeros(n_act)
        topic[np.asarray(tp["pos"], np.int64)] = inter / (
            np.asarray(tp["n_items"], np.float64) + len(p_items) - inter
        )
    n_recent = side.features["n_recent"]
    top_recent = float(n_recent.max()) if n_act else 0.0
    activity = (
        np.log(1.0 + n_recent) / np.log(1.0 + top_recent) if top_recent > 0 else n_recent * 0.0
    )
    match = (
        w_used["text"] * text_sim
        + w_used["topics"] * (topic if topic is not None else 0.0)
        + w_used["activity"] * activity
    ) / w_sum
    return Scores(
        text=text_sim,
        topics=topic,
        activity=activity,
        match=match,
        weights=w_used,
        q_codes=q_codes,
        q_terms=q_terms,
        q_w=q_w,
        topic_items=t_items,
        concept_items=c_items,
        unknown=t_unknown + c_unknown,
    )
