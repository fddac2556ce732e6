"""``forcemap search``: works and patents by title and abstract."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from forcemap.cli._common import (
    Options,
    app,
    err,
    errors,
    finish_decision,
    options,
    run_decision,
)

if TYPE_CHECKING:
    from forcemap.decide.result import DecisionResult


@app.command("search")
def search_cmd(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for (words or a short text).")],
    k: Annotated[int, typer.Option(help="Results.")] = 20,
    entity: Annotated[str, typer.Option(help="works, patents or both.")] = "works",
    method: Annotated[
        str, typer.Option(help="auto, tfidf (the lexical BM25 index) or embeddings (ai extra).")
    ] = ("auto"),
    index: Annotated[
        Path | None,
        typer.Option(
            help="Index stem: loaded when present, else built and saved there (with the "
            "document embeddings when they are used), so later queries skip the build.",
        ),
    ] = None,
) -> None:
    """Search works and patents by title and abstract (BM25 over stemmed words and phrases;
    embeddings with the ai extra).

    Example: forcemap search "solid-state battery electrolyte" --k 10 --index ws.textindex
    """
    from forcemap.decide.explore import search

    opts = options(ctx)
    if entity not in ("works", "patents", "both"):
        raise typer.BadParameter("entity must be works, patents or both", param_hint="--entity")
    with errors():
        if index is None:
            r = run_decision(opts, search, None, query=query, k=k, entity=entity, method=method)
        else:
            r = _search_with_index(opts, index, query=query, k=k, entity=entity, method=method)
        finish_decision(r, ["rank", "id", "entity", "year", "title", "score"], None)


def _search_with_index(
    opts: Options, index: Path, *, query: str, k: int, entity: str, method: str
) -> DecisionResult:
    """Search through the index saved at ``index`` (built and saved on first use)."""
    from forcemap.decide.explore import saved_text_index, search

    s = opts.open(read_only=True)
    try:
        idx, built = saved_text_index(s, index, entity=entity, embeddings=method != "tfidf")
    finally:
        s.close()
    if built and not opts.quiet:
        err.print(f"index saved: {escape(str(index))}.npz/.json ({idx.n_documents:,} documents)")
    return search(idx, query, k=k, entity=entity, method=method)
