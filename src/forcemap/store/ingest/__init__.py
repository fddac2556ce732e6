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
``ror``                   ROR data dump, schema v2 (JSON array, or its zip)
========================  =========================================================
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from importlib import import_module

from forcemap._progress import ProgressCallback
from forcemap.errors import ForcemapError, InputError
from forcemap.store.store import IngestReport, Store

__all__ = ["SOURCES", "committed_since", "ingest"]

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
    "ror": ("forcemap.store.ingest.ror", "ingest_ror"),
}


def ingest(
    store: Store,
    source: str,
    paths: Sequence[str | os.PathLike[str]],
    *,
    origin: str | None = None,
    progress: ProgressCallback | None = None,
    encoding: str | None = None,
) -> IngestReport:
    """Ingest ``paths`` with the reader for ``source`` (a key of :data:`SOURCES`).

    ``encoding`` is the files' text encoding, for the readers that take one (trade, projects,
    CORDIS); by default UTF-8, and a record with other bytes is quarantined.

    Each file is one atomic batch. When a file fails, the files before it stay committed: the
    error raised carries them as ``committed`` (a list of :class:`IngestReport`, one per
    committed file, read back from ``ingest_log``), so a caller can say exactly what the store
    now holds; re-running the same command skips them (same checksum) and resumes.

    Raises
    ------
    InputError
        ``source`` is not a known format.
    ForcemapError
        A file could not be ingested (with ``committed`` set as above).
    """
    if source not in SOURCES:
        raise InputError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    module, name = SOURCES[source]
    reader = getattr(import_module(module), name)
    kwargs: dict[str, object] = {"progress": progress}
    if origin is not None:
        kwargs["origin"] = origin
    if encoding is not None:
        if "encoding" not in inspect.signature(reader).parameters:
            raise InputError(f"the {source} reader reads UTF-8 only; it takes no encoding")
        kwargs["encoding"] = encoding
    before = int(store.scalar("SELECT coalesce(max(batch_id), 0) FROM ingest_log") or 0)
    try:
        if source in ("openalex", "cordis"):  # these readers order and batch the files
            return reader(store, list(paths), **kwargs)  # type: ignore[no-any-return]
        report = IngestReport(source=source)
        for p in paths:
            report.add(reader(store, p, **kwargs))
        return report
    except ForcemapError as e:
        e.committed = committed_since(store, before)  # type: ignore[attr-defined]
        raise


def committed_since(store: Store, batch_id: int) -> list[IngestReport]:
    """The reports of the batches committed after ``batch_id``, read from ``ingest_log``."""
    rows = store.sql(
        """SELECT batch_id, source, file, read, stored, coalesce(replaced, 0), rejected,
                  duplicates, coalesce(filtered, 0)
           FROM ingest_log WHERE batch_id > $b AND status <> 'skipped' ORDER BY batch_id""",
        {"b": batch_id},
    ).fetchall()
    return [
        IngestReport(
            source=src,
            files=[f],
            batch_id=int(b),
            read=int(r),
            stored=int(st),
            replaced=int(rp),
            rejected=int(rj),
            duplicates=int(d),
            filtered=int(fl),
        )
        for b, src, f, r, st, rp, rj, d, fl in rows
    ]
