"""The industrial S&T innovation network: build, analyse, compare, export (capability C6).

``build_network(store, kind=…)`` → :class:`Network` (node and edge tables);
``analyse(network)`` → :class:`NetworkAnalysis`; ``compare_snapshots`` / ``compare_countries``;
exports to GraphML, GEXF, VOSviewer, CSV and an offline HTML view.
"""

from forcemap.network.analyse import (
    MEASURES,
    NetworkAnalysis,
    analyse,
    burt,
    degree_centralisation,
    gatekeepers,
    leiden,
    top_brokers,
    triple_helix,
)
from forcemap.network.build import (
    KINDS,
    LAYERS,
    ORG_TYPES,
    Network,
    association_strength,
    build_network,
    network_from_tables,
)
from forcemap.network.compare import (
    SnapshotComparison,
    compare_countries,
    compare_snapshots,
    match_communities,
)
from forcemap.network.coword_terms import TERM_SOURCES, Thesaurus, read_thesaurus
from forcemap.network.export import node_table, to_csv, to_gexf, to_graphml, to_vosviewer
from forcemap.network.science_maps import MAP_KINDS, MAP_UNITS, science_map
from forcemap.network.thematic import (
    ThematicEvolution,
    ThematicMap,
    thematic_evolution,
    thematic_map,
)
from forcemap.network.view import layout, to_html

__all__ = [
    "KINDS",
    "LAYERS",
    "MAP_KINDS",
    "MAP_UNITS",
    "MEASURES",
    "ORG_TYPES",
    "TERM_SOURCES",
    "Network",
    "NetworkAnalysis",
    "SnapshotComparison",
    "ThematicEvolution",
    "ThematicMap",
    "Thesaurus",
    "analyse",
    "association_strength",
    "build_network",
    "burt",
    "compare_countries",
    "compare_snapshots",
    "degree_centralisation",
    "gatekeepers",
    "layout",
    "leiden",
    "match_communities",
    "network_from_tables",
    "node_table",
    "read_thesaurus",
    "science_map",
    "thematic_evolution",
    "thematic_map",
    "to_csv",
    "to_gexf",
    "to_graphml",
    "to_html",
    "to_vosviewer",
    "top_brokers",
    "triple_helix",
]
