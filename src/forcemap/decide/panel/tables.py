"""The review panel's output tables (:mod:`forcemap.decide.panel`): the panel, each member
with its reasons, and the ranking of the best-matching active candidates with their status."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from forcemap.decide._career import band_codes, band_labels
from forcemap.decide.panel.candidates import Side
from forcemap.decide.panel.schemas import PANEL_SCHEMA, RANKING_SCHEMA, ROLES
from forcemap.decide.panel.scoring import Scores, explain_match
from forcemap.decide.panel.selection import Selection, role_matrix

__all__ = ["panel_tables"]


def panel_tables(
    side: Side,
    scores: Scores,
    sel: Selection,
    *,
    top: int,
    y: int,
    recent_years: int,
    senior_career_years: int,
    senior_lead_share: float,
    career_bands: tuple[int, ...] = (10, 20),
) -> tuple[pa.Table, pa.Table]:
    """The panel (:data:`PANEL_SCHEMA`: members in role order, then by match) and the
    ``ranking`` evidence (:data:`RANKING_SCHEMA`: the ``top`` active candidates by match)."""
    role_names, match, order = sel.roles, sel.match, sel.order
    cand, chosen = sel.features, list(sel.chosen)
    active, n_act = side.active, side.active.num_rows
    role_order = {r: i for i, r in enumerate(role_names)}
    chosen.sort(key=lambda cr: (role_order[role_names[cr[1]]], -match[cr[0]], order[cr[0]]))
    role_of = {c: role_names[r] for c, r in chosen}
    n_rank = min(top, len(match))
    rank_idx = list(range(n_rank))
    # only the rows shown (members and the ranking) are read into Python: cols[name][row]
    shown_rows = sorted({c for c, _ in chosen} | set(rank_idx))
    shown_pos = order[shown_rows]
    sub = active.take(shown_pos)
    cols = {
        name: dict(zip(shown_rows, sub[name].to_pylist(), strict=True)) for name in sub.column_names
    }
    for name, values in (
        ("lead_share", cand["lead_share"]),
        ("text_similarity", scores.text[order]),
        (
            "topic_overlap",
            scores.topics[order] if scores.topics is not None else np.full(n_act, None),
        ),
        ("activity", scores.activity[order]),
        ("match", match),
    ):
        cols[name] = {i: (None if values[i] is None else float(values[i])) for i in shown_rows}
    why = {i: explain_match(side, scores, int(order[i])) for i, _ in chosen}
    lo_r = y - recent_years + 1
    labels = band_labels(career_bands)

    def role_reason(i: int, role: str) -> str:
        org = cols["org_name"][i] or cols["org_id"][i] or "no organisation"
        ca = cols["career_age"][i]
        if role == "enterprise_lead":
            senior = (
                f"career age {ca}"
                if ca is not None and ca >= senior_career_years
                else f"last/corresponding-author share {cols['lead_share'][i]:.2f}"
            )
            return f"enterprise lead: enterprise ({org}), senior ({senior})"
        if role == "academic":
            return f"academic: university ({org})"
        if role == "industry_expert":
            return f"industry expert: {cols['type'][i]} ({org})"
        if role == "chief_engineer":
            return (
                f"chief engineer: inventor on {cols['enterprise_patents'][i]} enterprise patent(s)"
            )
        return f"member: {cols['type'][i] or 'unknown type'} ({org})"

    def reasons(i: int, role: str) -> str:
        terms, works = why[i]
        topic = cols["topic_overlap"][i]
        parts = [
            role_reason(i, role),
            f"match {cols['match'][i]:.3f}",
            f"text affinity {cols['text_similarity'][i]:.3f}"
            + (
                f" (matched terms: {', '.join(terms)}; best works: {', '.join(works)})"
                if terms
                else " (no work shares two project terms)"
            ),
        ]
        if topic is not None:
            parts.append(f"topic/concept Jaccard {topic:.3f}")
        parts.append(
            f"activity {cols['activity'][i]:.3f} ({cols['n_recent'][i]} works/patents {lo_r}–{y})"
        )
        ca = cols["career_age"][i]
        if ca is None:
            parts.append("career age unknown")
        else:
            band = labels[int(band_codes(np.asarray([ca]), career_bands)[0])]
            parts.append(f"career age {ca} (band {band} years)")
        parts.append("no conflict of interest with the applicants found in the store")
        return "; ".join(parts)

    idx = [c for c, _ in chosen]
    table = pa.table(
        {
            "role": pa.array([role_names[r] for _, r in chosen], pa.string()),
            "author_id": pa.array([cols["cid"][i] for i in idx], pa.string()),
            "name": pa.array([cols["name"][i] for i in idx], pa.string()),
            "org_id": pa.array([cols["org_id"][i] for i in idx], pa.string()),
            "org": pa.array([cols["org_name"][i] for i in idx], pa.string()),
            "country": pa.array([cols["country"][i] for i in idx], pa.string()),
            "type": pa.array([cols["type"][i] for i in idx], pa.string()),
            "match": pa.array([cols["match"][i] for i in idx], pa.float64()),
            "text_similarity": pa.array([cols["text_similarity"][i] for i in idx], pa.float64()),
            "topic_overlap": pa.array([cols["topic_overlap"][i] for i in idx], pa.float64()),
            "activity": pa.array([cols["activity"][i] for i in idx], pa.float64()),
            "recent_outputs": pa.array([cols["n_recent"][i] for i in idx], pa.int64()),
            "career_age": pa.array([cols["career_age"][i] for i in idx], pa.int32()),
            "matched_terms": pa.array([why[i][0] for i in idx], pa.list_(pa.string())),
            "matched_works": pa.array([why[i][1] for i in idx], pa.list_(pa.string())),
            "reasons": pa.array([reasons(c, role_names[r]) for c, r in chosen], pa.string()),
        },
        schema=PANEL_SCHEMA,
    )
    shown = [r for r in ROLES if r != "member"]
    elig_shown = role_matrix(cand, shown, senior_career_years, senior_lead_share)

    def status_of(i: int) -> str:
        if i in role_of:
            return f"selected: {role_of[i]}"
        if sel.conflict_rules[i]:
            return "excluded: " + ", ".join(sel.conflict_rules[i])
        if not sel.eligible_all[i].any():
            return "not eligible for any requested role"
        return "eligible"

    ranking = pa.table(
        {
            "rank": pa.array([i + 1 for i in rank_idx], pa.int64()),
            "author_id": pa.array([cols["cid"][i] for i in rank_idx], pa.string()),
            "name": pa.array([cols["name"][i] for i in rank_idx], pa.string()),
            "org_id": pa.array([cols["org_id"][i] for i in rank_idx], pa.string()),
            "org": pa.array([cols["org_name"][i] for i in rank_idx], pa.string()),
            "country": pa.array([cols["country"][i] for i in rank_idx], pa.string()),
            "type": pa.array([cols["type"][i] for i in rank_idx], pa.string()),
            "match": pa.array([cols["match"][i] for i in rank_idx], pa.float64()),
            "text_similarity": pa.array(
                [cols["text_similarity"][i] for i in rank_idx], pa.float64()
            ),
            "topic_overlap": pa.array([cols["topic_overlap"][i] for i in rank_idx], pa.float64()),
            "activity": pa.array([cols["activity"][i] for i in rank_idx], pa.float64()),
            "recent_outputs": pa.array([cols["n_recent"][i] for i in rank_idx], pa.int64()),
            "career_age": pa.array([cols["career_age"][i] for i in rank_idx], pa.int32()),
            "roles": pa.array(
                [[shown[r] for r in np.flatnonzero(elig_shown[i])] for i in rank_idx],
                pa.list_(pa.string()),
            ),
            "eligible": pa.array([bool(sel.eligible[i].any()) for i in rank_idx], pa.bool_()),
            "status": pa.array([status_of(i) for i in rank_idx], pa.string()),
        },
        schema=RANKING_SCHEMA,
    )
    return table, ranking
