"""The science-mapping section of the industry report: the themes of the industry's
literature (thematic map) and its most locally cited works (historiograph).

Like the other section modules it calls the analysis layer and formats; it never computes.
"""

from __future__ import annotations

import pyarrow as pa

from forcemap.report.render import Section
from forcemap.report.tables import format_number
from forcemap.store import Store

__all__ = ["science_mapping_section"]

THEME_COLUMNS = ["label", "quadrant", "n_terms", "occurrences", "centrality", "density"]
HISTORY_COLUMNS = ["label", "year", "lcs", "gcs", "title"]


def science_mapping_section(
    store: Store, *, industry: str, anchor: str = "", top_works: int = 10
) -> Section:
    """Themes of ``industry``'s works by the co-word network of their titles, placed by
    Callon centrality and density (:func:`forcemap.network.thematic.thematic_map`, Cobo et
    al. 2011, as bibliometrix computes it) and the ``top_works`` works most cited within the
    industry (:func:`forcemap.network.historiograph.historiograph`, Garfield 2004)."""
    from forcemap.network.historiograph import historiograph
    from forcemap.network.thematic import thematic_map

    sec = Section(
        "Science mapping: themes and foundational works",
        intro="The industry's literature as bibliometric science mapping sees it: the themes "
        "of its titles and the works its own papers cite most.",
        method="Thematic map (Cobo et al. 2011; bibliometrix's thematicMap): co-word network "
        "of stemmed title words and word pairs (250 most frequent), Louvain clusters (seeded), "
        "Callon centrality (links to other themes) and density (links within), split at the "
        "medians into motor (both high), niche (dense, peripheral), emerging or declining "
        "(both low) and basic (central, loose) themes. Historiograph (Garfield 2004): local "
        "citation score LCS = citations from the industry's own works; GCS = all citations "
        "the source records.",
        anchor=anchor,
    )
    tm = thematic_map(store, industry=industry, terms="title")
    themes = tm.clusters
    if themes.num_rows == 0:
        sec.text(
            f"No theme: the industry's {format_number(tm.meta.get('works'))} works give no "
            "co-word network of their titles."
        )
    else:
        sec.text(
            f"{format_number(themes.num_rows)} themes from the titles of "
            f"{format_number(tm.meta.get('works'))} works; motor themes are the developed "
            "core of the field, emerging-or-declining ones its margin."
        )
        sec.table("Themes (strategic diagram)", themes.select(THEME_COLUMNS), max_rows=12)
    # isolates kept: a most-cited work is shown even when no other shown work cites it
    h = historiograph(store, industry=industry, top=top_works, remove_isolates=False)
    nodes = h.nodes
    if not h.meta.get("local_citations"):
        sec.text("No work of the industry is cited by another: no local citation history.")
    else:
        cols = [c for c in HISTORY_COLUMNS if c in nodes.column_names]
        shown = nodes.sort_by([("lcs", "descending"), ("year", "ascending")]).select(cols)
        sec.table("Most cited within the industry (local citation score)", _head(shown, top_works))
    return sec


def _head(table: pa.Table, n: int) -> pa.Table:
    return table.slice(0, n)
