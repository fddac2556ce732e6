"""Property-based corruption (issue 16): random damage to real-format files never loses a row.

From each line- or record-oriented reader's valid seed (``conftest.READERS``, eight records),
hypothesis draws a few byte flips, a truncation, inserted ``"`` and inserted line breaks at
random positions, writes the damaged file and ingests it into a fresh store. Invariants:

* **no traceback** — only a :class:`~forcemap.errors.ForcemapError` may be raised, and only for
  a whole-file problem: the damage reached the header (or the prologue of a record format), or
  left no record at all;
* **no silent loss** — ``read == stored + replaced + rejected + duplicates + filtered``, and
  ``read`` equals the count made here: for JSON Lines the non-blank physical lines; for a CSV
  whose quoting the damage cannot have changed (no quote touched, no line break inside a quoted
  field) the non-blank physical lines after the header; otherwise the sanity bound
  ``untouched records <= read <= non-blank lines``;
* **the rest stored** — every record whose bytes (and line end before it) the damage did not
  touch is in the store.

The number of examples per reader is ``FORCEMAP_PROPERTY_EXAMPLES`` (default 8): every example
is a real ingest into a new DuckDB file (about 0.3 s), so the default keeps this file near 40 s.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forcemap.errors import ForcemapError
from forcemap.store import Store
from forcemap.store.ingest import ingest
from tests.store.conftest import READERS, Reader

EXAMPLES = int(os.environ.get("FORCEMAP_PROPERTY_EXAMPLES", "8"))

# JSON arrays are one document: a flipped byte may break every record after it, so there is no
# per-record property to state for them beyond the matrix's cases.
LINE_READERS = [name for name, r in READERS.items() if r.kind != "json"]


def _seed(r: Reader) -> tuple[bytes, list[tuple[int, int]], int]:
    """The seed file, the byte span of each record (with its line end) and where data starts."""
    texts = [r.record_text(x) for x in r.seed()]
    data, starts = r.render_file(texts)
    offsets = [0]
    for i, b in enumerate(data):
        if b == 0x0A:
            offsets.append(i + 1)
    spans = []
    for k, line in enumerate(starts):
        begin = offsets[line - 1]
        end = offsets[starts[k + 1] - 1] if k + 1 < len(starts) else len(data)
        spans.append((begin, end))
    return data, spans, spans[0][0]


def _quoted(data: bytes) -> list[bool]:
    """Whether the scanner is inside an RFC 4180 quoted field after each byte (for the seed,
    which is valid): a line break inserted before byte ``i`` lands in a field when ``[i - 1]``."""
    inside, out = False, []
    for b in data:
        if b == 0x22:
            inside = not inside
        out.append(inside)
    return out


_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("flip"), st.floats(0, 1), st.integers(0, 255)),
        st.tuples(st.just("quote"), st.floats(0, 1), st.just(0x22)),
        st.tuples(st.just("newline"), st.floats(0, 1), st.just(0x0A)),
        st.tuples(st.just("truncate"), st.floats(0, 1), st.just(0)),
    ),
    min_size=1,
    max_size=3,
)


def _damage(data: bytes, ops: list[tuple[str, float, int]]) -> tuple[bytes, list[tuple]]:
    """Apply ``ops`` to ``data``; each op with its position in the *seed* (for attribution).

    Positions are fractions of the current length; inserted bytes shift later positions, which
    the returned seed positions account for.
    """
    buf = bytearray(data)
    origin = list(range(len(data)))  # seed position of each current byte (-1: inserted)
    applied = []
    for op, frac, byte in ops:
        if not buf:
            break
        pos = min(int(frac * len(buf)), len(buf) - 1)
        seed_pos = (
            origin[pos]
            if origin[pos] >= 0
            else next((o for o in origin[pos:] if o >= 0), len(data))
        )
        if op == "flip":
            old = buf[pos]
            buf[pos] = byte
            applied.append((op, seed_pos, old, byte))
        elif op in ("quote", "newline"):
            buf.insert(pos, byte)
            origin.insert(pos, -1)
            applied.append((op, seed_pos, None, byte))
        else:
            del buf[pos:]
            del origin[pos:]
            applied.append((op, seed_pos, None, None))
    return bytes(buf), applied


def _run(r: Reader, damaged: bytes) -> tuple[dict | None, Counter, ForcemapError | None]:
    with tempfile.TemporaryDirectory(prefix="fm-prop-") as d:
        tmp = Path(d)
        if r.container:
            (tmp / r.container).mkdir()
            path = tmp / r.container
            (path / r.filename).write_bytes(damaged)
        else:
            path = tmp / r.filename
            path.write_bytes(damaged)
        shutil.copyfile(_TEMPLATE, tmp / "s.duckdb")
        with Store.open(tmp / "s.duckdb") as s:
            try:
                rep = ingest(s, r.source, [path])
            except ForcemapError as e:
                return None, Counter(r.stored_keys(s)), e
            report = {
                k: getattr(rep, k)
                for k in ("read", "stored", "replaced", "rejected", "duplicates", "filtered")
            }
            return report, Counter(r.stored_keys(s)), None


_TEMPLATE: Path


@pytest.fixture(scope="module", autouse=True)
def _template(empty_store_file: Path) -> None:
    global _TEMPLATE
    _TEMPLATE = empty_store_file


def _nonblank(data: bytes) -> int:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return sum(1 for ln in lines if ln.strip(b"\r\t \xef\xbb\xbf"))


@pytest.mark.parametrize("reader", LINE_READERS)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=_OPS)
def test_random_damage_loses_nothing(reader: str, ops: list[tuple[str, float, int]]) -> None:
    r = READERS[reader]
    data, spans, data_start = _seed(r)
    damaged, applied = _damage(data, ops)
    keys = [r.key(x) for x in r.seed()]

    # which records the damage touched (a record's span includes its line end; damage to the
    # line end of record k also touches record k + 1, which it may join)
    touched: set[int] = set()
    header_hit = False
    for op, pos, _old, _new in applied:
        if pos < data_start or (op == "truncate" and pos <= data_start):
            header_hit = True
        for k, (b, e) in enumerate(spans):
            if op == "truncate":
                if pos < e:
                    touched.add(k)
            elif b <= pos < e or (op != "flip" and pos == e):
                touched.add(k)
                if pos == e - 1 and k + 1 < len(spans):
                    touched.add(k + 1)
    untouched = [keys[k] for k in range(len(keys)) if k not in touched]

    report, stored, error = _run(r, damaged)
    if error is not None:
        assert header_hit or not untouched, (
            f"{type(error).__name__} for damage that left the header intact: {error}; ops {applied}"
        )
        return
    assert report is not None
    terms = ("stored", "replaced", "rejected", "duplicates", "filtered")
    assert report["read"] == sum(report[t] for t in terms), f"does not reconcile: {report}"

    lines = _nonblank(damaged) - (1 if r.kind == "csv" else 0)
    if r.kind == "jsonl":
        assert report["read"] == lines, f"read {report['read']} != {lines} lines; {applied}"
    elif r.kind == "csv" and not header_hit:
        quoted = _quoted(data)
        quoting_kept = all(
            op != "quote"
            and not (op == "flip" and 0x22 in (old, new))
            and not (op == "newline" and 0 < pos <= len(quoted) and quoted[pos - 1])
            for op, pos, old, new in applied
        )
        if quoting_kept:
            assert report["read"] == lines, f"read {report['read']} != {lines} lines; {applied}"
    if not header_hit:
        assert len(untouched) <= report["read"] <= max(lines, 0), (report, lines, applied)
        missing = [k for k in untouched if not stored[k]]
        assert not missing, f"untouched records not stored: {missing}; {report}; {applied}"
