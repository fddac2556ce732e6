"""The ``forcemap`` command line: a thin layer over the Python API.

Each command parses its arguments, calls one public function and renders the result. Errors
that forcemap raises on purpose (:class:`forcemap.errors.ForcemapError`) are printed as one
line on stderr and turned into the error's exit code; nothing else is caught.

One Typer app (:data:`app`) with its sub-apps, a module per group of commands:
:mod:`~forcemap.cli.store` (``init``, ``status``, ``sources``, ``resolve``, ``synth``,
``demo``, ``serve``, ``stage``, ``swap``, ``precompute``), :mod:`~forcemap.cli.search`,
:mod:`~forcemap.cli.ingest` (``ingest …``, ``fetch …``), :mod:`~forcemap.cli.network`,
:mod:`~forcemap.cli.indicators`, :mod:`~forcemap.cli.decide`, :mod:`~forcemap.cli.report`,
:mod:`~forcemap.cli.spark` and :mod:`~forcemap.cli.industries`; what they share is in
:mod:`~forcemap.cli._common`. The global options (``--store`` …) reach the commands through
the Typer context (:class:`~forcemap.cli._common.Options`), not a module global.
"""

from __future__ import annotations

# The command modules register their commands on import, and the help lists the commands
# in the order they were registered: the store commands (init … precompute), then search.
# isort: off
from forcemap.cli import store as _store  # noqa: F401
from forcemap.cli import search as _search  # noqa: F401
from forcemap.cli import ingest as _ingest  # noqa: F401
from forcemap.cli import network as _network  # noqa: F401
from forcemap.cli import indicators as _indicators  # noqa: F401
from forcemap.cli import decide as _decide  # noqa: F401
from forcemap.cli import report as _report  # noqa: F401
from forcemap.cli import spark as _spark  # noqa: F401
from forcemap.cli import industries as _industries  # noqa: F401

# isort: on
from forcemap.cli._common import Options, app, main

__all__ = ["Options", "app", "main", "run"]


def run() -> None:
    """Entry point for ``python -m forcemap``."""
    app()
