"""Readers for real input formats; each writes into the store in atomic, reconciled batches.

========================  =========================================================
``openalex``              OpenAlex snapshot part files, JSON Lines, API pages
``patentsview``           PatentsView bulk ``g_*.tsv`` tables (a directory)
``uspto``                 USPTO grant records (JSON) or their flattened CSV
``projects``              forcemap projects / participants / outputs CSVs
``cordis``                EU CORDIS ``project`` / ``organization`` files (CSV ``;`` or XLSX)
``trade``                 BACI ``t,i,j,k,v,q``, UN Comtrade ``typeCode,freqCode,…`` or
                          forcemap ``year,reporter,…`` CSV (layout taken from the header)
``wos``                   Web of Science ``savedrecs.txt``: tab-delimited or plain text
``scopus``                Scopus CSV export (``EID`` …)
``lens``                  Lens.org scholarly works CSV export (``Lens ID`` …)
``ris``                   RIS reference-manager export (``TY  -`` … ``ER  -``)
``bibtex``                BibTeX ``.bib`` file
========================  =========================================================
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import import_module

from forcemap._progress import ProgressCallback
from forcemap.errors import InputError
from forcemap.store.store import IngestReport, Store

__all__ = ["SOURCES", "ingest"]

SOURCES: dict[str, tuple[str, str]] = {
    "openalex": ("forcemap.store.ingest.openalex", "ingest_openalex"),
    "patentsview": ("forcemap.store.ingest.patentsview", "ingest_patentsview"),
    "uspto": ("forcemap.store.ingest.uspto", "ingest_uspto"),
    "projects": ("forcemap.store.ingest.projects", "ingest_projects"),
    "cordis": ("forcemap.store.ingest.cordis", "ingest_cordis"),
    "trade": ("forcemap.store.ingest.trade", "ingest_trade"),
    "wos": ("forcemap.store.ingest.wos", "ingest_wos"),
    "scopus": ("forcemap.store.ingest.scopus", "ingest_scopus"),
    "lens": ("forcemap.store.ingest.lens", "ingest_lens"),
    "ris": ("forcemap.store.ingest.ris_bibtex", "ingest_ris"),
    "bibtex": ("forcemap.store.ingest.ris_bibtex", "ingest_bibtex"),
}


def ingest(
    store: Store,
    source: str,
    paths: Sequence[str | os.PathLike[str]],
    *,
    origin: str | None = None,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Ingest ``paths`` with the reader for ``source`` (a key of :data:`SOURCES`).

    Raises
    ------
    InputError
        ``source`` is not a known format.
    """
    if source not in SOURCES:
        raise InputError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    module, name = SOURCES[source]
    reader = getattr(import_module(module), name)
    kwargs: dict[str, object] = {"progress": progress}
    if origin is not None:
        kwargs["origin"] = origin
    if source in ("openalex", "cordis"):  # these readers order and batch the files themselves
        return reader(store, list(paths), **kwargs)  # type: ignore[no-any-return]
    report = IngestReport(source=source)
    for p in paths:
        report.add(reader(store, p, **kwargs))
    return report
