"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - the cut-point run report: every measure's cut points, capped ones highlighted.

Inputs as in the CLI test (tests/stars/test_cli_cutpoints.py), hand-checkable: 20 contracts at each of 5
well-separated scores, so every resampling run finds the same clusters; prior-year cut points chosen so that some
thresholds move more than the cap (4185-P L2241).
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from partcd.stars.pipelines import CutPointRun, run_cut_points
from partcd.stars.report import threshold_rows, write_cut_points_report

LEVELS_C01 = [10, 30, 50, 70, 90]
LEVELS_C25 = [0.1, 0.3, 0.5, 0.7, 0.9]


def _inputs(tmp: Path) -> tuple[Path, Path, Path]:
    scores = ["contract_id,measure_id,score,contract_type"]
    for i in range(100):
        scores.append(f"H{i:04d},C01,{LEVELS_C01[i // 20]}%,")
        scores.append(f"H{i:04d},C25,{LEVELS_C25[i // 20]},")
        scores.append(f"H{i:04d},D08,{LEVELS_C01[i // 20]}%,MA-PD")
        scores.append(f"S{i:04d},D08,{LEVELS_C01[i // 20] + 5}%,PDP")
    prior = ["measure_id,threshold,value,contract_type"]
    prior += [f"C01,{s},{v}," for s, v in zip((2, 3, 4, 5), (28, 50, 60, 97), strict=True)]
    prior += [f"C25,{s},{v}," for s, v in zip((2, 3, 4, 5), (0.8, 0.5, 0.25, 0.12), strict=True)]
    # restricted range: fn19 halves Q1 .25, Q3 .75, upper fence 2.25 -> 5.0 deleted; .8 - .1 = .7; 5 % = .035
    before = ["contract_id,measure_id,score"] + [f"H{i:04d},C25,{v}" for i, v in
                                                 enumerate([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 5.0])]
    paths = (tmp / "scores.csv", tmp / "prior_cut_points.csv", tmp / "prior_scores.csv")
    for path, lines in zip(paths, (scores, prior, before), strict=True):
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> CutPointRun:
    scores, prior, before = _inputs(tmp_path_factory.mktemp("report"))
    return run_cut_points(scores, 2025, [prior], before, seed=42)


class _Rows(HTMLParser):
    """The movement table's rows: (measure, contract type, threshold) -> (class, cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[str, str, int], tuple[str, list[str]]] = {}
        self._key: tuple[str, str, int] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-measure"):
            self._key = (a["data-measure"] or "", a["data-contract-type"] or "", int(a["data-threshold"] or 0))
            self.rows[self._key] = (a.get("class") or "", [])
        elif tag == "td" and self._key is not None:
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._key is not None and self._cell is not None:
            self.rows[self._key][1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr":
            self._key = None


def _report(run: CutPointRun, tmp_path: Path) -> str:
    path = write_cut_points_report(run, tmp_path / "report.html", "plotly.min.js", links=[("other run", "../x.html")])
    return path.read_text(encoding="utf-8")


def test_every_measure_and_threshold_with_final_values(run: CutPointRun, tmp_path: Path) -> None:
    html = _report(run, tmp_path)
    parser = _Rows()
    parser.feed(html)
    finals = {key: cells[6] for key, (_, cells) in parser.rows.items()}
    assert finals == {
        ("C01", "ALL", 2): "30.00", ("C01", "ALL", 3): "50.00", ("C01", "ALL", 4): "65.00", ("C01", "ALL", 5): "92.00",
        # lower is better, cap .035: .7 vs .8 -> .765; .5 kept; .3 vs .25 -> .285; .1 kept (display precision 2 + 2)
        ("C25", "ALL", 2): "0.7650", ("C25", "ALL", 3): "0.5000", ("C25", "ALL", 4): "0.2850", ("C25", "ALL", 5): "0.1000",
        ("D08", "MA-PD", 2): "30.00", ("D08", "MA-PD", 3): "50.00", ("D08", "MA-PD", 4): "70.00", ("D08", "MA-PD", 5): "90.00",
        ("D08", "PDP", 2): "35.00", ("D08", "PDP", 3): "55.00", ("D08", "PDP", 4): "75.00", ("D08", "PDP", 5): "95.00",
    }
    # prior, unguarded, cap, change and reason of a capped threshold
    # ... with the display value between final and change (0 decimals: 65.00 shows as 65)
    assert parser.rows[("C01", "ALL", 4)][1][3:] == ["60.00", "70.00", "5.00", "65.00", "65", "+5.00", "capped_up"]
    assert parser.rows[("D08", "PDP", 5)][1][3:] == ["–", "95.00", "–", "95.00", "95", "–", "no_prior"]
    for anchor in ("C01-ALL", "C25-ALL", "D08-MA-PD", "D08-PDP"):
        assert f'<section class="measure" id="{anchor}">' in html


def test_capped_thresholds_are_highlighted(run: CutPointRun, tmp_path: Path) -> None:
    html = _report(run, tmp_path)
    parser = _Rows()
    parser.feed(html)
    capped = {key for key, (cls, _) in parser.rows.items() if cls == "capped"}
    assert capped == {("C01", "ALL", 4), ("C01", "ALL", 5), ("C25", "ALL", 2), ("C25", "ALL", 4)}
    assert '<span class="badge">2 capped</span>' in html  # C01 and C25 sections
    assert "4 capped by the guardrail" in html
    assert "capped up: rose by more than the cap, final = prior + cap" in html


def test_what_was_run_and_the_law(run: CutPointRun, tmp_path: Path) -> None:
    html = _report(run, tmp_path)
    assert "<code>cms-2024+</code>" in html and "Tukey deletion + mean resampling + guardrail" in html
    assert "<code>42</code>" in html and "stars/params/2025.yaml" in html
    assert "42 CFR 422.166(a)(2)(i), 423.186(a)(2)(i) (CMS-4185-P L2241 / L3212)" in html
    assert "do not increase or decrease more than the value of the cap from one year to the next" in html
    assert "absolute_cap_pp" in html and "[cms-4185-p L2241]" in html  # the parameter file's values and citations
    assert 'href="../x.html"' in html
    # plotly.js is loaded once, by the first chart; every measure/contract type has a chart
    assert html.count('src="plotly.min.js"') == 1 and html.count('class="plotly-graph-div"') == 4
    # stars under the final C01 cut points 30/50/65/92: 10 -> 1, 30 -> 2, 50 -> 3, 70 and 90 -> 4
    assert "<span>1★ 20</span><span>2★ 20</span><span>3★ 20</span><span>4★ 40</span><span>5★ 0</span>" in html


def test_threshold_rows_format_to_two_more_decimals(run: CutPointRun) -> None:
    c25 = next(r for r in run.results if r.measure.measure_id == "C25")
    rows = threshold_rows(c25)
    assert [(r.threshold, r.cap, r.change, r.capped) for r in rows] == [
        (2, "0.0350", "-0.0350", True), (3, "0.0350", "+0.0000", False), (4, "0.0350", "+0.0350", True),
        (5, "0.0350", "-0.0200", False)]
