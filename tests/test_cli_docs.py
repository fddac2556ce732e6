"""docs/cli.md is the CLI's own help: regenerate it with `python -m forcemap._cli_docs`."""

from __future__ import annotations

from pathlib import Path

from forcemap._cli_docs import cli_reference
from forcemap.cli import app

DOCS = Path(__file__).parent.parent / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    want = cli_reference(app)
    have = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    assert have == want, (
        "docs/cli.md differs from the CLI's help; regenerate it with "
        "`python -m forcemap._cli_docs > docs/cli.md`"
    )


def test_reference_lists_every_command() -> None:
    text = cli_reference(app)
    for path in ("forcemap ingest trade", "forcemap decide panel", "forcemap serve"):
        assert f"## `{path}`" in text
