"""AI-assisted exploration (C13): full-text search and technical pathway discovery.

Three pieces, all offline and built on numpy / scipy / igraph:

:class:`~forcemap.indicators.text.TextIndex` / :func:`build_text_index`
    A TF-IDF index over the title and abstract of works and/or patents (the tokeniser, the
    stop words and the weights are those of :mod:`forcemap.indicators.text`).
:func:`search`
    The *k* documents most similar to a free-text query (cosine similarity), by TF-IDF or,
    when the optional model package is installed, by sentence embeddings
    (:mod:`~forcemap.decide.explore.search_index`).
:func:`pathways`
    Technical pathway discovery: a technology's documents are linked to their nearest
    neighbours in TF-IDF space and the resulting similarity graph is cut into Leiden
    communities, each described by its distinctive terms, organisations, momentum and
    representative documents (:mod:`~forcemap.decide.explore.pathway_discovery`).
"""

from __future__ import annotations

from forcemap.decide.explore.pathway_discovery import (
    ASSIGNMENT_SCHEMA,
    PATHWAY_SCHEMA,
    pathway_sub_technologies,
    pathways,
)
from forcemap.decide.explore.search_index import (
    EMBEDDING_MODEL_PACKAGE,
    SEARCH_SCHEMA,
    build_text_index,
    document_texts,
    embed_index,
    embedding_top_k,
    index_path,
    precompute_text_index,
    saved_text_index,
    search,
    search_text_index,
    store_text_index,
)
from forcemap.indicators.text import STOP_WORDS, TextIndex, index_texts, tokenize

__all__ = [
    "ASSIGNMENT_SCHEMA",
    "EMBEDDING_MODEL_PACKAGE",
    "PATHWAY_SCHEMA",
    "SEARCH_SCHEMA",
    "STOP_WORDS",
    "TextIndex",
    "build_text_index",
    "document_texts",
    "embed_index",
    "embedding_top_k",
    "index_path",
    "index_texts",
    "pathway_sub_technologies",
    "pathways",
    "precompute_text_index",
    "saved_text_index",
    "search",
    "search_text_index",
    "store_text_index",
    "tokenize",
]
