"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - the HTML report of a cut-point run (4185-P L2241 / L3212); §§ 422.166(b)-(i),
423.186(b)-(i) - the HTML pages of a rated year, one per contract.

Cut points, one page per run: for each measure and contract type the distribution of the scores (histogram and strip)
with the final and the unguarded (clustered) cut points and the prior year's published ones drawn as vertical lines; a
table of the cut-point movement against the prior year (prior, unguarded, cap, final, change, reason) with capped
thresholds highlighted, the display value and - when given - the published value; the stars the final cut points give;
the disaster picture (contracts left out by the 60 percent rule, public scores that may be carried over and how far
the thresholds move without them); unverified inputs; and what was run - rating year, methodology, seed, the parameter
file with every value's citation and quote, the input files.

Ratings (:func:`save_rating_report`): an index of every contract's summary, overall and highest rating, and a page per
contract with how each rating was reached (weighted mean, reward factor, CAI, hold-harmless), its domain stars and
its star on each measure (with score, cut points, how each was set and the distance to the next star when the
ratings were computed from scores).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from partcd.platform import report
from partcd.stars.pipelines import (
    ASSIGN_COLUMNS,
    CITATION,
    CutPointRun,
    assignment_records,
    contract_measure_explanations,
    records_csv,
    run_summary,
)
from partcd.stars.pipelines.carryover import CITATION as CARRIED_OVER_CITATION
from partcd.stars.pipelines.rate import RATE_COLUMNS, RateResult, flat_rate_records, rate_records
from partcd.stars.rules.assign import StarAssignment, exact_text, grid_threshold
from partcd.stars.rules.cutpoints import MeasureCutPoints, scores_for
from partcd.stars.rules.explain import StarExplanation
from partcd.stars.rules.guardrails import GuardedThreshold, GuardrailReason
from partcd.stars.rules.models import ContractType, MeasureScore, Part

CAPPED = frozenset({GuardrailReason.CAPPED_UP, GuardrailReason.CAPPED_DOWN})

#: Words for each guardrail reason (table and chart labels).
REASON_TEXT: dict[str, str] = {
    GuardrailReason.CAPPED_UP.value: "capped up: rose by more than the cap, final = prior + cap",
    GuardrailReason.CAPPED_DOWN.value: "capped down: fell by more than the cap, final = prior - cap",
    GuardrailReason.WITHIN_CAP.value: "within the cap: clustered value kept",
    GuardrailReason.NEW_MEASURE.value: "new measure (3 rating years or less): no guardrail",
    GuardrailReason.IMPROVEMENT_MEASURE.value: "improvement measure: no guardrail",
    GuardrailReason.NO_PRIOR.value: "no prior-year cut point given: no guardrail",
    GuardrailReason.METHOD_UNGUARDED.value: "the methodology has no guardrail",
}

_FINAL, _CAPPED_COLOR, _UNGUARDED, _PRIOR = "#1f5fbf", "#b3261e", "#7a8294", "#1b7f3b"


@dataclass(frozen=True)
class ThresholdRow:
    """One threshold of one measure and contract type, formatted for the page."""

    threshold: int
    prior: str
    unguarded: str
    cap: str
    final: str
    change: str
    reason: str
    reason_text: str
    capped: bool
    display: str = "–"
    published: str = "–"
    vs_published: str = "–"


def _fmt(value: float | None, decimals: int) -> str:
    return "–" if value is None else f"{value:.{decimals}f}"


def _decimals(result: MeasureCutPoints) -> int:
    """Two more decimals than the measure's display precision: thresholds are kept unrounded."""
    return result.measure.precision + 2


def threshold_rows(result: MeasureCutPoints, published: dict[int, float] | None = None) -> list[ThresholdRow]:
    """The thresholds of one result with prior, unguarded, cap, final, display value, the change against the prior
    year and - when given - the rating year's published value and final minus published."""
    d = _decimals(result)
    m = result.measure
    rows = []
    for t in result.thresholds:
        change = None if t.prior is None else t.final - t.prior
        theirs = (published or {}).get(t.threshold)
        rows.append(ThresholdRow(
            threshold=t.threshold, prior=_fmt(t.prior, d), unguarded=_fmt(t.unguarded, d), cap=_fmt(t.cap, d),
            final=_fmt(t.final, d), change="–" if change is None else f"{change:+.{d}f}", reason=t.reason.value,
            reason_text=REASON_TEXT.get(t.reason.value, t.reason.value), capped=t.reason in CAPPED,
            display=_fmt(grid_threshold(t.final, m.precision, m.higher_is_better), m.precision),
            published="–" if theirs is None else exact_text(theirs),
            vs_published="–" if theirs is None else f"{t.final - theirs:+.{d}f}",
        ))
    return rows


def star_counts(result: MeasureCutPoints, assignments: Sequence[StarAssignment]) -> dict[int, int]:
    """How many contracts got 1..5 stars on the measure under the final cut points (this contract type)."""
    counts = dict.fromkeys(range(1, 6), 0)
    for a in assignments:
        if a.measure_key != result.measure.measure_key or a.stars is None:
            continue
        if result.measure.part is Part.D and a.contract_type is not result.contract_type:
            continue
        counts[a.stars] += 1
    return counts


def _lines(thresholds: Sequence[GuardedThreshold]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Vertical lines (shapes over both panels) and labels: final (red when capped), unguarded, prior."""
    shapes: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    star = "\u2605"
    for t in thresholds:
        capped = t.reason in CAPPED
        lines = [(t.final, _CAPPED_COLOR if capped else _FINAL, "solid", 2.0)]
        if t.unguarded != t.final:
            lines.append((t.unguarded, _UNGUARDED, "dash", 1.5))
        if t.prior is not None and t.prior != t.final:
            lines.append((t.prior, _PRIOR, "dot", 1.5))
        for x, color, dash, width in lines:
            for axis in ("", "2"):
                shapes.append({"type": "line", "xref": f"x{axis}", "yref": f"y{axis} domain", "x0": x, "x1": x, "y0": 0,
                               "y1": 1, "line": {"color": color, "dash": dash, "width": width}})
        labels.append({"x": t.final, "xref": "x", "yref": "y domain", "y": 1.0, "yanchor": "bottom", "showarrow": False,
                       "text": f"{t.threshold}{star}{' capped' if capped else ''}",
                       "font": {"size": 11, "color": _CAPPED_COLOR if capped else _FINAL}})
    return shapes, labels


def measure_figure(result: MeasureCutPoints, scores: np.ndarray[Any, np.dtype[np.float64]]) -> go.Figure:
    """Histogram and strip of the scores with the final (blue, red when capped), unguarded and prior cut points."""
    m = result.measure
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.78, 0.22], vertical_spacing=0.04)
    fig.add_trace(go.Histogram(x=scores, nbinsx=min(60, max(10, scores.size // 8)), marker_color="#9fb8e3",
                               name="contracts", showlegend=False, hovertemplate="%{x}: %{y} contracts<extra></extra>"),
                  row=1, col=1)
    fig.add_trace(go.Box(x=scores, boxpoints="all", jitter=0.7, pointpos=0, marker={"size": 3, "color": "#46536b"},
                         line={"width": 1, "color": "#9aa3b5"}, fillcolor="rgba(0,0,0,0)", name="scores",
                         showlegend=False, hoverinfo="x"), row=2, col=1)
    for name, color, dash in (("final cut point", _FINAL, "solid"), ("final, capped", _CAPPED_COLOR, "solid"),
                              ("unguarded (clustered)", _UNGUARDED, "dash"), ("prior year", _PRIOR, "dot")):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line={"color": color, "dash": dash}, name=name),
                      row=1, col=1)
    shapes, labels = _lines(result.thresholds)
    direction = "higher is better" if m.higher_is_better else "lower is better"
    ctype = "" if result.contract_type is ContractType.ALL else f" ({result.contract_type.value})"
    fig.update_layout(
        title={"text": f"{m.measure_id} {m.name}{ctype} - {result.n_scores} scores, {direction}", "font": {"size": 14}},
        height=380, margin={"l": 45, "r": 20, "t": 70, "b": 40}, bargap=0.05,
        legend={"orientation": "h", "y": -0.18, "x": 0}, plot_bgcolor="#fff", shapes=shapes, annotations=labels,
    )
    fig.update_yaxes(title_text="contracts", row=1, col=1, gridcolor="#eef1f6")
    fig.update_yaxes(showticklabels=False, row=2, col=1)
    fig.update_xaxes(title_text="score", row=2, col=1, gridcolor="#eef1f6")
    return fig


def _section(run: CutPointRun, result: MeasureCutPoints, assignments: Sequence[StarAssignment], chart: str) -> dict[str, Any]:
    m = result.measure
    published = {(c.measure_key, c.contract_type): c.thresholds for c in run.published}
    rows = threshold_rows(result, published.get((m.measure_key, result.contract_type)))
    return {
        "anchor": f"{m.measure_id}-{result.contract_type.value}",
        "measure_id": m.measure_id, "measure_key": m.measure_key, "name": m.name, "part": m.part.value,
        "contract_type": result.contract_type.value, "higher_is_better": m.higher_is_better,
        "scale": "0-100 (absolute cap)" if m.scale_0_100 else "not 0-100 (restricted-range cap)",
        "precision": m.precision, "first_rating_year": m.first_rating_year, "improvement": m.improvement,
        "n_scores": result.n_scores, "n_clustered": result.n_clustered, "n_deleted": result.n_scores - result.n_clustered,
        "rows": rows, "capped": sum(r.capped for r in rows), "stars": star_counts(result, assignments), "chart": chart,
    }


def report_context(run: CutPointRun, plotly_js_src: str, assignments: Sequence[StarAssignment] | None = None,
                   ) -> dict[str, Any]:
    """Everything the template shows, charts rendered (plotly.js loaded once, from ``plotly_js_src``)."""
    stars = run.assignments() if assignments is None else list(assignments)
    excluded = frozenset(run.excluded_contracts)
    sections = []
    for i, result in enumerate(run.results):
        scores = scores_for(result.measure, result.contract_type, run.scores, excluded)
        fig = measure_figure(result, scores)
        chart = report.figure_html(fig, plotly_js_src) if i == 0 else fig.to_html(full_html=False, include_plotlyjs=False)
        sections.append(_section(run, result, stars, chart))
    reasons: dict[str, int] = {}
    for s in sections:
        for r in s["rows"]:
            reasons[r.reason] = reasons.get(r.reason, 0) + 1
    ids = {m.measure_key: m.measure_id for m in run.measures}
    return {
        "run": run, "sections": sections, "reasons": dict(sorted(reasons.items())), "reason_text": REASON_TEXT,
        "capped_total": sum(s["capped"] for s in sections), "thresholds_total": sum(len(s["rows"]) for s in sections),
        "citation": CITATION, "params_values": list(run.params.values.values()), "summary": run_summary(run),
        "shifts": sorted(run.shifts, key=lambda t: -abs(t.shift)), "carried_citation": CARRIED_OVER_CITATION,
        "replaced": [(cid, ids.get(key, key), public, actual) for cid, key, public, actual in run.replaced_scores],
        "exact": exact_text,
    }


def write_cut_points_report(
    run: CutPointRun,
    path: Path,
    plotly_js_src: str,
    *,
    assignments: Sequence[StarAssignment] | None = None,
    title: str | None = None,
    links: Sequence[tuple[str, str]] = (),
) -> Path:
    """Render ``stars_cutpoints.html.j2`` for ``run`` to ``path``; ``links`` are (label, href) of related pages."""
    context = report_context(run, plotly_js_src, assignments)
    heading = title or f"Star Ratings cut points, rating year {run.rating_year}"
    return report.render("stars/cutpoints.html.j2", path, title=heading, links=list(links), **context)


def save_run(run: CutPointRun, folder: Path, plotly_js_src: str | None = None, *, title: str | None = None,
             links: Sequence[tuple[str, str]] = ()) -> Path:
    """Write ``cut_points.csv``, ``cut_points.json``, ``stars.csv``, ``run.json`` and ``report.html`` into ``folder``.

    Returns the report's path; ``plotly_js_src`` is plotly.js relative to the report (None: plotly.js is written into
    ``folder`` too, so the folder stands alone), ``links`` (label, href) other pages.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if plotly_js_src is None:
        report.ensure_plotly_js(folder)
        plotly_js_src = report.PLOTLY_JS
    records = run.records()
    (folder / "cut_points.csv").write_text(records_csv(records, run.columns()), encoding="utf-8")
    (folder / "cut_points.json").write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
    assignments = run.assignments()
    (folder / "stars.csv").write_text(records_csv(assignment_records(assignments), ASSIGN_COLUMNS), encoding="utf-8")
    (folder / "run.json").write_text(json.dumps(run_summary(run), indent=1) + "\n", encoding="utf-8")
    return write_cut_points_report(run, folder / "report.html", plotly_js_src, assignments=assignments, title=title,
                                   links=links)


# --- the ratings of a year: one page per contract ---------------------------------------------------------------------

RATING_CITATION = ("42 CFR 422.166(b)-(i) and 423.186(b)-(i) (CMS-4185-P L2245-L2315, L3216-L3256): domain, summary and "
                   "overall ratings, reward factor, CAI, hold-harmless, extreme and uncontrollable circumstances")


def _contract_file(contract_id: str) -> str:
    return f"contracts/{contract_id}.html"


def contract_context(result: RateResult, record: dict[str, Any],
                     scores_by_contract: Mapping[str, Sequence[MeasureScore]] | None = None) -> dict[str, Any]:
    """What one contract's page shows: its ratings and how they were reached, domain stars, each measure's star (with
    the score, the cut points and the distance to the next star when the ratings were computed from scores).
    ``scores_by_contract`` (the scores grouped once) saves a pass over every score per page."""
    cid = record["contract_id"]
    rating = result.run.by_contract().get(cid)
    stars = {c.contract_id: c for c in (result.stars.contracts if result.stars is not None else ())}.get(cid)
    measures = list(result.stars.measures) if result.stars is not None else []
    explained: dict[str, StarExplanation] = {}
    inputs = result.star_inputs
    if inputs is not None:
        mine = (scores_by_contract or {}).get(cid) if scores_by_contract is not None else \
            [s for s in inputs.scores if s.contract_id == cid]
        if mine:
            explained = {e.measure_key: e for e in contract_measure_explanations(replace(inputs, scores=tuple(mine)), cid)}
    rows = []
    for m in measures:
        e = explained.get(m.measure_key)
        rows.append({
            "measure_id": m.measure_id, "name": m.name, "part": m.part.value, "domain": m.domain, "weight": m.weight,
            "stars": stars.stars.get(m.measure_key) if stars is not None else None,
            "not_required": stars is not None and m.measure_key in stars.not_required,
            "score": None if e is None else e.score, "missing": None if e is None else e.missing_reason,
            "thresholds": "" if e is None else ", ".join(f"{t.stars}\u2605 {t.operator} {t.label()}" for t in e.thresholds),
            "next_star": None if e is None or e.next_star is None else
            f"{e.next_star.stars}\u2605 at {e.next_star.score_needed:g} ({'+' if e.higher_is_better else '-'}"
            f"{e.next_star.distance:g})",
            "how": "" if e is None else "; ".join(f"{t.stars}\u2605: {t.how}" for t in e.thresholds),
        })
    return {"record": record, "rating": rating, "measures": rows, "rating_year": result.rating_year,
            "notes": list(result.notes), "unverified": list(result.unverified), "citation": RATING_CITATION}


def save_rating_report(result: RateResult, folder: Path, contracts: Sequence[str] = ()) -> Path:
    """Write ``ratings.csv``, ``ratings.json``, ``index.html`` (every contract, linked) and ``contracts/<id>.html``
    (one page per contract, or only ``contracts``) into ``folder``; returns the index page."""
    folder.mkdir(parents=True, exist_ok=True)
    records = rate_records(result)
    wanted = set(contracts)
    shown = [r for r in records if not wanted or r["contract_id"] in wanted]
    (folder / "ratings.csv").write_text(records_csv(flat_rate_records(shown), RATE_COLUMNS), encoding="utf-8")
    (folder / "ratings.json").write_text(json.dumps(shown, indent=1) + "\n", encoding="utf-8")
    grouped: dict[str, list[MeasureScore]] = {}
    for s in result.star_inputs.scores if result.star_inputs is not None else ():
        grouped.setdefault(s.contract_id, []).append(s)
    for record in shown:
        report.render("stars/contract.html.j2", folder / _contract_file(record["contract_id"]),
                      title=f"{record['contract_id']} - {result.rating_year} Star Ratings", index="../index.html",
                      **contract_context(result, record, grouped))
    return report.render("stars/ratings.html.j2", folder / "index.html",
                         title=f"{result.rating_year} Star Ratings - summary and overall ratings", records=shown,
                         href=_contract_file, notes=list(result.notes), unverified=list(result.unverified),
                         citation=RATING_CITATION)
