"""What the review and the allocation of :mod:`forcemap.decide.portfolio` share."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

__all__ = ["PARTICIPANT_KEYS_SQL", "median"]

PARTICIPANT_KEYS_SQL = """
CREATE OR REPLACE TEMP TABLE _pf_pk AS
SELECT DISTINCT project_id, participant, k FROM (
    SELECT project_id, org_id AS participant, org_id AS k FROM project_participants
    UNION ALL
    SELECT pp.project_id, pp.org_id, al.org_id
    FROM project_participants AS pp
    JOIN org_aliases AS al ON al.source = 'participant' AND al.source_id = pp.org_id
)
"""


def median(values: Sequence[float | None]) -> float | None:
    """The median of the values that are not None (None when there are none)."""
    v = [x for x in values if x is not None]
    return float(statistics.median(v)) if v else None
