"""Updating a served store: ingest into a staged copy, then swap it in atomically.

A served store is open read-only, which keeps writers out (DuckDB's file lock), so an ingest
into it fails. Instead::

    forcemap --store ws.duckdb stage                  # ws.next.duckdb (+ its search index)
    forcemap --store ws.next.duckdb ingest openalex new-works/
    forcemap --store ws.next.duckdb precompute        # optional: keeps the server fast
    forcemap --store ws.duckdb swap                   # atomic rename over ws.duckdb

``forcemap serve`` watches the store file and reopens it when it is replaced (or at once on
SIGHUP); requests already running finish on the old one. By hand, the same is ``cp`` while no
writer runs, the ingest into the copy, and ``mv`` of the copy over the store (same directory,
so the rename is atomic) once the ingest has exited.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from forcemap.errors import InputError, NotFoundError, StoreError
from forcemap.store.store import Store

__all__ = ["stage_store", "staged_path", "swap_store"]


def staged_path(store_path: str | os.PathLike[str]) -> Path:
    """The default staged copy of a store: ``ws.duckdb`` → ``ws.next.duckdb``."""
    p = Path(store_path)
    return p.with_name(f"{p.stem}.next{p.suffix}")


def _beside(store_path: Path) -> dict[str, Path]:
    """The store's search-index files (``<stem>.<entity>.textindex*``) by their suffix
    after the stem (e.g. ``.works.textindex.npz``)."""
    pattern = re.compile(re.escape(store_path.stem) + r"(\.[a-z_]+\.textindex(?:\..+)?)$")
    out: dict[str, Path] = {}
    if store_path.parent.is_dir():
        for f in store_path.parent.iterdir():
            m = pattern.match(f.name)
            if m and f.is_file():
                out[m.group(1)] = f
    return out


def stage_store(
    store_path: str | os.PathLike[str],
    staged: str | os.PathLike[str] | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Copy the store (and its search index) to a staged copy to ingest into.

    The store is held open read-only during the copy, so no writer changes it meanwhile; a
    running ``forcemap serve`` does not prevent it.

    Parameters
    ----------
    store_path : str or PathLike
        The (served) store.
    staged : str or PathLike, optional
        Where the copy goes; default :func:`staged_path` (same directory, so that the swap is
        an atomic rename).
    overwrite : bool, default False
        Replace an existing staged copy.

    Returns
    -------
    Path
        The staged copy.

    Raises
    ------
    NotFoundError
        No store at ``store_path``.
    InputError
        The staged copy exists (and not ``overwrite``) or is in another directory.
    StoreError
        A writer holds the store (an ingest is running on it).
    """
    src = Path(store_path)
    dst = Path(staged) if staged is not None else staged_path(src)
    if dst.resolve().parent != src.resolve().parent:
        raise InputError(
            f"stage the copy in the store's directory ({src.resolve().parent}), not "
            f"{dst.resolve().parent}: the swap must be an atomic rename on one file system"
        )
    if dst.resolve() == src.resolve():
        raise InputError(f"the staged copy cannot be the store itself ({src})")
    if dst.exists() and not overwrite:
        raise InputError(
            f"a staged copy already exists at {dst}: swap it in with `forcemap --store {src} "
            f"swap`, or stage again with --overwrite to start over"
        )
    partial = dst.with_name(dst.name + ".partial")
    with Store.open(src, read_only=True):  # a shared lock: no writer while we copy
        shutil.copyfile(src, partial)
        wal = Path(f"{src}.wal")
        if wal.exists():
            shutil.copyfile(wal, f"{dst}.wal")
        for suffix, f in _beside(src).items():
            shutil.copyfile(f, dst.with_name(dst.stem + suffix))
    os.replace(partial, dst)
    return dst


def swap_store(
    store_path: str | os.PathLike[str], staged: str | os.PathLike[str] | None = None
) -> Path:
    """Replace the store by its staged copy with an atomic rename (a serving ``forcemap
    serve`` then reopens it); the staged copy's search index and quarantine files move too.

    The staged copy is opened once read-write first: that fails while an ingest still holds
    it, and closing it folds its write-ahead log into the file.

    Returns
    -------
    Path
        The store (now holding the staged data).

    Raises
    ------
    NotFoundError
        No staged copy.
    StoreError
        The staged copy is locked by a running ingest, or cannot be opened.
    """
    dst = Path(store_path)
    src = Path(staged) if staged is not None else staged_path(dst)
    if not src.exists():
        raise NotFoundError(
            f"no staged copy at {src}: create one with `forcemap --store {dst} stage`, ingest "
            f"into it with `forcemap --store {src} ingest …`, then swap"
        )
    if src.resolve().parent != dst.resolve().parent:
        raise InputError(f"the staged copy {src} must be in the store's directory")
    Store.open(src, create=False).close()  # checkpoint; fails while an ingest holds it
    if Path(f"{src}.wal").exists():
        raise StoreError(f"{src}.wal remained after a checkpoint; open {src} once and retry")
    for suffix, f in _beside(src).items():
        os.replace(f, dst.with_name(dst.stem + suffix))
    quarantine = Path(f"{src}.quarantine")
    if quarantine.is_dir():
        target = Path(f"{dst}.quarantine")
        target.mkdir(exist_ok=True)
        for f in quarantine.iterdir():
            if not (target / f.name).exists():
                os.replace(f, target / f.name)
        if not any(quarantine.iterdir()):
            quarantine.rmdir()
    os.replace(src, dst)
    return dst
