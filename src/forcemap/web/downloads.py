"""Downloads of the web app's tables: ``/download/<api path>.<csv|xlsx|json|parquet>?<query>``.

One generic route serves every table of the JSON API (:mod:`forcemap.web.api`,
:mod:`forcemap.web.api_tools`): it answers the same request the page's API call makes,
in-process, and turns the JSON into tables — every list of objects in the response (top
level, or one level down as ``<key>.<sub>``) is a table. A spreadsheet holds them all, one
sheet each, with the decision's rule, data coverage and caveats on a ``notes`` sheet; CSV,
JSON and Parquet hold one table, ``?table=<name>`` (default ``rows`` when the response has
it, else the longest). The files are written by :func:`forcemap.report.tables.write_table`,
so a download is the same file the CLI's ``--out`` writes.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pyarrow as pa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from forcemap.errors import InputError, NotFoundError
from forcemap.report.tables import FORMATS, table_bytes

__all__ = ["response_tables", "router"]

router = APIRouter(include_in_schema=False)

_MEDIA = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".parquet": "application/vnd.apache.parquet",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_PASS_HEADERS = ("authorization", "cookie")


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, dict) for r in value)


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows of a JSON response as an Arrow table (columns in first-seen order; a column whose
    values mix types is text)."""
    names = list(dict.fromkeys(k for r in rows for k in r))
    cols = {}
    for n in names:
        values = [r.get(n) for r in rows]
        try:
            cols[n] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            cols[n] = pa.array(
                [None if v is None else json.dumps(v, ensure_ascii=False) for v in values],
                pa.string(),
            )
    return pa.table(cols)


def response_tables(body: Any) -> dict[str, pa.Table]:
    """Every table of an API response: lists of objects at the top level and one level down."""
    if _is_rows(body):
        return {"rows": _table(body)}
    out: dict[str, pa.Table] = {}
    if not isinstance(body, dict):
        return out
    for key, value in body.items():
        if _is_rows(value):
            out[key] = _table(value)
        elif isinstance(value, dict):
            for sub, inner in value.items():
                if _is_rows(inner):
                    out[f"{key}.{sub}"] = _table(inner)
    return out


def _notes(body: Any) -> dict[str, list[str]]:
    """The rule (statement and parameters), data coverage and caveats of a decision response."""
    if not isinstance(body, dict):
        return {}
    notes: dict[str, list[str]] = {}
    rule = body.get("rule")
    if isinstance(rule, dict):
        params = rule.get("parameters") or {}
        notes["rule"] = [
            f"{rule.get('name', '')}: {rule.get('statement', '')}".strip(": "),
            *(f"{k} = {v}" for k, v in params.items()),
        ]
    cover = body.get("data_coverage") or []
    notes["coverage"] = [c["text"] for c in cover if isinstance(c, dict) and "text" in c]
    notes["caveats"] = [str(c) for c in body.get("caveats") or []]
    return {k: v for k, v in notes.items() if v}


@router.get("/download/{target:path}", name="download")
async def download(request: Request, target: str, table: str | None = None) -> Response:
    """The tables of ``/api/v1/<target without suffix>?<query>`` as a file.

    404 for an unknown API path, 422 for an unknown format or ``table``; the API's own errors
    (an unknown industry, a bad parameter) are passed on with their status.
    """
    dot = target.rfind(".")
    suffix = target[dot:].lower() if dot > 0 else ""
    if suffix not in FORMATS:
        raise InputError(f"download {target!r}: end the path with one of {', '.join(FORMATS)}")
    path = target[:dot]
    # an empty form field is the API's default: the page's own query string can be passed on
    query = httpx.QueryParams(
        [(k, v) for k, v in request.query_params.multi_items() if k != "table" and v != ""]
    )
    headers = {k: v for k, v in request.headers.items() if k in _PASS_HEADERS}
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://forcemap") as client:
        resp = await client.get(f"/api/v1/{path}", params=query, headers=headers)
    if resp.status_code >= 400:  # the API's own message and status (404, 422, …)
        return Response(resp.content, resp.status_code, media_type=resp.headers["content-type"])
    body = resp.json()
    tables = response_tables(body)
    if not tables:
        raise NotFoundError(f"/api/v1/{path} has no table to download")
    stem = path.replace("/", "-")
    if suffix == ".xlsx":
        data = _xlsx(tables, _notes(body))
    else:
        name = table or ("rows" if "rows" in tables else max(tables, key=lambda k: len(tables[k])))
        if name not in tables:
            raise InputError(f"no table {name!r} in /api/v1/{path}; tables: {', '.join(tables)}")
        data = table_bytes(tables[name], suffix)
        stem = stem if name == "rows" else f"{stem}-{name}"
    return Response(
        data,
        media_type=_MEDIA[suffix],
        headers={"Content-Disposition": f'attachment; filename="{stem}{suffix}"'},
    )


def _xlsx(tables: dict[str, pa.Table], notes: dict[str, list[str]]) -> bytes:
    import tempfile
    from pathlib import Path

    from forcemap.report.tables import write_table

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "tables.xlsx"
        write_table(tables, p, notes=notes)
        return p.read_bytes()
