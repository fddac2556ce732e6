"""The forcemap error hierarchy, in one place.

::

    ForcemapError                 anything forcemap raises on purpose
    ├── InputError                the caller's input is wrong (exit 2, HTTP 422)
    │   ├── SchemaError           a table/column is missing or has the wrong type
    │   └── ParseError            a file cannot be read (names file:line and field)
    ├── StoreError                the DuckDB store failed or is inconsistent (exit 3, HTTP 500)
    │   └── NotFoundError         a store, table, id or file does not exist (exit 4, HTTP 404)
    └── ComputationError          a model could not produce an answer (exit 5, HTTP 500)
        ├── ConvergenceError      an iterative method did not converge within max_iter
        └── InfeasibleError       an optimisation has no feasible solution (HTTP 422)

Every class carries ``exit_code`` (used by the CLI) and ``http_status`` (used by the web app).
Messages say what failed, where, and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "ComputationError",
    "ConvergenceError",
    "ForcemapError",
    "InfeasibleError",
    "InputError",
    "NotFoundError",
    "ParseError",
    "SchemaError",
    "StoreError",
]


class ForcemapError(Exception):
    """Base class of every error forcemap raises deliberately."""

    exit_code: int = 1
    http_status: int = 500


class InputError(ForcemapError):
    """The caller's input (arguments, files, parameters) is wrong."""

    exit_code = 2
    http_status = 422


class SchemaError(InputError):
    """A table lacks a column, or a column has the wrong type; the message names both."""


class ParseError(InputError):
    """A file cannot be parsed; the message names the file, line and field when known."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(where + message)
        self.file = file
        self.line = line


class StoreError(ForcemapError):
    """The store failed (I/O, DuckDB error, or an inconsistent state)."""

    exit_code = 3
    http_status = 500


class NotFoundError(StoreError):
    """A store, table, record or file does not exist."""

    exit_code = 4
    http_status = 404


class ComputationError(ForcemapError):
    """A model or algorithm could not produce a valid answer."""

    exit_code = 5
    http_status = 500


class ConvergenceError(ComputationError):
    """An iterative method did not converge within ``max_iter`` iterations."""

    def __init__(self, method: str, max_iter: int, residual: float | None = None) -> None:
        msg = f"{method} did not converge within {max_iter} iterations"
        if residual is not None:
            msg += f" (last change {residual:.3g})"
        super().__init__(msg + "; raise max_iter or loosen tol")
        self.method = method
        self.max_iter = max_iter
        self.residual = residual


class InfeasibleError(ComputationError):
    """An optimisation model has no feasible solution; the message names the constraint group."""

    http_status = 422
