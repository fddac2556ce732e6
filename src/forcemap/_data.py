"""Paths of the data files shipped inside the package (demo data, reference vocabularies)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["data_path"]


def data_path(*parts: str) -> Path:
    """The path of a file shipped under ``forcemap/data/`` (e.g. ``data_path("demo")``)."""
    return Path(str(files("forcemap").joinpath("data", *parts)))
