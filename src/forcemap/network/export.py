"""Export networks: GraphML, GEXF (Gephi), VOSviewer map/network files, CSV node/edge lists.

Node attributes are the network's node columns plus, when an analysis is given, its metric
columns; null values are left out of GraphML/GEXF (both formats allow missing data).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyarrow as pa
import pyarrow.csv as pacsv

from forcemap.errors import StoreError
from forcemap.network.analyse import NetworkAnalysis, node_table
from forcemap.network.build import Network

__all__ = ["node_table", "to_csv", "to_gexf", "to_graphml", "to_vosviewer"]

_PathLike = str | os.PathLike[str]


def _collapsed_edges(network: Network) -> pa.Table:
    e = network.edges
    agg = e.group_by(["source", "target"]).aggregate([("weight", "sum"), ("n_docs", "sum")])
    agg = agg.rename_columns(["source", "target", "weight", "n_docs"])
    return agg.sort_by([("source", "ascending"), ("target", "ascending")])


def _open(path: _PathLike) -> Any:
    try:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        return open(p, "w", encoding="utf-8", newline="")
    except OSError as e:
        raise StoreError(f"cannot write {path}: {e}") from e


_GRAPHML_TYPES = {
    "string": "string",
    "large_string": "string",
    "bool": "boolean",
    "int64": "long",
    "int32": "int",
    "int16": "int",
    "double": "double",
    "float": "double",
}


def _kind(t: pa.DataType) -> str:
    return _GRAPHML_TYPES.get(str(t), "string")


def _fmt(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return repr(v)
    return str(v)


def _rows(t: pa.Table) -> Iterator[dict[str, Any]]:
    for batch in t.to_batches(max_chunksize=10000):
        yield from batch.to_pylist()


def to_graphml(
    network: Network, path: _PathLike, *, analysis: NetworkAnalysis | None = None
) -> Path:
    """Write the network as GraphML (layers summed into one edge per pair).

    Parameters
    ----------
    network : Network
        The network.
    path : str or PathLike
        Output file.
    analysis : NetworkAnalysis, optional
        Adds its node metrics as node attributes.

    Returns
    -------
    Path
        The file written. Node ids are the network's node_id; edges carry ``weight`` and
        ``n_docs``.

    Raises
    ------
    StoreError
        The file cannot be written.
    """
    nodes = node_table(network, analysis)
    edges = _collapsed_edges(network)
    ncols = [c for c in nodes.column_names if c != "node_id"]
    with _open(path) as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fh.write('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
        for i, c in enumerate(ncols):
            fh.write(
                f'  <key id="n{i}" for="node" attr.name={quoteattr(c)} '
                f'attr.type="{_kind(nodes.schema.field(c).type)}"/>\n'
            )
        fh.write('  <key id="e0" for="edge" attr.name="weight" attr.type="double"/>\n')
        fh.write('  <key id="e1" for="edge" attr.name="n_docs" attr.type="long"/>\n')
        d = "directed" if network.directed else "undirected"
        fh.write(f'  <graph id="G" edgedefault="{d}">\n')
        for r in _rows(nodes):
            fh.write(f"    <node id={quoteattr(r['node_id'])}>")
            for i, c in enumerate(ncols):
                v = _fmt(r[c])
                if v is not None:
                    fh.write(f'<data key="n{i}">{escape(v)}</data>')
            fh.write("</node>\n")
        for r in _rows(edges):
            fh.write(
                f"    <edge source={quoteattr(r['source'])} target={quoteattr(r['target'])}>"
                f'<data key="e0">{r["weight"]!r}</data><data key="e1">{r["n_docs"]}</data>'
                "</edge>\n"
            )
        fh.write("  </graph>\n</graphml>\n")
    return Path(path)


_GEXF_TYPES = {
    "string": "string",
    "boolean": "boolean",
    "long": "long",
    "int": "integer",
    "double": "double",
}


def to_gexf(network: Network, path: _PathLike, *, analysis: NetworkAnalysis | None = None) -> Path:
    """Write the network as GEXF 1.2 (Gephi), layers summed into one edge per pair.

    Parameters
    ----------
    network : Network
        The network.
    path : str or PathLike
        Output file.
    analysis : NetworkAnalysis, optional
        Adds its node metrics as node attributes.

    Returns
    -------
    Path
        The file written; node ``label`` is the node label, other columns are attributes.

    Raises
    ------
    StoreError
        The file cannot be written.
    """
    nodes = node_table(network, analysis)
    edges = _collapsed_edges(network)
    ncols = [c for c in nodes.column_names if c not in ("node_id", "label")]
    with _open(path) as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fh.write(
            '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
            "  <meta><creator>forcemap</creator></meta>\n"
        )
        d = "directed" if network.directed else "undirected"
        fh.write(f'  <graph mode="static" defaultedgetype="{d}">\n')
        fh.write('    <attributes class="node">\n')
        for i, c in enumerate(ncols):
            t = _GEXF_TYPES[_kind(nodes.schema.field(c).type)]
            fh.write(f'      <attribute id="{i}" title={quoteattr(c)} type="{t}"/>\n')
        fh.write("    </attributes>\n")
        fh.write(
            '    <attributes class="edge">\n'
            '      <attribute id="0" title="n_docs" type="long"/>\n'
            "    </attributes>\n    <nodes>\n"
        )
        for r in _rows(nodes):
            fh.write(
                f"      <node id={quoteattr(r['node_id'])} "
                f"label={quoteattr(r['label'] or r['node_id'])}><attvalues>"
            )
            for i, c in enumerate(ncols):
                v = _fmt(r[c])
                if v is not None:
                    fh.write(f'<attvalue for="{i}" value={quoteattr(v)}/>')
            fh.write("</attvalues></node>\n")
        fh.write("    </nodes>\n    <edges>\n")
        for k, r in enumerate(_rows(edges)):
            fh.write(
                f'      <edge id="{k}" source={quoteattr(r["source"])} '
                f'target={quoteattr(r["target"])} weight="{r["weight"]!r}"><attvalues>'
                f'<attvalue for="0" value="{r["n_docs"]}"/></attvalues></edge>\n'
            )
        fh.write("    </edges>\n  </graph>\n</gexf>\n")
    return Path(path)


def to_vosviewer(
    network: Network,
    map_path: _PathLike,
    network_path: _PathLike,
    *,
    analysis: NetworkAnalysis | None = None,
    layout_seed: int = 0,
) -> tuple[Path, Path]:
    """Write VOSviewer map and network files.

    Map file (tab-separated, with header): ``id label x y cluster weight<Links>
    weight<Total link strength> weight<Documents>``; ids are 1-based integers in node order,
    x/y a Fruchterman–Reingold layout (VOSviewer can re-lay out), cluster the Leiden community
    + 1 when an analysis is given (else 1). Network file (tab-separated, no header):
    ``id1 id2 strength``, one line per linked pair (layers summed).

    Parameters
    ----------
    network : Network
        The network (directed flows are written as given; VOSviewer treats them as
        undirected).
    map_path, network_path : str or PathLike
        Output files.
    analysis : NetworkAnalysis, optional
        Supplies the clusters.
    layout_seed : int, default 0
        Seed of the layout.

    Returns
    -------
    (Path, Path)
        The map and network files.

    Raises
    ------
    StoreError
        A file cannot be written.

    References
    ----------
    van Eck, N. J., & Waltman, L. (2010). Software survey: VOSviewer, a computer program for
    bibliometric mapping. Scientometrics 84(2), 523–538. doi:10.1007/s11192-009-0146-3
    """
    from forcemap.network.view import layout

    nodes = network.nodes
    ids = nodes["node_id"].to_pylist()
    index = {nid: i + 1 for i, nid in enumerate(ids)}
    xy = layout(network, seed=layout_seed)
    clusters = (
        [(c or 0) + 1 for c in analysis.nodes["community"].to_pylist()]
        if analysis is not None and analysis.nodes["community"].null_count == 0
        else [1] * len(ids)
    )
    with _open(map_path) as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(
            [
                "id",
                "label",
                "x",
                "y",
                "cluster",
                "weight<Links>",
                "weight<Total link strength>",
                "weight<Documents>",
            ]
        )
        for i, (lab, links, strength, docs) in enumerate(
            zip(
                nodes["label"].to_pylist(),
                nodes["links"].to_pylist(),
                nodes["strength"].to_pylist(),
                nodes["n_docs"].to_pylist(),
                strict=True,
            )
        ):
            w.writerow(
                [
                    i + 1,
                    (lab or ids[i]).replace("\t", " "),
                    f"{xy[i, 0]:.4f}",
                    f"{xy[i, 1]:.4f}",
                    clusters[i],
                    links,
                    _num(strength),
                    docs,
                ]
            )
    edges = _collapsed_edges(network)
    with _open(network_path) as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        for r in _rows(edges):
            w.writerow([index[r["source"]], index[r["target"]], _num(r["weight"])])
    return Path(map_path), Path(network_path)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.6g}"


def to_csv(
    network: Network,
    nodes_path: _PathLike,
    edges_path: _PathLike,
    *,
    analysis: NetworkAnalysis | None = None,
) -> tuple[Path, Path]:
    """Write node and edge lists as CSV (with header; edges one row per pair and layer).

    Parameters
    ----------
    network : Network
        The network.
    nodes_path, edges_path : str or PathLike
        Output files.
    analysis : NetworkAnalysis, optional
        Adds its node metrics to the node list.

    Returns
    -------
    (Path, Path)
        The files written.

    Raises
    ------
    StoreError
        A file cannot be written.
    """
    try:
        for t, p in ((node_table(network, analysis), nodes_path), (network.edges, edges_path)):
            Path(p).parent.mkdir(parents=True, exist_ok=True)
            pacsv.write_csv(t, str(p))
    except (OSError, pa.ArrowException) as e:
        raise StoreError(f"cannot write CSV: {e}") from e
    return Path(nodes_path), Path(edges_path)
