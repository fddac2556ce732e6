"""``forcemap industries check``: the catalog check on the command line."""

from __future__ import annotations

import inspect
from pathlib import Path

from typer.testing import CliRunner

from forcemap.cli import app
from forcemap.cli.industries import industries_check
from forcemap.errors import InputError
from forcemap.store.catalog_check import NEAR_DUPLICATE_AT

runner = CliRunner()


def test_cli_default_threshold_is_the_api_default() -> None:
    default = inspect.signature(industries_check).parameters["near_duplicate_at"].default
    assert default == NEAR_DUPLICATE_AT


def test_shipped_catalog_passes_on_the_real_store(real_store_path: Path) -> None:
    r = runner.invoke(app, ["--store", str(real_store_path), "industries", "check"])
    assert r.exit_code == 0, r.output
    assert "industry catalog check" in r.output and "rail" in r.output and "marine" in r.output
    assert "ok: 12 industries, no near-duplicate, no broad-only entry" in r.output


def test_flags_exit_with_the_input_error_code(real_store_path: Path, tmp_path: Path) -> None:
    """A user file whose entry copies marine's patterns (a near-duplicate of marine on
    patents) and one defined by "Engineering" alone: flags printed, exit code 2."""
    path = tmp_path / "user.yaml"
    path.write_text(
        "industries:\n"
        "  - key: ships\n    name: Ships\n"
        "    cpc: [B63B, B63C, B63G, B63H, B63J, E02B17/, E21B43/01, F03B13/12, F03B13/14,"
        " F03B13/26, Y02T70/]\n"
        "  - {key: eng, name: Engineering, cpc: [], concepts: [C127413603]}\n",
        encoding="utf-8",
    )
    out = tmp_path / "pairs.csv"
    r = runner.invoke(
        app,
        [
            "--store",
            str(real_store_path),
            "industries",
            "check",
            "--catalog",
            str(path),
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == InputError.exit_code == 2, r.output
    assert "flag marine: near-duplicate of ships on patents" in r.output
    assert "flag eng: broad-only: eng is defined by broad concepts alone" in r.output
    assert "the industry catalog fails the check" in r.output
    assert out.exists() and out.read_text(encoding="utf-8").startswith('"industry_a"')
