"""Text processing (forcemap.indicators.text): the tokeniser in Python and in DuckDB, the
smoothed TF-IDF weights, the document index and the unit postings.

The weights are checked against the formula by hand (ln((1 + n)/(1 + df)) + 1, scikit-learn's
``TfidfVectorizer`` defaults, Salton & Buckley 1988) and the postings' cosine against a dense
computation with NumPy."""

from __future__ import annotations

import json
import math
import unicodedata
from pathlib import Path

import duckdb
import numpy as np
import pytest

from forcemap.errors import InputError
from forcemap.indicators.text import (
    SQL_TOKEN_PATTERN,
    STOP_WORDS,
    Postings,
    TextIndex,
    analyze,
    index_texts,
    smoothed_idf,
    sql_smoothed_idf,
    sql_sublinear_tf,
    sql_terms,
    stop_words_table,
    sublinear_tf,
    tokenize,
    top_rows,
)


def _sql_tokens(text: str) -> list[str]:
    con = duckdb.connect()
    con.register("_rp_stop", stop_words_table())
    rows = con.execute(
        f"SELECT tok FROM (SELECT {sql_terms('$t')} AS tok) "  # noqa: S608 - fixed fragment
        "WHERE tok NOT IN (SELECT tok FROM _rp_stop)",
        {"t": text},
    ).fetchall()
    return [r[0] for r in rows]


def test_tokenize() -> None:
    assert tokenize("The Robot-arm of a 3D printer, ÉCOLE x!") == [
        "robot",
        "arm",
        "3d",
        "printer",
        "école",
    ]
    assert tokenize(None) == [] and tokenize("") == []
    assert tokenize("to be or not to be") == []  # stop words only
    assert tokenize("snake_case x2 ab") == ["snake_case", "x2", "ab"]
    assert tokenize("deep robot learning", bigrams=True)[-2:] == ["deep robot", "robot learning"]


@pytest.mark.parametrize(
    "text",
    [
        "The Robot-arm of a 3D printer, ÉCOLE x!",
        "Solid-state electrolytes for lithium batteries (Li₇La₃Zr₂O₁₂), 2nd ed.",
        "Größere Übersetzungen: naïve café façade — 東京大学 の研究 Ωmega",
        "snake_case_words and digits 12 345 a1 __ _ x",
        "",
    ],
)
def test_python_and_duckdb_tokenisers_agree(text: str) -> None:
    """The same terms from tokenize and from sql_terms + the stop-word table."""
    assert _sql_tokens(text) == tokenize(text)


def test_the_documented_differences_between_the_engines() -> None:
    """Kawi (Unicode 15) is in DuckDB's RE2 tables but not in Python 3.11's Unicode database
    (14.0): its letters are word characters for sql_terms only there. Python lower-cases 'İ'
    to 'i' + a combining dot (not a word character), DuckDB to 'i'."""
    kawi = "\U00011f04"
    assert _sql_tokens(f"x{kawi}x") == [f"x{kawi}x"]
    known = unicodedata.category(kawi) != "Cn"  # Python ≥ 3.12 knows Unicode 15
    assert tokenize(f"x{kawi}x") == ([f"x{kawi}x"] if known else [])
    assert tokenize("İstanbul") == ["stanbul"]  # 'i' alone is too short
    assert _sql_tokens("İstanbul") == ["istanbul"]


def test_every_bmp_character_is_read_the_same_way() -> None:
    """Over the Basic Multilingual Plane the two patterns and the two lower-casings agree,
    except 'İ' (U+0130)."""
    chars = [chr(c) for c in range(0x20, 0x10000) if not 0xD800 <= c < 0xE000]
    texts = [f"x{c}x" for c in chars]
    con = duckdb.connect()
    rows = con.execute(
        "SELECT regexp_extract_all(lower(t), $p) FROM unnest($t) WITH ORDINALITY AS u(t, i) "
        "ORDER BY i",
        {"t": texts, "p": SQL_TOKEN_PATTERN},
    ).fetchall()
    differ = [c for c, t, (got,) in zip(chars, texts, rows, strict=True) if got != tokenize(t)]
    # tokenize drops stop words; 'x?x' is never one, but 'x' alone is too short either way
    assert differ == ["İ"]


def test_stop_words_table() -> None:
    t = stop_words_table()
    assert t.column_names == ["tok"]
    assert t["tok"].to_pylist() == sorted(STOP_WORDS)


def test_weights_by_hand_and_in_sql() -> None:
    """idf(df = 1, n = 3) = ln 2 + 1 = 1.693147; idf(df = 3, n = 3) = 1; 1 + ln 4 = 2.386294;
    the SQL forms give the same numbers in DuckDB."""
    idf = smoothed_idf(np.array([1, 2, 3]), 3)
    assert idf.tolist() == pytest.approx([math.log(2) + 1, math.log(4 / 3) + 1, 1.0], abs=1e-12)
    assert sublinear_tf(np.array([1, 4])).tolist() == pytest.approx([1.0, 1 + math.log(4)])
    con = duckdb.connect()
    idf_sql, tf_sql = sql_smoothed_idf("3", "df"), sql_sublinear_tf("df")
    got = con.execute(f"SELECT {idf_sql}, {tf_sql} FROM range(1, 4) t(df)").fetchall()  # noqa: S608
    assert [g[0] for g in got] == pytest.approx(idf.tolist(), abs=1e-15)
    assert [g[1] for g in got] == pytest.approx(sublinear_tf(np.arange(1, 4)).tolist())


def test_index_texts_by_hand() -> None:
    """d1 'robot arm robot' (robot tf 2), d2 'robot gripper', d3 'the battery' (n = 3)."""
    idx = index_texts(
        ["d1", "d2", "d3"],
        ["robot arm robot", "robot gripper", "the battery"],
        min_df=1,
        max_df=1.0,
    )
    assert idx.vocabulary == ["arm", "battery", "gripper", "robot"]
    i1, i2 = math.log(2) + 1, math.log(4 / 3) + 1
    w = np.array([i1, 0.0, 0.0, (1 + math.log(2)) * i2])
    np.testing.assert_allclose(idx.matrix[0].toarray().ravel(), w / np.linalg.norm(w), rtol=1e-6)
    rows, vals, unknown = idx.top_k("gripper robot zeppelin", k=5)
    assert rows.tolist() == [1, 0] and unknown == ["zeppelin"]
    assert vals[0] > vals[1] > 0
    assert isinstance(idx, TextIndex) and idx.n_documents == 3 and idx.n_terms == 4


def test_top_rows() -> None:
    rows, vals = top_rows(np.array([0.5, 0.0, 0.5, 0.2, -1.0]), 2)
    assert rows.tolist() == [0, 2] and vals.tolist() == [0.5, 0.5]  # ties by row
    assert top_rows(np.zeros(3), 2)[0].tolist() == []
    assert top_rows(np.ones(3), 0)[0].tolist() == []


def test_postings_cosine_equals_the_dense_computation() -> None:
    rng = np.random.default_rng(5)
    n_rows, n_terms = 30, 12
    dense = np.where(rng.random((n_rows, n_terms)) < 0.3, rng.random((n_rows, n_terms)), 0.0)
    code, row = np.nonzero(dense.T)  # sorted by code, then row
    p = Postings.from_sorted(code, row, dense[row, code], n_terms=n_terms, n_rows=n_rows)
    q_codes = np.array([1, 4, 7])
    q_w = np.array([0.5, 1.0, 2.0])
    q = np.zeros(n_terms)
    q[q_codes] = q_w
    norms = np.linalg.norm(dense, axis=1)
    expected = np.where(
        norms > 0, dense @ q / np.where(norms > 0, norms, 1.0) / np.linalg.norm(q), 0.0
    )
    np.testing.assert_allclose(p.cosine(q_codes, q_w), expected, rtol=1e-12, atol=1e-15)
    assert p.cosine(q_codes, np.zeros(3)).tolist() == [0.0] * n_rows
    best = int(np.argmax(expected))
    terms = ["t1", "t4", "t7"]
    shared = p.shared_terms(best, q_codes, terms, q_w)
    contrib = {t: dense[best, c] * w for t, c, w in zip(terms, q_codes, q_w, strict=True)}
    assert shared == sorted((t for t in terms if contrib[t] > 0), key=lambda t: -contrib[t])


# -- BM25, stemming, phrases --------------------------------------------------------------------
def test_bm25_hand_worked() -> None:
    """Three documents, unigrams, no stemming: the weights against the BM25 formula.

    d0 "robot arm robot" (ℓ=3), d1 "robot" (ℓ=1), d2 "welding arm" (ℓ=2); mean ℓ = 2.
    idf(robot) = ln(1 + (3 − 2 + .5)/(2 + .5)) = ln 1.6; idf(arm) = ln 1.6;
    idf(welding) = ln(1 + 2.5/1.5) = ln(8/3).
    d0/robot: tf 2, K = 1.2(.25 + .75·3/2) = 1.65 → ln1.6 · 2·2.2/3.65.
    """
    idx = index_texts(
        ["d0", "d1", "d2"],
        ["robot arm robot", "robot", "welding arm"],
        min_df=1,
        max_df=1.0,
        weighting="bm25",
        stem=False,
        bigrams=False,
    )
    assert idx.vocabulary == ["arm", "robot", "welding"]
    k1, b = 1.2, 0.75

    def w(tf: int, dl: int, df: int) -> float:
        idf = math.log(1 + (3 - df + 0.5) / (df + 0.5))
        return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / 2))

    want = np.array([[w(1, 3, 2), w(2, 3, 2), 0], [0, w(1, 1, 2), 0], [w(1, 2, 2), 0, w(1, 2, 1)]])
    np.testing.assert_allclose(idx.matrix.toarray(), want, rtol=1e-6)
    s, unknown = idx.scores("robot arm drone")
    np.testing.assert_allclose(s, want[:, 0] + want[:, 1], rtol=1e-6)
    assert unknown == ["drone"]
    with pytest.raises(InputError, match="weighting"):
        index_texts(["a"], ["x"], weighting="bm26")


def test_stemming_batteries_find_battery() -> None:
    assert analyze("Batteries and battery", bigrams=False) == ["batteri", "batteri"]
    idx = index_texts(
        ["d0", "d1"],
        ["Lithium batteries", "Wind turbines"],
        min_df=1,
        max_df=1.0,
        weighting="bm25",
        stem=True,
        bigrams=True,
    )
    rows, _, _ = idx.top_k("battery")
    assert rows.tolist() == [0]


def test_phrase_solid_state_battery_above_fuel_cells() -> None:
    """A fuel-cell review holding "solid", "state" and "battery" apart beats a longer
    solid-state battery paper on bag of words (old TF-IDF, and BM25 without bigrams); the
    stem bigrams ("solid state", "state batteri") put the phrase first."""
    texts = {
        "fc": "Solid oxide fuel cell and battery hybrids: the state of the art",
        "ssb": "Sulfide electrolytes for solid-state batteries in electric vehicles with fast "
        "charging",
        "li": "Lithium-ion battery recycling",
        "wind": "Wind turbine blades",
        "pv": "Perovskite solar cells",
    }

    def ranked(**kw: object) -> list[str]:
        idx = index_texts(list(texts), list(texts.values()), min_df=1, max_df=1.0, **kw)  # type: ignore[arg-type]
        rows, _, _ = idx.top_k("solid state battery", 5)
        return [idx.ids[i] for i in rows]

    assert ranked() == ["fc", "ssb", "li"]  # TF-IDF (no stemming: "batteries" ≠ "battery")
    assert ranked(weighting="bm25", stem=True, bigrams=False) == ["fc", "ssb", "li"]
    assert ranked(weighting="bm25", stem=True, bigrams=True) == ["ssb", "fc", "li"]


def test_old_index_version_is_refused(tmp_path: Path) -> None:
    idx = index_texts(["a", "b"], ["robot arm", "robot"], min_df=1, max_df=1.0, weighting="bm25")
    idx.save(tmp_path / "i")
    meta = tmp_path / "i.json"
    doc = json.loads(meta.read_text())
    assert TextIndex.load(tmp_path / "i").bm25
    doc["version"] = 1
    meta.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="before BM25 search"):
        TextIndex.load(tmp_path / "i")


def test_postings_coverage_is_the_coordination_factor() -> None:
    """Three units over terms 0..2: unit 0 holds terms 0, 1, 2; unit 1 holds 0; unit 2 none.
    For the query {0, 1, 2} the shares are 1, 1/3, 0 (a repeated query code counts once)."""
    from forcemap.indicators.text import Postings

    p = Postings.from_sorted(
        np.array([0, 0, 1, 2]), np.array([0, 1, 0, 0]), np.ones(4), n_terms=3, n_rows=3
    )
    assert p.coverage(np.array([0, 1, 2, 2])).tolist() == pytest.approx([1.0, 1 / 3, 0.0])
    assert p.coverage(np.array([], np.int64)).tolist() == [0.0, 0.0, 0.0]
