# mypy: disable-error-code="no-untyped-call,arg-type,call-arg,no-any-return"
# (numba compiles and types these kernels itself; its Python-level hints do not describe
# calls between njit functions with NumPy scalars, nor llvmlite's code generation helpers)
"""Citation graphs as integer-id CSR arrays, and the compiled CD / DI kernel (private).

Nodes are ``0 .. n-1``; an edge ``(s, t)`` means *s cites t*. :func:`build_csr` relabels the
nodes by (year, id), so that the works of a time window are one contiguous id range, then
builds two adjacency structures with parallel counting sorts (numba):

* the **out-CSR** (references of each node), each row sorted and de-duplicated;
* the **in-CSR** (citers of each node), its transpose: each row sorted by the citer's new id,
  hence by year, so that the citers in a window are a contiguous slice of the row.

:func:`cd_counts` runs the kernel that :mod:`forcemap.indicators.disruption` defines CD and
its variants on, over the focal works in year order; each thread keeps, per cited node, the
row offsets of its current window, which only move forward, so that finding a window is
amortised O(1) instead of two binary searches. Results come back in the caller's node order.
Nothing here is public API.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["NO_YEAR", "CitationCSR", "build_csr", "cd_columns", "cd_counts", "range_edges"]

#: Year sentinel for nodes without a year (and external references): never inside a window.
NO_YEAR = np.iinfo(np.int32).min

#: Columns of the count matrix returned by :func:`cd_counts`.
N_REFS, N_I, N_J, N_K, N_JL, SHARED = range(6)

#: Look-ahead, in references, of the software prefetch of citer rows (``_PAD`` >= 2×).
_PREFETCH = 8
_PAD = 64
#: Focal works per stamp epoch of the kernel's uint16 marks (two values per focal work).
_STAMPS = 32_000
#: Focal works per chunk; chunks are dealt round-robin to the threads, in year order.
_CHUNK = 1024


class CitationCSR:
    """Out- and in-adjacency of a citation graph in (year, id) order (see the module docstring).

    ``perm[new] = old`` maps the internal ids back to the caller's and ``rank[old] = new``
    forth; ``year`` is in internal order (non-decreasing). ``out_idx`` has ``_PAD`` zero
    entries after its last row.
    """

    __slots__ = ("in_idx", "in_ptr", "n", "out_idx", "out_ptr", "perm", "rank", "year")

    def __init__(
        self,
        year: np.ndarray,
        perm: np.ndarray,
        rank: np.ndarray,
        out_ptr: np.ndarray,
        out_idx: np.ndarray,
        in_ptr: np.ndarray,
        in_idx: np.ndarray,
    ) -> None:
        self.n = len(year)
        self.year = year
        self.perm = perm
        self.rank = rank
        self.out_ptr = out_ptr
        self.out_idx = out_idx
        self.in_ptr = in_ptr
        self.in_idx = in_idx


@intrinsic
def _prefetch(typingctx, arr, idx):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Prefetch the cache line of ``arr[idx]`` (1-d array) for reading; never faults."""

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        aryty = sig.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [cgutils.voidptr_t, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        builder.call(
            fn,
            [
                builder.bitcast(ptr, cgutils.voidptr_t),
                ir.Constant(i32, 0),  # read
                ir.Constant(i32, 3),  # keep in all cache levels
                ir.Constant(i32, 1),  # data
            ],
        )
        return context.get_dummy_value()

    return types.none(arr, idx), codegen


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _thread_offsets(cnt: np.ndarray, ptr: np.ndarray) -> None:  # pragma: no cover - compiled
    """Exclusive prefix sum of per-thread row counts ``cnt[thread, row]``, row-major then by
    thread: ``ptr[row]`` gets the row's start and ``cnt[thread, row]`` that thread's first
    write position in the row."""
    n = len(ptr) - 1
    base = 0
    for v in range(n):
        ptr[v] = base
        for part in range(cnt.shape[0]):
            k = cnt[part, v]
            cnt[part, v] = base
            base += k
    ptr[n] = base


@numba.njit(cache=True, nogil=True, parallel=True, boundscheck=False)
def _out_csr(
    src: np.ndarray,
    dst: np.ndarray,
    rank: np.ndarray,
    n_threads: int,
    out_ptr: np.ndarray,
    out_idx: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """Out-CSR of the edges in new ids (``rank[old]``), self-citations dropped, each row
    sorted and de-duplicated; returns the number of edges kept."""
    n = len(rank)
    m = len(src)
    cnt = np.zeros((n_threads, n + 1), np.int32)  # positions < 2**31 (build_csr checks)
    for part in numba.prange(n_threads):  # parallel counting sort by rank[src]
        c = cnt[part]
        for i in range(m * part // n_threads, m * (part + 1) // n_threads):
            s = src[i]
            if s != dst[i]:
                c[rank[s]] += 1
    _thread_offsets(cnt, out_ptr)
    for part in numba.prange(n_threads):
        pos = cnt[part]
        for i in range(m * part // n_threads, m * (part + 1) // n_threads):
            s = src[i]
            t = dst[i]
            if s != t:
                k = rank[s]
                out_idx[pos[k]] = rank[t]
                pos[k] += 1
    for part in numba.prange(n_threads):  # sort and de-duplicate each row in place
        for v in range(part, n, n_threads):
            a = out_ptr[v]
            b = out_ptr[v + 1]
            if b - a <= 32:
                for i in range(a + 1, b):
                    x = out_idx[i]
                    j = i - 1
                    while j >= a and out_idx[j] > x:
                        out_idx[j + 1] = out_idx[j]
                        j -= 1
                    out_idx[j + 1] = x
            else:
                out_idx[a:b] = np.sort(out_idx[a:b])
            w = a
            for i in range(a, b):
                if i == a or out_idx[i] != out_idx[i - 1]:
                    out_idx[w] = out_idx[i]
                    w += 1
            cnt[0, v] = w - a  # the row's new length
    w = 0
    for v in range(n):  # close the gaps left by repeated edges (none: nothing moves)
        a = out_ptr[v]
        if w != a:
            for i in range(cnt[0, v]):
                out_idx[w + i] = out_idx[a + i]
        out_ptr[v] = w
        w += cnt[0, v]
    out_ptr[n] = w
    return w


@numba.njit(cache=True, nogil=True, parallel=True, boundscheck=False)
def _in_csr(
    out_ptr: np.ndarray, out_idx: np.ndarray, n_threads: int, in_ptr: np.ndarray, in_idx: np.ndarray
) -> None:  # pragma: no cover - compiled
    """In-CSR as the transpose of the out-CSR: each row sorted by citer id."""
    n = len(out_ptr) - 1
    m = out_ptr[n]
    cnt = np.zeros((n_threads, n + 1), np.int32)  # positions < 2**31 (build_csr checks)
    bounds = np.empty(n_threads + 1, np.int64)  # citer ranges with equal edge counts
    for part in range(n_threads):
        bounds[part] = np.searchsorted(out_ptr, m * part // n_threads)
    bounds[0] = 0
    bounds[n_threads] = n
    for part in numba.prange(n_threads):
        c = cnt[part]
        for e in range(out_ptr[bounds[part]], out_ptr[bounds[part + 1]]):
            c[out_idx[e]] += 1
    _thread_offsets(cnt, in_ptr)  # thread p's citers follow thread p-1's: rows stay sorted
    for part in numba.prange(n_threads):
        pos = cnt[part]
        for s in range(bounds[part], bounds[part + 1]):
            for e in range(out_ptr[s], out_ptr[s + 1]):
                t = out_idx[e]
                in_idx[pos[t]] = s
                pos[t] += 1


@numba.njit(cache=True, nogil=True, parallel=True)
def _n_outside(citing: np.ndarray, cited: np.ndarray, n: int) -> int:  # pragma: no cover
    """Edges with a citing or cited id outside [0, n)."""
    out = 0
    for i in numba.prange(len(citing)):
        a = citing[i]
        b = cited[i]
        if a < 0 or a >= n or b < 0 or b >= n:
            out += 1
    return out


def range_edges(
    citing: np.ndarray, cited: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep edges whose citing id is in [0, n): (citing, cited, external cited ids), int32.

    ``cited`` is -1 where the cited id is outside [0, n); those ids are returned, in edge
    order, as the third array (the caller numbers them). When every id is in range the
    inputs come back as they are (cast to int32 if need be).
    """
    if not _n_outside(citing, cited, n):
        return (
            citing.astype(np.int32, copy=False),
            cited.astype(np.int32, copy=False),
            np.empty(0, np.int64),
        )
    return _range_edges(citing, cited, n)


@numba.njit(cache=True, nogil=True)
def _range_edges(
    citing: np.ndarray, cited: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    m = len(citing)
    src = np.empty(m, np.int32)
    dst = np.empty(m, np.int32)
    w = 0
    n_out = 0
    for i in range(m):
        a = citing[i]
        if a >= 0 and a < n:
            b = cited[i]
            src[w] = a
            if b < 0 or b >= n:
                dst[w] = -1
                n_out += 1
            else:
                dst[w] = b
            w += 1
    ext = np.empty(n_out, np.int64)
    if n_out:
        k = 0
        for i in range(m):
            a = citing[i]
            if a >= 0 and a < n:
                b = cited[i]
                if b < 0 or b >= n:
                    ext[k] = b
                    k += 1
    return src[:w], dst[:w], ext


@numba.njit(cache=True, nogil=True)
def _year_counting_sort(year: np.ndarray, lo: int, span: int) -> np.ndarray:  # pragma: no cover
    """Stable order of the nodes by year (:data:`NO_YEAR` first), years in [lo, lo + span)."""
    cnt = np.zeros(span + 2, np.int64)
    for y in year:
        cnt[(0 if y == NO_YEAR else y - lo + 1) + 1] += 1
    for k in range(1, span + 2):
        cnt[k] += cnt[k - 1]
    perm = np.empty(len(year), np.int32)
    for i in range(len(year)):
        y = year[i]
        k = 0 if y == NO_YEAR else y - lo + 1
        perm[cnt[k]] = i
        cnt[k] += 1
    return perm


def _year_order(year: np.ndarray) -> np.ndarray:
    """``perm``: the nodes in (year, id) order, unknown years first (a counting sort when the
    years span less than a million, else NumPy's stable sort)."""
    known = year[year != NO_YEAR]
    if known.size:
        lo, hi = int(known.min()), int(known.max())
        if hi - lo < 1_000_000:
            return _year_counting_sort(year, lo, hi - lo + 1)
    return np.argsort(year, kind="stable").astype(np.int32)


def build_csr(src: np.ndarray, dst: np.ndarray, year: np.ndarray) -> CitationCSR:
    """Build the CSR pair from edge arrays of node indices and a per-node year array.

    ``year`` uses :data:`NO_YEAR` for unknown years. Self-citations are dropped; repeated
    edges count once. Nodes are relabelled by (year, id) internally.
    """
    if len(src) + _PAD >= np.iinfo(np.int32).max:
        raise ValueError(f"{len(src):,} citations: the CD kernel handles fewer than 2**31")
    year = np.ascontiguousarray(year, dtype=np.int32)
    src = np.ascontiguousarray(src, dtype=np.int32)
    dst = np.ascontiguousarray(dst, dtype=np.int32)
    n = len(year)
    n_threads = numba.get_num_threads()
    perm = _year_order(year)
    rank = np.empty(n, np.int32)
    rank[perm] = np.arange(n, dtype=np.int32)
    # NumPy allocations (not numba's) so that the big arrays get transparent huge pages
    # (the kernel reads them at random); the per-thread counters and the results are numba's
    out_ptr = np.empty(n + 1, np.int64)
    out_idx = np.empty(len(src) + _PAD, np.int32)
    m = _out_csr(src, dst, rank, n_threads, out_ptr, out_idx)
    out_idx[m:] = 0  # valid ids for the prefetch look-ahead
    in_ptr = np.empty(n + 1, np.int64)
    in_idx = np.empty(m, np.int32)
    _in_csr(out_ptr, out_idx, n_threads, in_ptr, in_idx)
    return CitationCSR(year[perm], perm, rank, out_ptr, out_idx, in_ptr, in_idx)


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _first_ge(a: np.ndarray, x: int, lo: int, hi: int) -> int:  # pragma: no cover - compiled
    """First position in sorted ``a[lo:hi]`` whose value is >= x (``hi`` if none)."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True, nogil=True, parallel=True, boundscheck=False)
def _cd_kernel(
    n_focal: int,
    year: np.ndarray,
    perm: np.ndarray,
    out_ptr: np.ndarray,
    out_idx: np.ndarray,
    in_ptr: np.ndarray,
    in_idx: np.ndarray,
    window: int,
    min_shared: int,
    n_threads: int,
    work: np.ndarray,
    marks: np.ndarray,
    cursor: np.ndarray,
    stamps: int,
) -> np.ndarray:  # pragma: no cover - compiled
    n = len(year)
    res = np.empty((n, 6), np.int64)  # numba's allocation: no huge pages, written in order
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for part in numba.prange(n_threads):
        # mark[c]: 2·st for an in-window citer of f, 2·st + 1 once counted in n_k (st: the
        # focal's stamp; uint16 halves the cache footprint, so the stamps restart, after
        # clearing, every ``stamps`` focal works)
        mark = marks[part]
        shared = work[part]  # for mark == 2·st: references of f it cites
        # row offsets (from in_ptr[r]) of r's first citer in the window and past it: the
        # thread meets the focal years in increasing order, so they only move forward
        cur = cursor[part]
        st = 0
        cur_y = np.int64(NO_YEAR)
        lo_id = 0
        hi_id = 0
        for ch in range(part, n_chunks, n_threads):  # round-robin chunks, in year order
            for f in range(ch * _CHUNK, min(n, (ch + 1) * _CHUNK)):
                e0 = out_ptr[f]
                e1 = out_ptr[f + 1]
                res[f, 0] = e1 - e0
                t0 = year[f]
                if perm[f] >= n_focal or t0 == NO_YEAR:  # not focal, or no window
                    res[f, 1:] = 0
                    continue
                if t0 != cur_y:  # the window (t0, t0 + window] is the id range [lo_id, hi_id)
                    cur_y = t0
                    lo_id = _first_ge(year, np.int64(t0) + 1, f, n)
                    hi_id = _first_ge(year, np.int64(t0) + window + 1, lo_id, n)
                st += 1
                if st >= stamps:
                    mark[:] = 0
                    st = 1
                fst = np.uint16(2 * st)
                cst = np.uint16(2 * st + 1)
                p = _first_ge(in_idx, lo_id, in_ptr[f], in_ptr[f + 1])
                q = _first_ge(in_idx, hi_id, p, in_ptr[f + 1])
                for e in range(p, q):
                    c = in_idx[e]
                    mark[c] = fst
                    shared[c] = 0
                n_k = 0
                for e in range(e0, e1):
                    r = out_idx[e]
                    r2 = out_idx[e + 2 * _PREFETCH]  # two-stage look-ahead (see _PAD)
                    _prefetch(cur, 2 * r2)
                    _prefetch(in_ptr, r2)
                    r1 = out_idx[e + _PREFETCH]
                    x = in_ptr[r1] + cur[2 * r1]
                    _prefetch(in_idx, x)
                    _prefetch(in_idx, x + 16)
                    base = in_ptr[r]
                    end = in_ptr[r + 1]
                    a = base + cur[2 * r]
                    while a < end and in_idx[a] < lo_id:
                        a += 1
                    b = max(a, base + cur[2 * r + 1])
                    while b < end and in_idx[b] < hi_id:
                        b += 1
                    cur[2 * r] = a - base
                    cur[2 * r + 1] = b - base
                    for k in range(a, b):  # f itself is never in its window
                        c = in_idx[k]
                        m = mark[c]
                        if m == fst:
                            shared[c] += 1
                        elif m != cst:
                            mark[c] = cst
                            n_k += 1
                n_i = 0
                n_j = 0
                n_jl = 0
                tot = 0
                for e in range(p, q):
                    s = shared[in_idx[e]]
                    tot += s
                    if s == 0:
                        n_i += 1
                    else:
                        n_j += 1
                        if s >= min_shared:
                            n_jl += 1
                res[f, 1] = n_i
                res[f, 2] = n_j
                res[f, 3] = n_k
                res[f, 4] = n_jl
                res[f, 5] = tot
    return res


def cd_counts(
    g: CitationCSR, n_focal: int, *, window: int, min_shared: int, stamps: int = _STAMPS
) -> np.ndarray:
    """Per-node counts in **internal** order (row ``g.rank[i]`` is node ``i``): an
    ``(g.n, 6)`` int64 matrix, zero past the reference count for nodes ``>= n_focal``.

    Columns: distinct references, n_i, n_j, n_k, n_j with at least ``min_shared`` shared
    references, and the total number of (citer, shared reference) pairs. Nodes
    without a year get only their reference count. :func:`cd_columns` turns it into the
    caller's order. ``stamps`` (tests only) restarts the per-thread stamps more often.
    """
    n_threads = numba.get_num_threads()
    return _cd_kernel(
        n_focal,
        g.year,
        g.perm,
        g.out_ptr,
        g.out_idx,
        g.in_ptr,
        g.in_idx,
        window,
        min_shared,
        n_threads,
        np.zeros((n_threads, g.n), np.int32),
        np.zeros((n_threads, g.n), np.uint16),
        np.zeros((n_threads, 2 * g.n), np.int32),
        min(stamps, _STAMPS),
    )


#: Rows of the integer matrix of :func:`cd_columns`.
C_REFS, C_I, C_J, C_K, C_T, C_JL = range(6)
#: Rows of the float matrix of :func:`cd_columns` (NaN = undefined).
C_CD, C_MCD, C_CD_NOK, C_DI5, C_DI5_NOK, C_DEIN = range(6)


@numba.njit(cache=True, nogil=True, parallel=True, boundscheck=False)
def _columns(
    res: np.ndarray, rank: np.ndarray, year: np.ndarray, n_focal: int, require_refs: bool
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    ints = np.empty((6, n_focal), np.int64)
    flts = np.empty((6, n_focal), np.float64)
    nan = np.nan
    for i in numba.prange(n_focal):
        f = rank[i]
        n_refs = res[f, N_REFS]
        n_i = res[f, N_I]
        n_j = res[f, N_J]
        n_k = res[f, N_K]
        n_jl = res[f, N_JL]
        n_t = n_i + n_j
        ints[C_REFS, i] = n_refs
        ints[C_I, i] = n_i
        ints[C_J, i] = n_j
        ints[C_K, i] = n_k
        ints[C_T, i] = n_t
        ints[C_JL, i] = n_jl
        null = year[f] == NO_YEAR or (require_refs and n_refs == 0)
        d = n_t + n_k
        cd = nan if null or d == 0 else (n_i - n_j) / d
        flts[C_CD, i] = cd
        flts[C_MCD, i] = cd * n_t
        flts[C_CD_NOK, i] = nan if null or n_t == 0 else (n_i - n_j) / n_t
        d = n_i + n_jl + n_k
        flts[C_DI5, i] = nan if null or d == 0 else (n_i - n_jl) / d
        d = n_i + n_jl
        flts[C_DI5_NOK, i] = nan if null or d == 0 else (n_i - n_jl) / d
        flts[C_DEIN, i] = nan if null or n_t == 0 else res[f, SHARED] / n_t
    return ints, flts


def cd_columns(
    g: CitationCSR, counts: np.ndarray, n_focal: int, *, require_references: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The counts of :func:`cd_counts` as columns in the caller's order, nodes ``0 ..
    n_focal-1``: ``(6, n_focal)`` int64 (rows ``C_REFS .. C_JL``: n_refs, n_i, n_j, n_k,
    n_t = n_i + n_j, n_j with ≥ ``min_shared`` shared references) and ``(6, n_focal)``
    float64 (rows ``C_CD .. C_DEIN``: CD, mCD, CD^nok, DI_l, DI_l^nok, DeIn; NaN where the
    denominator is 0, the year unknown, or — with ``require_references`` — there are no
    references). The formulas are those of
    :func:`forcemap.indicators.disruption.disruption_from_edges`.
    """
    return _columns(counts, g.rank, g.year, n_focal, require_references)
