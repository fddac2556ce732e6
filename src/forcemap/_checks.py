"""Argument checks shared across layers (store, network, decide): one definition each."""

from __future__ import annotations

from forcemap.errors import InputError

__all__ = ["check_years"]


def check_years(years: tuple[int, int] | None) -> tuple[int | None, int | None]:
    """The ``(first, last)`` year range as integers, ``(None, None)`` for no range.

    Raises
    ------
    InputError
        ``years`` is not a pair of integers, or its first year is after its last.

    Examples
    --------
    >>> check_years((2015, 2020)), check_years(None)
    ((2015, 2020), (None, None))
    """
    if years is None:
        return None, None
    try:
        y0, y1 = (int(y) for y in years)
    except (TypeError, ValueError) as e:
        raise InputError(f"years={years!r} must be a (first, last) pair of integers") from e
    if y0 > y1:
        raise InputError(f"years={years!r}: the first year is after the last (give first <= last)")
    return y0, y1
