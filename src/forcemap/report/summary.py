"""The executive summary of the industry report: one plain-language finding per decision.

Each finding is computed from the result its section shows (:class:`~forcemap.report.industry.
IndustryResults`), quotes its numbers as that section's table writes them
(:func:`~forcemap.report.render.column_text`) and links to the section. The text around the
numbers is a template; what it says comes from the results:

* a decision with nothing to decide on (no rows, no documents) is said to have **no
  evidence**, and a row the decision itself marks *insufficient evidence*
  (:data:`~forcemap.decide._evidence.INSUFFICIENT`, with the counts that were missing) is
  quoted as such — never a class, a ranking or a "none found" read off zero or unknown
  evidence;
* a coverage below its minimum (:class:`~forcemap.decide.result.Coverage`) is named in the
  finding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from forcemap.decide._evidence import INSUFFICIENT
from forcemap.decide.result import DecisionResult
from forcemap.report.render import Finding, Section, column_text
from forcemap.report.tables import format_number

if TYPE_CHECKING:
    from forcemap.report.industry import IndustryResults

__all__ = ["ANCHORS", "NO_EVIDENCE", "OK", "executive_summary", "summary_section"]

#: The anchor of each section of the industry report (the findings link to them).
ANCHORS = {
    "summary": "summary",
    "positioning": "positioning",
    "bottlenecks": "bottlenecks",
    "actors": "actors",
    "benchmark": "benchmark",
    "talent": "talent",
    "landscape": "landscape",
    "network": "network",
    "mapping": "science-mapping",
    "emerging": "emerging",
}

OK = "ok"
NO_EVIDENCE = "no evidence"
n = format_number


def _short(text: str, limit: int = 80) -> str:
    """``text`` cut at a word before ``limit`` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def _missing(outcome: str) -> str:
    """The counts of an *insufficient evidence (…)* outcome, e.g. ``families 3 < 10``."""
    rest = outcome.removeprefix(INSUFFICIENT).strip()
    return rest[1:-1] if rest.startswith("(") and rest.endswith(")") else outcome


def _coverage_note(result: DecisionResult) -> str:
    low = [c.describe() for c in result.coverage if c.below]
    return f" Coverage below the minimum: {'; '.join(low)}." if low else ""


def _status(result: DecisionResult, status: str) -> str:
    """``status``, or *insufficient evidence* when the decision's coverage of an attribute it
    needs is below its minimum: an answer drawn from the attributed part only is not a
    confident one."""
    if status == OK and any(c.below for c in result.coverage):
        return INSUFFICIENT
    return status


def _rows(table: pa.Table, column: str, value: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        table.to_pylist()
        if column not in table.column_names
        else table.filter(pc.equal(table[column], value)).to_pylist()
    )
    return rows


def _positioning(res: IndustryResults) -> Finding:
    from forcemap.decide.positioning import positioning_matrix

    r, c, a = res.positioning, res.country, ANCHORS["positioning"]
    if r is None:
        return Finding(
            "Positioning",
            f"No evidence: {res.positioning_missing}; no class and no strategy.",
            a,
            NO_EVIDENCE,
            {"class": None, "level": None},
        )
    rows = r.table.to_pylist()
    if not rows:
        return Finding(
            "Positioning",
            f"No evidence: {c} has no top works or high-value patents in {res.name} in the "
            "window; no class and no strategy.",
            a,
            NO_EVIDENCE,
            {"class": None, "level": None},
        )
    x = rows[0]
    cls, level = x["class"], x["level"]
    vals = {"class": cls, "level": level, "level_low": x["level_low"],
            "level_high": x["level_high"]}  # fmt: skip
    if cls.startswith(INSUFFICIENT):
        return Finding(
            "Positioning",
            f"{cls[0].upper()}{cls[1:]}: {c} is not classed and gets no strategy — it has "
            f"{n(x['top_works'])} of the world's {n(x['world_top_works'])} top works and "
            f"{n(x['hv_patents'])} of {n(x['world_hv_patents'])} high-value patent families "
            "in the window." + _coverage_note(r),
            a,
            INSUFFICIENT,
            vals,
        )
    if level is None:
        return Finding(
            "Positioning",
            f"The level of {c} in {res.name} is unknown (class {cls}): no side has enough "
            "world evidence." + _coverage_note(r),
            a,
            NO_EVIDENCE,
            vals,
        )
    lv = column_text(positioning_matrix(r), "level")
    what = (
        f"{c} is {cls}: the 95 % interval of its level crosses a class threshold"
        if cls.startswith("borderline")
        else f"{c} is classed {cls.upper()}"
    )
    trend = x["trend"]
    text = (
        f"{what} in {res.name} — level L = {lv(level)} (95 % interval {lv(x['level_low'])}–"
        f"{lv(x['level_high'])}) where the best country ({x['leader'] or 'unknown'}) is 100"
        + (
            f"; {n(trend, decimals=0, signed=True)} points against the previous window"
            if trend is not None
            else "; trend unknown (no previous window)"
        )
        + "."
    )
    return Finding("Positioning", text + _coverage_note(r), a, _status(r, OK), vals)


def _bottlenecks(res: IndustryResults) -> Finding:
    r, c, a = res.bottlenecks, res.country, ANCHORS["bottlenecks"]
    groups = r.evidence.get("groups")
    outcomes = [] if groups is None else groups["outcome"].to_pylist()
    cands = [x for x in r.table.to_pylist() if x["rank"] is not None]
    vals: dict[str, Any] = {"groups": len(outcomes), "candidates": len(cands),
                            "top": [x["cpc"] for x in cands[:3]]}  # fmt: skip
    if not outcomes:
        return Finding(
            "Bottlenecks",
            f"No evidence: no CPC group of {res.name} has patent families in the window.",
            a,
            NO_EVIDENCE,
            vals,
        )
    insufficient = sum(1 for o in outcomes if o.startswith(INSUFFICIENT))
    assessed = len(outcomes) - insufficient
    vals["insufficient"] = insufficient
    if cands:
        sc = column_text(r.table, "score")
        top = "; ".join(
            f"{x['cpc']}{' ' + _short(x['title']) if x['title'] else ''} (score {sc(x['score'])})"
            for x in cands[:3]
        )
        text = (
            f"{n(len(cands))} bottleneck candidate(s) for {c} among {n(assessed)} CPC groups "
            f"assessed; the top: {top}."
        )
        status = OK
    elif assessed == 0:
        text = (
            f"Insufficient evidence: none of the {n(len(outcomes))} CPC groups of {res.name} "
            f"can be assessed (the first: {_missing(outcomes[0])})."
        )
        status = INSUFFICIENT
    else:
        text = f"None of the {n(assessed)} CPC groups assessed meets the bottleneck rule for {c}."
        status = OK
    if insufficient and assessed:
        text += f" {n(insufficient)} more cannot be assessed (insufficient evidence)."
    return Finding("Bottlenecks", text + _coverage_note(r), a, _status(r, status), vals)


def _actors(res: IndustryResults) -> Finding:
    r, c, a = res.actors, res.country, ANCHORS["actors"]
    comps = r.evidence.get("components", r.table)
    rows = r.table.to_pylist()
    ranked = [x for x in rows if x["rank"] is not None]
    n_ranked = sum(1 for v in comps["rank"].to_pylist() if v is not None)
    vals: dict[str, Any] = {"ranked": n_ranked, "top": [x["name"] for x in ranked[:3]],
                            "scores": [x["score"] for x in ranked[:3]]}  # fmt: skip
    if not rows:
        return Finding(
            "Strategic actors",
            f"No evidence: no organisation of {c} has works or patents in {res.name}.",
            a,
            NO_EVIDENCE,
            vals,
        )
    if not ranked:
        return Finding(
            "Strategic actors",
            f"No organisation of {c} is ranked: {rows[0]['outcome']} for "
            f"{n(len(comps))} organisation(s)." + _coverage_note(r),
            a,
            INSUFFICIENT,
            vals,
        )
    sc = column_text(r.table, "score")
    top = "; ".join(f"{x['name']} ({x['type'] or 'type unknown'}, score {sc(x['score'])})"
                    for x in ranked[:3])  # fmt: skip
    anchors = sum(1 for x in comps["anchor_candidate"].to_pylist() if x)
    text = (
        f"{n(n_ranked)} organisations of {c} ranked; the leading: {top}. "
        f"{n(anchors)} anchor candidate(s) (enterprises strong in both works and patents)."
    )
    vals["anchor_candidates"] = anchors
    return Finding("Strategic actors", text + _coverage_note(r), a, _status(r, OK), vals)


def _benchmark(res: IndustryResults) -> Finding:
    r, c, a = res.benchmark, res.country, ANCHORS["benchmark"]
    t = r.table
    home = next((x for x in _rows(t, "is_home", True)), None)
    world = r.evidence.get("world")
    countries = None if world is None or not world.num_rows else world["countries"][0].as_py()
    vals: dict[str, Any] = {"rank": None, "countries": countries, "world_share": None,
                            "mncs": None}  # fmt: skip
    if home is None or not home["works"]:
        return Finding(
            "Benchmark",
            f"No evidence: {c} has no works in {res.name} in the window, so no standing "
            "against its peers.",
            a,
            NO_EVIDENCE,
            vals,
        )
    ws = column_text(t, "world_share")
    vals.update(rank=home["rank"], world_share=home["world_share"], mncs=home["mncs"])
    text = (
        f"{c} ranks {n(home['rank'])} of {n(countries)} countries by fractional output in "
        f"{res.name} (world share {ws(home['world_share'])}, 95 % interval "
        f"{ws(home['world_share_low'])}–{ws(home['world_share_high'])})"
    )
    status = OK
    if home["mncs"] is None:
        text += f"; its citation impact is not measured: {home['impact_evidence']}"
        status = INSUFFICIENT
    else:
        mc = column_text(t, "mncs")
        peers = [x["mncs"] for x in t.to_pylist() if not x["is_home"] and x["mncs"] is not None]
        place = 1 + sum(1 for v in peers if v > home["mncs"])
        vals["mncs_place"] = place
        text += (
            f"; MNCS {mc(home['mncs'])}, {n(place)} of {n(len(peers) + 1)} among {c} and "
            "its peers with impact evidence"
        )
    if home["thin_evidence"]:
        text += f"; thin evidence ({n(home['works'])} works: read as indicative)"
    return Finding("Benchmark", text + "." + _coverage_note(r), a, _status(r, status), vals)


def _talent(res: IndustryResults) -> Finding:
    r, c, a = res.talent, res.country, ANCHORS["talent"]
    rows = r.table.to_pylist()
    authors = r.evidence.get("authors", r.table)
    kinds = authors["kind"].to_pylist()
    n_s, n_r = kinds.count("strategic"), kinds.count("rising")
    vals: dict[str, Any] = {"strategic": n_s, "rising": n_r}
    p = r.rule.parameters
    bal = [x for x in _rows(r.evidence.get("balance", pa.table({})), "sector", "all")]
    flow = ""
    if bal:
        b = bal[0]
        vals["net"] = b["net"]
        flow = (
            f" Talent balance: net {n(b['net'], signed=True)} ({n(b['inflow'])} in, "
            f"{n(b['outflow'])} out)."
        )
    if not rows:
        return Finding(
            "Talent",
            f"No evidence: no scientist of {c} has at least {n(p['min_works'])} works in "
            f"{res.name}." + flow,
            a,
            NO_EVIDENCE,
            vals,
        )
    ranked = [x for x in rows if x["rank"] is not None]
    head = f"{n(n_s)} strategic and {n(n_r)} rising scientists of {c} have at least " + (
        f"{n(p['min_works'])} works in {res.name}"
    )
    if not ranked:
        return Finding(
            "Talent",
            f"{head}; they are not ranked: {rows[0]['outcome']}." + flow + _coverage_note(r),
            a,
            INSUFFICIENT,
            vals,
        )
    parts = []
    strat = [x for x in ranked if x["kind"] == "strategic"]
    rising = [x for x in ranked if x["kind"] == "rising"]
    if strat:
        s, sc = strat[0], column_text(r.table, "score")
        vals["top_strategic"] = s["author_name"]
        parts.append(
            f"the top strategic scientist is {s['author_name']} "
            f"({s['org_name'] or 'organisation unknown'}; score {sc(s['score'])})"
        )
    if rising:
        x, ci = rising[0], column_text(r.table, "cohort_relative_impact")
        vals["top_rising"] = x["author_name"]
        impact = (
            f"impact {ci(x['cohort_relative_impact'])} × its cohort's"
            if x["cohort_relative_impact"] is not None
            else "impact against its cohort unknown (no recent work with a citation score)"
        )
        parts.append(f"the top rising one {x['author_name']} ({impact})")
    elif not n_r:
        parts.append(f"none is rising (career of at most {n(p['young_career_years'])} years)")
    text = f"{head}; {'; '.join(parts)}." + flow + _coverage_note(r)
    return Finding("Talent", text, a, _status(r, OK), vals)


def _landscape(res: IndustryResults) -> Finding:
    r, c, a = res.landscape, res.country, ANCHORS["landscape"]
    t = r.table
    white = r.evidence.get("white_spaces")
    groups = r.evidence.get("groups")
    vals: dict[str, Any] = {"holders": t.num_rows,
                            "white_spaces": 0 if white is None else white.num_rows}  # fmt: skip
    if t.num_rows == 0:
        return Finding(
            "IP landscape",
            f"No evidence: no patent family of {res.name} with a holder in the window.",
            a,
            NO_EVIDENCE,
            vals,
        )
    home = _rows(t, "is_home", True)
    sh = column_text(t, "patent_share")
    if home:
        h = home[0]
        vals["home_rank"] = h["rank"]
        text = (
            f"Of {n(t.num_rows)} holders of patent families in {res.name}, {c}'s largest, "
            f"{h['name']}, ranks {n(h['rank'])} (patent share {sh(h['patent_share'])})"
        )
    else:
        known = sum(1 for v in t["country_code"].to_pylist() if v)
        text = (
            f"None of the {n(known)} holders with a known country (of {n(t.num_rows)} holders "
            f"of patent families in {res.name}) is from {c}"
        )
    status = OK
    g_rows = [] if groups is None else groups.select(["home_holders", "outcome"]).to_pylist()
    total = len(g_rows)
    unjudged = sum(
        1 for g in g_rows if not g["home_holders"] and str(g["outcome"]).startswith(INSUFFICIENT)
    )
    vals["unjudged"] = unjudged
    if white is not None and white.num_rows:
        w = white.to_pylist()[0]
        gr = column_text(white, "growth")
        text += (
            f"; {n(white.num_rows)} white space(s) — rising technologies without a holder "
            f"from {c} — the fastest {w['cpc']} ({_short(w['title'] or 'untitled')}, growth "
            f"{gr(w['growth'])} a year)"
        )
    elif total and unjudged == total:
        text += (
            f"; white spaces are unknown: none of the {n(total)} technologies can be judged "
            "(insufficient evidence)"
        )
        status = INSUFFICIENT
    elif unjudged:
        text += (
            f"; no white space among the {n(total - unjudged)} technologies that can be judged "
            f"({n(unjudged)} more cannot: insufficient evidence)"
        )
    else:
        text += f"; no white space among {n(total)} technologies"
    if unjudged and white is not None and white.num_rows:
        text += f" ({n(unjudged)} more technologies cannot be judged: insufficient evidence)"
    return Finding("IP landscape", text + "." + _coverage_note(r), a, _status(r, status), vals)


def _emerging(res: IndustryResults) -> Finding:
    a, q = ANCHORS["emerging"], res.emerging
    vals: dict[str, Any] = {"qualified": q.num_rows, "scored": res.emerging_scored}
    if res.emerging_scored == 0:
        return Finding(
            "Emerging topics",
            "No evidence: no topic could be scored (no works with topics over the "
            "emergence window).",
            a,
            NO_EVIDENCE,
            vals,
        )
    if q.num_rows == 0:
        return Finding(
            "Emerging topics",
            f"No evidence of emergence: none of the {n(res.emerging_scored)} topics scored "
            "qualifies as emergent in the window.",
            a,
            NO_EVIDENCE,
            vals,
        )
    es = column_text(q, "escore")
    top = "; ".join(f"{x['name']} (EScore {es(x['escore'])})" for x in q.to_pylist()[:3])
    vals["top"] = q["unit_id"].to_pylist()[:3]
    if res.emerging_scope == "industry":
        return Finding(
            "Emerging topics",
            f"{n(q.num_rows)} topics of {res.name} qualify as emergent; the highest: {top}.",
            a,
            OK,
            vals,
        )
    return Finding(
        "Emerging topics",
        f"No evidence of emergence in the topics of {res.name}: none qualifies. Across the "
        f"store, {n(q.num_rows)} topics qualify, led by {top}.",
        a,
        NO_EVIDENCE,
        vals,
    )


def executive_summary(res: IndustryResults) -> list[Finding]:
    """The findings of the industry report, one per decision, in the order of the sections:
    positioning, bottlenecks, strategic actors, benchmark, talent, IP landscape, emerging
    topics."""
    return [
        _positioning(res),
        _bottlenecks(res),
        _actors(res),
        _benchmark(res),
        _talent(res),
        _landscape(res),
        _emerging(res),
    ]


def summary_section(findings: list[Finding]) -> Section:
    """The executive summary section: the findings, each linking to its section."""
    sec = Section(
        "Executive summary",
        method="One finding per decision below, computed from the same results and quoting "
        "their numbers as the sections' tables write them. 'No evidence' marks a decision "
        "with nothing to decide on; 'insufficient evidence' one whose minimum counts or "
        "coverage are not met (no label is given then).",
        anchor=ANCHORS["summary"],
    )
    return sec.findings(findings)
