"""§ 422.504(o)(2), § 423.505(p)(2) - site-loss what-if: restoring call-center operations within 72 hours.

CAP letter L30: "restore essential functions, including call center operations, within 72 hours after any of the
essential functions fail or otherwise stop functioning as usual"; L32: the plan's call centers "were unable to meet
regulatory requirements due to ... a shortage of customer service representatives due a typhoon".

The what-if takes a forecast, the planned agents on the phones per interval, and a site loss (X % of the agents gone
for N hours from T, optionally with extra system drops while the site is down and a recovery schedule that brings
lost agents back in steps). For every interval it predicts the three standards (:mod:`partcd.callcenter.rules.staffing`)
and the agents that other sites must lend to restore compliance; then it checks the 72-hour rule.

Modelling choices (spec §1.2, design decision there):

* "Fail or otherwise stop functioning as usual" is read as breaching S2, S3 or S4. An outage *episode* starts at the
  first interval that breaches a standard and ends at the start of the first interval with calls from which the
  centre stays within all standards for ``sustain_h`` hours (default 24 h, a configurable planning choice, not a
  rule). Intervals without calls are neutral (restoration has to be seen on calls). If the forecast ends before
  the sustain period is complete, the end is reported as unconfirmed.
* The episode meets the rule when ``end - start <= restore_essential_functions_max_h`` (the compliance parameters, passed in).
  An episode still open at the end of the forecast fails when it has already lasted longer than the limit and is
  undetermined (``None``) otherwise.
* Durations are elapsed time (aware times are compared in UTC, so a DST change does not move the clock).
* Losing a fraction of the agents of an interval rounds the survivors down (losing part of a person's shift is
  losing the person for that interval); an interval belongs to the loss when its start falls in ``[T, T + N h)``.
* Agents lent from elsewhere cannot cure system drops: an interval breaching S4 is marked not restorable by staffing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from partcd.callcenter.rules.staffing import (
    IntervalForecast,
    IntervalPrediction,
    PeriodPrediction,
    Standard,
    period_prediction,
    predict,
    required_agents,
)
from partcd.core.citation import cites
from partcd.core.errors import InvalidValue, RuleError
from partcd.core.params import ParamSet, ParamValue


class RecoveryStep(BaseModel):
    """From ``hours_after_start`` on, ``restored_pct`` % of the lost agents are back (relocated, recalled, backfilled)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hours_after_start: float = Field(ge=0)
    restored_pct: float = Field(ge=0, le=100)


class SiteLoss(BaseModel):
    """Lose ``lose_pct`` % of the agents for ``hours`` hours from ``start`` (the letter's typhoon)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: dt.datetime
    hours: float = Field(gt=0)
    lose_pct: float = Field(ge=0, le=100)
    extra_drop_pct: float = Field(default=0.0, ge=0, le=100)
    recovery: tuple[RecoveryStep, ...] = ()

    def lost_fraction(self, at: dt.datetime) -> float:
        """Fraction of the planned agents missing at ``at`` (0 outside the loss window)."""
        if not self.in_loss(at):
            return 0.0
        elapsed_h = _hours_between(self.start, at)
        restored = 0.0
        for step in sorted(self.recovery, key=lambda s: s.hours_after_start):
            if step.hours_after_start <= elapsed_h:
                restored = step.restored_pct
        return self.lose_pct / 100.0 * (1.0 - restored / 100.0)

    def in_loss(self, at: dt.datetime) -> bool:
        return 0.0 <= _hours_between(self.start, at) < self.hours


class SiteLossInterval(BaseModel):
    """One interval of the what-if: planned vs. surviving agents, predicted figures, help needed from elsewhere."""

    model_config = ConfigDict(frozen=True)

    interval_start: dt.datetime
    in_loss: bool
    planned_agents: int
    available_agents: int
    required_agents: int
    agents_elsewhere: int
    restorable_by_agents: bool
    breaches: tuple[Standard, ...]
    planned_breaches: tuple[Standard, ...]
    prediction: IntervalPrediction


class OutageEpisode(BaseModel):
    """A run of "not functioning as usual" (spec §1.2) and its check against the restoration limit."""

    model_config = ConfigDict(frozen=True)

    start: dt.datetime
    end: dt.datetime | None
    end_confirmed: bool
    duration_h: float | None
    limit_h: float
    meets_limit: bool | None


class SiteLossReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    loss: SiteLoss
    intervals: tuple[SiteLossInterval, ...]
    breached_intervals: int
    breaches_by_standard: dict[str, int]
    peak_agents_elsewhere: int
    agent_hours_elsewhere: float
    episodes: tuple[OutageEpisode, ...]
    restoration_limit_h: float
    meets_restoration_rule: bool | None
    during_loss: PeriodPrediction
    whole_forecast: PeriodPrediction
    params_file: str


@cites("42 CFR 422.504(o)(2)", "42 CFR 423.505(p)(2)", "42 CFR 422.111(h)(1)(ii)", "42 CFR 423.128(d)(1)(ii)")
def site_loss(forecast: Sequence[IntervalForecast], planned_agents: Sequence[int], loss: SiteLoss, params: ParamSet,
              restoration: ParamValue, patience_s: float | None = None, sustain_h: float = 24.0) -> SiteLossReport:
    """Which intervals breach which standard, how many agents elsewhere restore compliance, and the 72-hour rule.

    ``restoration`` is the business-continuity limit ``restore_essential_functions_max_h`` of the compliance
    parameters in force (§ 422.504(o)(2)); ``params`` are the call-center standards.
    """
    if len(planned_agents) != len(forecast):
        raise InvalidValue(f"{len(planned_agents)} planned staffing values for {len(forecast)} intervals")
    if sustain_h < 0:
        raise InvalidValue("sustain_h must be >= 0")
    if any(b.interval_start <= a.interval_start for a, b in itertools.pairwise(forecast)):
        raise InvalidValue("forecast intervals must be in increasing time order")
    if restoration.key != "restore_essential_functions_max_h" or restoration.unit != "h":
        raise RuleError(f"restoration limit must be restore_essential_functions_max_h in hours, got {restoration.key}")
    limit_h = float(restoration.value)
    hit = [f.model_copy(update={"drop_rate_pct": min(100.0, f.drop_rate_pct + loss.extra_drop_pct)})
           if loss.in_loss(f.interval_start) else f for f in forecast]
    available = [math.floor(n * (1.0 - loss.lost_fraction(f.interval_start)) + 1e-9)
                 for n, f in zip(planned_agents, forecast, strict=True)]
    preds = predict(hit, available, params, patience_s)
    planned = predict(forecast, list(planned_agents), params, patience_s)
    need, _, _ = required_agents(hit, params, patience_s)
    rows: list[SiteLossInterval] = []
    for f, n_plan, n_avail, n_need, p, q in zip(hit, planned_agents, available, need, preds, planned, strict=True):
        rows.append(SiteLossInterval(
            interval_start=f.interval_start, in_loss=loss.in_loss(f.interval_start), planned_agents=int(n_plan),
            available_agents=n_avail, required_agents=int(n_need), agents_elsewhere=max(0, int(n_need) - n_avail),
            restorable_by_agents="disconnect" not in p.breaches, breaches=p.breaches, planned_breaches=q.breaches,
            prediction=p))
    by_standard = {s: sum(1 for r in rows if s in r.breaches) for s in ("avg_hold", "answered_within", "disconnect")}
    episodes = _episodes(rows, [f.length_s for f in forecast], limit_h, sustain_h)
    verdicts = [e.meets_limit for e in episodes]
    meets: bool | None
    if any(v is False for v in verdicts):
        meets = False
    elif any(v is None for v in verdicts):
        meets = None
    else:
        meets = True
    in_loss_preds = [r.prediction for r in rows if r.in_loss]
    return SiteLossReport(
        loss=loss, intervals=tuple(rows), breached_intervals=sum(1 for r in rows if r.breaches),
        breaches_by_standard=by_standard, peak_agents_elsewhere=max((r.agents_elsewhere for r in rows), default=0),
        agent_hours_elsewhere=sum(r.agents_elsewhere * f.length_s / 3600.0 for r, f in zip(rows, forecast, strict=True)),
        episodes=tuple(episodes), restoration_limit_h=limit_h, meets_restoration_rule=meets,
        during_loss=period_prediction(in_loss_preds, params), whole_forecast=period_prediction(preds, params),
        params_file=params.file)


def _episodes(rows: Sequence[SiteLossInterval], lengths: Sequence[float], limit_h: float,
              sustain_h: float) -> list[OutageEpisode]:
    """Outage episodes: first breaching interval -> start of the first compliant run lasting ``sustain_h``.

    Intervals without forecast calls (the centre closed or idle) are neutral: they cannot start an episode, nor end
    one (restoration must be observable on calls), but their clock time counts towards the sustain period.
    """
    if not rows:
        return []
    horizon_end = _utc(rows[-1].interval_start) + dt.timedelta(seconds=lengths[-1])
    measurable = [r.prediction.calls_offered > 0 for r in rows]
    episodes: list[OutageEpisode] = []
    i = 0
    while i < len(rows):
        if not rows[i].breaches:
            i += 1
            continue
        start = rows[i].interval_start
        end: dt.datetime | None = None
        confirmed = False
        j = i + 1
        while j < len(rows):
            if rows[j].breaches or not measurable[j]:
                j += 1
                continue
            k = j
            while k < len(rows) and not rows[k].breaches:
                k += 1
            run_end = _utc(rows[k].interval_start) if k < len(rows) else horizon_end
            run_h = _hours_between(rows[j].interval_start, run_end)
            if run_h >= sustain_h or k == len(rows):
                end = rows[j].interval_start
                confirmed = run_h >= sustain_h
                break
            j = k
        if end is None:
            lasted = _hours_between(start, horizon_end)
            episodes.append(OutageEpisode(start=start, end=None, end_confirmed=False, duration_h=None, limit_h=limit_h,
                                          meets_limit=False if lasted > limit_h else None))
            break
        duration = _hours_between(start, end)
        episodes.append(OutageEpisode(start=start, end=end, end_confirmed=confirmed, duration_h=duration,
                                      limit_h=limit_h, meets_limit=duration <= limit_h))
        i = j
    return episodes


def _utc(t: dt.datetime) -> dt.datetime:
    """Aware times in UTC (aware arithmetic within one zone is wall-clock in Python, wrong across DST); naive as is."""
    return t.astimezone(dt.UTC) if t.utcoffset() is not None else t


def _hours_between(a: dt.datetime, b: dt.datetime) -> float:
    return (_utc(b) - _utc(a)).total_seconds() / 3600.0
