"""Co-word on stemmed title / abstract terms and VOSviewer thesaurus files: a hand-worked
store, the thesaurus's errors, and the real sample against the Python analyser."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcemap.cli import app
from forcemap.errors import InputError, ParseError
from forcemap.indicators.text import analyze
from forcemap.network import science_map
from forcemap.network.coword_terms import read_thesaurus, text_terms
from forcemap.store import Store

# A: neural network robot grasp | B: neural network robot | C: grasp robot (abstract: robot arm)
_WORKS = (
    ("A", "Neural networks for robot grasping", None),
    ("B", "A neural network of robots", None),
    ("C", "Grasping the robot", "The robot arm."),
)


def _store(store: Store) -> Store:
    for wid, title, abstract in _WORKS:
        store.con.execute(
            "INSERT INTO works (work_id, title, abstract, year, origin, batch_id) "
            "VALUES (?, ?, ?, 2020, 'test', 0)",
            [wid, title, abstract],
        )
    for wid, concepts in (("A", ("c1", "c2", "c3")), ("B", ("c1", "c2")), ("C", ("c1",))):
        for c in concepts:
            store.con.execute(
                "INSERT INTO work_concepts VALUES (?, ?, ?, 1, 0.9)", [wid, c, f"Concept {c}"]
            )
    return store


def _nodes(net: object) -> dict[str, tuple[str, int]]:
    return {r["node_id"]: (r["label"], r["n_docs"]) for r in net.nodes.to_pylist()}  # type: ignore[attr-defined]


def _edges(net: object) -> dict[tuple[str, str], float]:
    return {(r["source"], r["target"]): r["weight"] for r in net.edges.to_pylist()}  # type: ignore[attr-defined]


def test_title_terms_hand_worked(store: Store) -> None:
    """Stems (``networks`` → ``network``, ``grasping`` → ``grasp``) and bigrams of the
    stop-word-free tokens: ``for`` and ``of`` drop out, so A gives the bigram ``robot grasp``
    and B ``network robot``. A label is the most frequent surface form, ties alphabetical:
    ``network`` (networks 1, network 1), ``robot`` (robot 2, robots 1)."""
    s = _store(store)
    net = science_map(s, kind="coword", terms="title")
    assert _nodes(net) == {
        "neural": ("neural", 2),
        "network": ("network", 2),
        "robot": ("robot", 3),
        "grasp": ("grasping", 2),
        "neural network": ("neural network", 2),
        "network robot": ("network robots", 2),  # A: "networks (for) robot", B: "network robots"
        "robot grasp": ("robot grasping", 1),
        "grasp robot": ("grasping robot", 1),
    }
    e = _edges(net)
    assert e[("grasp", "robot")] == 2.0  # A and C
    assert e[("neural", "robot")] == 2.0  # A and B
    assert e[("grasp", "neural")] == 1.0  # A
    assert all(n.get("type") == "term" for n in net.nodes.to_pylist())
    two = science_map(s, kind="coword", terms="title", min_count=2, bigrams=False)
    assert sorted(_nodes(two)) == ["grasp", "network", "neural", "robot"]
    # the abstract is a separate text: no bigram "robot robot" from C's title into its abstract
    both = _nodes(science_map(s, kind="coword", terms="title_abstract"))
    assert both["robot"] == ("robot", 3) and both["robot arm"] == ("robot arm", 1)
    assert "robot robot" not in both
    assert sorted(_nodes(science_map(s, kind="coword", terms="abstract"))) == [
        "arm", "robot", "robot arm"
    ]  # fmt: skip
    top = science_map(s, kind="coword", terms="title", max_nodes=2)  # robot 3, then the ties
    assert sorted(_nodes(top)) == ["grasp", "robot"]


def _thesaurus(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "thesaurus.txt"
    p.write_text("label\treplace by\n" + body, encoding="utf-8")
    return p


def test_thesaurus_merges_and_ignores_text_terms(store: Store, tmp_path: Path) -> None:
    """``Neural Networks`` names the term ``neural network`` (stems) and renames it to
    ``neural nets`` (key ``neural net``); ``network robot`` is ignored, ``the study`` matches
    no term. ``grasping`` → ``robot`` merges ``grasp`` into ``robot`` (A and C carry both:
    counted once each); ``robots`` with an empty replacement drops ``robot``."""
    s = _store(store)
    thes = _thesaurus(tmp_path, "Neural Networks\tneural nets\nthe study\t\nnetwork robot\t\n")
    net = science_map(s, kind="coword", terms="title", thesaurus=thes)
    nodes = _nodes(net)
    assert nodes["neural net"] == ("neural nets", 2)
    assert "neural network" not in nodes and "network robot" not in nodes
    assert net.meta["thesaurus"] == {"path": str(thes), "rows": 3, "matched": 2}
    merge = _thesaurus(tmp_path, "grasping\trobot\n")
    nodes = _nodes(science_map(s, kind="coword", terms="title", thesaurus=merge))
    assert "grasp" not in nodes and nodes["robot"] == ("robot", 3)  # A, B, C once each
    drop = _thesaurus(tmp_path, "robots\t\n")
    assert "robot" not in _nodes(science_map(s, kind="coword", terms="title", thesaurus=drop))


def test_thesaurus_on_concepts(store: Store, tmp_path: Path) -> None:
    """Concepts are matched by name or id, case-insensitively: c3 merged into c1 (A carries
    both: c1 stays on 3 works), c2 ignored; c1's label becomes the replacement text."""
    s = _store(store)
    thes = _thesaurus(tmp_path, "concept C3\tConcept c1\nc2\t\n")
    net = science_map(s, kind="coword", terms="concept", thesaurus=thes)
    assert _nodes(net) == {"c1": ("Concept c1", 3)}
    new = _thesaurus(tmp_path, "c3\tRobotics\n")
    nodes = _nodes(science_map(s, kind="coword", terms="concept", thesaurus=new))
    assert nodes["Robotics"] == ("Robotics", 1) and "c3" not in nodes


@pytest.mark.parametrize(
    ("body", "line", "msg"),
    [
        ("", 1, "header"),
        ("neural\tnet\tx\n", 2, "two tab-separated fields"),
        ("neural net\n", 2, "two tab-separated fields"),
        ("a b\tc\n\n\tnet\n", 4, "empty label"),
        ("robot\tarm\nRobot\tleg\n", 3, "already replaced on line 2"),
    ],
)
def test_bad_thesaurus_names_file_and_line(tmp_path: Path, body: str, line: int, msg: str) -> None:
    p = tmp_path / "t.txt"
    p.write_text(body if line == 1 else "label\treplace by\n" + body, encoding="utf-8")
    with pytest.raises(ParseError, match=msg) as e:
        read_thesaurus(p)
    assert e.value.line == line and str(e.value).startswith(f"{p}:{line}: ")


def test_thesaurus_label_of_three_words_is_an_error(store: Store, tmp_path: Path) -> None:
    p = _thesaurus(tmp_path, "robot\tarm\nsoft robot arms\tarm\n")
    with pytest.raises(InputError, match=rf"{p}:3: 'soft robot arms' is 3 word"):
        science_map(_store(store), kind="coword", terms="title", thesaurus=p)
    with pytest.raises(InputError, match="does not exist"):
        read_thesaurus(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="applies to co-word"):
        science_map(store, kind="coupling", thesaurus=p)


def test_sql_terms_equal_the_python_analyser_on_the_real_sample(synergy_store: Store) -> None:
    """Every title of the SYNERGY sample gets, set-based, exactly the terms of
    :func:`forcemap.indicators.text.analyze` (one tokeniser, stop-word list and stemmer)."""
    cur = synergy_store.cursor()
    try:
        cur.execute("CREATE TEMP TABLE _fm_works AS SELECT work_id FROM works")
        text_terms(cur, "title")
        got: dict[str, set[str]] = {}
        for d, i in cur.execute("SELECT doc_id, item_id FROM _fm_items0").fetchall():
            got.setdefault(d, set()).add(i)
        titles = cur.execute("SELECT work_id, title FROM works WHERE title IS NOT NULL").fetchall()
    finally:
        cur.close()
    assert len(titles) > 5000
    differ = [w for w, t in titles if got.get(w, set()) != set(analyze(t))]
    assert differ == []


def test_real_sample_title_network(synergy_store: Store) -> None:
    """The 250 most frequent title terms; the heaviest edge, ``review`` – ``systemat``
    (systematic review), weighs the titles whose Python-analysed terms hold both."""
    net = science_map(synergy_store, kind="coword", terms="title", max_nodes=250)
    assert net.nodes.num_rows == 250
    top = max(net.edges.to_pylist(), key=lambda r: (r["weight"], r["source"], r["target"]))
    assert (top["source"], top["target"]) == ("review", "systemat")
    titles = synergy_store.con.execute("SELECT title FROM works").fetchall()
    both = sum(1 for (t,) in titles if {"review", "systemat"} <= set(analyze(t)))
    assert top["weight"] == both > 1000


def test_cli_build_coword_on_titles_with_a_thesaurus(
    synergy_store_path: Path, tmp_path: Path
) -> None:
    """``--terms title --thesaurus``: "systematic reviews" renamed, "study" ignored."""
    thes = _thesaurus(tmp_path, "systematic reviews\tsystematic review (SR)\nstudy\t\n")
    args = ["--store", str(synergy_store_path), "network", "build", "--kind", "coword",
            "--terms", "title", "--max-nodes", "100", "--thesaurus", str(thes), "--out",
            str(tmp_path / "c")]  # fmt: skip
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    nodes = (tmp_path / "c" / "nodes.csv").read_text(encoding="utf-8")
    assert '"systemat review sr","systematic review (SR)","term"' in nodes
    assert '"studi"' not in nodes and nodes.count("\n") == 101
    bad = _thesaurus(tmp_path, "a\tb\tc\n")
    r = CliRunner().invoke(app, [*args[:-4], "--thesaurus", str(bad), "--out", "x"])
    assert r.exit_code == 2 and f"{bad}:2:" in r.output.replace("\n", "")
