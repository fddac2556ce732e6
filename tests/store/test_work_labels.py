"""The labelled-set builder for work merging: seeded, real records, the damage it promises."""

from __future__ import annotations

import re
from pathlib import Path

from forcemap.store.work_labels import Quality, build_labelled_set, sample_openalex

SYNERGY = Path(__file__).resolve().parents[2] / "src/forcemap/data/demo/synergy_v1_works.jsonl.gz"


def test_samples_are_seeded_and_partitions_disjoint() -> None:
    a = sample_openalex(SYNERGY, n=60, seed=1, part=0)
    b = sample_openalex(SYNERGY, n=60, seed=1, part=0)
    c = sample_openalex(SYNERGY, n=60, seed=1, part=1)
    ids = [r["id"] for r in a]
    assert ids == [r["id"] for r in b] and len(ids) == 60
    assert not set(ids) & {r["id"] for r in c}


def test_exports_are_seeded_damaged_and_fully_labelled(tmp_path: Path) -> None:
    recs = sample_openalex(SYNERGY, n=90, seed=2, part=0)
    x = build_labelled_set(recs, tmp_path / "x", seed=2)
    y = build_labelled_set(recs, tmp_path / "y", seed=2)
    for src, p in x.exports.items():
        assert p.read_bytes() == y.exports[src].read_bytes(), src
    assert x.truth == y.truth
    # every record the readers will see is labelled with one of the sampled papers
    papers = {r["id"].rsplit("/", 1)[-1] for r in recs}
    assert set(x.truth.values()) == papers
    ris = x.exports["ris"].read_text(encoding="utf-8")
    n_ris = ris.count("TY  - JOUR")
    n_doi = ris.count("DO  - ")
    with_doi = sum(1 for r in recs if r.get("doi"))
    # about a third of the DOIs dropped (of the ~70 % of papers written as RIS)
    assert 0.45 * with_doi * 0.7 < n_doi < 0.85 * with_doi * 0.7
    assert n_ris == sum(1 for k in x.truth if k.startswith("ris:"))
    # author initials appear, and some titles are upper-cased
    assert re.search(r"^AU  - [^,\n]+, [A-Z]\.", ris, re.M)
    titles = re.findall(r"^TI  - (.*)$", ris, re.M)
    assert any(t.isupper() for t in titles) and any(not t.isupper() for t in titles)


def test_quality_measures() -> None:
    q = Quality(tp=90, fp=10, fn=30)
    assert (q.precision, q.recall) == (0.9, 0.75)
    assert Quality(0, 0, 0).precision == 1.0 and Quality(0, 0, 0).recall == 1.0
