"""§§ 422.166(a)(2)(i), 423.186(a)(2)(i) - measure-level stars from a score and the cut points (4185-P L652, L2241).

The cut points "break the distribution of the scores into non-overlapping groups" (4185-P L652); which
side of a cut point is inclusive is CMS practice (shared/specs/stars.md §2.5, §9 item 5), as printed in
the CMS cut-point tables:

* higher is better: ``1 < c1 <= 2 < c2 <= 3 < c3 <= 4 < c4 <= 5`` - a level's lower bound is included;
* lower is better:  ``1 > c1 >= 2 > c2 >= 3 > c3 >= 4 > c4 >= 5`` - a level's upper bound is included.

``thresholds[s]`` is the bound of ``s`` stars (s = 2..5). Coinciding thresholds (fewer than five
clusters) leave empty levels; the star is the highest level whose bound the score reaches, so a
score on a shared bound gets the highest level of that bound. CMS compares scores at the measure's
display precision (rounded half away from zero, stars.md §9 item 1); thresholds are used unrounded.
Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.models import ContractType, CutPoints, Measure, MeasureScore

CITE = Cite(cfr="42 CFR 422.166(a)(2)(i), 423.186(a)(2)(i)")

HIGHER_RULE = "higher is better: a star level includes its lower bound (score >= cut point) and excludes its upper bound"
LOWER_RULE = "lower is better: a star level includes its upper bound (score <= cut point) and excludes its lower bound"


@dataclass(frozen=True)
class StarDecision:
    """One star assignment: the score as compared, the bounds that decided it and the rule used."""

    stars: int
    score: float  # the score as compared (at display precision when one was given)
    raw_score: float
    higher_is_better: bool
    lower_bound: tuple[str, float] | None  # (operator, value) the score satisfied, e.g. (">=", 63.0)
    upper_bound: tuple[str, float] | None  # (operator, value) of the next level it did not reach
    precision: int | None
    rule: str


@dataclass(frozen=True)
class StarAssignment:
    """A contract's star on a measure, or why it has none."""

    contract_id: str
    measure_key: str
    measure_id: str | None
    contract_type: ContractType
    score: float | None
    stars: int | None
    missing_reason: str | None = None
    note: str | None = None


CAHPS_NOTE = ("CAHPS: base group from the base-group cut points only; CMS's final CAHPS star also depends on "
              "significance and reliability (partcd.stars.rules.cahps)")


def round_half_up(value: float, precision: int) -> float:
    """Round to ``precision`` decimals, halves away from zero, on the decimal text (83.5 -> 84, 0.125 -> 0.13)."""
    if precision < 0:
        raise RuleError(f"precision must be >= 0, got {precision}", CITE)
    quantum = Decimal(1).scaleb(-precision)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def check_cut_points(cut_points: CutPoints) -> list[tuple[int, float]]:
    """The thresholds as sorted (level, value) pairs; refuses levels outside 2..5 and non-monotone values."""
    if not cut_points.thresholds:
        raise RuleError(f"{cut_points.measure_key}: no thresholds", CITE)
    levels = sorted(cut_points.thresholds.items())
    bad = [lvl for lvl, _ in levels if lvl not in (2, 3, 4, 5)]
    if bad:
        raise RuleError(f"{cut_points.measure_key}: threshold levels must be 2..5, got {bad}", CITE)
    values = [v for _, v in levels]
    if values != sorted(values, reverse=not cut_points.higher_is_better):
        direction = "rise" if cut_points.higher_is_better else "fall"
        raise RuleError(f"{cut_points.measure_key}: thresholds {values} must {direction} with the star level", CITE)
    return levels


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def assign_star(score: float, cut_points: CutPoints, precision: int | None = None) -> StarDecision:
    """The star (1-5) of ``score`` under ``cut_points``, with CMS's boundary rule for the measure's direction.

    With ``precision`` the score is first rounded half up to that many decimals (CMS's display precision).
    """
    levels = check_cut_points(cut_points)
    compared = round_half_up(score, precision) if precision is not None else score
    higher = cut_points.higher_is_better
    met = [level for level, bound in levels if (compared >= bound if higher else compared <= bound)]
    reached = max(met, default=1)
    bounds = dict(levels)
    lower = (">=" if higher else "<=", bounds[reached]) if reached > 1 else None
    above = [level for level, _ in levels if level > reached]
    upper = ("<" if higher else ">", bounds[above[0]]) if above else None
    return StarDecision(
        stars=reached, score=compared, raw_score=score, higher_is_better=higher, lower_bound=lower,
        upper_bound=upper, precision=precision, rule=HIGHER_RULE if higher else LOWER_RULE,
    )


#: Named rule (the regulation is silent on contract numbers): which Part D cut points a contract id's first letter
#: implies when a file gives no contract type - CMS numbers stand-alone PDP contracts S, local MA and cost contracts H,
#: regional PPOs R. E (employer/union-only direct contracts) is refused: the 2026 Technical Notes list employer direct
#: CCP, PFFS and PDP contracts (Table 1, L491-L498), so an E contract can be MA-PD or PDP; any other letter is refused.
PART_D_TYPE_BY_ID_PREFIX: dict[str, ContractType] = {"H": ContractType.MAPD, "R": ContractType.MAPD, "S": ContractType.PDP}
CONTRACT_TYPE_CITE = ("42 CFR 422.166(a)(1), 423.186(a)(1) (MA-PD and PDP cut points separately); 2026 Technical Notes "
                      "Table 1 (organization types)")
#: Decimal places beyond which a computed threshold is float noise (0.05 * 0.89 = 0.044500000000000005): exact texts
#: are written with at most this many decimals.
EXACT_DECIMALS = 12


def contract_type_of(contract_id: str) -> ContractType:
    """Which Part D cut points apply when a file does not say, by :data:`PART_D_TYPE_BY_ID_PREFIX`: S contracts are
    PDPs, H and R contracts MA-PDs; E contracts (employer direct: MA-PD or PDP) and other letters must be given a type."""
    found = PART_D_TYPE_BY_ID_PREFIX.get(contract_id[:1])
    if found is None:
        raise RuleError(f"{contract_id}: cannot tell MA-PD from PDP by the id (only H, R -> MA-PD and S -> PDP are "
                        f"certain); give the contract type", Cite(cfr=CONTRACT_TYPE_CITE))
    return found


def grid_threshold(value: float, precision: int, higher_is_better: bool) -> float:
    """The threshold as CMS displays it on the score grid: the smallest score at ``precision`` decimals that reaches it
    (higher is better; the largest such score when lower is better), so every displayed score gets the same star."""
    if precision < 0:
        raise RuleError(f"precision must be >= 0, got {precision}", CITE)
    quantum = Decimal(1).scaleb(-precision)
    exact = Decimal(exact_text(value))
    return float(exact.quantize(quantum, rounding=ROUND_CEILING if higher_is_better else ROUND_FLOOR))


def exact_text(value: float) -> str:
    """A computed value without float noise: at most :data:`EXACT_DECIMALS` decimals, no trailing zeros."""
    text = f"{round(value, EXACT_DECIMALS):.{EXACT_DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text



def select_cut_points(score: MeasureScore, cut_points: list[CutPoints]) -> CutPoints:
    """The cut points of the score's measure for its contract type (MA-PD/PDP rows, else the ALL row); a score without
    a contract type is typed by :func:`contract_type_of` (refused when the id cannot tell)."""
    mine = [cp for cp in cut_points if cp.measure_key == score.measure_key]
    if not mine:
        raise RuleError(f"no cut points for measure {score.measure_key}", CITE)
    by_type = {cp.contract_type: cp for cp in mine}
    if ContractType.ALL in by_type and len(by_type) == 1:
        return by_type[ContractType.ALL]
    ctype = score.contract_type if score.contract_type is not ContractType.ALL else contract_type_of(score.contract_id)
    if ctype in by_type:
        return by_type[ctype]
    if ContractType.ALL in by_type:
        return by_type[ContractType.ALL]
    raise RuleError(f"no {ctype.value} cut points for measure {score.measure_key}", CITE)


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def assign_all(scores: list[MeasureScore], cut_points: list[CutPoints], measures: list[Measure] | None = None,
               measure_ids: dict[str, str] | None = None) -> list[StarAssignment]:
    """Stars for every (contract, measure) score that has cut points; missing scores keep their reason.

    ``measures`` (the rating year's catalogue) supplies the display precision; CAHPS measures are starred
    from their base-group cut points here, which is not CMS's final CAHPS star (see :mod:`partcd.stars.rules.cahps`).
    A score of a measure without cut points is kept with ``stars=None`` and the reason, never dropped.
    """
    by_key = {m.measure_key: m for m in measures or []}
    ids = {cp.measure_key: cp.measure_id for cp in cut_points if cp.measure_id}
    ids.update(measure_ids or {})
    ids.update({m.measure_key: m.measure_id for m in measures or []})
    starred = {cp.measure_key for cp in cut_points}
    out: list[StarAssignment] = []
    for s in scores:
        mid = ids.get(s.measure_key)
        measure = by_key.get(s.measure_key)
        note = CAHPS_NOTE if measure is not None and measure.cahps else None
        if s.score is None:
            out.append(StarAssignment(s.contract_id, s.measure_key, mid, s.contract_type, None, None,
                                      s.missing_reason or "no score", note))
            continue
        if s.measure_key not in starred:
            out.append(StarAssignment(s.contract_id, s.measure_key, mid, s.contract_type, s.score, None,
                                      "no cut points given for this measure", note))
            continue
        cp = select_cut_points(s, cut_points)
        decision = assign_star(s.score, cp, measure.precision if measure is not None else None)
        ctype = cp.contract_type if s.contract_type is ContractType.ALL else s.contract_type
        if s.contract_type is ContractType.ALL and cp.contract_type is not ContractType.ALL:
            derived = (f"{cp.contract_type.value} cut points: contract type taken from the id prefix "
                       f"{s.contract_id[:1]} (no contract_type given)")
            note = derived if note is None else f"{note}; {derived}"
        out.append(StarAssignment(s.contract_id, s.measure_key, mid or cp.measure_id, ctype, s.score, decision.stars,
                                  None, note))
    return out
