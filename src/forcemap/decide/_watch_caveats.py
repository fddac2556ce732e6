"""The caveats of the technology watch (:mod:`forcemap.decide.watch`), from its result and
the counts of units in the window, units ranked and organisation aliases."""

from __future__ import annotations

from forcemap.decide._evidence import INSUFFICIENT
from forcemap.decide.result import DecisionResult

__all__ = ["watch_caveats"]


def watch_caveats(
    result: DecisionResult, counts: tuple[int, int, int], sliced: bool, entity: str
) -> None:
    """The caveats of a technology watch: units left out, unqualified or thin entries, generic
    concepts, incomplete years, the citation basis, coverage, missing CD_5 or countries,
    coarse percentiles, the store-wide emergence score and unresolved organisations."""
    p = result.rule.parameters
    n_units, n_ranked, n_alias = counts
    t = result.table
    rows = t.to_pylist()
    if not rows:
        where = f"industry {p['industry']}" if sliced else "the store"
        result.warn(
            f"No {p['unit']} of {where} has {p['min_records']} or more records in "
            f"{p['window']}: nothing to watch."
        )
    elif n_units > n_ranked:
        result.warn(
            f"{n_units - n_ranked} of {n_units} units with records in {p['window']} were not "
            f"ranked (fewer than {p['min_records']} records"
            + (", or not qualified by the emergence rules)." if p["qualified_only"] else ").")
        )
    unq = [r["name"] for r in rows if not r["qualified"]]
    if unq:
        result.warn(
            f"{len(unq)} listed unit(s) do not pass the emergence qualification rules of "
            f"Carley et al. (see `qualified` and `reason`): {', '.join(unq[:8])}"
            + (" …" if len(unq) > 8 else "")
            + "."
        )
    ins = [r["name"] for r in rows if r["status"].startswith(INSUFFICIENT)]
    if ins:
        result.warn(
            f"Insufficient evidence (fewer than {p['thin_records']} records in the window or "
            f"fewer than {p['min_linked_documents']} with an in-store citation link): "
            f"{', '.join(ins[:8])}" + (" …" if len(ins) > 8 else "") + ". They are listed with "
            "their counts, not labelled."
        )
    n_emerging = sum(1 for r in result.evidence["components"].to_pylist()
                     if r["status"] == "emerging")  # fmt: skip
    if rows and not n_emerging:
        result.warn(
            "No unit passes every attribute of an emerging technology (novelty, coherence, "
            "growth); the list is a watch list, not a list of emerging technologies."
        )
    gen = result.evidence["generic"].to_pylist()
    if gen:
        result.warn(
            f"{len(gen)} generic concept(s) with {p['min_records']} or more records were not "
            f"ranked (level < {p['min_concept_level']}, in more than "
            f"{100 * float(p['max_doc_share']):g} % of the store's works, or less than "
            f"{100 * float(p['min_field_share']):g} % in one level-0 field; see "
            "evidence['generic']): "
            + ", ".join(str(g["name"]) for g in gen[:8])
            + (" …" if len(gen) > 8 else "")
            + "."
        )
    if p["growth_end_year"] != p["end_year"]:
        lo, hi = int(str(p["growth_end_year"])), int(str(p["end_year"]))
        gap = [y for y in p["partial_years"] if lo < y <= hi]
        years = ", ".join(str(y) for y in gap) or str(p["end_year"])
        result.warn(
            f"{years} {'is' if len(gap) <= 1 else 'are'} incomplete in the store (volume or "
            "latest date against the years before): growth and acceleration end in "
            f"{p['growth_end_year']}."
        )
    if p["citation_basis"] == "source":
        result.warn(
            "Impact uses the source's citation counts (cited_by_count): fewer than half of "
            "the store's references resolve to a work in the store (a sample)."
        )
    comp = result.evidence["components"].to_pylist()
    if comp:
        recs = sum(int(r["records"]) for r in comp)
        result.cover(
            "records with an in-store citation link (coherence)",
            sum(int(r["with_links"]) for r in comp),
            recs,
        )
        result.cover(
            "records with a field-normalised citation score (impact)",
            sum(int(r["with_impact"]) for r in comp),
            recs,
        )
    no_cd = [r["name"] for r in rows if not r["with_cd"]]
    if no_cd:
        result.warn(
            f"No {entity} with a defined CD_5 in {len(no_cd)} listed unit(s); their "
            "disruption component ranks lowest."
        )
    no_home = [r["name"] for r in rows if r["home_share"] is None]
    if no_home:
        result.warn(
            f"No country information for the records of {len(no_home)} listed unit(s); "
            "their home-share component ranks lowest."
        )
    if rows and n_ranked < 4:
        result.warn(f"Only {n_ranked} unit(s) ranked: the percentile ranks are coarse.")
    if sliced:
        result.warn(
            "The emergence score is store-wide (the unit's share of all records of each "
            "year); the other components use the industry's records only."
        )
    result.warn(
        "CD_5 of records from the last five years is computed on truncated citation windows; "
        "novelty cannot tell apart units present since the first year of the data."
    )
    if rows and not n_alias:
        result.warn(
            "Organisations are not resolved in this store (no org_aliases): the organisation "
            "evidence is empty; run resolve_organizations first."
        )
    if result.synthetic:
        result.warn("SYNTHETIC DATA: the store holds records from a synthetic world.")
