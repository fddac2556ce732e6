"""``docs/cli.md`` generated from the CLI's own help, so the reference cannot drift from it.

``python -m forcemap._cli_docs > docs/cli.md`` writes it; ``tests/test_cli_docs.py`` fails when
the committed file differs from what the CLI says now.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import typer
from typer.testing import CliRunner

__all__ = ["cli_reference"]

_WIDTH = "100"


def _commands(group: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Every command path below ``group`` (a Typer/Click group: duck-typed, as Typer vendors
    its own Click)."""
    ctx = group.context_class(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None or getattr(cmd, "hidden", False):
            continue
        yield (*path, name)
        if hasattr(cmd, "list_commands"):
            yield from _commands(cmd, (*path, name))


def cli_reference(app: typer.Typer) -> str:
    """The Markdown reference: every command's ``--help``, as a terminal 100 columns wide shows
    it, in the order the CLI lists them."""
    runner = CliRunner()
    env = {"COLUMNS": _WIDTH, "TERM": "dumb", "NO_COLOR": "1", "_TYPER_FORCE_DISABLE_TERMINAL": "1"}
    root = typer.main.get_command(app)
    parts = [
        "# forcemap command reference\n",
        "Generated from the CLI's help by `python -m forcemap._cli_docs > docs/cli.md`; a test "
        "fails when this file and the CLI disagree.\n",
    ]
    paths: list[tuple[str, ...]] = [()]
    if hasattr(root, "list_commands"):
        paths += list(_commands(root, ()))
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], env=env, prog_name="forcemap")
        if result.exit_code != 0:
            raise RuntimeError(f"forcemap {' '.join(path)} --help failed: {result.output}")
        title = "forcemap " + " ".join(path) if path else "forcemap"
        text = "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())
        parts.append(f"## `{title.strip()}`\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover - the generator's entry point
    from forcemap.cli import app

    os.environ["COLUMNS"] = _WIDTH
    sys.stdout.write(cli_reference(app))
