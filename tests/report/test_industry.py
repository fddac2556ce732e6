"""The industry report on the synthetic world: every section with its rule, the executive
summary quoting the decisions' own numbers, one number format, opens offline, prints to a
non-blank PDF. The report is built once for the module (its decisions take most of a minute
on two shared cores)."""

from __future__ import annotations

import html as htmllib
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from forcemap.cli import app
from forcemap.decide.benchmark import benchmark
from forcemap.decide.bottlenecks import bottlenecks
from forcemap.errors import InputError, NotFoundError
from forcemap.report.industry import IndustryResults, industry_report, industry_results
from forcemap.report.render import Finding, column_text, rule_text
from forcemap.report.summary import executive_summary
from forcemap.report.tables import format_number
from forcemap.store import Store


class _Collect(HTMLParser):
    """The h2 titles, external links, summary items and every table of a report page."""

    def __init__(self) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.external: list[str] = []
        self.links: list[str] = []
        self.ids: list[str] = []
        self.tables: list[dict[str, list]] = []  # type: ignore[type-arg]
        self._in_h2 = False
        self._cell: list[str] | None = None
        self._num = False
        self._row: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self._in_h2 = tag == "h2"
        for k, v in attrs:
            if k in ("src", "href") and v and v.startswith(("http://", "https://", "//")):
                self.external.append(v)
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.links.append(str(a["href"])[1:])
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "table":
            self.tables.append({"head": [], "rows": []})
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell, self._num = [], "num" in (a.get("class") or "")

    def handle_data(self, data: str) -> None:
        if self._in_h2 and data.strip():
            self.h2.append(data.strip())
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            if tag == "th":
                self.tables[-1]["head"].append(text)
            else:
                self._row.append((text, self._num))
            self._cell = None
        elif tag == "tr" and self._row:
            self.tables[-1]["rows"].append(self._row)


@dataclass
class Built:
    res: IndustryResults
    findings: dict[str, Finding]
    html: str
    page: _Collect
    files: list[Path]
    planted: dict  # type: ignore[type-arg]
    path: Path


@pytest.fixture(scope="module")
def built(synthetic_world: tuple, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:  # type: ignore[type-arg]
    path, planted = synthetic_world
    out = tmp_path_factory.mktemp("report") / "semi.html"
    pdf = shutil.which("chromium") is not None
    with Store.open(path, read_only=True) as s:
        res = industry_results(s, industry="semiconductors", country="CN")
        files = industry_report(
            s, industry="semiconductors", country="CN", out=out, pdf=pdf, results=res
        )
    html = out.read_text(encoding="utf-8")
    page = _Collect()
    page.feed(html)
    findings = {f.topic: f for f in executive_summary(res)}
    yield Built(res, findings, html, page, files, planted, path)


@pytest.mark.slow
def test_sections_with_their_rules_offline_and_pdf(built: Built, tmp_path: Path) -> None:
    p, res = built.page, built.res
    assert p.h2 == [
        "Executive summary",
        "Positioning of CN",
        "Bottleneck technologies for CN",
        "Strategic S&T actors of CN",
        "Benchmarking CN against its peers",
        "Talent of CN: strategic and rising scientists",
        "Technology value and IP landscape",
        "Innovation network of the industry",
        "Science mapping: themes and foundational works",
        "Emerging topics",
    ]
    assert p.external == []  # opens offline
    # each new section states its decision's rule with every parameter, and its caveats
    text = htmllib.unescape(built.html)
    for r in (res.benchmark, res.series, res.talent, res.landscape):
        assert rule_text(r.rule) in text, r.name
        for caveat in r.caveats:
            assert caveat in text, caveat
    assert "min_scientists = " in text and "white_space_growth = " in text
    assert built.planted["bottleneck"]["cpc_group"] in built.html
    # CN holds 9 patent families and no work in semiconductors in the window: below the
    # minimum of 10 documents (issue 18), the report says insufficient evidence and gives
    # no strategy
    assert "insufficient evidence (CN documents 9 &lt; 10)" in built.html
    assert "Recommended strategy" not in built.html
    assert "SYNTHETIC" in built.html
    if len(built.files) > 1:
        assert built.files[1].suffix == ".pdf"
        png = tmp_path / "page"
        subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1",
                        str(built.files[1]), str(png)], check=True)  # fmt: skip
        img = next(tmp_path.glob("page*.png"))
        assert img.stat().st_size > 2000  # a blank page compresses to a few hundred bytes


@pytest.mark.slow
def test_science_mapping_section_shows_the_analyses(built: Built) -> None:
    """The section's themes and most locally cited works are those of the analyses on the
    same store and slice (issue 21 item 8)."""
    from forcemap.network.historiograph import historiograph
    from forcemap.network.thematic import thematic_map

    with Store.open(built.path, read_only=True) as s:
        themes = thematic_map(s, industry="semiconductors", terms="title").clusters
        nodes = historiograph(s, industry="semiconductors", top=10, remove_isolates=False).nodes
    text = htmllib.unescape(built.html)
    section = text[text.index('id="science-mapping"') :]
    assert themes.num_rows > 0 and nodes.num_rows > 0
    for row in themes.slice(0, 12).to_pylist():
        assert row["label"] in section and row["quadrant"] in section
    top = max(nodes.to_pylist(), key=lambda r: r["lcs"])
    assert top["label"] in section and format_number(top["lcs"]) in section


@pytest.mark.slow
def test_summary_has_one_linked_finding_per_decision(built: Built) -> None:
    assert list(built.findings) == ["Positioning", "Bottlenecks", "Strategic actors",
                                    "Benchmark", "Talent", "IP landscape",
                                    "Emerging topics"]  # fmt: skip
    for f in built.findings.values():
        assert f.anchor in built.page.ids  # the link lands on its section
        assert f.statement in htmllib.unescape(built.html)
    assert set(built.page.links) >= {f.anchor for f in built.findings.values()}


@pytest.mark.slow
def test_summary_quotes_the_decisions_numbers(built: Built) -> None:
    """Every number of the summary is the decision's own, recomputed here on the same store
    for the benchmark and the bottlenecks, and read from the result tables for the rest."""
    f, res = built.findings, built.res
    fact = built.planted["bottleneck"]
    with Store.open(built.path, read_only=True) as s:
        bn = bottlenecks(s, country="CN", industry="semiconductors")
        bm = benchmark(s, country="CN", industry="semiconductors")
    # bottlenecks: the planted group is the one candidate, with its score as the table shows it
    cands = bn.table.filter(pc.is_valid(bn.table["rank"])).to_pylist()
    assert [c["cpc"] for c in cands] == [fact["cpc_group"]] == f["Bottlenecks"].values["top"]
    sc = column_text(bn.table, "score")(cands[0]["score"])
    assert (
        "1 bottleneck candidate(s) for CN among 7 CPC groups assessed" in f["Bottlenecks"].statement
    )
    assert f"{fact['cpc_group']} " in f["Bottlenecks"].statement
    assert f"(score {sc})" in f["Bottlenecks"].statement and sc == "0.909"
    # benchmark: CN's rank among all countries and its world share with the interval
    home = bm.table.filter(pc.equal(bm.table["is_home"], True)).to_pylist()[0]
    countries = bm.evidence["world"]["countries"][0].as_py()
    ws = column_text(bm.table, "world_share")
    assert (home["rank"], countries) == (2, 40)
    assert (
        f"CN ranks 2 of 40 countries by fractional output in Semiconductors and integrated "
        f"circuits (world share {ws(home['world_share'])}, 95 % interval "
        f"{ws(home['world_share_low'])}–{ws(home['world_share_high'])})"
    ) in f["Benchmark"].statement
    # CN has no work with a citation score there: impact is not measured, and said so
    assert home["mncs"] is None and home["impact_evidence"] in f["Benchmark"].statement
    assert f["Benchmark"].evidence == "insufficient evidence"
    # positioning: the class with its counts, no level quoted
    row = res.positioning.table.to_pylist()[0]  # type: ignore[union-attr]
    assert f["Positioning"].evidence == "insufficient evidence"
    assert f["Positioning"].statement.startswith(
        "Insufficient evidence (CN documents 9 < 10): CN is not classed"
    )
    assert "level" not in f["Positioning"].statement.lower().split("coverage")[0]
    assert f"{format_number(row['hv_patents'])} of {format_number(row['world_hv_patents'])}" in (
        f["Positioning"].statement
    )
    # actors: the ranked count and the three leaders, in rank order, with their scores
    comp = res.actors.evidence["components"]
    ranked = res.actors.table.filter(pc.is_valid(res.actors.table["rank"])).to_pylist()
    n_ranked = pc.sum(pc.is_valid(comp["rank"])).as_py()
    assert f["Strategic actors"].statement.startswith(f"{n_ranked} organisations of CN ranked")
    at = column_text(res.actors.table, "score")
    for x in ranked[:3]:
        assert (
            f"{x['name']} ({x['type']}, score {at(x['score'])})" in f["Strategic actors"].statement
        )
    # talent: counts per kind of the eligible authors, the top strategic scientist
    kinds = res.talent.evidence["authors"]["kind"].to_pylist()
    top = res.talent.table.to_pylist()[0]
    assert f["Talent"].statement.startswith(
        f"{kinds.count('strategic')} strategic and {kinds.count('rising')} rising scientists"
    )
    assert top["kind"] == "strategic" and top["rank"] == 1
    assert f"top strategic scientist is {top['author_name']}" in f["Talent"].statement
    bal = (
        res.talent.evidence["balance"]
        .filter(pc.equal(res.talent.evidence["balance"]["sector"], "all"))
        .to_pylist()[0]
    )
    assert f"net {format_number(bal['net'], signed=True)} ({bal['inflow']} in" in (
        f["Talent"].statement
    )
    # landscape: the home country's largest holder and its rank
    land = res.landscape.table.filter(pc.equal(res.landscape.table["is_home"], True))
    h = land.to_pylist()[0]
    assert f"{h['name']}, ranks {h['rank']} (patent share " in f["IP landscape"].statement
    # emerging: the count of qualified topics of the industry and the top one
    assert res.emerging_scope == "industry"
    assert f["Emerging topics"].statement.startswith(
        f"{res.emerging.num_rows} topics of Semiconductors"
    )
    assert res.emerging["name"][0].as_py() in f["Emerging topics"].statement


_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$")
_YEARS = {"year", "first_year", "first", "last"}


@pytest.mark.slow
def test_numbers_follow_one_format(built: Built) -> None:
    """Numeric cells: thousands separators, no scientific notation, one number of decimals
    per column; no scientific notation anywhere in the page's text."""
    checked = 0
    for t in built.page.tables:
        per_measure: dict[str, set[int]] = {}
        for j, name in enumerate(t["head"]):
            cells = [r[j][0] for r in t["rows"] if r[j][1]]
            if not cells:
                continue
            if name in _YEARS or name.endswith("_year"):
                assert all(re.fullmatch(r"\d{4}", c) for c in cells), (name, cells)
                continue
            assert all(_NUMBER.match(c) for c in cells), (name, cells)
            decimals = {len(c.split(".")[1]) if "." in c else 0 for c in cells}
            assert len(decimals) == 1, (name, cells)
            # an interval's bounds are written with their figure's decimals
            base = name.removesuffix("_low").removesuffix("_high")
            per_measure.setdefault(base if base in t["head"] else name, set()).update(decimals)
            checked += len(cells)
        assert all(len(d) == 1 for d in per_measure.values()), per_measure
    assert checked > 500
    text = re.sub(r"<[^>]+>", " ", built.html)
    assert not re.search(r"\d\.?\d*e[+-]\d", text)
    assert "678.000" not in text


@pytest.mark.slow
def test_results_of_another_industry_are_refused(built: Built, tmp_path: Path) -> None:
    with Store.open(built.path, read_only=True) as s, pytest.raises(InputError, match="results"):
        industry_report(s, industry="robotics", country="CN", out=tmp_path / "r.html",
                        results=built.res)  # fmt: skip


def test_report_command_rejects_unknown_industry(synergy_store_path: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app, ["--store", str(synergy_store_path), "report", "industry", "--industry", "x",
              "--out", str(tmp_path / "r.html")],
    )  # fmt: skip
    assert r.exit_code == 4 and "unknown industry 'x'" in r.output, r.output
    with pytest.raises(NotFoundError), Store.open(synergy_store_path, read_only=True) as s:
        industry_report(s, industry="nope", out=tmp_path / "r.html")
