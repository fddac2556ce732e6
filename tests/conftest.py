"""Shared fixtures: real stores on disk, loaded by the real readers."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from forcemap._data import data_path
from forcemap.store import Store

SYNERGY = data_path("demo", "synergy_v1_works.jsonl.gz")


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """A folder that ``build(folder)`` fills, built once per test run and copied per process.

    Under ``pytest -n 2`` both workers need the same stores (each took 5–25 s to build): the
    first worker to ask builds it under a lock in the run's shared temporary root, and every
    worker (the builder too) gets its own copy, so a test that opens its store for writing
    never meets another process's lock. Without xdist it is built in place, as before."""
    local = tmp_path_factory.mktemp(name)
    root = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" not in os.environ:
        build(local)
        return local
    shared = root.parent / f"shared-{name}"
    with open(root.parent / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / ".complete").exists():
            shutil.rmtree(shared, ignore_errors=True)
            shared.mkdir()
            build(shared)
            (shared / ".complete").touch()
    shutil.copytree(shared, local, dirs_exist_ok=True)
    return local


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

    def build(folder: Path) -> None:
        with Store.open(folder / "synergy.duckdb") as s:
            ingest_openalex(s, [SYNERGY])

    return built_once(tmp_path_factory, "synergy", build) / "synergy.duckdb"


@pytest.fixture
def synergy_store(synergy_store_path: Path) -> Iterator[Store]:
    """The SYNERGY store, opened read-only."""
    s = Store.open(synergy_store_path, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="session")
def real_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real demo store as ``make demo`` builds it (SYNERGY, the OpenAlex file with planted
    errors, the USPTO sample; organisations resolved; indicators and the text index
    precomputed), built once per test process: the store an analyst checks by hand."""
    from forcemap.decide.explore import precompute_text_index
    from forcemap.demo import REAL_FILES
    from forcemap.indicators import precompute
    from forcemap.store.ingest import ingest
    from forcemap.store.organizations import resolve_organizations

    def build(folder: Path) -> None:
        demo = data_path("demo")
        with Store.open(folder / "real.duckdb") as s:
            for source, files in REAL_FILES:
                ingest(s, source, [demo / f for f in files])
            resolve_organizations(s)
            precompute(s)
            precompute_text_index(s)

    return built_once(tmp_path_factory, "real", build) / "real.duckdb"


@pytest.fixture
def real_store(real_store_path: Path) -> Iterator[Store]:
    """The real demo store, opened read-only."""
    s = Store.open(real_store_path, read_only=True)
    yield s
    s.close()


SYNTH_TEST_SCALE = 1.0


def synthetic_store(
    tmp_path_factory: pytest.TempPathFactory, name: str, scale: float
) -> tuple[Path, dict]:
    """The demo's synthetic world at ``scale`` (seed ``SYNTH_SEED``), ingested by the real
    readers and resolved, built once per test run (:func:`built_once`): ``(store path,
    planted facts)``."""
    from forcemap.demo import SYNTH_SEED
    from forcemap.store.ingest import ingest
    from forcemap.store.organizations import resolve_organizations
    from forcemap.store.synth import WorldManifest, write_world

    def build(root: Path) -> None:
        world = root / "world"
        write_world(world, scale=scale, seed=SYNTH_SEED)
        with Store.open(root / "synthetic.duckdb") as s:
            ingest(s, "openalex", [world / "openalex"], origin="synthetic:openalex")
            ingest(s, "patentsview", [world / "patentsview"])
            ingest(s, "projects", [world / "projects"])
            ingest(s, "trade", [world / "trade" / "baci.csv"])
            resolve_organizations(s)

    root = built_once(tmp_path_factory, name, build)
    return root / "synthetic.duckdb", WorldManifest.load(root / "world").planted


@pytest.fixture(scope="session")
def synthetic_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The demo's synthetic world (scale 1): ``(store path, planted facts)``."""
    return synthetic_store(tmp_path_factory, "synthetic", SYNTH_TEST_SCALE)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``pytest -n 2 --dist loadgroup`` (``make test``), the tests that share one heavy
    process-wide resource run on one worker: the Spark tests (one local JVM) and the browser
    tests (one Chromium and one live server).

    ``tryfirst``: xdist reads the ``xdist_group`` marks in its own hook of this name (it turns
    them into an ``@group`` suffix of the node id); marks added after it has run are ignored,
    and both workers then start a JVM and a browser of their own."""
    for item in items:
        path = Path(str(item.fspath))
        if "engine" in path.parts:
            item.add_marker(pytest.mark.xdist_group("spark"))
        elif path.name.startswith("test_browser"):  # test_browser*.py
            item.add_marker(pytest.mark.xdist_group("browser"))


def pytest_collection_finish(session: pytest.Session) -> None:
    """On an xdist worker under ``--dist loadgroup``, refuse to run when xdist ignored the
    groups (it did under pytest 9.2: both workers then ran a JVM and a browser each)."""
    config = session.config
    if not hasattr(config, "workerinput") or not getattr(config.option, "loadgroup", False):
        return  # a worker's own ``dist`` is "no"; xdist sets ``loadgroup`` on it
    lost = [
        item.nodeid
        for item in session.items
        if item.get_closest_marker("xdist_group") and "@" not in item.nodeid
    ]
    if lost:
        raise pytest.UsageError(
            f"pytest-xdist ignored the xdist_group marks of {len(lost)} tests "
            f"(first: {lost[0]}); lock a pytest that this pytest-xdist supports"
        )
