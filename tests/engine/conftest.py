"""Spark engine fixtures: ONE local SparkSession for the whole test run, stopped at the end.

Every test under ``tests/engine`` is marked ``slow`` and gets narrow warning filters for what
PySpark itself emits (py4j sockets closed at shutdown, its deprecated internal APIs); everything
else still fails the run (``filterwarnings = error``). PySpark's notice that it does not support
pandas >= 3 is not filtered: the lock pins the pandas it supports, and a test run that sees the
notice fails.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent

SPARK_WARNING_FILTERS = (
    "ignore:unclosed <socket.socket:ResourceWarning",
    "ignore:unclosed file:ResourceWarning",
    "ignore::DeprecationWarning:pyspark.*",
    "ignore::DeprecationWarning:py4j.*",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.slow)
            for f in SPARK_WARNING_FILTERS:
                item.add_marker(pytest.mark.filterwarnings(f))


def java_missing_reason() -> str | None:
    """Why Spark cannot run here (None when it can)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark is not installed (pip install 'forcemap[spark]')"
    if shutil.which("java") is None:
        return "no Java runtime on PATH: Spark local mode needs Java 17+ (make java)"
    return None


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The one SparkSession (local[2]) of the test run."""
    reason = java_missing_reason()
    if reason:
        pytest.skip(reason)
    from forcemap.engine.spark_io import spark_session

    session = spark_session("local[2]", app_name="forcemap-tests")
    yield session
    session.stop()
