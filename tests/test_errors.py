"""Tests for forcemap.errors: the hierarchy, exit codes and HTTP statuses its docstring draws."""

from __future__ import annotations

import pytest

import forcemap.errors as errors
from forcemap.errors import (
    ComputationError,
    ConvergenceError,
    ForcemapError,
    InfeasibleError,
    InputError,
    NotFoundError,
    ParseError,
    SchemaError,
    StoreError,
)

# class -> (parent, exit_code, http_status), transcribed from the module docstring's tree
TREE: dict[type[ForcemapError], tuple[type[Exception], int, int]] = {
    ForcemapError: (Exception, 1, 500),
    InputError: (ForcemapError, 2, 422),
    SchemaError: (InputError, 2, 422),
    ParseError: (InputError, 2, 422),
    StoreError: (ForcemapError, 3, 500),
    NotFoundError: (StoreError, 4, 404),
    ComputationError: (ForcemapError, 5, 500),
    ConvergenceError: (ComputationError, 5, 500),
    InfeasibleError: (ComputationError, 5, 422),
}


def test_all_lists_every_error_class() -> None:
    assert errors.__all__ == sorted(errors.__all__)
    assert {getattr(errors, n) for n in errors.__all__} == set(TREE)


@pytest.mark.parametrize("cls", list(TREE), ids=lambda c: c.__name__)
def test_parent_exit_code_and_http_status(cls: type[ForcemapError]) -> None:
    parent, exit_code, http_status = TREE[cls]
    assert cls.__bases__ == (parent,)
    assert cls.exit_code == exit_code
    assert cls.http_status == http_status
    assert cls.__doc__


@pytest.mark.parametrize("name", errors.__all__)
def test_docstring_tree_names_every_class(name: str) -> None:
    assert name in (errors.__doc__ or "")


def test_parse_error_names_file_and_line() -> None:
    e = ParseError("bad quote", file="a.csv", line=7)
    assert str(e) == "a.csv:7: bad quote"
    assert (e.file, e.line) == ("a.csv", 7)
    assert str(ParseError("empty", file="a.csv")) == "a.csv: empty"
    assert str(ParseError("empty", line=3)) == "empty"  # a line without a file is not shown
    assert str(ParseError("empty")) == "empty"
    assert isinstance(e, InputError) and e.exit_code == 2


def test_convergence_error_message_says_what_to_do() -> None:
    e = ConvergenceError("fitness_complexity", 1000, 0.00123456)
    assert str(e) == (
        "fitness_complexity did not converge within 1000 iterations (last change 0.00123); "
        "raise max_iter or loosen tol"
    )
    assert (e.method, e.max_iter, e.residual) == ("fitness_complexity", 1000, 0.00123456)
    assert str(ConvergenceError("x", 5)) == (
        "x did not converge within 5 iterations; raise max_iter or loosen tol"
    )


def test_catching_the_base_catches_every_error() -> None:
    for cls in TREE:
        err = cls("x", 1) if cls is ConvergenceError else cls("x")
        with pytest.raises(ForcemapError):
            raise err
