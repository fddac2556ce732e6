"""Reviewer–paper affinity: the OpenReview reader, the BM25 scorer, the gold standard's
metric (hand-worked) and the command on tiny fixtures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from forcemap.decide.affinity import (
    Paper,
    affinity,
    affinity_scores,
    expertise_loss,
    read_archives,
    read_submissions,
)
from forcemap.errors import InputError, NotFoundError

DATA = Path(__file__).resolve().parents[1] / "data" / "affinity"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "reviewer-expertise"
if not SHARED.exists():
    SHARED = Path("/work/shared/data/reviewer-expertise")


# -- the metric --------------------------------------------------------------------------------
def test_expertise_loss_hand_worked() -> None:
    # r: a=5, b=3, c=1, d=3. Pairs with different expertise and |Δ|:
    # (a,b)=2 (a,c)=4 (a,d)=2 (b,c)=2 (c,d)=2 → total 12; (b,d) equal: not counted.
    # predicted a=1, b=2, c=0, d=2: (a,b) wrong → 2; (a,c) right; (a,d) wrong → 2;
    # (b,c) right; (c,d) right → cost 4. s: x=4, y=2 predicted tied → 1 of 2.
    scores = {("r", "a"): 1.0, ("r", "b"): 2.0, ("r", "c"): 0.0, ("r", "d"): 2.0}
    scores |= {("s", "x"): 0.5, ("s", "y"): 0.5}
    loss = expertise_loss(scores, {"r": {"a": 5, "b": 3, "c": 1, "d": 3}, "s": {"x": 4, "y": 2}})
    assert loss == pytest.approx((4 + 1) / (12 + 2))


def test_expertise_loss_errors() -> None:
    with pytest.raises(InputError, match="no predicted score"):
        expertise_loss({("r", "a"): 1.0}, {"r": {"a": 5, "b": 1}})
    with pytest.raises(InputError, match="no pair"):
        expertise_loss({("r", "a"): 1.0, ("r", "b"): 1.0}, {"r": {"a": 3, "b": 3}})


# -- reading -----------------------------------------------------------------------------------
def test_reader_errors(tmp_path: Path) -> None:
    arch = tmp_path / "archives"
    with pytest.raises(NotFoundError, match="does not exist"):
        read_archives(arch)
    arch.mkdir()
    with pytest.raises(NotFoundError, match=r"no <reviewer>\.jsonl"):
        read_archives(arch)
    (arch / "r1.jsonl").write_text(
        '{"id": "p1", "content": {"title": "ok"}}\n{"id": "p2", "content": {"title": 3}}\n'
    )
    with pytest.raises(InputError, match=r"r1\.jsonl:2: field 'content\.title'"):
        read_archives(arch)
    (arch / "r1.jsonl").write_text('{"id": "p1", "content": {"title": "ok"}}\n{oops\n')
    with pytest.raises(InputError, match=r"r1\.jsonl:2: not a JSON line"):
        read_archives(arch)
    (arch / "r1.jsonl").write_text('{"content": {"title": "ok"}}\n')
    with pytest.raises(InputError, match=r"r1\.jsonl:1: field 'id'"):
        read_archives(arch)
    subs = tmp_path / "s.json"
    subs.write_text(json.dumps({"s1": {"id": "s1", "content": {}}}))
    with pytest.raises(InputError, match=r"neither 'content\.title' nor 'content\.abstract'"):
        read_submissions(subs)
    subs.write_text(json.dumps([{"id": "s1", "content": {"title": "x"}}] * 2))
    with pytest.raises(InputError, match="duplicate submission id s1"):
        read_submissions(subs)
    v2 = [{"id": "s1", "content": {"title": {"value": "API v2 title"}}}]
    subs.write_text(json.dumps(v2))
    assert read_submissions(subs)["s1"].title == "API v2 title"


# -- scoring -----------------------------------------------------------------------------------
def test_affinity_fixture_matches_topics() -> None:
    t = affinity(DATA / "archives", DATA / "submissions.json")
    assert t.column_names == ["reviewer_id", "paper_id", "score"]
    s = {(r, p): v for r, p, v in zip(*(t[c].to_pylist() for c in t.column_names), strict=True)}
    assert s[("alice", "s1")] > s[("alice", "s2")]  # solid-state batteries
    assert s[("bob", "s2")] > s[("bob", "s1")]  # solid oxide fuel cells
    both = affinity_scores(
        read_archives(DATA / "archives"),
        read_submissions(DATA / "submissions.json"),
        aggregation="max",
        collection="all",
    )
    cols = (both[c].to_pylist() for c in both.column_names)
    sb = {(r, p): v for r, p, v in zip(*cols, strict=True)}
    assert sb[("alice", "s1")] > sb[("alice", "s2")] and sb[("bob", "s2")] > sb[("bob", "s1")]
    with pytest.raises(InputError, match="collection"):
        affinity_scores({}, read_submissions(DATA / "submissions.json"), collection="x")
    with pytest.raises(InputError, match="aggregation"):
        affinity(DATA / "archives", DATA / "submissions.json", aggregation="median")


def test_one_shared_word_is_no_match() -> None:
    """Hand-worked BM25 with the minimum of two shared terms. Submissions s1 "solid state
    battery" and s2 "solid oxide fuel cell"; one reviewer paper "solid electrolyte" shares
    only "solid" with each: no match (0), though BM25 alone would score it. A paper
    "state battery" shares "state", "batteri" and "state batteri" with s1:
    n = 2, s1 has 5 terms (3 stems, 2 bigrams), s2 7, mean length 6; df = 1 for all three, so
    idf = ln(1 + 1.5/1.5) = ln 2 and each weight is ln 2 · 2.2 / (1 + 1.2(0.25 + 0.75·5/6))."""
    subs = {
        "s1": Paper("s1", "solid state battery", ""),
        "s2": Paper("s2", "solid oxide fuel cell", ""),
    }
    arch = {"a": [Paper("a1", "solid electrolyte", "")], "b": [Paper("b1", "state battery", "")]}
    t = affinity_scores(arch, subs)
    s = {(r, p): v for r, p, v in zip(*(t[c].to_pylist() for c in t.column_names), strict=True)}
    assert s[("a", "s1")] == 0.0 and s[("a", "s2")] == 0.0
    w = math.log(2) * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 5 / 6))
    assert s[("b", "s1")] == pytest.approx(3 * w, rel=1e-12) and s[("b", "s2")] == 0.0
    one = affinity_scores(arch, subs, min_shared=1)  # without the rule "solid" alone matches
    assert one["score"].to_pylist()[0] > 0


@pytest.mark.skipif(not SHARED.exists(), reason="shared reviewer-expertise data not present")
def test_affinity_two_gold_standard_reviewers(tmp_path: Path) -> None:
    """Two participants of the gold standard (read in place): every aggregation ranks their
    evaluated papers better than chance."""
    import csv

    with (SHARED / "evaluations.tsv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))[:2]
    archives = read_archives(SHARED / "archives")
    subs = read_submissions(SHARED / "submissions.json")
    expertise = {
        r["ParticipantID"]: {
            r[f"Paper{i}"]: float(r[f"Expertise{i}"]) for i in range(1, 11) if r[f"Paper{i}"]
        }
        for r in rows
    }
    mine = {k: archives[k] for k in expertise}
    papers = {p for ev in expertise.values() for p in ev}
    t = affinity_scores(mine, {p: subs[p] for p in papers})
    assert t.num_rows == 2 * len(papers)
    s = {(r, p): v for r, p, v in zip(*(t[c].to_pylist() for c in t.column_names), strict=True)}
    assert expertise_loss(s, expertise) < 0.5


def test_affinity_command_writes_csv(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from forcemap.cli.affinity import affinity_cmd

    app = typer.Typer()  # on its own: cli/decide.py registers it under ``decide``
    app.command("affinity")(affinity_cmd)
    app.command("other")(lambda: None)  # two commands: the name is then required
    out = tmp_path / "aff.csv"
    args = ["--archives", str(DATA / "archives"), "--submissions", str(DATA / "submissions.json")]
    r = CliRunner().invoke(app, ["affinity", *args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    t = pacsv.read_csv(out)
    assert t.column_names == ["reviewer_id", "paper_id", "score"] and t.num_rows == 4
    r = CliRunner().invoke(app, ["affinity", *args[:2], "--submissions", "nope.json"])
    assert r.exit_code != 0
