"""The executive summary says "no evidence" / "insufficient evidence" where the decisions have
none: on decisions that returned nothing (hand-built, the decisions' own empty tables) and on
the real demo store, whose USPTO sample and SYNERGY works say almost nothing about China's
semiconductors (built once for the module)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from forcemap.decide.actors import ACTOR_SCHEMA, COMPONENT_SCHEMA
from forcemap.decide.benchmark import BENCHMARK_SCHEMA, WORLD_SCHEMA
from forcemap.decide.benchmark_series import YEARLY_SCHEMA
from forcemap.decide.bottlenecks import BOTTLENECK_SCHEMA, GROUP_SCHEMA
from forcemap.decide.landscape import GROUPS_SCHEMA, LANDSCAPE_SCHEMA
from forcemap.decide.result import DecisionResult, Rule
from forcemap.decide.talent import AUTHOR_SCHEMA, BALANCE_SCHEMA, TALENT_SCHEMA
from forcemap.report.industry import IndustryResults, industry_report, industry_results
from forcemap.report.render import Finding, render_report
from forcemap.report.summary import executive_summary, summary_section
from forcemap.store import Store

_EMPTY_TOPICS = pa.schema([("unit_id", pa.string()), ("name", pa.string()),
                           ("escore", pa.float64())])  # fmt: skip


def _empty(name: str, schema: pa.Schema, **evidence: pa.Schema) -> DecisionResult:
    rule = Rule(name, "the rule", {"min_works": 5, "young_career_years": 10})
    return DecisionResult(name, schema.empty_table(), rule,
                          evidence={k: v.empty_table() for k, v in evidence.items()})  # fmt: skip


def _nothing() -> IndustryResults:
    return IndustryResults(
        industry="semiconductors",
        name="Semiconductors",
        country="CN",
        positioning=None,
        positioning_missing="no evidence in s.duckdb: no works or patents with a year",
        bottlenecks=_empty("bottlenecks", BOTTLENECK_SCHEMA, groups=GROUP_SCHEMA),
        actors=_empty("actors", ACTOR_SCHEMA, components=COMPONENT_SCHEMA),
        benchmark=_empty("benchmark", BENCHMARK_SCHEMA, world=WORLD_SCHEMA),
        series=_empty("series", YEARLY_SCHEMA),
        talent=_empty("talent", TALENT_SCHEMA, authors=AUTHOR_SCHEMA, balance=BALANCE_SCHEMA),
        landscape=_empty(
            "landscape", LANDSCAPE_SCHEMA, groups=GROUPS_SCHEMA, white_spaces=GROUPS_SCHEMA
        ),
        emerging=_EMPTY_TOPICS.empty_table(),
        emerging_scope="all",
        emerging_scored=0,
    )


def test_decisions_without_evidence_are_summarised_as_no_evidence(tmp_path: Path) -> None:
    findings = executive_summary(_nothing())
    assert [f.evidence for f in findings] == ["no evidence"] * 7
    for f in findings:
        assert f.statement.startswith("No evidence"), f.statement
        # no label, rank or share read off nothing
        assert not re.search(r"classed|ranks \d|leading:|share \d|score \d", f.statement)
    assert findings[0].statement == (
        "No evidence: no evidence in s.duckdb: no works or patents with a year; no class and "
        "no strategy."
    )
    assert findings[4].statement == (
        "No evidence: no scientist of CN has at least 5 works in Semiconductors."
    )
    out = render_report([summary_section(findings)], tmp_path / "r.html", title="t")
    assert out.read_text().count('class="finding no-evidence"') == 7


def test_a_coverage_below_its_minimum_makes_a_finding_insufficient() -> None:
    res = _nothing()
    row = {name: None for name in BENCHMARK_SCHEMA.names}
    row.update(unit="semiconductors", country="CN", is_home=True, rank=3, works=40,
               works_frac=12.5, world_share=0.125, world_share_low=0.1,
               world_share_high=0.15, mncs=1.25, thin_evidence=False,
               impact_evidence="ok")  # fmt: skip
    peer = dict(row, country="US", is_home=False, rank=1, mncs=1.5)
    res.benchmark.table = pa.Table.from_pylist([peer, row], schema=BENCHMARK_SCHEMA)
    world = {"unit": "semiconductors", "unit_name": "S", "works": 300, "works_frac": 100.0,
             "patents": 0.0, "countries": 12}  # fmt: skip
    res.benchmark.evidence["world"] = pa.Table.from_pylist([world], schema=WORLD_SCHEMA)
    f = executive_summary(res)[3]
    assert f.evidence == "ok"
    assert f.statement == (
        "CN ranks 3 of 12 countries by fractional output in Semiconductors (world share "
        "0.125, 95 % interval 0.100–0.150); MNCS 1.25, 2 of 2 among CN and its peers with "
        "impact evidence."
    )
    res.benchmark.cover("works with a known author country", 40, 100, minimum=0.5)
    f = executive_summary(res)[3]
    assert f.evidence == "insufficient evidence"
    assert f.statement.endswith(
        "Coverage below the minimum: works with a known author country: 40 of 100 (40.0 %), "
        "below the minimum 50 %."
    )


@dataclass
class Real:
    findings: dict[str, Finding]
    html: str


@pytest.fixture(scope="module")
def real(real_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Real]:
    out = tmp_path_factory.mktemp("report") / "semi.html"
    with Store.open(real_store_path, read_only=True) as s:
        res = industry_results(s, industry="semiconductors", country="CN")
        industry_report(s, industry="semiconductors", country="CN", out=out, results=res)
    yield Real({f.topic: f for f in executive_summary(res)}, out.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_real_store_says_what_it_cannot_tell(real: Real) -> None:
    f = real.findings
    assert {k: v.evidence for k, v in f.items()} == {
        "Positioning": "insufficient evidence",
        "Bottlenecks": "insufficient evidence",
        "Strategic actors": "insufficient evidence",
        "Benchmark": "insufficient evidence",
        "Talent": "no evidence",
        "IP landscape": "insufficient evidence",
        "Emerging topics": "no evidence",
    }
    assert f["Positioning"].statement.startswith(
        "Insufficient evidence (world top works 0 < 10; world high-value families 0 < 10): "
        "CN is not classed and gets no strategy"
    )
    assert f["Bottlenecks"].statement.startswith(
        "Insufficient evidence: none of the 11 CPC groups of Semiconductors and integrated "
        "circuits can be assessed"
    )
    assert f["Strategic actors"].statement.startswith("No organisation of CN is ranked")
    assert "white spaces are unknown: none of the 11 technologies can be judged" in (
        f["IP landscape"].statement
    )
    assert f["Talent"].statement.startswith("No evidence: no scientist of CN has at least 5 works")
    assert real.html.count('class="finding no-evidence"') == 2
    assert real.html.count('class="finding insufficient-evidence"') == 5
