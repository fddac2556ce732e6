r"""The review panel's expertise match (:mod:`forcemap.decide.panel`).

:func:`score_candidates` scores every active candidate against the project with the scorer
of ``forcemap decide affinity`` (:func:`forcemap.decide.affinity.profile_scores`): the
project is the one submission, each of the candidate's recent documents a BM25 query
(distinct Snowball stems and stem bigrams), the candidate's affinity the mean of its
documents' scores (0 when they share fewer than two terms with the project). BM25's
collection is the candidates' documents and the project (one submission gives no document
frequencies). The text component is that affinity over the project's own (the sum of its
terms' weights: a candidate all of whose documents hold every project term scores 1). Beside
it, the Jaccard overlap of the project's topics / concepts with the candidate's, and
log-scaled recent activity — counted only for a candidate with some text or topic match, so
activity alone never makes a match — combined by the weights into ``match`` (see "Expertise
match" in the package docstring).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from forcemap.decide.affinity import Profiles, bm25_weights, profile_scores
from forcemap.decide.panel.candidates import Side
from forcemap.decide.params import CONCEPT_MIN_SCORE
from forcemap.errors import InputError
from forcemap.indicators.text import analyze

__all__ = ["Scores", "score_candidates"]

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
    topics weight 0 without topics); ``affinity`` the candidates' BM25 affinity and
    ``self_affinity`` the project's (``text`` = their ratio); ``q_codes``, ``q_terms``,
    ``q_w`` the project's terms known to the candidates' documents (codes of ``_rp_vocab``),
    their text and BM25 weights; ``doc_scores`` each document's score (by ``did``);
    ``topic_items`` / ``concept_items`` the project's (id, name) found in the store and
    ``unknown`` those that are not (used as query words only).
    """

    text: np.ndarray
    topics: np.ndarray | None
    activity: np.ndarray
    match: np.ndarray
    weights: dict[str, float]
    affinity: np.ndarray
    self_affinity: float
    q_codes: np.ndarray
    q_terms: list[str]
    q_w: np.ndarray
    doc_scores: np.ndarray
    topic_items: list[tuple[str, str]]
    concept_items: list[tuple[str, str]]
    unknown: list[str]


def _text_affinity(
    cur: duckdb.DuckDBPyConnection, side: Side, query: str
) -> tuple[np.ndarray, float, np.ndarray, list[str], np.ndarray, np.ndarray]:
    """(affinity per candidate position, the project's self-affinity, known term codes,
    their terms, their weights, score per document) of the project text ``query``."""
    terms = analyze(query)
    distinct = list(dict.fromkeys(terms))
    known = cur.execute(
        "SELECT v.term, v.code, v.df FROM _rp_vocab AS v "
        "WHERE v.term IN (SELECT unnest($t)) ORDER BY v.code",
        {"t": distinct},
    ).fetchall()
    code_of = {str(t): (int(c), int(d)) for t, c, d in known}
    n_terms = side.profiles.docs.shape[1]
    # the project's terms as one target over the vocabulary, new terms appended after it
    extra = [t for t in distinct if t not in code_of]
    col = {t: code_of[t][0] for t in code_of} | {t: n_terms + i for i, t in enumerate(extra)}
    width = n_terms + len(extra)
    counts: dict[int, int] = {}
    for t in terms:
        counts[col[t]] = counts.get(col[t], 0) + 1
    cols = np.asarray(sorted(counts), np.int64)
    tf = sp.csr_matrix(
        (
            np.asarray([counts[c] for c in cols.tolist()], np.float64),
            (np.zeros(cols.size, np.int64), cols),
        ),
        shape=(1, width),
    )
    df = np.zeros(width, np.int64)
    for c, d in code_of.values():
        df[c] = d
    df[cols] += 1  # the project is a document of the collection
    n = side.n_docs + 1
    avg = (side.total_len + len(terms)) / n if side.total_len + len(terms) > 0 else 1.0
    w = bm25_weights(tf, np.asarray([len(terms)]), df, n, avg)
    docs = side.profiles.docs
    prof = Profiles(
        sp.csr_matrix((docs.data, docs.indices, docs.indptr), shape=(docs.shape[0], width)),
        side.profiles.holders,
    )
    aff, per_doc = profile_scores(prof, w, aggregation="mean")
    wd = np.asarray(w.todense()).ravel()
    k_codes = np.asarray(sorted(c for c, _ in code_of.values()), np.int64)
    term_of = {c: t for t, (c, _) in code_of.items()}
    return (
        aff[:, 0],
        float(wd.sum()),
        k_codes,
        [term_of[int(c)] for c in k_codes],
        wd[k_codes],
        per_doc[:, 0],
    )


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
    aff, self_aff, q_codes, q_terms, q_w, per_doc = _text_affinity(cur, side, query)
    text_sim = aff / self_aff if self_aff > 0 else aff * 0.0
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
    # activity counts only beside some expertise match: it never makes a match on its own
    expert = (text_sim > 0) | ((topic > 0) if topic is not None else False)
    match = (
        w_used["text"] * text_sim
        + w_used["topics"] * (topic if topic is not None else 0.0)
        + w_used["activity"] * activity * expert
    ) / w_sum
    return Scores(
        text=text_sim,
        topics=topic,
        activity=activity,
        match=match,
        weights=w_used,
        affinity=aff,
        self_affinity=self_aff,
        q_codes=q_codes,
        q_terms=q_terms,
        q_w=q_w,
        doc_scores=per_doc,
        topic_items=t_items,
        concept_items=c_items,
        unknown=t_unknown + c_unknown,
    )


def explain_match(
    side: Side, scores: Scores, pos: int, *, k_terms: int = 5, k_works: int = 3
) -> tuple[list[str], list[str]]:
    """Why candidate ``pos`` matches: the project terms contributing most to its affinity
    (stems and stem bigrams; contribution: the term's weight times the share of the
    candidate's documents holding it among those that match) and its best-scoring
    documents (work or patent ids, ``expertise`` for its pool text), best first, ties by
    term / id; nothing when its affinity is 0."""
    h = side.profiles.holders
    own = h.indices[h.indptr[pos] : h.indptr[pos + 1]]
    if own.size == 0 or scores.q_codes.size == 0 or scores.affinity[pos] <= 0:
        return [], []  # no text match (e.g. one shared word only): nothing to name
    s = scores.doc_scores[own]
    hit = own[s > 0]
    if hit.size == 0:
        return [], []
    keys = side.doc_keys.take(pa.array(hit)).to_pylist()
    best = sorted(zip((-scores.doc_scores[hit]).tolist(), keys, strict=True))
    works = [str(k) for _, k in best[:k_works]]
    sub = side.profiles.docs[hit][:, scores.q_codes]
    contrib = np.asarray(sub.sum(axis=0), np.float64).ravel() * scores.q_w / own.size
    ranked = sorted((-c, t) for c, t in zip(contrib.tolist(), scores.q_terms, strict=True) if c > 0)
    return [t for _, t in ranked[:k_terms]], works
