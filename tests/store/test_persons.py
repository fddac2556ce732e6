"""Author disambiguation: ORCID, name blocking and scoring, conflicts, overrides, bad input,
and the split-and-merge quality check on the real SYNERGY sample."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from forcemap.errors import InputError, NotFoundError, ParseError, SchemaError, StoreError
from forcemap.store import Store
from forcemap.store._persons_eval import split_and_merge
from forcemap.store.persons import resolve_persons

# (author_id, name, orcid, institution)
Author = tuple[str, str | None, str | None, str | None]

LINEHAN_ORCID = "0000-0002-6897-7198"  # a real ORCID (valid check digit)
OTHER_ORCID = "0000-0001-5109-3700"  # valid check digit
THIRD_ORCID = "0000-0002-1694-233X"  # valid check digit, ends in X


def _world(store: Store, works: Sequence[tuple[str, int, str, Sequence[Author]]]) -> None:
    """Insert works (id, year, venue, authors) with their authorships, authors and one level-1
    concept per venue."""
    con = store.con
    seen: dict[str, Author] = {}
    for work_id, year, venue, authors in works:
        con.execute(
            "INSERT INTO works (work_id, title, year, source_id, origin, batch_id) "
            "VALUES (?, ?, ?, ?, 'test', 0)",
            [work_id, f"work {work_id}", year, venue],
        )
        con.execute(
            "INSERT INTO work_concepts VALUES (?, ?, 'topic', 1, 0.9)", [work_id, "C" + venue]
        )
        for seq, (aid, name, orcid, inst) in enumerate(authors, start=1):
            con.execute(
                "INSERT INTO authorships (work_id, author_seq, author_id, author_name, "
                "institution_id) VALUES (?, ?, ?, ?, ?)",
                [work_id, seq, aid, name, inst],
            )
            if aid is not None:
                seen[aid] = (aid, name, orcid, inst)
    for aid, name, orcid, _ in seen.values():
        con.execute("INSERT INTO authors VALUES (?, ?, ?)", [aid, name, orcid])


def _persons(store: Store) -> dict[str, tuple[str, str, str | None]]:
    rows = store.con.execute(
        "SELECT author_id, person_id, method, evidence FROM person_aliases"
    ).fetchall()
    return {a: (p, m, e) for a, p, m, e in rows}


# Marsha M. Linehan written four ways over three ids plus one with her ORCID; her co-authors
# (Comtois, Korslund, Harned) and institution recur. A namesake "M. Linehan" in Germany shares
# nothing. Two "Wei Wang" with different ORCIDs share co-authors: never one person.
def _linehan_world(store: Store) -> None:
    team = [
        ("A10", "Katherine A. Comtois", None, "I1"),
        ("A11", "Kathryn E. Korslund", None, "I1"),
        ("A12", "Melanie S. Harned", None, "I1"),
    ]
    _world(
        store,
        [
            ("W1", 2005, "S1", [("A1", "Marsha M. Linehan", LINEHAN_ORCID, "I1"), *team]),
            ("W2", 2006, "S1", [("A2", "Linehan, Marsha M.", None, "I1"), *team]),
            ("W3", 2008, "S2", [*team[:2], ("A3", "M. M. Linehan", None, "I1")]),
            ("W4", 2009, "S1", [("A4", "Marsha Linehan", None, "I1"), *team[1:]]),
            (
                "W5",
                2010,
                "S9",
                [("A5", "M. Linehan", None, "I7"), ("A20", "Hans Roth", None, "I7")],
            ),
            (
                "W6",
                2012,
                "S3",
                [
                    ("A30", "Wei Wang", OTHER_ORCID, "I3"),
                    ("A32", "Li Zhang", None, "I3"),
                    ("A33", "Jun Chen", None, "I3"),
                ],
            ),
            (
                "W7",
                2013,
                "S3",
                [
                    ("A31", "Wei Wang", THIRD_ORCID, "I3"),
                    ("A32", "Li Zhang", None, "I3"),
                    ("A33", "Jun Chen", None, "I3"),
                ],
            ),
        ],
    )


def test_orcid_then_names_join_linehan_and_keep_namesakes_apart(store: Store) -> None:
    """Four spellings of Linehan sharing co-authors and an institution are one person whose id
    is the ORCID holder's; the German namesake and the two ORCID-bearing Wei Wangs are not."""
    _linehan_world(store)
    report = resolve_persons(store)
    p = _persons(store)
    assert {p[a][0] for a in ("A1", "A2", "A3", "A4")} == {"A1"}
    assert p["A2"][1] == "match" and p["A2"][2] is not None and "coauthors +" in p["A2"][2]
    assert p["A5"][0] == "A5"  # no shared evidence: its own person
    assert p["A30"][0] != p["A31"][0]  # two ORCIDs, however alike
    name = store.scalar("SELECT DISTINCT name FROM person_aliases WHERE person_id = 'A1'")
    assert name == "Marsha M. Linehan"
    assert report.authors == store.scalar("SELECT count(*) FROM authors")
    assert report.persons == report.authors - 3
    assert report.merged == 4 and report.by_method["match"] == 4
    assert report.examples and report.examples[0].startswith("A1 Marsha M. Linehan")
    # the German namesake is scored, below the threshold: a possible pair at most, never merged
    possible = store.con.execute(
        "SELECT person_id, other_person_id FROM person_possible"
    ).fetchall()
    assert all("A30" not in pair or "A31" not in pair for pair in possible)


def test_same_orcid_is_one_person_and_malformed_orcid_is_none(store: Store) -> None:
    """Two ids with one ORCID (URL and bare forms) are one person by 'orcid'; a truncated
    ORCID is none; a wrong check digit is counted but still keeps two ORCIDs apart."""
    team = [("A10", "Ken Ito", None, "I2"), ("A11", "Rie Sato", None, "I2")]
    _world(
        store,
        [
            ("W1", 2001, "S1", [("A1", "Ana Souza", "https://orcid.org/" + OTHER_ORCID, "I1")]),
            ("W2", 2015, "S2", [("A2", "A. Souza", OTHER_ORCID.replace("-", ""), "I2")]),
            ("W3", 2015, "S2", [("A3", "Bo Li", "0000-0001-5109-3701", "I2"), *team]),
            ("W4", 2016, "S2", [("A4", "Bo Li", THIRD_ORCID, "I2"), *team]),
            ("W5", 2016, "S2", [("A5", "Cy Wu", "0000-0001-5109-370", "I2")]),
        ],
    )
    report = resolve_persons(store)
    p = _persons(store)
    assert p["A1"][0] == p["A2"][0] and p["A1"][1] == p["A2"][1] == "orcid"
    assert p["A1"][2] == "orcid:" + OTHER_ORCID
    assert p["A3"][0] != p["A4"][0]  # two ORCIDs, one failing its check digit
    assert report.invalid_orcids == 1 and report.orcid_check_failed == 1
    assert store.scalar("SELECT orcid FROM person_aliases WHERE author_id = 'A5'") is None


def test_chain_between_two_orcids_is_split(store: Store) -> None:
    """An id without ORCID that matches two ORCID holders of one name cannot make them one
    person: the component is split by cutting its weakest links."""
    team = [("A10", "Ken Ito", None, "I1"), ("A11", "Rie Sato", None, "I1")]
    _world(
        store,
        [
            ("W1", 2010, "S1", [("A1", "Taro Tanaka", OTHER_ORCID, "I1"), *team]),
            ("W2", 2011, "S1", [("A2", "Taro Tanaka", None, "I1"), *team]),
            ("W3", 2012, "S1", [("A3", "Taro Tanaka", THIRD_ORCID, "I1"), *team]),
        ],
    )
    report = resolve_persons(store)
    p = _persons(store)
    assert p["A1"][0] != p["A3"][0]
    assert report.conflicts_split == 1
    # the cut links stay visible as possible pairs
    assert store.scalar("SELECT count(*) FROM person_possible") >= 1


def test_chain_through_initials_between_two_given_names_is_split(store: Store) -> None:
    """ "J. Sun" may be "Jun Sun" and may be "Jian Sun", but a person cannot be both: the
    cluster the chain makes holds two incompatible names and is split (a chain found twice
    in the real SYNERGY sample, where ORCIDs showed them to be two people)."""
    team = [("A10", "Ken Ito", None, "I1"), ("A11", "Rie Sato", None, "I1"),
            ("A12", "Li Wei", None, "I1")]  # fmt: skip
    _world(
        store,
        [
            ("W1", 2010, "S1", [("A1", "Jun Sun", None, "I1"), *team]),
            ("W2", 2011, "S1", [("A2", "J. Sun", None, "I1"), *team]),
            ("W3", 2012, "S1", [("A3", "Jian Sun", None, "I1"), *team]),
        ],
    )
    report = resolve_persons(store)
    p = _persons(store)
    assert p["A1"][0] != p["A3"][0]
    assert report.conflicts_split == 1
    # both links are equally strong, so both are cut: "J. Sun" stays alone, and the two
    # links are listed as possibly the same person
    assert p["A2"][0] not in (p["A1"][0], p["A3"][0])
    assert store.scalar("SELECT count(*) FROM person_possible") == 2


def test_coauthors_of_one_work_are_two_people(store: Store) -> None:
    """Two 'J. Smith' on the same paper are never one person, whatever else they share."""
    _world(
        store,
        [
            (
                "W1",
                2010,
                "S1",
                [("A1", "John Smith", None, "I1"), ("A2", "John Smith", None, "I1")],
            ),
            ("W2", 2011, "S1", [("A1", "John Smith", None, "I1"), ("A9", "Ann Lee", None, "I1")]),
            ("W3", 2011, "S1", [("A2", "John Smith", None, "I1"), ("A9", "Ann Lee", None, "I1")]),
        ],
    )
    resolve_persons(store)
    p = _persons(store)
    assert p["A1"][0] != p["A2"][0]


def test_bad_names_are_never_matched_by_name(store: Store) -> None:
    """Empty names, one-letter names and names made only of initials stay alone ('self') and
    are counted as unmatchable; an authorship without author id belongs to no person."""
    team = [("A10", "Ken Ito", None, "I1")]
    _world(
        store,
        [
            ("W1", 2010, "S1", [("A1", "", None, "I1"), ("A2", None, None, "I1"), *team]),
            ("W2", 2010, "S1", [("A3", "X", None, "I1"), ("A4", "X", None, "I1"), *team]),
            ("W3", 2011, "S1", [("A5", "J.C.", None, "I1"), *team]),
            ("W4", 2011, "S1", [("A6", "J.C.", None, "I1"), *team]),
            ("W5", 2011, "S1", [(None, "Anonymous Person", None, "I1"), *team]),  # type: ignore[list-item]
        ],
    )
    report = resolve_persons(store)
    p = _persons(store)
    for a in ("A1", "A2", "A3", "A4", "A5", "A6"):
        assert p[a] == (a, "self", None)
    assert report.unmatchable == 6
    assert report.anonymous_authorships == 1
    assert report.candidate_pairs == 0


def test_name_variants_particles_accents_hyphens(store: Store) -> None:
    """Accents, particles and hyphenated given names fold to one name block; different written
    out middle names are incompatible."""
    team = [("A10", "Ken Ito", None, "I1"), ("A11", "Rie Sato", None, "I1")]
    _world(
        store,
        [
            ("W1", 2010, "S1", [("A1", "Jürgen van der Berg", None, "I1"), *team]),
            ("W2", 2011, "S1", [("A2", "Van Der Berg, J.", None, "I1"), *team]),
            ("W3", 2010, "S2", [("A3", "Jean-Pierre Müller", None, "I1"), *team]),
            ("W4", 2012, "S2", [("A4", "J.-P. Muller", None, "I1"), *team]),
            ("W5", 2010, "S3", [("A5", "Myung Kyum Kim", None, "I1"), *team]),
            ("W6", 2011, "S3", [("A6", "Myung Ku Kim", None, "I1"), *team]),
        ],
    )
    resolve_persons(store)
    p = _persons(store)
    assert p["A1"][0] == p["A2"][0]
    assert p["A3"][0] == p["A4"][0]
    assert p["A5"][0] != p["A6"][0]
    assert not store.scalar(
        "SELECT count(*) FROM person_possible WHERE author_id = 'A5' OR other_author_id = 'A5'"
    )


def test_500_author_paper_gives_no_coauthor_pairs(store: Store) -> None:
    """A 500-author paper adds no co-author evidence and no pairs beyond its name blocks: 500
    distinct names make 0 candidate pairs, fast."""
    authors: list[Author] = [
        (f"A{i}", f"Given{chr(65 + i % 26)} Surname{i}", None, "I1") for i in range(500)
    ]
    _world(store, [("W1", 2010, "S1", authors), ("W2", 2011, "S1", authors[:3])])
    t0 = time.perf_counter()
    report = resolve_persons(store)
    assert time.perf_counter() - t0 < 30
    assert report.candidate_pairs == 0 and report.persons == 500
    coauthor_rows = store.scalar("SELECT count(*) FROM person_aliases WHERE method <> 'self'")
    assert coauthor_rows == 0


def test_max_block_caps_candidate_pairs(store: Store) -> None:
    """A name block larger than max_block is split by first name; still too large, it is not
    compared and its authors are counted."""
    works = [(f"W{i}", 2010, "S1", [(f"A{i}", "Wei Wang", None, f"I{i}")]) for i in range(30)]
    _world(store, works)
    report = resolve_persons(store, max_block=10)
    assert report.candidate_pairs == 0 and report.not_compared == 30
    report = resolve_persons(store, max_block=40)
    assert report.candidate_pairs == 30 * 29 // 2 and report.not_compared == 0


def test_overrides_join_and_apart(store: Store, tmp_path: Path) -> None:
    """'join' forces two ids into one person, 'apart' separates a match; unmatched rows are
    listed; the evidence names file and line."""
    _linehan_world(store)
    f = tmp_path / "persons.csv"
    f.write_text(
        "author_id,other_author_id,action,reason\n"
        "A1,A5,join,same person per her CV\n"
        "A2,A1,apart,checked\n"
        "A404,A1,join,\n",
        encoding="utf-8",
    )
    report = resolve_persons(store, overrides=f)
    p = _persons(store)
    assert p["A5"][0] == "A1" and p["A5"][1] == "override"
    assert p["A5"][2] == "override:persons.csv:2: same person per her CV"
    assert p["A2"][0] != p["A1"][0]
    assert report.overrides_applied == 2
    assert report.overrides_unmatched == ["persons.csv:4: A404 A1"]


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("author_id,other,action\n", SchemaError, "unknown column 'other'"),
        ("author_id,action\n", SchemaError, "missing required column 'other_author_id'"),
        ("author_id,other_author_id,action\nA1,A2,merge\n", ParseError, "x.csv:2: action"),
        ("author_id,other_author_id,action\nA1,,join\n", ParseError, "empty other_author_id"),
        ("author_id,other_author_id,action\nA1,A1,join\n", ParseError, "both 'A1'"),
        (
            "author_id,other_author_id,action\nA1,A2,join\nA2,A1,apart\n",
            ParseError,
            "x.csv:3: A1 and A2 are to join on line 2",
        ),
        ("", SchemaError, "overrides file is empty"),
    ],
)
def test_bad_overrides(
    store: Store, tmp_path: Path, text: str, error: type[Exception], match: str
) -> None:
    f = tmp_path / "x.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(error, match=match):
        resolve_persons(store, overrides=f)


def test_missing_overrides_bad_parameters_read_only(store: Store, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        resolve_persons(store, overrides=tmp_path / "nope.csv")
    with pytest.raises(InputError, match="possible_probability"):
        resolve_persons(store, possible_probability=0.99, match_probability=0.9)
    with pytest.raises(InputError, match="max_block"):
        resolve_persons(store, max_block=1)
    path = store.path
    store.close()
    with Store.open(path, read_only=True) as ro, pytest.raises(StoreError, match="read-only"):
        resolve_persons(ro)


def test_idempotent_and_versioned(store: Store) -> None:
    """A second run gives the same tables and records no new version; an empty store gives
    empty tables."""
    assert resolve_persons(store).persons == 0
    _linehan_world(store)
    resolve_persons(store)
    first = store.con.execute("SELECT * FROM person_aliases ORDER BY author_id").fetchall()
    versions = store.scalar(
        "SELECT count(*) FROM table_versions WHERE table_name = 'person_aliases'"
    )
    resolve_persons(store)
    assert store.con.execute("SELECT * FROM person_aliases ORDER BY author_id").fetchall() == first
    assert (
        store.scalar("SELECT count(*) FROM table_versions WHERE table_name = 'person_aliases'")
        == versions
        == 1
    )


# -- measured quality (issue 19 item 6) ---------------------------------------------------------


@pytest.fixture(scope="module")
def split_merge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("split_merge")


@pytest.mark.parametrize("seed", [19, 7])
def test_split_and_merge_on_real_synergy(
    synergy_store_path: Path, split_merge_dir: Path, seed: int
) -> None:
    """Split-and-merge on the real SYNERGY sample with ORCIDs hidden (300 ORCID-bearing authors
    with ≥ 2 works, half of their works moved to new ids, every second one renamed to its
    initials form); seed 7 is a held-out sample. Measured on the demo store (docs/resolution.md):
    re-joined 0.803 / 0.797, wrong ORCID merges 4.4 / 4.4 % (a floor: the sample holds
    distinct ORCIDs with identical names and ≥ 3 shared co-authors, and OpenAlex ids that
    hold two given names, "Marta" / "Marco Montillo"), baseline (exact name) re-joined 0.50
    with 3.9 % wrong."""
    r = split_and_merge(synergy_store_path, split_merge_dir, n=300, seed=seed)
    assert r.sampled == 300
    assert r.rejoined >= 0.78
    assert r.rejoined >= r.baseline_rejoined + 0.2
    assert r.wrong_merge_rate <= 0.07
    assert r.report.possible_pairs > 0
