"""Deterministic synthetic world: OpenAlex works, PatentsView tables, projects and BACI trade.

:func:`write_world` writes a world of organisations, authors, works, patents, projects and trade
flows in the real file formats of each source, with *planted* facts (a leading country, a
bottleneck technology, a disruptive work, an emerging topic, a broker organisation, a co-author
conflict and a strong enterprise) listed in ``manifest.json``, so that tests can check that the
decision modules recover them, and benchmarks can run at any scale. Every record is labelled
synthetic: work titles start with ``[synthetic]``, organisation names end with ``(synthetic)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from forcemap.errors import InputError, NotFoundError, ParseError
from forcemap.store._synth_data import (
    COUNTRIES,
)
from forcemap.store._synth_model import (
    build_world,
)
from forcemap.store._synth_write import (
    Progress,
    org_names,
    planted_facts,
    write_openalex,
    write_patentsview,
    write_projects,
    write_trade,
)

__all__ = ["WorldManifest", "write_world"]


@dataclass(frozen=True)
class WorldManifest:
    """What :func:`write_world` wrote: the world's folder, record counts and planted facts.

    Attributes
    ----------
    path : Path
        The world's folder (holding ``manifest.json``).
    counts : dict of str to int
        Records per entity (``works``, ``patents``, ``trade_rows``, …).
    planted : dict of str to dict
        The planted facts, each with ids and a one-line ``description``.
    seed, scale : int, float
        The generator's arguments.
    countries : list of dict
        ``iso2``, ``iso_numeric`` and ``name`` of every country of the world.
    """

    path: Path
    counts: dict[str, int]
    planted: dict[str, dict[str, Any]]
    seed: int = 0
    scale: float = 1.0
    countries: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path) -> WorldManifest:
        """Read a world's ``manifest.json``.

        Parameters
        ----------
        path : str or Path
            The world's folder, or its ``manifest.json``.

        Returns
        -------
        WorldManifest
            The folder, counts, planted facts, seed, scale and countries.

        Raises
        ------
        NotFoundError
            There is no manifest at ``path``.
        ParseError
            The manifest is not JSON, or is not a synthetic-world manifest.
        """
        p = Path(path)
        f = p / "manifest.json" if p.is_dir() else p
        if not f.is_file():
            raise NotFoundError(f"{f}: no synthetic-world manifest; run write_world first")
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ParseError(f"manifest is not valid JSON ({e})", file=str(f)) from e
        if not isinstance(doc, dict) or doc.get("synthetic") is not True:
            raise ParseError("not a synthetic-world manifest (synthetic != true)", file=str(f))
        return cls(
            path=f.parent,
            counts=dict(doc.get("counts", {})),
            planted=dict(doc.get("planted", {})),
            seed=int(doc.get("seed", 0)),
            scale=float(doc.get("scale", 1.0)),
            countries=list(doc.get("countries", [])),
        )


def write_world(
    out: str | Path,
    *,
    scale: float = 1.0,
    seed: int = 0,
    start_year: int = 2000,
    end_year: int = 2023,
    progress: Progress | None = None,
) -> WorldManifest:
    """Write a deterministic synthetic world in real source formats, with planted facts.

    Files written under ``out``:

    * ``openalex/works/updated_date=2024-01-01/part_NNN.gz`` — gzipped JSON Lines, OpenAlex
      2024 work schema (authorships with institutions, concepts, topics, primary_topic,
      referenced_works, abstract_inverted_index …); ``openalex/institutions/…/part_000.gz`` —
      institution entities.
    * ``patentsview/g_*.tsv`` — the tables of
      :data:`forcemap.store.ingest.patentsview.PATENTSVIEW_TABLES`, with exactly its columns in
      its order, tab-separated, every field double-quoted.
    * ``projects/projects.csv``, ``projects/participants.csv``, ``projects/outputs.csv``.
    * ``trade/baci.csv`` — BACI layout ``t,i,j,k,v,q`` (year, exporter and importer ISO 3166
      numeric codes, HS6 code, value in thousand USD, quantity in tonnes).
    * ``manifest.json`` — counts, countries and the planted facts.

    Parameters
    ----------
    out : str or Path
        Folder to write (created; existing files of the same names are replaced).
    scale : float, default 1.0
        Size factor: 1.0 gives about 20,000 works, 5,000 patents, 3,000 organisations and
        300 projects; sizes grow linearly (trade is capped at about 300 HS6 codes).
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`; the same seed and scale give byte-identical
        files.
    start_year, end_year : int, default 2000, 2023
        Publication and grant years (at least 10 years).
    progress : callable, optional
        ``progress(stage, done, total)``, called as each stage advances.

    Returns
    -------
    WorldManifest
        The folder, the record counts and the planted facts.

    Raises
    ------
    InputError
        ``scale`` is not positive, or the year range is shorter than 10 years.

    Notes
    -----
    Citations follow preferential attachment with ageing (heavy-tailed in-degree), 80 % within
    the citing item's industry, only to items of strictly earlier years; works also cite
    external ids (``W59…``) that are not in the world. ``cited_by_count`` is the in-world
    in-degree plus about 15 % external citations. Identifiers: works ``W5…``, authors ``A5…``,
    institutions ``I5…``, patents from 20,000,001 (no real US grant has such a number).
    The country codes of ``baci.csv`` are ISO 3166 numeric (real BACI uses its own variants for
    a few countries, e.g. 842 for the United States).

    References
    ----------
    Priem, J., Piwowar, H. & Orr, R. (2022). OpenAlex: A fully-open index of scholarly works,
    authors, venues, institutions, and concepts. arXiv:2205.01833.
    https://doi.org/10.48550/arXiv.2205.01833

    Gaulier, G. & Zignago, S. (2010). BACI: International Trade Database at the Product-Level.
    CEPII Working Paper 2010-23. https://doi.org/10.2139/ssrn.1994500

    Wang, D., Song, C. & Barabási, A.-L. (2013). Quantifying long-term scientific impact.
    Science 342, 127–132. https://doi.org/10.1126/science.1237825
    """
    if not scale > 0:
        raise InputError(f"scale must be positive, got {scale!r}")
    if end_year - start_year < 9:
        raise InputError(
            f"the year range {start_year}-{end_year} is too short: the planted facts need at "
            "least 10 years"
        )
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    report = progress or (lambda stage, done, total: None)
    report("model", 0, 1)
    w = build_world(rng, scale, start_year, end_year)
    report("model", 1, 1)
    names = org_names(w)
    counts: dict[str, int] = {}
    counts.update(write_openalex(root, w, names, rng, report))
    assignee_ids, pv_counts = write_patentsview(root, w, names, rng, report)
    counts.update(pv_counts)
    counts.update(write_projects(root, w, names, assignee_ids, rng, scale, report))
    counts.update(write_trade(root, rng, scale, start_year, end_year, report))
    planted = planted_facts(w, names, assignee_ids)
    countries = [{"iso2": c[0], "iso_numeric": c[1], "name": c[2]} for c in COUNTRIES]
    doc = {
        "synthetic": True,
        "generator": "forcemap.store.synth",
        "version": 1,
        "seed": seed,
        "scale": scale,
        "start_year": start_year,
        "end_year": end_year,
        "counts": counts,
        "countries": countries,
        "planted": planted,
    }
    (root / "manifest.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return WorldManifest(root, counts, planted, seed, scale, countries)
