"""Synthetic RADV data (no real enrollees, no real coefficients): seeded frames, audits and an illustrative HCC model.

* :func:`synthetic_frame` - a contract's enrollment frame for :func:`~partcd.radv.rules.sampling.select_sample`, with
  a share of enrollees failing each eligibility criterion;
* :func:`synthetic_audit` - a whole population of enrollee payment errors in risk-score strata (so the true total is
  known) and a stratified sample drawn from it, ready for ``partcd radv extrapolate``;
* :func:`illustrative_hcc_model` - a tiny made-up CMS-HCC-like model (NOT CMS coefficients) for demos and tests;
* :func:`example_audited_enrollees` - three sampled enrollees after record review (for the payment-error section);
* :func:`worked_example` - the two-strata example computed by hand in ``tests/radv`` as an API request body;
* :func:`synthetic_review` - record-review outcomes (submitted vs. validated HCCs) for sampled enrollees;
* :func:`frame_rows`, :func:`coefficient_rows`, :func:`enrollee_rows` and :func:`write_rows` - the same data as the
  files of ``partcd radv sample`` and ``partcd radv payment-error`` (``radv/readers.py`` describes their columns).

Every generator takes a ``seed`` and uses ``numpy.random.default_rng(seed)``: the same seed gives the same data.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from partcd.core.errors import ConfigError
from partcd.platform.exports import safe_cell
from partcd.radv.rules.payment_error import AuditedEnrollee, HccModel, Interaction
from partcd.radv.rules.sampling import FrameEnrollee


def _months(year: int, first: int = 1, last: int = 12) -> frozenset[str]:
    return frozenset(f"{year:04d}-{m:02d}" for m in range(first, last + 1))


def synthetic_frame(seed: int, *, size: int = 3000, payment_year: int = 2018,
                    ineligible_share: float = 0.12) -> list[FrameEnrollee]:
    """``size`` enrollees of one contract; about ``ineligible_share`` of them fail one eligibility criterion.

    Risk scores are lognormal (median about 1.0); months cover the DCY (PY - 1) and the whole PY.
    """
    rng = np.random.default_rng(seed)
    dcy = payment_year - 1
    full = _months(dcy) | _months(payment_year)
    out: list[FrameEnrollee] = []
    failures = ("late_join", "esrd", "hospice", "no_part_b", "no_hcc")
    for i in range(size):
        score = round(float(rng.lognormal(mean=0.0, sigma=0.55)), 3)
        enrolled, esrd, hospice, part_b = full, frozenset[str](), frozenset[str](), _months(dcy)
        hccs = int(rng.integers(1, 6))
        if rng.random() < ineligible_share:
            kind = failures[int(rng.integers(len(failures)))]
            month = int(rng.integers(2, 13))
            if kind == "late_join":
                enrolled = _months(dcy, month) | _months(payment_year)
            elif kind == "esrd":
                esrd = _months(dcy, month, month)
            elif kind == "hospice":
                hospice = _months(dcy, month)
            elif kind == "no_part_b":
                part_b = _months(dcy, month)
            else:
                hccs = 0
        out.append(FrameEnrollee(enrollee_id=f"E{i + 1:06d}", risk_score=score, enrolled_months=enrolled,
                                 esrd_months=esrd, hospice_months=hospice, part_b_months=part_b,
                                 payment_hcc_count=hccs))
    return out


@dataclass(frozen=True)
class SyntheticAudit:
    """A population of enrollee payment errors by stratum, the true total, and a stratified sample from it."""

    population_errors: dict[str, np.ndarray]
    true_total: float
    sample: list[tuple[str, str, float]]  # (enrollee_id, stratum, payment_error)

    @property
    def strata_rows(self) -> list[tuple[str, int]]:
        return [(h, int(v.size)) for h, v in self.population_errors.items()]

    def write_csv(self, directory: Path) -> tuple[Path, Path]:
        """Write ``sample.csv`` (enrollee_id, stratum, payment_error) and ``strata.csv`` (stratum, population)."""
        directory.mkdir(parents=True, exist_ok=True)
        sample_path, strata_path = directory / "sample.csv", directory / "strata.csv"
        with sample_path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["enrollee_id", "stratum", "payment_error"])
            w.writerows([safe_cell(e), safe_cell(h), f"{y:.2f}"] for e, h, y in self.sample)
        with strata_path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["stratum", "population"])
            w.writerows((safe_cell(h), n) for h, n in self.strata_rows)
        return sample_path, strata_path


def synthetic_audit(seed: int, *, strata_sizes: tuple[int, ...] = (4000, 4000, 4000), per_stratum: int = 67,
                    error_share: tuple[float, ...] = (0.12, 0.2, 0.3),
                    mean_error_usd: tuple[float, ...] = (900.0, 2200.0, 5200.0),
                    underpayment_share: float = 0.03) -> SyntheticAudit:
    """Population errors per stratum (most enrollees 0; a share with an unsupported HCC, gamma-distributed $; a few
    underpayments) and a simple random sample of ``per_stratum`` from each (cents, as on an audit report)."""
    if not len(strata_sizes) == len(error_share) == len(mean_error_usd):
        raise ConfigError("strata_sizes, error_share and mean_error_usd need one entry per stratum")
    rng = np.random.default_rng(seed)
    population: dict[str, np.ndarray] = {}
    sample: list[tuple[str, str, float]] = []
    for h, (size, share, mean) in enumerate(zip(strata_sizes, error_share, mean_error_usd, strict=True), start=1):
        label = str(h)
        errors = np.zeros(size)
        over = rng.random(size) < share
        errors[over] = rng.gamma(shape=2.0, scale=mean / 2.0, size=int(over.sum()))
        under = (~over) & (rng.random(size) < underpayment_share)
        errors[under] = -rng.gamma(shape=2.0, scale=mean / 8.0, size=int(under.sum()))
        errors = np.round(errors, 2)
        population[label] = errors
        picked = np.sort(rng.choice(size, size=min(per_stratum, size), replace=False))
        sample += [(f"S{h}-{int(i) + 1:06d}", label, float(errors[i])) for i in picked]
    total = float(sum(v.sum() for v in population.values()))
    return SyntheticAudit(population_errors=population, true_total=total, sample=sample)


def illustrative_hcc_model() -> HccModel:
    """A made-up five-HCC model with one hierarchy and one interaction - for demos and tests, NOT CMS coefficients."""
    return HccModel(
        name="illustrative (synthetic, not CMS)",
        coefficients={"HCC18": 0.302, "HCC19": 0.105, "HCC85": 0.331, "HCC108": 0.335, "HCC111": 0.328},
        hierarchies={"HCC18": frozenset({"HCC19"})},
        interactions=(Interaction(name="DIABETES_CHF", hccs=frozenset({"HCC19", "HCC85"}), coefficient=0.121),),
        normalization_factor=1.0,
        coding_intensity_adjustment=0.0,
    )


def example_audited_enrollees() -> list[AuditedEnrollee]:
    """Three made-up sampled enrollees after medical record review, for :func:`illustrative_hcc_model`:

    * ``S1-EX01``: HCC18 unsupported, HCC19 and HCC85 supported, 12 months at $1,000 - error $912.00;
    * ``S2-EX02``: HCC85 unsupported, 7 eligible months at $950 - error $2,201.15;
    * ``S3-EX03``: every submitted HCC supported - error $0.00.
    """
    return [
        AuditedEnrollee(enrollee_id="S1-EX01", demographic_score=0.4, submitted_hccs=frozenset({"HCC18", "HCC19", "HCC85"}),
                        validated_hccs=frozenset({"HCC19", "HCC85"}), monthly_base_rates_usd=(1000.0,) * 12),
        AuditedEnrollee(enrollee_id="S2-EX02", demographic_score=0.4, submitted_hccs=frozenset({"HCC85"}),
                        validated_hccs=frozenset(), monthly_base_rates_usd=(950.0,) * 7),
        AuditedEnrollee(enrollee_id="S3-EX03", demographic_score=0.55, submitted_hccs=frozenset({"HCC108"}),
                        validated_hccs=frozenset({"HCC108"}), monthly_base_rates_usd=(1100.0,) * 12),
    ]


def worked_example() -> dict[str, object]:
    """The two-strata example of ``tests/radv/test_estimators_hand.py`` as a ``POST /api/v1/radv/extrapolate`` body:
    T = 3,500, SE = 752.77, df = 5, 90 % two-sided limits 1,983.1 .. 5,016.9."""
    return {
        "sample": [{"stratum": "low", "payment_error": y} for y in (100, 200, 300)]
        + [{"stratum": "high", "payment_error": y} for y in (0, 50, 100, 150)],
        "strata": [{"stratum": "low", "population": 10}, {"stratum": "high", "population": 20}],
        "confidence": 0.90,
        "sidedness": "two_sided",
        "df": "n_minus_L",
    }


def synthetic_review(sampled: Sequence[tuple[str, str]], seed: int, *,
                     unsupported_share: tuple[float, ...] = (0.1, 0.15, 0.2)) -> list[tuple[str, AuditedEnrollee]]:
    """Record-review outcomes for ``(enrollee_id, stratum)`` pairs under :func:`illustrative_hcc_model`: one to three
    submitted HCCs, each unsupported with the stratum's share (stratum ``"1"`` the first share ...), 6 to 12 payment-year
    months at a whole-dollar base rate. Returns ``(stratum, enrollee)`` pairs in the given order."""
    rng = np.random.default_rng(seed)
    hccs = sorted(illustrative_hcc_model().coefficients)
    out: list[tuple[str, AuditedEnrollee]] = []
    for enrollee_id, stratum in sampled:
        share = unsupported_share[(int(stratum) - 1) % len(unsupported_share)] if stratum.isdigit() else unsupported_share[0]
        submitted = frozenset(str(h) for h in rng.choice(hccs, size=int(rng.integers(1, 4)), replace=False))
        validated = frozenset(h for h in sorted(submitted) if rng.random() >= share)
        months = int(rng.integers(6, 13))
        rate = float(rng.integers(850, 1250))
        out.append((stratum, AuditedEnrollee(enrollee_id=enrollee_id, demographic_score=round(float(rng.uniform(0.3, 0.7)), 3),
                                             submitted_hccs=submitted, validated_hccs=validated,
                                             monthly_base_rates_usd=(rate,) * months)))
    return out


def month_ranges(months: Iterable[str]) -> str:
    """A month set as the readers' notation: consecutive months as ``YYYY-MM..YYYY-MM``, ``; ``-separated."""
    index = sorted(int(m[:4]) * 12 + int(m[5:]) - 1 for m in months)
    parts: list[str] = []
    start = prev = None
    for i in [*index, None]:
        if start is not None and prev is not None and (i is None or i != prev + 1):
            text = f"{start // 12:04d}-{start % 12 + 1:02d}"
            parts.append(text if start == prev else f"{text}..{prev // 12:04d}-{prev % 12 + 1:02d}")
            start = None
        if i is not None and start is None:
            start = i
        prev = i
    return "; ".join(parts)


def frame_rows(frame: Sequence[FrameEnrollee], contract_id: str | None = None) -> list[dict[str, object]]:
    """A frame as rows of the frame file (``partcd radv sample --frame``)."""
    return [{"enrollee_id": e.enrollee_id, **({"contract_id": contract_id} if contract_id else {}),
             "risk_score": e.risk_score, "enrolled_months": month_ranges(e.enrolled_months),
             "esrd_months": month_ranges(e.esrd_months), "hospice_months": month_ranges(e.hospice_months),
             "part_b_months": month_ranges(e.part_b_months), "payment_hcc_count": e.payment_hcc_count} for e in frame]


def coefficient_rows(model: HccModel) -> list[dict[str, object]]:
    """An HCC model as rows of the coefficient table (``--coefficients``): HCCs, then interaction terms."""
    rows: list[dict[str, object]] = [{"hcc": h, "coefficient": c, "drops": "; ".join(sorted(model.hierarchies.get(h, ()))),
                                      "interaction_of": ""} for h, c in model.coefficients.items()]
    rows += [{"hcc": i.name, "coefficient": i.coefficient, "drops": "", "interaction_of": "; ".join(sorted(i.hccs))}
             for i in model.interactions]
    return rows


def enrollee_rows(reviewed: Iterable[tuple[str | None, AuditedEnrollee]]) -> list[dict[str, object]]:
    """Reviewed enrollees as rows of the enrollees file (``--enrollees``): one base rate and a month count when the
    rate is the same every month, else the list of rates."""
    rows: list[dict[str, object]] = []
    for stratum, e in reviewed:
        rates = e.monthly_base_rates_usd
        same = len(set(rates)) <= 1
        rows.append({"enrollee_id": e.enrollee_id, "stratum": stratum or "", "demographic_score": e.demographic_score,
                     "hcc_submitted": "; ".join(sorted(e.submitted_hccs)),
                     "hcc_validated": "; ".join(sorted(e.validated_hccs)),
                     "months": len(rates) if same else "",
                     "monthly_base_rate_usd": (rates[0] if rates else 0.0) if same else "",
                     "monthly_base_rates_usd": "" if same else "; ".join(repr(r) for r in rates)})
    return rows


def write_rows(rows: Sequence[Mapping[str, object]], path: Path) -> Path:
    """Rows as a CSV file (the header from the first row; every cell through ``safe_cell``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        columns = list(rows[0]) if rows else []
        w.writerow(columns)
        w.writerows([safe_cell(str(r.get(c, ""))) for c in columns] for r in rows)
    return path
