"""Shared fixtures: real stores on disk, loaded by the real readers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from forcemap._data import data_path
from forcemap.store import Store

SYNERGY = data_path("demo", "synergy_v1_works.jsonl.gz")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store in a temporary directory."""
    s = Store.open(tmp_path / "test.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="session")
def synergy_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the real SYNERGY OpenAlex sample (built once per test run)."""
    from forcemap.store.ingest.openalex import ingest_openalex

    path = tmp_path_factory.mktemp("synergy") / "synergy.duckdb"
    with Store.open(path) as s:
        ingest_openalex(s, [SYNERGY])
    return path


@pytest.fixture
def synergy_store(synergy_store_path: Path) -> Iterator[Store]:
    """The SYNERGY store, opened read-only."""
    s = Store.open(synergy_store_path, read_only=True)
    yield s
    s.close()
