"""The industry report: every section, opens offline, and prints to a non-blank PDF."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcemap.cli import app
from forcemap.errors import NotFoundError
from forcemap.report.industry import industry_report
from forcemap.store import Store


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.external: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_h2 = tag == "h2"
        for k, v in attrs:
            if k in ("src", "href") and v and v.startswith(("http://", "https://", "//")):
                self.external.append(v)

    def handle_data(self, data: str) -> None:
        if self._in_h2 and data.strip():
            self.h2.append(data.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False


@pytest.mark.slow
def test_industry_report_sections_and_pdf(synthetic_world: tuple, tmp_path: Path) -> None:  # type: ignore[type-arg]
    path, planted = synthetic_world
    out = tmp_path / "semi.html"
    pdf = shutil.which("chromium") is not None
    with Store.open(path, read_only=True) as s:
        files = industry_report(s, industry="semiconductors", country="CN", out=out, pdf=pdf)
    html = out.read_text(encoding="utf-8")
    p = _Collect()
    p.feed(html)
    for title in ("Positioning of CN", "Bottleneck technologies for CN",
                  "Strategic S&T actors of CN", "Innovation network of the industry",
                  "Emerging topics"):  # fmt: skip
        assert title in p.h2, (title, p.h2)
    assert p.external == []  # opens offline
    assert planted["bottleneck"]["cpc_group"] in html
    # CN holds 9 patent families and no work in semiconductors in the window: below the
    # minimum of 10 documents (issue 18), the report says insufficient evidence and gives
    # no strategy
    assert "insufficient evidence (CN documents 9 &lt; 10)" in html
    assert "Recommended strategy" not in html
    assert "SYNTHETIC" in html
    if pdf:
        assert files[1].suffix == ".pdf"
        png = tmp_path / "page"
        subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(files[1]),
                        str(png)], check=True)  # fmt: skip
        img = next(tmp_path.glob("page*.png"))
        assert img.stat().st_size > 2000  # a blank page compresses to a few hundred bytes


def test_report_command_rejects_unknown_industry(synergy_store_path: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app, ["--store", str(synergy_store_path), "report", "industry", "--industry", "x",
              "--out", str(tmp_path / "r.html")],
    )  # fmt: skip
    assert r.exit_code == 4 and "unknown industry 'x'" in r.output, r.output
    with pytest.raises(NotFoundError), Store.open(synergy_store_path, read_only=True) as s:
        industry_report(s, industry="nope", out=tmp_path / "r.html")
