"""Persons in the outputs: author ids mapped to persons, the possible-duplicate list."""

from __future__ import annotations

from forcemap.store import Store
from forcemap.store.person_views import (
    AUTHORSHIPS_VIEW_SQL,
    PERSON_OF_SQL,
    person_ids,
    persons_resolved,
    possible_table,
)


def test_unresolved_store_keeps_author_ids(store: Store) -> None:
    con = store.con
    con.execute(
        "INSERT INTO authorships (work_id, author_seq, author_id) VALUES ('W1', 1, 'A1'), "
        "('W1', 2, 'A2'), ('W1', 3, NULL)"
    )
    cur = store.cursor()
    cur.execute(PERSON_OF_SQL)
    cur.execute(AUTHORSHIPS_VIEW_SQL)
    possible_table(cur)
    assert not persons_resolved(cur)
    assert cur.execute("SELECT author_id FROM _fm_authorships ORDER BY author_seq").fetchall() == [
        ("A1",),
        ("A2",),
        (None,),
    ]
    assert person_ids(cur, ["A2", "A1", "X"]) == ["A2", "A1", "X"]
    assert cur.execute("SELECT count(*) FROM _fm_person_possible").fetchall()[0][0] == 0
    cur.close()


def test_resolved_store_maps_ids_and_lists_possible_persons(store: Store) -> None:
    con = store.con
    con.execute(
        "INSERT INTO authorships (work_id, author_seq, author_id) VALUES ('W1', 1, 'A1'), "
        "('W2', 1, 'A2'), ('W3', 1, 'A3')"
    )
    con.execute(
        """INSERT INTO person_aliases VALUES
           ('A1', 'A1', 'match', 0.9, NULL, 'Ann Lee', NULL),
           ('A2', 'A1', 'match', 0.9, NULL, 'Ann Lee', NULL),
           ('A3', 'A3', 'self', NULL, NULL, 'A. Lee', NULL)"""
    )
    con.execute(
        "INSERT INTO person_possible VALUES ('A2', 'A3', 'A1', 'A3', 0.456, 'w=-0.2 (...)')"
    )
    cur = store.cursor()
    cur.execute(PERSON_OF_SQL)
    cur.execute(AUTHORSHIPS_VIEW_SQL)
    possible_table(cur)
    assert persons_resolved(cur)
    assert cur.execute("SELECT author_id FROM _fm_authorships ORDER BY work_id").fetchall() == [
        ("A1",),
        ("A1",),
        ("A3",),
    ]
    assert person_ids(cur, ["A2", "A1", "A3"]) == ["A1", "A3"]
    rows = dict(
        cur.execute("SELECT person_id, possibly_same_as FROM _fm_person_possible").fetchall()
    )
    assert rows == {"A1": "A. Lee (A3, p=0.46)", "A3": "Ann Lee (A1, p=0.46)"}
    cur.close()
