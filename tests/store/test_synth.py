"""Tests of the synthetic world generator: real formats, determinism, planted facts."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from forcemap._data import data_path
from forcemap.errors import InputError, NotFoundError, ParseError
from forcemap.store._synth_data import COUNTRIES, INDUSTRIES
from forcemap.store.ingest.patentsview import PATENTSVIEW_TABLES
from forcemap.store.synth import WorldManifest, write_world

SCALE = 0.05
_OA = "https://openalex.org/"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldManifest:
    return write_world(tmp_path_factory.mktemp("world"), scale=SCALE, seed=7)


@pytest.fixture(scope="module")
def works(world: WorldManifest) -> dict[str, dict[str, Any]]:
    out = {}
    for part in sorted((world.path / "openalex" / "works").rglob("part_*.gz")):
        with gzip.open(part, "rt", encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                out[rec["id"].removeprefix(_OA)] = rec
    return out


def _tsv(world: WorldManifest, table: str) -> list[dict[str, str]]:
    with open(world.path / "patentsview" / f"{table}.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_bytes(tmp_path: Path, world: WorldManifest) -> None:
    again = write_world(tmp_path / "a", scale=SCALE, seed=7)
    assert _digests(again.path) == _digests(world.path)
    other = write_world(tmp_path / "b", scale=SCALE, seed=8)
    assert _digests(other.path) != _digests(world.path)


def test_works_are_openalex_shaped(world: WorldManifest, works: dict[str, dict]) -> None:
    assert len(works) == world.counts["works"]
    assert (world.path / "openalex/works/updated_date=2024-01-01/part_000.gz").is_file()
    for rec in works.values():
        assert rec["title"].startswith("[synthetic]") and rec["type"] == "article"
        assert rec["doi"].startswith("https://doi.org/10.")
        assert rec["publication_date"].startswith(str(rec["publication_year"]))
        assert rec["authorships"][0]["author_position"] == "first"
        for au in rec["authorships"]:
            assert au["author"]["id"].startswith(_OA + "A")
            inst = au["institutions"][0]
            assert inst["id"].startswith(_OA + "I") and inst["ror"].startswith("https://ror.org/0")
            assert inst["display_name"].endswith("(synthetic)")
            assert au["countries"] == [inst["country_code"]]
        assert rec["primary_topic"]["id"] == rec["topics"][0]["id"]
        assert rec["primary_topic"]["field"]["id"].startswith(_OA + "fields/")
        assert all(c["id"].startswith(_OA + "C") for c in rec["concepts"])
        if rec["abstract_inverted_index"] is not None:
            pos = sorted(p for ps in rec["abstract_inverted_index"].values() for p in ps)
            assert pos == list(range(len(pos)))
    with gzip.open(next((world.path / "openalex/institutions").rglob("*.gz")), "rt") as f:
        insts = [json.loads(line) for line in f]
    assert len(insts) == world.counts["institutions"]
    assert all(i["display_name"].endswith("(synthetic)") and i["geo"]["city"] for i in insts)


def test_references_point_to_older_works_and_outside(works: dict[str, dict]) -> None:
    external = 0
    for rec in works.values():
        for ref in rec["referenced_works"]:
            cited = works.get(ref.removeprefix(_OA))
            if cited is None:
                external += 1
            else:
                assert cited["publication_year"] < rec["publication_year"]
    assert external > 0
    counts = sorted((r["cited_by_count"] for r in works.values()), reverse=True)
    assert counts[0] > 10 * max(1, counts[len(counts) // 2])  # heavy tail


def test_patentsview_tables_have_catalog_columns(world: WorldManifest) -> None:
    written = {p.stem for p in (world.path / "patentsview").glob("*.tsv")}
    # the synthetic patents claim no priority and have no related documents (families of one)
    assert set(PATENTSVIEW_TABLES) - written == {"g_foreign_priority", "g_us_rel_doc"}
    for table, cols in PATENTSVIEW_TABLES.items():
        if table not in written:
            continue
        path = world.path / "patentsview" / f"{table}.tsv"
        with open(path, encoding="utf-8", newline="") as f:
            header = next(csv.reader(f, delimiter="\t"))
            first = f.readline()
        assert tuple(header) == cols
        assert first.startswith('"') and first.rstrip("\n").endswith('"')
    pats = _tsv(world, "g_patent")
    assert len(pats) == world.counts["patents"]
    assert all(p["patent_title"].startswith("[synthetic]") for p in pats)
    dates = {p["patent_id"]: p["patent_date"] for p in pats}
    for c in _tsv(world, "g_us_patent_citation"):
        assert dates[c["citation_patent_id"]][:4] < dates[c["patent_id"]][:4]


def test_projects_and_trade_files(world: WorldManifest, works: dict[str, dict]) -> None:
    projects = _csv(world.path / "projects/projects.csv")
    assert list(projects[0]) == [
        "project_id", "title", "programme", "start_date", "end_date", "budget", "currency",
        "goals", "status",
    ]  # fmt: skip
    parts = _csv(world.path / "projects/participants.csv")
    assert {p["role"] for p in parts} == {"coordinator", "partner"}
    patents = {p["patent_id"] for p in _tsv(world, "g_patent")}
    outs = _csv(world.path / "projects/outputs.csv")
    assert outs
    for o in outs:
        if o["output_type"] == "work":
            assert o["output_id"] in works
        else:
            assert o["output_type"] == "patent"
            assert o["output_id"].removeprefix("US-") in patents
    with open(world.path / "trade/baci.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["t", "i", "j", "k", "v", "q"]
    numeric = {c[1] for c in COUNTRIES}
    for t, i, j, k, v, q in rows[1:2000]:
        assert int(i) in numeric and int(j) in numeric and i != j
        assert len(k) == 6 and float(v) > 0 and float(q) >= 0 and 2000 <= int(t) <= 2023


def test_country_and_cpc_codes_are_real() -> None:
    with open(data_path("reference", "country-codes.csv"), encoding="utf-8") as f:
        iso = {r["ISO3166-1-Alpha-2"]: r["ISO3166-1-numeric"] for r in csv.DictReader(f)}
    for c in COUNTRIES:
        assert int(iso[c[0]]) == c[1], c[0]
    with gzip.open(data_path("reference", "cpc_titles_upto_maingroup.csv.gz"), "rt") as f:
        groups = {r["symbol"] for r in csv.DictReader(f)}
    for symbols, *_ in INDUSTRIES.values():
        for s in symbols:
            assert s.split("/")[0] + "/00" in groups, s


def test_planted_disruptive_work(world: WorldManifest, works: dict[str, dict]) -> None:
    d = world.planted["disruptive_work"]
    rec = works[d["work_id"]]
    refs = {r.removeprefix(_OA) for r in rec["referenced_works"]}
    assert refs
    y = rec["publication_year"]
    n_i = n_j = n_k = 0  # CD_5 (Funk & Owen-Smith 2017) computed from the files
    for r in works.values():
        if not y < r["publication_year"] <= y + 5:
            continue
        cites = {x.removeprefix(_OA) for x in r["referenced_works"]}
        on_d, on_refs = d["work_id"] in cites, bool(cites & refs)
        n_i += on_d and not on_refs
        n_j += on_d and on_refs
        n_k += on_refs and not on_d
    assert n_i >= 30
    assert (n_i - n_j) / (n_i + n_j + n_k) > 0.95


def test_planted_bottleneck(world: WorldManifest) -> None:
    b = world.planted["bottleneck"]
    group = b["cpc_group"].split("/")[0] + "/"
    pats = {
        c["patent_id"] for c in _tsv(world, "g_cpc_current") if c["cpc_group"].startswith(group)
    }
    assert len(pats) >= 10
    country = {
        r["location_id"]: r["disambig_country"] for r in _tsv(world, "g_location_disambiguated")
    }
    holders = {
        (a["assignee_id"], country[a["location_id"]])
        for a in _tsv(world, "g_assignee_disambiguated")
        if a["patent_id"] in pats
    }
    assert 2 <= len(holders) <= 3
    assert all(c != b["dependent_country"] for _, c in holders)
    assert {h for h, _ in holders} == {h["assignee_id"] for h in b["holders"]}
    num = {c[0]: c[1] for c in COUNTRIES}
    with open(world.path / "trade/baci.csv", encoding="utf-8") as f:
        origins = {
            int(r["i"])
            for r in csv.DictReader(f)
            if r["k"] == b["hs6"] and int(r["j"]) == num[b["dependent_country"]]
        }
    assert origins and origins <= {num[c] for c in b["exporters"]}


def test_planted_conflict_broker_emerging_leader(
    world: WorldManifest, works: dict[str, dict]
) -> None:
    pl = world.planted
    c = pl["coauthor_conflict"]
    authors = {a["author"]["id"].removeprefix(_OA) for a in works[c["work_id"]]["authorships"]}
    assert {c["author_a"], c["author_b"]} <= authors
    assert works[c["work_id"]]["publication_year"] == c["year"] >= 2021

    b = pl["broker_organization"]
    comm = [set(x) for x in b["communities"]]
    partners: dict[str, set[str]] = defaultdict(set)
    for rec in works.values():
        orgs = {a["institutions"][0]["id"].removeprefix(_OA) for a in rec["authorships"]}
        for o in orgs:
            partners[o] |= orgs - {o}
    assert partners[b["org_id"]] & comm[0] and partners[b["org_id"]] & comm[1]
    for mine, theirs in ((comm[0], comm[1]), (comm[1], comm[0])):
        for o in mine:
            assert partners[o] <= mine | {b["org_id"]}
            assert not partners[o] & theirs

    e = pl["emerging_topic"]
    per_year: dict[int, int] = defaultdict(int)
    for rec in works.values():
        if rec["primary_topic"]["id"] == _OA + e["topic_id"]:
            per_year[rec["publication_year"]] += 1
    recent = sum(per_year[y] for y in range(e["from_year"], 2024)) / (2024 - e["from_year"])
    before = sum(per_year[y] for y in range(2000, e["from_year"])) / (e["from_year"] - 2000)
    assert recent > 5 * max(before, 0.5)

    lead = pl["leading_country"]
    topics = set(INDUSTRIES[lead["industry"]][2])
    by_country: dict[str, int] = defaultdict(int)
    for rec in works.values():
        if rec["primary_topic"]["id"].removeprefix(_OA) in topics:
            by_country[rec["authorships"][0]["institutions"][0]["country_code"]] += 1
    assert max(by_country, key=by_country.__getitem__) == lead["country"]

    s = pl["strong_enterprise"]
    symbols = tuple(INDUSTRIES[s["industry"]][0])
    in_industry = {
        c["patent_id"] for c in _tsv(world, "g_cpc_current") if c["cpc_group"] in symbols
    }
    per_assignee: dict[str, int] = defaultdict(int)
    for a in _tsv(world, "g_assignee_disambiguated"):
        if a["patent_id"] in in_industry and a["assignee_id"]:
            per_assignee[a["assignee_id"]] += 1
    assert max(per_assignee, key=per_assignee.__getitem__) == s["assignee_id"]


def test_sizes_grow_with_scale(tmp_path: Path, world: WorldManifest) -> None:
    bigger = write_world(tmp_path, scale=2 * SCALE, seed=7)
    for key in ("works", "patents", "projects", "authorships", "work_references"):
        assert bigger.counts[key] > 1.5 * world.counts[key], key


def test_manifest_round_trip_and_errors(tmp_path: Path, world: WorldManifest) -> None:
    loaded = WorldManifest.load(world.path)
    assert loaded.counts == world.counts and loaded.planted == world.planted
    assert WorldManifest.load(world.path / "manifest.json").seed == 7
    doc = json.loads((world.path / "manifest.json").read_text())
    assert doc["synthetic"] is True and doc["generator"] == "forcemap.store.synth"
    assert len(doc["countries"]) == 40
    with pytest.raises(NotFoundError):
        WorldManifest.load(tmp_path)
    (tmp_path / "manifest.json").write_text('{"synthetic": false}')
    with pytest.raises(ParseError):
        WorldManifest.load(tmp_path)
    with pytest.raises(InputError):
        write_world(tmp_path / "x", scale=0)
    with pytest.raises(InputError):
        write_world(tmp_path / "x", start_year=2015, end_year=2020)
