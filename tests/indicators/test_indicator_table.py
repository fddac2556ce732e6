"""indicator_table: fresh saved results are used, stale ones ignored, read-only stores memoised;
``forcemap precompute`` saves what the decisions read."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import forcemap.indicators as ind
from forcemap.store import Store
from forcemap.store.ingest import ingest
from forcemap.store.results import saved_results

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture
def synergy_copy(synergy_store_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "synergy.duckdb"
    shutil.copy(synergy_store_path, path)
    return path


def _no_compute(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    def fail(store: Store, name: str, **params: Any) -> pa.Table:
        calls.append(name)
        raise AssertionError(f"{name} was computed")

    monkeypatch.setattr(ind, "compute_indicator", fail)
    return calls


def test_precompute_then_fresh_result_is_read_and_stale_one_ignored(
    synergy_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(synergy_copy) as s:
        expected = ind.compute_indicator(s, "disruption", window=5, entity="works")
        done = ind.precompute(s)
        # SYNERGY has works only: the patents' CD is skipped
        assert [r.name for r in done] == ["cd5_works"]
        assert ind.precompute(s) == []  # fresh: nothing to do
        assert [r.name for r in saved_results(s)] == ["cd5_works"]
        calls = _no_compute(monkeypatch)
        # the decisions' call (defaults filled in: variants=True, require_references=False)
        got = ind.indicator_table(s, "disruption", window=5, entity="works")
        assert got.equals(expected) and calls == []
        # other parameters are not the saved result: computed
        with pytest.raises(AssertionError, match="disruption was computed"):
            ind.indicator_table(s, "disruption", window=3, entity="works")
        # an ingest that adds works makes it stale: ignored (computed again)
        r = ingest(s, "ris", [DATA / "exports" / "export.ris"])
        assert r.stored > 0
        with pytest.raises(AssertionError, match="disruption was computed"):
            ind.indicator_table(s, "disruption", window=5, entity="works")
        monkeypatch.undo()
        assert [r.name for r in ind.precompute(s)] == ["cd5_works"]  # stale → recomputed


def test_read_only_store_memoises_the_computed_table(
    synergy_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ind.compute_indicator
    calls: list[dict[str, Any]] = []

    def counting(store: Store, name: str, **params: Any) -> pa.Table:
        calls.append(params)
        return real(store, name, **params)

    monkeypatch.setattr(ind, "compute_indicator", counting)
    with Store.open(synergy_copy, read_only=True) as s:
        a = ind.indicator_table(s, "disruption", window=5, entity="works")
        b = ind.indicator_table(s, "disruption", entity="works", window=5, variants=True)
        assert a is b and len(calls) == 1
    with Store.open(synergy_copy) as s:  # writable: never memoised
        ind.indicator_table(s, "disruption", window=5, entity="works")
        ind.indicator_table(s, "disruption", window=5, entity="works")
    assert len(calls) == 3
