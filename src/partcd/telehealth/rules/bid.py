"""§§ 422.135(e), 422.252, 422.254(b)(1)(i), (b)(3)(i), 422.264(a) - the bid arithmetic between basic and
supplemental benefits, as a worked example a user can change (4185-P L2161, L2375-L2395, L2429, L2435, L2463-L2467;
the Trust Fund reasoning of the impact analysis, L1541).

A *worksheet* is the plan's projected cost lines per member per month (allowed cost and enrollee cost sharing), the
facts of each telehealth service, the plan-level requirements of § 422.135(c) and a few assumptions (benchmark, risk
factor, non-benefit share, rebate share, Part D amount). Each telehealth service is classified
(:func:`partcd.telehealth.rules.classification.classify`); its lines are then placed:

* an additional telehealth benefit: service costs into the basic bid (M2), capital and infrastructure costs out of the
  bid (M3; with the reading ``basic_only`` into supplemental benefits), items the rule does not allow to enrollees
  into supplemental benefits;
* original Medicare telehealth (§ 1834(m)) and in-person services: basic benefits (M1);
* anything else: supplemental benefits (S1), subject to CMS approval.

The bid is then computed line by line (ids M1 ... E1 of ``bid_lines_table``, each with its formula and the numbers
used), once as classified and once with every additional telehealth benefit treated as a supplemental benefit (as
before plan year 2020, or for a plan that does not meet § 422.135). The difference is the provision's effect for
that plan: for a bid under the benchmark, Medicare pays (1 - rebate share) of each dollar moved into the basic bid -
the proposal's "$0.66 on the dollar" (L1541).

Money is exact decimal arithmetic; each line is rounded to ``bid_line_rounding_usd`` (half up) and later lines use
the rounded figures, so every printed formula adds up to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from partcd.core.citation import cites
from partcd.telehealth.rules.classification import Classification, PlanCompliance, TelehealthService, classify
from partcd.telehealth.rules.parameters import ExclusionScope, Reading, TelehealthParams

LineCategory = Literal["original_medicare", "telehealth", "supplemental"]
Placement = Literal["basic", "supplemental", "excluded"]
Scenario = Literal["as_classified", "telehealth_as_supplemental"]

#: The bid lines in computing order (each a row of ``bid_lines_table``).
LINE_IDS: tuple[str, ...] = ("M1", "M2", "M3", "M4", "M5", "S1", "S2", "D1", "A1", "R1", "R2", "R3", "P1", "R4",
                             "R5", "P2", "R6", "G1", "G2", "E1")
MAX_PMPM_USD = 100_000.0


class WorksheetLine(BaseModel):
    """One projected cost line, per member per month."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = Field(default="", max_length=200)
    category: LineCategory
    service_id: str | None = Field(default=None, max_length=40, description="telehealth lines: the service they serve")
    cost_type: str = Field(default="medical", max_length=60, pattern=r"^[a-z][a-z0-9_]*$")
    allowed_pmpm_usd: float = Field(ge=0, le=MAX_PMPM_USD, allow_inf_nan=False)
    cost_sharing_pmpm_usd: float = Field(default=0.0, ge=0, le=MAX_PMPM_USD, allow_inf_nan=False)

    @model_validator(mode="after")
    def _consistent(self) -> WorksheetLine:
        if self.cost_sharing_pmpm_usd > self.allowed_pmpm_usd:
            raise ValueError("cost_sharing_pmpm_usd is larger than allowed_pmpm_usd")
        if (self.category == "telehealth") != (self.service_id is not None):
            raise ValueError("a telehealth line names its service_id; other lines name none")
        return self


class Assumptions(BaseModel):
    """The worksheet's assumptions (the rule sets none of them; they are the actuary's inputs)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    benchmark_pmpm_usd: float = Field(gt=0, le=MAX_PMPM_USD, allow_inf_nan=False)
    risk_factor: float = Field(default=1.0, gt=0, le=10, allow_inf_nan=False)
    non_benefit_share_pct: float = Field(default=0.0, ge=0, lt=100, allow_inf_nan=False)
    rebate_pct: float = Field(ge=0, le=100, allow_inf_nan=False)
    part_d_basic_pmpm_usd: float = Field(default=0.0, ge=0, le=MAX_PMPM_USD, allow_inf_nan=False)
    exclusion_scope: ExclusionScope | None = None
    reading: Reading | None = None


class Worksheet(BaseModel):
    """A bid worksheet: the plan, its assumptions, the § 422.135(c) facts, its telehealth services and cost lines."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plan_name: str = Field(min_length=1, max_length=200)
    contract_year: int = Field(ge=2020, le=2100)
    assumptions: Assumptions
    plan_compliance: PlanCompliance
    telehealth_services: tuple[TelehealthService, ...] = Field(default=(), max_length=500)
    lines: tuple[WorksheetLine, ...] = Field(min_length=1, max_length=5000)

    @model_validator(mode="after")
    def _references(self) -> Worksheet:
        ids = [line.id for line in self.lines]
        doubled = sorted({i for i in ids if ids.count(i) > 1})
        if doubled:
            raise ValueError(f"duplicate line id {doubled[0]!r}")
        services = [s.service_id for s in self.telehealth_services]
        if len(services) != len(set(services)):
            raise ValueError("duplicate service_id in telehealth_services")
        unknown = sorted({line.service_id for line in self.lines if line.service_id and line.service_id not in services})
        if unknown:
            raise ValueError(f"line names unknown service_id {unknown[0]!r}")
        return self


class BidLine(BaseModel):
    """One computed line: its value, its formula, the numbers used and the citation."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    value_usd: float
    formula: str
    arithmetic: str
    citation: str


class PlacedLine(BaseModel):
    """Where a worksheet line went and why."""

    model_config = ConfigDict(frozen=True)

    line_id: str
    placement: Placement
    component: str
    net_pmpm_usd: float
    reason: str


class BidResult(BaseModel):
    """The bid of one scenario: the classification of each service, where each line went, and the bid lines."""

    model_config = ConfigDict(frozen=True)

    scenario: Scenario
    reading: Reading
    exclusion_scope: ExclusionScope
    classifications: tuple[Classification, ...]
    placements: tuple[PlacedLine, ...]
    lines: tuple[BidLine, ...]

    def value(self, line_id: str) -> float:
        return next(line.value_usd for line in self.lines if line.id == line_id)


class BidComparison(BaseModel):
    """The bid as classified next to the bid with additional telehealth benefits as supplemental benefits."""

    model_config = ConfigDict(frozen=True)

    plan_name: str
    contract_year: int
    as_classified: BidResult
    telehealth_as_supplemental: BidResult
    differences: tuple[BidLine, ...]
    summary: str


def _money(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_HALF_UP) * step


def _d(value: float) -> Decimal:
    return Decimal(repr(value))


def _place(line: WorksheetLine, cls: Classification | None, params: TelehealthParams, scope: ExclusionScope,
           scenario: Scenario) -> tuple[Placement, str, str]:
    """(placement, component line id, reason) of one worksheet line."""
    if line.category == "original_medicare":
        return "basic", "M1", "a Part A or B benefit (§ 422.100(c)(1))"
    if line.category == "supplemental":
        return "supplemental", "S1", "a supplemental benefit (§ 422.102)"
    assert cls is not None
    kind = params.cost_kind(line.cost_type)
    if cls.category != "additional_telehealth_benefit":
        component = "M1" if cls.basic_benefit else "S1"
        placement: Placement = "basic" if component == "M1" else "supplemental"
        return placement, component, f"service {cls.service_id}: {cls.reason}"
    if scenario == "telehealth_as_supplemental":
        return "supplemental", "S1", (f"service {cls.service_id} treated as a supplemental benefit "
                                      "(before plan year 2020, or § 422.135 not met)")
    if kind == "capital_infrastructure":
        if scope == "whole_bid":
            return "excluded", "M3", "capital and infrastructure cost of an additional telehealth benefit: not in the bid"
        return "supplemental", "M3", "capital and infrastructure cost: kept out of the basic bid (reading basic_only)"
    if kind == "enrollee_item_not_allowed":
        return "supplemental", "S1", ("an item to enrollees not directly related to the Part B care cannot be part of "
                                      "an additional telehealth benefit (4185-P L173)")
    return "basic", "M2", f"service {cls.service_id}: additional telehealth benefit in the basic bid (§ 422.135(e))"


@cites("42 CFR 422.252", "42 CFR 422.254(b)(1)(i)", "42 CFR 422.254(b)(3)(i)", "42 CFR 422.264(a)", "42 CFR 422.135(e)")
def compute_bid(worksheet: Worksheet, params: TelehealthParams, scenario: Scenario = "as_classified") -> BidResult:
    """The bid of ``worksheet`` line by line (§ 422.252 L2381-L2395, § 422.254(b)(1)(i) L2429, (b)(3)(i) L2435,
    § 422.264(a) L2463-L2467), with each line's formula and the numbers it used.

    ``scenario="telehealth_as_supplemental"`` places every additional telehealth benefit among the supplemental
    benefits (with its capital and infrastructure costs), as a plan had to before plan year 2020.
    """
    a = worksheet.assumptions
    reading: Reading = a.reading or params.reading_text
    scope: ExclusionScope = a.exclusion_scope or params.capital_infrastructure_exclusion_scope_text
    step = _d(params.bid_line_rounding_usd)
    services = {s.service_id: s for s in worksheet.telehealth_services}
    classes = {sid: classify(s, worksheet.plan_compliance, params, reading) for sid, s in services.items()}
    sums: dict[str, Decimal] = {"M1": Decimal(0), "M2": Decimal(0), "M3": Decimal(0), "S1": Decimal(0)}
    parts: dict[str, list[str]] = {k: [] for k in sums}
    placed = []
    for line in worksheet.lines:
        cls = classes[line.service_id] if line.service_id else None
        placement, component, reason = _place(line, cls, params, scope, scenario)
        net = _d(line.allowed_pmpm_usd) - _d(line.cost_sharing_pmpm_usd)
        sums[component] += net
        if placement == "supplemental" and component == "M3":
            sums["S1"] += net
            parts["S1"].append(f"{line.id} {net:.2f}")
        parts[component].append(f"{line.id} {net:.2f}")
        placed.append(PlacedLine(line_id=line.id, placement=placement, component=component,
                                 net_pmpm_usd=float(net), reason=reason))
    share = _d(a.non_benefit_share_pct) / 100
    rf, rebate = _d(a.risk_factor), _d(a.rebate_pct) / 100
    benchmark, part_d = _money(_d(a.benchmark_pmpm_usd), step), _money(_d(a.part_d_basic_pmpm_usd), step)
    v: dict[str, Decimal] = {}
    shown: dict[str, str] = {}

    def put(line_id: str, value: Decimal, arithmetic: str) -> None:
        v[line_id] = _money(value, step)
        shown[line_id] = f"{arithmetic} = {v[line_id]:.2f}"

    for k in ("M1", "M2", "M3"):
        put(k, sums[k], " + ".join(parts[k]) or "no lines")
    put("M4", v["M1"] + v["M2"], f"{v['M1']:.2f} + {v['M2']:.2f}")
    put("M5", v["M4"] / (1 - share), f"{v['M4']:.2f} / (1 - {share:.4f})")
    put("S1", sums["S1"], " + ".join(parts["S1"]) or "no lines")
    put("S2", v["S1"] / (1 - share), f"{v['S1']:.2f} / (1 - {share:.4f})")
    put("D1", part_d, "worksheet input")
    put("A1", v["M5"] + v["D1"] + v["S2"], f"{v['M5']:.2f} + {v['D1']:.2f} + {v['S2']:.2f}")
    put("R1", v["M5"] * rf, f"{v['M5']:.2f} x {rf}")
    put("R2", benchmark * rf, f"{benchmark:.2f} x {rf}")
    put("R3", max(Decimal(0), v["R2"] - v["R1"]), f"max(0, {v['R2']:.2f} - {v['R1']:.2f})")
    put("P1", max(Decimal(0), v["M5"] - benchmark), f"max(0, {v['M5']:.2f} - {benchmark:.2f})")
    put("R4", rebate * v["R3"], f"{rebate:.4f} x {v['R3']:.2f}")
    put("R5", min(v["R4"], v["S2"]), f"min({v['R4']:.2f}, {v['S2']:.2f})")
    put("P2", v["S2"] - v["R5"], f"{v['S2']:.2f} - {v['R5']:.2f}")
    put("R6", v["R4"] - v["R5"], f"{v['R4']:.2f} - {v['R5']:.2f}")
    put("G1", min(v["R1"], v["R2"]), f"min({v['R1']:.2f}, {v['R2']:.2f})")
    put("G2", v["G1"] + v["R4"], f"{v['G1']:.2f} + {v['R4']:.2f}")
    put("E1", v["P1"] + v["P2"], f"{v['P1']:.2f} + {v['P2']:.2f}")
    lines = []
    for line_id in LINE_IDS:
        spec = params.bid_line(line_id)
        lines.append(BidLine(id=line_id, label=spec.label, value_usd=float(v[line_id]), formula=spec.formula,
                             arithmetic=shown[line_id], citation=spec.citation))
    return BidResult(scenario=scenario, reading=reading, exclusion_scope=scope,
                     classifications=tuple(classes.values()), placements=tuple(placed), lines=tuple(lines))


@cites("42 CFR 422.135(b)", "42 CFR 422.135(e)", "42 CFR 422.252", "42 CFR 422.254(b)(3)(i)")
def compare_bid(worksheet: Worksheet, params: TelehealthParams) -> BidComparison:
    """The bid as classified, the bid with the same services as supplemental benefits, and the difference of every
    line (§ 422.135(b), (e) L2145, L2161; § 422.254(b)(3)(i) L2435; the transfer of the impact analysis, L1541)."""
    basic = compute_bid(worksheet, params, "as_classified")
    supplemental = compute_bid(worksheet, params, "telehealth_as_supplemental")
    diffs = []
    for line in basic.lines:
        other = supplemental.value(line.id)
        delta = Decimal(repr(line.value_usd)) - Decimal(repr(other))
        diffs.append(BidLine(id=line.id, label=line.label, value_usd=float(delta),
                             formula=f"{line.id} as classified - {line.id} with telehealth as supplemental",
                             arithmetic=f"{line.value_usd:.2f} - {other:.2f} = {delta:.2f}", citation=line.citation))
    d = {line.id: line.value_usd for line in diffs}
    moved = d["M5"]
    summary = (f"Additional telehealth benefits move {moved:.2f} USD PMPM into the basic bid; Medicare pays "
               f"{d['G2']:+.2f} USD PMPM (bid {d['G1']:+.2f}, rebate {d['R4']:+.2f}); the enrollee premium changes "
               f"by {d['E1']:+.2f} USD PMPM and the rebate left for other uses by {d['R6']:+.2f}.")
    return BidComparison(plan_name=worksheet.plan_name, contract_year=worksheet.contract_year, as_classified=basic,
                         telehealth_as_supplemental=supplemental, differences=tuple(diffs), summary=summary)
