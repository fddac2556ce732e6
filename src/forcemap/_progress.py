"""Progress reporting for long work: a Rich progress bar in the CLI, nothing in the library.

Library functions take an optional ``progress(done, total)`` callable and know nothing about
terminals; the CLI passes :func:`rich_progress`'s callback.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

__all__ = ["ProgressCallback", "rich_progress"]

ProgressCallback = Callable[[int, int], None]


@contextmanager
def rich_progress(
    description: str, *, unit: str = "bytes", quiet: bool = False, console: Console | None = None
) -> Iterator[ProgressCallback | None]:
    """Yield a ``progress(done, total)`` callback drawing a bar with rate and ETA.

    ``unit`` is ``"bytes"`` (shows MB and MB/s) or a record noun (shows counts and n/s).
    Yields ``None`` when ``quiet``.
    """
    if quiet:
        yield None
        return
    if unit == "bytes":
        cols = [DownloadColumn(), TransferSpeedColumn()]
    else:
        cols = [MofNCompleteColumn(), TextColumn("{task.fields[rate]}")]
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        *cols,
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=None, rate="")
        t0 = time.perf_counter()

        def update(done: int, total: int) -> None:
            dt = max(time.perf_counter() - t0, 1e-9)
            bar.update(
                task,
                completed=done,
                total=total if total > 0 else None,
                rate=f"{done / dt:,.0f} {unit}/s",
            )

        yield update
