"""The Arrow schemas of :func:`forcemap.decide.consortium.consortium`'s table and evidence."""

from __future__ import annotations

import pyarrow as pa

__all__ = [
    "CANDIDATE_SCHEMA",
    "COVERAGE_SCHEMA",
    "MEMBER_SCHEMA",
    "SUB_TECHNOLOGY_SCHEMA",
]

MEMBER_SCHEMA = pa.schema(
    [
        ("industry", pa.string()),
        ("org_id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("country_code", pa.string()),
        ("role", pa.string()),
        ("strength", pa.float64()),
        ("raw_strength", pa.float64()),
        ("contribution", pa.float64()),
        ("contribution_share", pa.float64()),
        ("covers", pa.list_(pa.string())),
        ("adds", pa.list_(pa.string())),
        ("forced_by", pa.string()),
        ("ties", pa.list_(pa.string())),
        ("why", pa.string()),
    ]
)
"""The main table: one row per member, the lead first. ``strength`` = Σ_j s_oj (normalised),
``raw_strength`` = Σ_j S_oj (fractional documents), ``contribution`` = F(consortium) −
F(consortium without it), the objective the consortium loses without the member (its
marginal contribution, depth and ties included), ``contribution_share`` that over
F(consortium), ``covers`` the sub-technologies where it is the strongest member, ``adds``
those whose depth coverage it raises, ``forced_by`` the constraint (``lead/must_include``,
``min_types[t]=m``) that keeps a member contributing nothing or less than
``min_contribution`` of F (null otherwise), ``ties`` the members it has a prior tie with."""

COVERAGE_SCHEMA = pa.schema(
    [
        ("sub_technology", pa.string()),
        ("org_id", pa.string()),
        ("strength", pa.float64()),
        ("raw_strength", pa.float64()),
        ("credited", pa.bool_()),
        ("coverage", pa.float64()),
    ]
)
"""``evidence["coverage"]``: the sub-technology × member matrix in long format (every pair,
zero strengths included); ``coverage`` is the sub-technology's coverage c_j (repeated)."""

SUB_TECHNOLOGY_SCHEMA = pa.schema(
    [
        ("sub_technology", pa.string()),
        ("name", pa.string()),
        ("weight", pa.float64()),
        ("coverage", pa.float64()),
        ("credited_to", pa.string()),
        ("best_candidate", pa.string()),
        ("best_raw_strength", pa.float64()),
    ]
)
"""``evidence["sub_technologies"]``: coverage achieved per sub-technology."""

CANDIDATE_SCHEMA = pa.schema(
    [
        ("org_id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("country_code", pa.string()),
        ("strength", pa.float64()),
        ("weighted_strength", pa.float64()),
        ("raw_strength", pa.float64()),
        ("sub_technologies", pa.int64()),
        ("chosen", pa.bool_()),
    ]
)
"""``evidence["candidates"]``: the candidate pool (``evidence["strengths"]`` holds its
sub-technology strengths in long format)."""

_STRENGTH_SCHEMA = pa.schema(
    [
        ("org_id", pa.string()),
        ("sub_technology", pa.string()),
        ("raw_strength", pa.float64()),
        ("strength", pa.float64()),
    ]
)
