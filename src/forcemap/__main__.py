"""``python -m forcemap`` runs the command line."""

from forcemap.cli import run

run()
