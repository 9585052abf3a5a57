"""§§ 422.310(e), 422.311(a) - extrapolation of sampled payment errors: mean-per-unit estimators (4185-P L1197, L1205).

The rule gives no formula: CMS "will use various sampling and extrapolation methodologies" that are statistically valid
(L1205); the 2012 methodology computes "a payment error rate for each stratum ... and then an overall payment error
rate for the audited contract, computed at a ninety-nine percent confidence interval" (L1197). The final rule adopts
"any statistically valid method" (88 FR 6643). Implemented here: the design-based (Cochran) mean-per-unit estimators of
a population total under simple random sampling without replacement, unrestricted or stratified (shared/specs/
integrity.md §2.8):

* unrestricted: ``T = N * ybar``, ``SE = N * sqrt((1 - n/N) * s^2 / n)``;
* stratified:   ``T = sum_h N_h * ybar_h``, ``SE = sqrt(sum_h N_h^2 * (1 - n_h/N_h) * s_h^2 / n_h)``;
* ``s^2`` with divisor ``n - 1``; the finite-population correction ``1 - n/N`` can be switched off (``fpc=False``);
* t-value: ``t(q, df)`` with ``q = 1 - alpha/2`` (two-sided) or ``1 - alpha`` (one-sided lower), ``alpha = 1 - c``;
  df by the setting ``df_method``: ``n_minus_1``, ``n_minus_L``, ``satterthwaite`` (``V^2 / sum_h v_h^2/(n_h - 1)``)
  or ``normal`` (the normal quantile, no df);
* limits ``T -/+ t * SE`` (no upper limit when one-sided); precision ``t * SE`` and ``100 * t * SE / |T|``.

A stratum sampled in full (``n_h = N_h``) adds its actual total with zero variance; a stratum with one sampled unit
out of several has no variance estimate and is refused. Every result carries its step list (:class:`Step`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from partcd.core.citation import Cite, cites
from partcd.core.errors import ConfigError, RuleError
from partcd.radv.rules.parameters import DfMethod, Sidedness
from partcd.radv.rules.steps import Step, num, usd

CITE = Cite(cfr="42 CFR 422.311(a)")
DF_METHODS: tuple[DfMethod, ...] = ("n_minus_1", "n_minus_L", "satterthwaite", "normal")
SIDEDNESS: tuple[Sidedness, ...] = ("two_sided", "one_sided_lower")


class StratumSample(BaseModel):
    """The audited amounts (payment errors, $) of the units sampled from one stratum of ``population`` units."""

    model_config = ConfigDict(frozen=True)

    stratum: str
    population: int = Field(ge=1)
    values: tuple[float, ...]


class StratumEstimate(BaseModel):
    """One stratum's contribution: ``total = N_h * mean`` and ``variance_of_total = N_h^2 * f_h * s_h^2 / n_h``."""

    model_config = ConfigDict(frozen=True)

    stratum: str
    population: int
    sampled: int
    sample_total: float
    mean: float
    variance: float
    fpc: float
    total: float
    variance_of_total: float


class Extrapolation(BaseModel):
    """A point estimate of the population total of payment errors with its interval, precision and step list."""

    model_config = ConfigDict(frozen=True)

    design: Literal["unrestricted", "stratified"]
    confidence: float
    sidedness: Sidedness
    df_method: DfMethod
    fpc_applied: bool
    population: int
    n: int
    strata_count: int
    point_estimate: float
    standard_error: float
    df: int | float | None
    t_value: float | None
    lower_limit: float
    upper_limit: float | None
    precision_amount: float
    precision_percent: float | None
    strata: tuple[StratumEstimate, ...]
    steps: tuple[Step, ...]

    def summary(self) -> dict[str, float | int | None]:
        """The nine figures of ``partcd radv extrapolate --json`` (``upper_limit`` is None when one-sided)."""
        return {
            "point_estimate": self.point_estimate,
            "standard_error": self.standard_error,
            "lower_limit": self.lower_limit,
            "upper_limit": self.upper_limit,
            "n": self.n,
            "df": self.df,
            "t_value": self.t_value,
            "precision_amount": self.precision_amount,
            "precision_percent": self.precision_percent,
        }


def check_settings(confidence: float, sidedness: str, df_method: str) -> None:
    """Refuse a confidence level outside (0, 1) and unknown sidedness or df conventions (ConfigError)."""
    if not (isinstance(confidence, float | int) and math.isfinite(confidence) and 0.0 < confidence < 1.0):
        raise ConfigError(f"confidence must be a fraction strictly between 0 and 1 (e.g. 0.90), got {confidence!r}")
    if sidedness not in SIDEDNESS:
        raise ConfigError(f"sidedness must be one of {', '.join(SIDEDNESS)}, got {sidedness!r}")
    if df_method not in DF_METHODS:
        raise ConfigError(f"df method must be one of {', '.join(DF_METHODS)}, got {df_method!r}")


def quantile_level(confidence: float, sidedness: Sidedness) -> float:
    """``q`` of the t or normal quantile: ``1 - alpha/2`` two-sided, ``1 - alpha`` one-sided (alpha = 1 - c)."""
    alpha = 1.0 - confidence
    return 1.0 - alpha / 2.0 if sidedness == "two_sided" else 1.0 - alpha


def critical_value(confidence: float, sidedness: Sidedness, df: float | None) -> float | None:
    """Student t quantile ``t(q, df)``, or the normal quantile ``z(q)`` when ``df`` is None; None when df < 1."""
    q = quantile_level(confidence, sidedness)
    if df is None:
        return float(stats.norm.ppf(q))
    if df < 1:
        return None
    return float(stats.t.ppf(q, df))


@cites("42 CFR 422.310(e)", "42 CFR 422.311(a)")
def unrestricted_mpu(values: Sequence[float], population: int, confidence: float,
                     sidedness: Sidedness = "two_sided", df_method: DfMethod = "n_minus_1",
                     fpc: bool = True) -> Extrapolation:
    """Unrestricted (simple random sample) mean-per-unit estimate of the population total (§ 422.311(a); L1205).

    ``T = N * ybar``; ``SE = N * sqrt(f * s^2 / n)`` with ``f = 1 - n/N`` (1 without the FPC); limits ``T -/+ t * SE``.
    With one stratum, every df convention gives ``n - 1`` (Satterthwaite: ``V^2 / (V^2/(n-1))``) unless ``normal``.
    """
    check_settings(confidence, sidedness, df_method)
    y = _finite_array(values, "sample")
    n, big_n = int(y.size), int(population)
    _check_counts("sample", n, big_n)
    mean = float(y.mean())
    s2 = float(((y - mean) ** 2).sum() / (n - 1)) if n > 1 else 0.0
    f = (1.0 - n / big_n) if fpc else 1.0
    total = big_n * mean
    se = big_n * math.sqrt(f * s2 / n) if n > 1 else 0.0
    df: int | float | None = None if df_method == "normal" else n - 1
    steps = [
        Step(label="sample", formula="n sampled units from a frame of N", computation=f"n = {n:,}; N = {big_n:,}"),
        Step(label="mean", formula="ybar = sum(y_i) / n", computation=f"{usd(float(y.sum()))} / {n:,}", value=mean),
        Step(label="sample variance", formula="s^2 = sum((y_i - ybar)^2) / (n - 1)",
             computation=f"{num(float(((y - mean) ** 2).sum()))} / {n - 1:,}" if n > 1 else "census of one unit: 0",
             value=s2),
        _fpc_step("f", n, big_n, f, fpc),
        Step(label="point estimate", formula="T = N * ybar", computation=f"{big_n:,} x {num(mean)}", value=total),
        Step(label="standard error", formula="SE = N * sqrt(f * s^2 / n)",
             computation=f"{big_n:,} x sqrt({num(f)} x {num(s2)} / {n:,})", value=se),
    ]
    stratum = StratumEstimate(stratum="", population=big_n, sampled=n, sample_total=float(y.sum()), mean=mean,
                              variance=s2, fpc=f, total=total, variance_of_total=se * se)
    return _finish("unrestricted", (stratum,), total, se, df, n, big_n, confidence, sidedness, df_method, fpc, steps,
                   df_formula="n - 1", df_computation=f"{n:,} - 1")


@cites("42 CFR 422.310(e)", "42 CFR 422.311(a)")
def stratified_mpu(strata: Sequence[StratumSample], confidence: float, sidedness: Sidedness = "two_sided",
                   df_method: DfMethod = "n_minus_L", fpc: bool = True) -> Extrapolation:
    """Stratified mean-per-unit estimate of the population total (§ 422.311(a); the 2012 design of L1197).

    ``T = sum_h N_h ybar_h``; ``V = sum_h v_h``, ``v_h = N_h^2 f_h s_h^2 / n_h``, ``f_h = 1 - n_h/N_h``; ``SE = sqrt(V)``.
    df: ``n - 1``, ``n - L``, Satterthwaite ``V^2 / sum_h v_h^2 / (n_h - 1)`` or normal.
    """
    check_settings(confidence, sidedness, df_method)
    if not strata:
        raise RuleError("a stratified estimate needs at least one stratum", CITE)
    labels = [s.stratum for s in strata]
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise RuleError(f"stratum {dupes[0]!r} is given more than once", CITE)
    steps: list[Step] = []
    estimates: list[StratumEstimate] = []
    for s in strata:
        y = _finite_array(s.values, f"stratum {s.stratum!r}")
        n_h, big_n_h = int(y.size), int(s.population)
        _check_counts(f"stratum {s.stratum!r}", n_h, big_n_h)
        mean = float(y.mean())
        ss = float(((y - mean) ** 2).sum())
        s2 = ss / (n_h - 1) if n_h > 1 else 0.0
        f = (1.0 - n_h / big_n_h) if fpc else 1.0
        v = big_n_h * big_n_h * f * s2 / n_h
        est = StratumEstimate(stratum=s.stratum, population=big_n_h, sampled=n_h, sample_total=float(y.sum()),
                              mean=mean, variance=s2, fpc=f, total=big_n_h * mean, variance_of_total=v)
        estimates.append(est)
        h = f"stratum {s.stratum}"
        steps += [
            Step(label=f"{h}: mean", formula="ybar_h = sum(y_i) / n_h",
                 computation=f"{usd(est.sample_total)} / {n_h:,} (N_h = {big_n_h:,})", value=mean),
            Step(label=f"{h}: sample variance", formula="s_h^2 = sum((y_i - ybar_h)^2) / (n_h - 1)",
                 computation=f"{num(ss)} / {n_h - 1:,}" if n_h > 1 else "census of one unit: 0", value=s2),
            _fpc_step(f"{h}: f_h", n_h, big_n_h, f, fpc),
            Step(label=f"{h}: total", formula="T_h = N_h * ybar_h", computation=f"{big_n_h:,} x {num(mean)}",
                 value=est.total),
            Step(label=f"{h}: variance of total", formula="v_h = N_h^2 * f_h * s_h^2 / n_h",
                 computation=f"{big_n_h:,}^2 x {num(f)} x {num(s2)} / {n_h:,}", value=v),
        ]
    totals = np.array([e.total for e in estimates])
    variances = np.array([e.variance_of_total for e in estimates])
    sampled = np.array([e.sampled for e in estimates])
    total = float(totals.sum())
    var = float(variances.sum())
    se = math.sqrt(var)
    n, big_l = int(sampled.sum()), len(estimates)
    big_n = int(sum(e.population for e in estimates))
    steps += [
        Step(label="point estimate", formula="T = sum_h T_h", computation=" + ".join(num(e.total) for e in estimates),
             value=total),
        Step(label="variance", formula="V = sum_h v_h", computation=" + ".join(num(e.variance_of_total) for e in estimates),
             value=var),
        Step(label="standard error", formula="SE = sqrt(V)", computation=f"sqrt({num(var)})", value=se),
    ]
    df, df_formula, df_computation = _stratified_df(df_method, n, big_l, variances, sampled)
    return _finish("stratified", tuple(estimates), total, se, df, n, big_n, confidence, sidedness, df_method, fpc, steps,
                   df_formula=df_formula, df_computation=df_computation)


def satterthwaite_df(variances_of_totals: Sequence[float], sampled: Sequence[int]) -> float | None:
    """Satterthwaite's effective df ``V^2 / sum_h v_h^2 / (n_h - 1)`` over strata with ``n_h >= 2``; None if V = 0."""
    v = np.asarray(variances_of_totals, dtype=float)
    n_h = np.asarray(sampled, dtype=float)
    total = float(v.sum())
    if total <= 0.0:
        return None
    keep = n_h >= 2
    denom = float((v[keep] ** 2 / (n_h[keep] - 1.0)).sum())
    return total * total / denom


def _stratified_df(df_method: DfMethod, n: int, big_l: int, variances: np.ndarray,
                   sampled: np.ndarray) -> tuple[int | float | None, str, str]:
    if df_method == "normal":
        return None, "normal quantile (no df)", "df not used"
    if df_method == "n_minus_1":
        return n - 1, "n - 1", f"{n:,} - 1"
    if df_method == "satterthwaite":
        sat = satterthwaite_df([float(v) for v in variances], [int(k) for k in sampled])
        if sat is not None:
            return sat, "V^2 / sum_h (v_h^2 / (n_h - 1))", "Satterthwaite over the strata with n_h >= 2"
        return n - big_l, "n - L (V = 0: Satterthwaite undefined)", f"{n:,} - {big_l:,}"
    return n - big_l, "n - L", f"{n:,} - {big_l:,}"


def _finish(design: Literal["unrestricted", "stratified"], strata: tuple[StratumEstimate, ...], total: float, se: float,
            df: int | float | None, n: int, big_n: int, confidence: float, sidedness: Sidedness, df_method: DfMethod,
            fpc: bool, steps: list[Step], *, df_formula: str, df_computation: str) -> Extrapolation:
    t = critical_value(confidence, sidedness, df)
    q = quantile_level(confidence, sidedness)
    if t is None and se > 0.0:
        raise RuleError(f"{df_formula} = {df} degrees of freedom: no t-value; sample more units per stratum", CITE)
    precision = (t or 0.0) * se if se > 0.0 else 0.0
    lower = total - precision
    upper = total + precision if sidedness == "two_sided" else None
    pct = 100.0 * precision / abs(total) if total != 0.0 else None
    quant = f"z({num(q)})" if df is None else f"t({num(q)}, {num(float(df))})"
    steps += [
        Step(label="degrees of freedom", formula=df_formula, computation=df_computation,
             value=None if df is None else float(df)),
        Step(label="critical value", formula=f"{quant}, {sidedness}, confidence {num(confidence)}",
             computation=f"q = {'1 - (1 - c)/2' if sidedness == 'two_sided' else '1 - (1 - c)'} = {num(q)}", value=t),
        Step(label="precision", formula="t * SE", computation=f"{num(t)} x {num(se)}", value=precision),
        Step(label="lower limit", formula="T - t * SE", computation=f"{num(total)} - {num(precision)}", value=lower),
    ]
    if upper is not None:
        steps.append(Step(label="upper limit", formula="T + t * SE", computation=f"{num(total)} + {num(precision)}",
                          value=upper))
    steps.append(Step(label="precision percent", formula="100 * t * SE / |T|",
                      computation=f"100 x {num(precision)} / {num(abs(total))}" if pct is not None else "T = 0: undefined",
                      value=pct))
    return Extrapolation(design=design, confidence=confidence, sidedness=sidedness, df_method=df_method,
                         fpc_applied=fpc, population=big_n, n=n, strata_count=len(strata), point_estimate=total,
                         standard_error=se, df=df, t_value=t, lower_limit=lower, upper_limit=upper,
                         precision_amount=precision, precision_percent=pct, strata=strata, steps=tuple(steps))


def _fpc_step(label: str, n: int, big_n: int, f: float, fpc: bool) -> Step:
    if fpc:
        return Step(label=f"{label} (finite-population correction)", formula="1 - n/N",
                    computation=f"1 - {n:,}/{big_n:,}", value=f)
    return Step(label=f"{label} (no finite-population correction)", formula="1", computation="fpc switched off",
                value=f)


def _finite_array(values: Sequence[float], what: str) -> np.ndarray:
    y = np.asarray(list(values), dtype=float)
    if y.size and not np.isfinite(y).all():
        raise RuleError(f"{what}: every payment error must be a finite number", CITE)
    return y


def _check_counts(what: str, n: int, big_n: int) -> None:
    if n == 0:
        raise RuleError(f"{what}: no sampled units (population {big_n:,})", CITE)
    if big_n < n:
        raise RuleError(f"{what}: population {big_n:,} is smaller than the {n:,} sampled units", CITE)
    if n == 1 and big_n > 1:
        raise RuleError(f"{what}: one sampled unit out of {big_n:,} gives no variance estimate; sample at least 2 "
                        "or review the whole stratum", CITE)
