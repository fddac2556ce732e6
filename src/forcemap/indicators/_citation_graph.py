"""Citation graphs as integer-id CSR arrays, and the compiled CD / DI kernel (private).

Nodes are ``0 .. n-1``; an edge ``(s, t)`` means *s cites t*. Two adjacency structures are
built in linear time with counting sorts (numba):

* the **out-CSR** (references of each node, in input order, duplicates kept: the kernel
  de-duplicates references with a stamp array);
* the **in-CSR** (citers of each node), each row sorted by the citer's year and
  de-duplicated, with a parallel ``in_year`` array so that a time window is two binary
  searches.

:func:`cd_counts` runs the kernel that :mod:`forcemap.indicators.disruption` defines CD and
its variants on. Nothing here is public API.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["NO_YEAR", "CitationCSR", "build_csr", "cd_counts", "range_edges"]

#: Year sentinel for nodes without a year (and external references): never inside a window.
NO_YEAR = np.iinfo(np.int32).min

#: Columns of the count matrix returned by :func:`cd_counts`.
N_REFS, N_I, N_J, N_K, N_JL, SHARED = range(6)


class CitationCSR:
    """Out- and in-adjacency of a citation graph (see the module docstring)."""

    __slots__ = ("in_idx", "in_ptr", "in_year", "n", "out_idx", "out_ptr", "year")

    def __init__(
        self,
        year: np.ndarray,
        out_ptr: np.ndarray,
        out_idx: np.ndarray,
        in_ptr: np.ndarray,
        in_idx: np.ndarray,
        in_year: np.ndarray,
    ) -> None:
        self.n = len(year)
        self.year = year
        self.out_ptr = out_ptr
        self.out_idx = out_idx
        self.in_ptr = in_ptr
        self.in_idx = in_idx
        self.in_year = in_year


@numba.njit(cache=False, nogil=True)
def _build_csr_kernel(
    src: np.ndarray, dst: np.ndarray, year: np.ndarray, rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    n = len(year)
    m = len(src)
    # out-CSR: counting sort by citing node (self-citations dropped)
    out_ptr = np.zeros(n + 1, np.int64)
    for i in range(m):
        if src[i] != dst[i]:
            out_ptr[src[i] + 1] += 1
    for v in range(n):
        out_ptr[v + 1] += out_ptr[v]
    pos = out_ptr[:-1].copy()
    out_idx = np.empty(out_ptr[n], np.int32)
    for i in range(m):
        s = src[i]
        if s != dst[i]:
            out_idx[pos[s]] = dst[i]
            pos[s] += 1
    # in-CSR: order the edges by rank[citer] (year, then id), then stable-bucket by cited node,
    # so each row is sorted by citer year and repeated edges are adjacent.
    c1 = np.zeros(n + 1, np.int64)
    for i in range(m):
        if src[i] != dst[i]:
            c1[rank[src[i]] + 1] += 1
    for v in range(n):
        c1[v + 1] += c1[v]
    order = np.empty(c1[n], np.int64)
    for i in range(m):
        if src[i] != dst[i]:
            k = rank[src[i]]
            order[c1[k]] = i
            c1[k] += 1
    in_ptr = np.zeros(n + 1, np.int64)
    for j in range(len(order)):
        in_ptr[dst[order[j]] + 1] += 1
    for v in range(n):
        in_ptr[v + 1] += in_ptr[v]
    pos = in_ptr[:-1].copy()
    in_idx = np.empty(in_ptr[n], np.int32)
    for j in range(len(order)):
        i = order[j]
        t = dst[i]
        in_idx[pos[t]] = src[i]
        pos[t] += 1
    # de-duplicate repeated edges (adjacent within a row)
    w = 0
    start = 0
    for v in range(n):
        end = in_ptr[v + 1]
        prev = -1
        for e in range(start, end):
            s = in_idx[e]
            if s != prev:
                in_idx[w] = s
                w += 1
                prev = s
        start = end
        in_ptr[v + 1] = w
    in_idx = in_idx[:w].copy()
    in_year = np.empty(w, np.int32)
    for e in range(w):
        in_year[e] = year[in_idx[e]]
    return out_ptr, out_idx, in_ptr, in_idx, in_year


@numba.njit(cache=False, nogil=True)
def range_edges(
    citing: np.ndarray, cited: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, int]:  # pragma: no cover - compiled
    """Keep edges whose citing id is in [0, n); returns (citing, cited, #cited outside)."""
    m = len(citing)
    src = np.empty(m, np.int32)
    dst = np.empty(m, np.int64)
    w = 0
    n_out = 0
    for i in range(m):
        a = citing[i]
        if a >= 0 and a < n:
            b = cited[i]
            src[w] = a
            dst[w] = b
            if b < 0 or b >= n:
                n_out += 1
            w += 1
    return src[:w], dst[:w], n_out


def build_csr(src: np.ndarray, dst: np.ndarray, year: np.ndarray) -> CitationCSR:
    """Build the CSR pair from edge arrays of node indices and a per-node year array.

    ``year`` uses :data:`NO_YEAR` for unknown years. Self-citations are dropped; repeated
    edges count once.
    """
    year = np.ascontiguousarray(year, dtype=np.int32)
    rank = np.empty(len(year), np.int64)
    rank[np.argsort(year, kind="stable")] = np.arange(len(year), dtype=np.int64)
    parts = _build_csr_kernel(
        np.ascontiguousarray(src, dtype=np.int32),
        np.ascontiguousarray(dst, dtype=np.int32),
        year,
        rank,
    )
    return CitationCSR(year, *parts)


@numba.njit(cache=False, nogil=True)
def _window(in_year: np.ndarray, a: int, b: int, lo_year: int, hi_year: int) -> tuple[int, int]:
    """Positions [p, q) of row [a, b) whose years y satisfy lo_year <= y <= hi_year."""
    lo, hi = a, b
    while lo < hi:
        mid = (lo + hi) // 2
        if in_year[mid] < lo_year:
            lo = mid + 1
        else:
            hi = mid
    p = lo
    hi = b
    while lo < hi:
        mid = (lo + hi) // 2
        if in_year[mid] <= hi_year:
            lo = mid + 1
        else:
            hi = mid
    return p, lo


@numba.njit(cache=False, nogil=True, parallel=True)
def _cd_kernel(
    n_focal: int,
    year: np.ndarray,
    out_ptr: np.ndarray,
    out_idx: np.ndarray,
    in_ptr: np.ndarray,
    in_idx: np.ndarray,
    in_year: np.ndarray,
    window: int,
    min_shared: int,
    n_threads: int,
) -> np.ndarray:  # pragma: no cover - compiled
    n = len(year)
    res = np.zeros((n_focal, 6), np.int64)
    for part in numba.prange(n_threads):
        refmark = np.zeros(n, np.int32)  # == stamp: a reference of f (not yet walked)
        mark = np.zeros(n, np.int32)  # stamp: in-window citer of f; -stamp: counted in n_k
        shared = np.zeros(n, np.int32)  # for mark == stamp: references of f it cites
        for f in range(part, n_focal, n_threads):  # strided: balances old (heavy) works
            t0 = year[f]
            st = np.int32(f + 1)
            if t0 == NO_YEAR:  # no window: only the distinct references are known
                for e in range(out_ptr[f], out_ptr[f + 1]):
                    r = out_idx[e]
                    if refmark[r] != st:
                        refmark[r] = st
                        res[f, 0] += 1
                continue
            lo_y = t0 + 1
            hi_y = t0 + window
            p, q = _window(in_year, in_ptr[f], in_ptr[f + 1], lo_y, hi_y)
            for e in range(p, q):
                c = in_idx[e]
                mark[c] = st
                shared[c] = 0
            n_refs = 0
            n_k = 0
            for e in range(out_ptr[f], out_ptr[f + 1]):
                r = out_idx[e]
                if refmark[r] == st:
                    continue  # a repeated reference
                refmark[r] = st
                n_refs += 1
                a, b = _window(in_year, in_ptr[r], in_ptr[r + 1], lo_y, hi_y)
                for k in range(a, b):
                    c = in_idx[k]
                    m = mark[c]
                    if m == st:
                        shared[c] += 1
                    elif m != -st and c != f:
                        mark[c] = -st
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
            res[f, 0] = n_refs
            res[f, 1] = n_i
            res[f, 2] = n_j
            res[f, 3] = n_k
            res[f, 4] = n_jl
            res[f, 5] = tot
    return res


def cd_counts(g: CitationCSR, n_focal: int, *, window: int, min_shared: int) -> np.ndarray:
    """Per-focal counts for nodes ``0 .. n_focal-1``: an ``(n_focal, 6)`` int64 matrix.

    Columns: distinct references, n_i, n_j, n_k, n_j with at least ``min_shared`` shared
    references, and the total number of (citer, shared reference) pairs. Nodes
    without a year get only their reference count.
    """
    return _cd_kernel(
        n_focal,
        g.year,
        g.out_ptr,
        g.out_idx,
        g.in_ptr,
        g.in_idx,
        g.in_year,
        window,
        min_shared,
        numba.get_num_threads(),
    )
