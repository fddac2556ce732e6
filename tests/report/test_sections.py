"""Report sections on the real SYNERGY sample: one per indicator family, with warnings."""

from __future__ import annotations

from pathlib import Path

from forcemap.report import render_report
from forcemap.report.sections import indicator_sections, positioning_sections
from forcemap.store import Store


def test_indicator_sections_state_samples_and_warn_on_thin_fields(
    synergy_store: Store, tmp_path: Path
) -> None:
    secs = indicator_sections(synergy_store, label="Real", min_works=50)
    titles = [s.title for s in secs]
    assert titles == [
        "Real: citation impact",
        "Real: disruption (CD5)",
        "Real: specialisation and complexity of fields of science",
        "Real: emerging concepts",
    ]  # no trade, no patents in this store: no sections for them
    impact = secs[0]
    warnings = [b.text for b in impact.blocks if b.kind == "warning"]
    assert any("fewer than 50 works" in w for w in warnings)
    texts = " ".join(b.text for s in secs for b in s.blocks if b.kind == "text")
    assert "7,518 works with a field" in texts and "CD_5 defined for" in texts
    assert all(s.method for s in secs)
    out = tmp_path / "r.html"
    render_report(secs, out, title="t")
    html = out.read_text()
    assert "Most disruptive works" in html and "Economic complexity" in html


def test_positioning_sections_carry_the_rule(synergy_store: Store) -> None:
    secs = positioning_sections(synergy_store, label="Real", countries=("US",), unit="field")
    assert [s.title for s in secs] == [
        "Real: positioning of US by field",
        "Real: who leads each field",
    ]
    assert "parallel_at = 80.0" in secs[0].method
    # issue 18: fields below the minimums are insufficient evidence, said as a caveat
    assert any(b.kind == "warning" and "Insufficient evidence" in b.text for b in secs[0].blocks)
