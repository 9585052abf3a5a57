"""§§ 422.166(a)(2)(i), 423.186(a)(2)(i) - how a contract's star on a measure was reached, in words and as a record
(4185-P L652, L2241).

Pure: builds the explanation from the score, the cut points, the boundary rule of the measure's direction and the
display precision (see :mod:`partcd.stars.rules.assign`); no I/O. For each cut point it says how it was set (clustered,
capped by the guardrail, a new measure without guardrail - from a cut-point run's records - or as published), shows it
at the display precision next to the exact value, and says how far the contract is from the next star.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

from partcd.core.citation import cites
from partcd.core.errors import RuleError
from partcd.stars.rules.assign import CITE, assign_star, exact_text, grid_threshold, select_cut_points
from partcd.stars.rules.guardrails import REASON_WORDS
from partcd.stars.rules.models import ContractType, CutPoints, Measure, MeasureScore

CITATION = (
    "42 CFR 422.166(a)(2)(i) and 423.186(a)(2)(i) (CMS-4185-P L2241 / L3212: cut points split the scores into "
    "non-overlapping groups, L652); boundary inclusivity and rounding: CMS Star Ratings Technical Notes (2026: "
    "Attachment K, 'the value of the lower bound for each group is included in the category'; 'Rounding Rules for "
    "Measure Scores')"
)


@dataclass(frozen=True)
class ThresholdExplanation:
    """One cut point: the star level whose bound it is, as compared (exact) and as displayed, and how it was set."""

    stars: int
    operator: str  # ">=" (higher is better) or "<=" (lower is better)
    value: float  # exact threshold
    display: str  # on the display grid: the score that reaches it (the exact value when there is no precision)
    exact: str  # the exact threshold without float noise
    how: str

    def label(self) -> str:
        """``"76 (exact 75.3)"``, or ``"58"`` when the threshold sits on the display grid."""
        return self.display if Decimal(self.display) == Decimal(self.exact) else f"{self.display} (exact {self.exact})"


@dataclass(frozen=True)
class NextStar:
    """What the contract needs for the next star: the score to reach (on the display grid) and how far that is."""

    stars: int
    threshold: float
    score_needed: float
    distance: float  # how much the score must rise (higher is better) or fall (lower is better)


@dataclass(frozen=True)
class StarExplanation:
    """A contract's star on a measure with everything that decided it."""

    contract_id: str
    measure_key: str
    measure_id: str | None
    measure_name: str | None
    rating_year: int | None
    contract_type: str | None
    score: float | None
    compared_score: float | None
    precision: int | None
    stars: int | None
    missing_reason: str | None
    higher_is_better: bool | None
    thresholds: tuple[ThresholdExplanation, ...]
    next_star: NextStar | None
    rule: str | None
    notes: tuple[str, ...]
    citation: str

    def to_dict(self) -> dict[str, object]:
        """The explanation as JSON-ready data (``text`` included)."""
        return {**asdict(self), "text": self.text()}

    def text(self) -> str:
        """The explanation as a paragraph."""
        label = f"{self.measure_id} {self.measure_name}" if self.measure_id and self.measure_name else self.measure_key
        year = f" in the {self.rating_year} Star Ratings" if self.rating_year is not None else ""
        who = f"Contract {self.contract_id}"
        if self.score is None or self.stars is None or self.compared_score is None:
            return (f"{who} has no star on {label}{year}: CMS shows {self.missing_reason or 'no score'!r} instead of a "
                    "score, so no cut point applies.")
        shown = _num(self.score, self.precision)
        typed = f" ({self.contract_type} cut points)" if self.contract_type not in (None, ContractType.ALL.value) else ""
        parts = [f"{who} scored {shown} on {label}{year}{typed}."]
        if self.precision is not None:
            if self.compared_score != self.score:
                parts.append(f"At the measure's display precision ({self.precision} decimals, halves rounded up) the "
                             f"score compared is {_num(self.compared_score, self.precision)}.")
            else:
                parts.append(f"Scores are compared at the measure's display precision ({self.precision} decimals, "
                             "halves rounded up).")
        listing = ", ".join(f"{t.stars} stars {t.operator} {t.label()}" for t in self.thresholds)
        parts.append(f"The cut points are: {listing}.")
        bounds = {t.stars: t for t in self.thresholds}
        mine = bounds.get(self.stars)
        above = [t for t in self.thresholds if t.stars > self.stars and t.value != (mine.value if mine else None)]
        nxt_op = "<" if self.higher_is_better else ">"
        if mine is not None and above:
            how = (f"it is {mine.operator} {mine.display} (the {self.stars}-star bound) and {nxt_op} {above[0].display} "
                   "(the next level's bound)")
        elif mine is not None:
            how = f"it is {mine.operator} {mine.display}, the {self.stars}-star bound (the top level)"
        else:
            how = f"it is {nxt_op} {self.thresholds[0].display}, the lowest cut point"
        parts.append(f"So the contract gets {self.stars} star{'s' if self.stars != 1 else ''}: {how}.")
        if self.next_star is not None:
            ns = self.next_star
            direction = "rise" if self.higher_is_better else "fall"
            parts.append(f"To reach {ns.stars} stars the score must {direction} by {_num(ns.distance, self.precision)} "
                         f"to {_num(ns.score_needed, self.precision)}.")
        else:
            parts.append("This is the top star.")
        parts.append("How each cut point was set: " + "; ".join(f"{t.stars} stars: {t.how}" for t in self.thresholds) + ".")
        if self.rule:
            parts.append(f"Rule: {self.rule}.")
        parts.extend(self.notes)
        parts.append(f"Citation: {self.citation}.")
        return " ".join(parts)


def _num(value: float, precision: int | None) -> str:
    return f"{value:.{precision}f}" if precision is not None else exact_text(value)


def _how(cp: CutPoints, level: int) -> str:
    if level in cp.how:
        return cp.how[level]
    note = cp.notes.get(level)
    if note is None:
        return "as given in the cut-point file (published or computed elsewhere)"
    words = REASON_WORDS.get(note)
    return f"{note} - {words}" if words else note


def _next_star(decision_stars: int, compared: float, cp: CutPoints, precision: int | None) -> NextStar | None:
    levels = sorted(cp.thresholds.items())
    higher = cp.higher_is_better
    for level, bound in levels:
        if level <= decision_stars:
            continue
        reached = max(lvl for lvl, b in levels if b == bound)  # coinciding bounds: the highest level of that bound
        needed = grid_threshold(bound, precision, higher) if precision is not None else bound
        distance = needed - compared if higher else compared - needed
        return NextStar(reached, bound, needed, float(exact_text(distance)))
    return None


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def star_explanation(score: MeasureScore, cut_points: Sequence[CutPoints], measure: Measure | None = None,
                     rating_year: int | None = None) -> StarExplanation:
    """The explanation of ``score``'s star under ``cut_points`` (the measure supplies name, id and display precision)."""
    mid = measure.measure_id if measure is not None else None
    name = measure.name if measure is not None else None
    notes: list[str] = []
    if measure is not None and measure.cahps:
        notes.append("This is a CAHPS measure: the thresholds are base-group cut points, and CMS's final star also "
                     "depends on significance and reliability tests (42 CFR 422.166(a)(3), 423.186(a)(3)).")
    if measure is not None and measure.unverified:
        notes.append("The measure's attributes were carried from another rating year and are unverified.")
    if score.score is None:
        return StarExplanation(score.contract_id, score.measure_key, mid, name, rating_year, None, None, None, None, None,
                               score.missing_reason or "no score", None, (), None, None, tuple(notes), CITATION)
    cp = select_cut_points(score, list(cut_points))
    precision = measure.precision if measure is not None else None
    decision = assign_star(score.score, cp, precision)
    op = ">=" if cp.higher_is_better else "<="
    thresholds = tuple(
        ThresholdExplanation(level, op, value,
                             _num(grid_threshold(value, precision, cp.higher_is_better), precision) if precision is not None
                             else exact_text(value), exact_text(value), _how(cp, level))
        for level, value in sorted(cp.thresholds.items())
    )
    if score.contract_type is ContractType.ALL and cp.contract_type is not ContractType.ALL:
        notes.append(f"The {cp.contract_type.value} cut points apply because the contract id starts with "
                     f"{score.contract_id[:1]} (no contract type was given).")
    return StarExplanation(
        contract_id=score.contract_id, measure_key=score.measure_key, measure_id=mid or cp.measure_id, measure_name=name,
        rating_year=rating_year, contract_type=cp.contract_type.value, score=score.score, compared_score=decision.score,
        precision=precision, stars=decision.stars, missing_reason=None, higher_is_better=cp.higher_is_better,
        thresholds=thresholds, next_star=_next_star(decision.stars, decision.score, cp, precision), rule=decision.rule,
        notes=tuple(notes), citation=CITATION,
    )


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def explain_star(score: MeasureScore, cut_points: list[CutPoints], measure: Measure | None = None,
                 rating_year: int | None = None) -> str:
    """A paragraph explaining ``score``'s star: the score, the thresholds and how each was set, the boundary rule,
    precision, the distance to the next star and the citation."""
    return star_explanation(score, cut_points, measure, rating_year).text()


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def explain_contract_measure(contract_id: str, measure: str, scores: Sequence[MeasureScore],
                             cut_points: Sequence[CutPoints], measures: Sequence[Measure] = (),
                             measure_ids: dict[str, str] | None = None,
                             rating_year: int | None = None) -> StarExplanation:
    """The explanation for ``contract_id`` on ``measure`` (an id of the rating year or a stable key) from scores and
    cut points already read; an unknown measure or a missing score is a rule error naming them."""
    by_key = {m.measure_key: m for m in measures}
    key = measure
    if measure not in by_key:
        ids = {m.measure_id: m.measure_key for m in measures}
        ids.update({mid: k for k, mid in (measure_ids or {}).items()})
        ids.update({cp.measure_id: cp.measure_key for cp in cut_points if cp.measure_id})
        if measure in ids:
            key = ids[measure]
        elif not any(s.measure_key == measure for s in scores):
            raise RuleError(f"measure {measure!r} is neither a measure id nor a measure key of the scores", CITE)
    found = [s for s in scores if s.contract_id == contract_id and s.measure_key == key]
    if not found:
        raise RuleError(f"no score for contract {contract_id} on measure {measure}", CITE)
    return star_explanation(found[0], cut_points, by_key.get(key), rating_year)
