"""Benchmark: TF-IDF index build and query latency of forcemap.decide.explore (C13).

Generates N short synthetic documents (default 1,000,000) from a Zipfian vocabulary of
pseudo-words (8–30 tokens each, rank r drawn with probability ∝ r^−1.1), builds the TF-IDF
index with the library defaults (min_df = 2, max_df = 0.5, sublinear tf), then times
``--queries`` queries of 2–4 terms sampled from the vocabulary (frequent, mid and rare
terms, with their Zipf weights) through :meth:`TextIndex.top_k` (k = 20).

Scoring reads only the query terms' posting lists (a CSC copy of the matrix, built once and
timed separately), so a query costs O(Σ df of its terms) + a top-k selection among the
documents that share a term; the target is p95 < 200 ms at 1 M documents.

Then the semantic half: ``--emb-n`` (default 1,000,000) stored sentence embeddings of
dimension 384 (all-MiniLM-L6-v2's), written as the index stores them (``float32``, rows of norm
1, ``<stem>.emb.npy``) and memory-mapped back as :meth:`TextIndex.load` does, queried with
:func:`embedding_top_k` (k = 20). The vectors are random (SYNTHETIC): the cost of a stored-
embedding query does not depend on their values, and the model itself is an optional extra not
installed here, so embedding the query text (a few ms for MiniLM on a CPU) is not included.

Prints figures; asserts nothing. Run: ``python benchmarks/bench_search.py [--n 1000000]``.
"""

from __future__ import annotations

import argparse
import string
import time

import numpy as np

from forcemap.decide.explore import embedding_top_k, index_texts


def _vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    letters = np.array(list(string.ascii_lowercase))
    lengths = rng.integers(3, 10, size)
    words: list[str] = []
    seen: set[str] = set()
    for n in lengths:
        while True:
            w = "".join(rng.choice(letters, int(n)))
            if w not in seen:
                seen.add(w)
                words.append(w)
                break
    return words


def _documents(
    n: int, vocab: list[str], rng: np.random.Generator, s: float = 1.1
) -> tuple[list[str], np.ndarray]:
    p = 1.0 / np.arange(1, len(vocab) + 1) ** s
    p /= p.sum()
    lengths = rng.integers(8, 31, n)
    codes = rng.choice(len(vocab), int(lengths.sum()), p=p)
    words = np.asarray(vocab, dtype=object)[codes]
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    texts = [" ".join(words[bounds[i] : bounds[i + 1]]) for i in range(n)]
    return texts, p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="documents (default 1,000,000)")
    ap.add_argument("--vocab", type=int, default=50_000, help="vocabulary size (default 50,000)")
    ap.add_argument("--queries", type=int, default=200, help="queries timed (default 200)")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--emb-n", type=int, default=1_000_000, help="stored embeddings (0 = skip)")
    ap.add_argument("--emb-dim", type=int, default=384)
    ap.add_argument(
        "--bm25-n", type=int, default=200_000, help="documents of the BM25 comparison (0 = skip)"
    )
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    t0 = time.perf_counter()
    vocab = _vocabulary(args.vocab, rng)
    texts, p = _documents(args.n, vocab, rng)
    ids = [f"D{i:08d}" for i in range(args.n)]
    years = rng.integers(2000, 2025, args.n)
    t_gen = time.perf_counter() - t0
    print(f"documents        {args.n:,} ({sum(map(len, texts)) / 1e6:.0f} MB of text)")
    print(f"generate         {t_gen:.1f} s")

    t0 = time.perf_counter()
    idx = index_texts(ids, texts, years=years)
    t_build = time.perf_counter() - t0
    m = idx.matrix
    print(f"build            {t_build:.1f} s ({args.n / t_build:,.0f} documents/s)")
    print(f"terms            {idx.n_terms:,} kept of {args.vocab:,} (min_df 2, max_df 0.5)")
    print(f"non-zeros        {m.nnz:,} ({m.nnz / args.n:.1f} per document)")
    print(f"CSR size         {idx.nbytes() / 2**20:.0f} MiB")
    t0 = time.perf_counter()
    _ = idx.postings
    t_csc = time.perf_counter() - t0
    print(f"postings (CSC)   {t_csc:.1f} s; index with postings {idx.nbytes() / 2**20:.0f} MiB")
    sample = texts[: args.bm25_n]
    del texts

    # queries: 2-4 terms, one drawn by Zipf weight (often frequent), the others uniformly
    kept = idx.vocabulary
    lut = {w: i for i, w in enumerate(vocab)}
    wk = np.asarray([p[lut[w]] for w in kept])
    wk /= wk.sum()
    queries = []
    for _ in range(args.queries):
        n_terms = int(rng.integers(2, 5))
        terms = [kept[int(rng.choice(len(kept), p=wk))]]
        terms += [kept[int(i)] for i in rng.integers(0, len(kept), n_terms - 1)]
        queries.append(" ".join(terms))
    idx.top_k(queries[0], args.k)  # warm-up
    lat = []
    hits = []
    for q in queries:
        t0 = time.perf_counter()
        rows, _, _ = idx.top_k(q, args.k)
        lat.append((time.perf_counter() - t0) * 1000)
        hits.append(len(rows))
    lat_a = np.asarray(lat)
    df = np.diff(idx.postings.indptr)
    touched = [sum(int(df[idx.term_index[t]]) for t in q.split()) for q in queries]
    print(f"queries          {args.queries} of 2-4 terms, k = {args.k}")
    print(
        f"latency (ms)     p50 {np.percentile(lat_a, 50):.1f}  p95 {np.percentile(lat_a, 95):.1f}"
        f"  p99 {np.percentile(lat_a, 99):.1f}  max {lat_a.max():.1f}  mean {lat_a.mean():.1f}"
    )
    print(
        f"postings read    median {int(np.median(touched)):,}  max {max(touched):,} per query; "
        f"hits {min(hits)}-{max(hits)}"
    )
    print(f"p95 < 200 ms     {'yes' if np.percentile(lat_a, 95) < 200 else 'NO'}")
    # for comparison: the full sparse product X·q over every row (no postings), 20 queries
    full = []
    for q in queries[:20]:
        t0 = time.perf_counter()
        cols, w, _ = idx.query_vector(q)
        qd = np.zeros(idx.n_terms)
        qd[cols] = w
        s = idx.matrix @ qd
        np.argpartition(-s, args.k)[: args.k]
        full.append((time.perf_counter() - t0) * 1000)
    print(f"full X·q (ms)    p50 {np.percentile(full, 50):.1f}  max {max(full):.1f} (not used)")
    del idx
    if args.bm25_n:
        bm25_vs_tfidf(sample, queries, args.k)
    del sample
    if args.emb_n:
        stored_embeddings(args.emb_n, args.emb_dim, args.queries, args.k, rng)


def bm25_vs_tfidf(texts: list[str], queries: list[str], k: int) -> None:
    """The search index (BM25, Snowball stems + stem bigrams, every term kept) against the
    former TF-IDF one (unigrams, every term kept) on the same documents and queries."""
    ids = [f"D{i:08d}" for i in range(len(texts))]
    print(f"\nBM25 (stemmed, + bigrams) vs TF-IDF (unigrams), {len(texts):,} documents")
    for label, kw in (
        ("tfidf", {}),
        ("bm25", {"weighting": "bm25", "stem": True, "bigrams": True}),
    ):
        t0 = time.perf_counter()
        idx = index_texts(ids, texts, min_df=1, max_df=1.0, **kw)  # type: ignore[arg-type]
        t_build = time.perf_counter() - t0
        _ = idx.postings
        idx.top_k(queries[0], k)
        lat = []
        for q in queries:
            t0 = time.perf_counter()
            idx.top_k(q, k)
            lat.append((time.perf_counter() - t0) * 1000)
        lat_a = np.asarray(lat)
        print(
            f"{label:6s} build {t_build:6.1f} s  terms {idx.n_terms:>10,}  "
            f"{idx.nbytes() / 2**20:6.0f} MiB  query p50 {np.percentile(lat_a, 50):.2f} ms  "
            f"p95 {np.percentile(lat_a, 95):.2f} ms"
        )
        del idx


def stored_embeddings(n: int, dim: int, n_queries: int, k: int, rng: np.random.Generator) -> None:
    """Cosine top-k over ``n`` stored, memory-mapped embeddings (see the module docstring)."""
    import tempfile
    from pathlib import Path

    print(f"\nstored embeddings {n:,} × {dim} float32 (SYNTHETIC vectors)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ix.emb.npy"
        t0 = time.perf_counter()
        out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, dim))
        for lo in range(0, n, 100_000):
            block = rng.standard_normal((min(100_000, n - lo), dim), dtype=np.float32)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            out[lo : lo + len(block)] = block
        out.flush()
        del out
        print(f"write            {time.perf_counter() - t0:.1f} s ({n * dim * 4 / 2**30:.2f} GiB)")
        emb = np.load(path, mmap_mode="r")
        queries = rng.standard_normal((n_queries, dim), dtype=np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        embedding_top_k(emb, queries[0], k)  # warm-up: pages the file in
        lat = []
        for q in queries:
            t0 = time.perf_counter()
            embedding_top_k(emb, q, k)
            lat.append((time.perf_counter() - t0) * 1000)
        lat_a = np.asarray(lat)
        print(
            f"latency (ms)     p50 {np.percentile(lat_a, 50):.1f}  "
            f"p95 {np.percentile(lat_a, 95):.1f}  max {lat_a.max():.1f}"
        )
        print(f"p95 < 200 ms     {'yes' if np.percentile(lat_a, 95) < 200 else 'NO'}")
        del emb


if __name__ == "__main__":
    main()
