"""A tiny hand-built store for the network tests (values worked out in the tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from forcemap.store import Store

# works: W1 (2018) I1, I2, I3 (I1 twice: two authors, counted once)
#        W2 (2019) I1, I2 ; W3 (2019) I1 alone ; W4 (2020) I4 alone
# W2 cites W1.  I1, I2 and I4 are in Italy, I3 in Germany.
# patents: P1 (2019) assignees pv:A (company), pv:B (university)
_SQL = """
INSERT INTO works (work_id, year, origin, batch_id) VALUES
  ('W1', 2018, 't', 0), ('W2', 2019, 't', 0), ('W3', 2019, 't', 0), ('W4', 2020, 't', 0);
INSERT INTO authorships (work_id, author_seq, author_id, institution_id, country_code) VALUES
  ('W1', 1, 'A1', 'I1', 'IT'), ('W1', 2, 'A2', 'I1', 'IT'), ('W1', 3, 'A3', 'I2', 'IT'),
  ('W1', 4, 'A4', 'I3', 'DE'),
  ('W2', 1, 'A1', 'I1', 'IT'), ('W2', 2, 'A3', 'I2', 'IT'),
  ('W3', 1, 'A1', 'I1', 'IT'), ('W4', 1, 'A5', 'I4', 'IT');
INSERT INTO institutions VALUES
  ('I1', NULL, 'Uni One', 'education', 'IT', 'Rome', 't'),
  ('I2', NULL, 'Firm Two', 'company', 'IT', 'Milan', 't'),
  ('I3', NULL, 'Lab Three', 'government', 'DE', 'Berlin', 't'),
  ('I4', NULL, 'Hospital Four', 'healthcare', 'IT', 'Rome', 't');
INSERT INTO work_references VALUES ('W2', 'W1');
INSERT INTO patents (patent_id, year, origin, batch_id) VALUES ('P1', 2019, 't', 0);
INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, type, country_code, city) VALUES
  ('P1', 1, 'pv:A', 'Acme', '2', 'US', 'Boston'), ('P1', 2, 'pv:B', 'Tech U', 'university',
   'US', 'Boston');
"""


@pytest.fixture
def tiny_store(tmp_path: Path) -> Iterator[Store]:
    """The hand-built store above."""
    s = Store.open(tmp_path / "tiny.duckdb")
    s.con.execute(_SQL)
    yield s
    s.close()
