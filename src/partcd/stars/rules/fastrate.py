"""§§ 422.166(c)-(g), 423.186(c)-(g) - the ratings of :func:`partcd.stars.rules.rate.rate` as array arithmetic, for
many repetitions of a whole year (what-if grids and uncertainty runs).

:class:`RatingFrame` fixes what does not change between repetitions (measures, weights, which measures each contract
must report, contract kinds, CAI values, disaster flags); :meth:`RatingFrame.rate` takes a (contracts x measures)
array of stars (NaN = no star) and returns the Part C summary, Part D summary and overall rating of every contract,
computing the reward-factor thresholds from that repetition's population (or using fixed ones). The arithmetic is the
same as :func:`~partcd.stars.rules.rate.rate` (checked contract by contract on the 2024 and 2025 CMS tables); the
explanations are not produced here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.cai import CaiValues
from partcd.stars.rules.disaster import adjustment_applies, governing_share, new_measure_share, sixty_percent_years
from partcd.stars.rules.models import Measure, Part
from partcd.stars.rules.params import RATING_KEYS, RatingKey, RatingParams
from partcd.stars.rules.reward import RewardThresholds, ThresholdKey, excluded_from_thresholds, published_thresholds
from partcd.stars.rules.summary import ContractKind, ContractStars, RatingType, rating_catalogue

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_RATINGS = (RatingType.PART_C, RatingType.PART_D, RatingType.OVERALL)


def _sas5(sorted_x: FloatArray, pct: float) -> float:
    n = sorted_x.size
    np_ = n * pct / 100
    j = int(np.floor(np_ + 1e-12))
    if np_ - j > 1e-12:
        return float(sorted_x[min(j, n - 1)])
    if j == 0:
        return float(sorted_x[0])
    if j >= n:
        return float(sorted_x[-1])
    return float((sorted_x[j - 1] + sorted_x[j]) / 2)


def _pct(values: FloatArray, pct: float, method: str) -> float:
    x = np.sort(values)
    if method == "linear":
        return float(np.percentile(x, pct))
    return _sas5(x, pct)


@dataclass(frozen=True)
class FrameRatings:
    """One repetition: half-star ratings (NaN = not rated) per contract, in :attr:`RatingFrame.contract_ids` order."""

    part_c: FloatArray
    part_d: FloatArray
    overall: FloatArray

    def highest(self, kinds: npt.NDArray[np.int_]) -> FloatArray:
        """Overall for MA-PD (0), Part C for MA-only (1), Part D for PDP (2)."""
        return np.choose(kinds, [self.overall, self.part_c, self.part_d])


class RatingFrame:
    """The fixed part of a rating year for array rating (see the module docstring)."""

    def __init__(
        self,
        contracts: Sequence[ContractStars],
        measures: Sequence[Measure],
        rating_year: int,
        params: RatingParams,
        *,
        cai_categories: Mapping[str, Mapping[RatingKey, int | None]] | None = None,
        cai_values: CaiValues | None = None,
        disaster_shares: Mapping[str, Mapping[int, float]] | None = None,
    ) -> None:
        self.params = params
        self.measures = tuple(measures)
        self.contract_ids = tuple(c.contract_id for c in contracts)
        self.measure_keys = tuple(m.measure_key for m in measures)
        n, m = len(contracts), len(measures)
        col = {k: j for j, k in enumerate(self.measure_keys)}
        kind_code = {ContractKind.MA_PD: 0, ContractKind.MA_ONLY: 1, ContractKind.PDP: 2}
        self.kinds = np.array([kind_code[c.kind] for c in contracts], dtype=np.int_)
        weights = np.tile(np.array([x.weight for x in measures], dtype=np.float64), (n, 1))
        zero = [col[k] for k in params.puerto_rico_zero_weight_measures_list if k in col]
        for i, c in enumerate(contracts):
            if c.puerto_rico_only and zero:
                weights[i, zero] = 0.0
        self.weights = weights
        required = np.ones((n, m), dtype=np.bool_)
        for i, c in enumerate(contracts):
            for k in c.not_required:
                if k in col:
                    required[i, col[k]] = False
        self.required = required
        self.improvement = np.array([x.improvement for x in measures], dtype=np.bool_)
        first_new = rating_year - params.new_measure_years_count + 1
        self.new = np.array([x.first_rating_year >= first_new and not x.improvement for x in measures], dtype=np.bool_)
        self.in_rating = {r: np.isin(np.array(self.measure_keys), [x.measure_key for x in rating_catalogue(measures, r, params)])
                          for r in _RATINGS}
        self.part_d = np.array([x.part is Part.D for x in measures], dtype=np.bool_)
        allowed = {RatingType.PART_C: self.kinds != 2, RatingType.PART_D: self.kinds != 1, RatingType.OVERALL: self.kinds == 0}
        self.allowed = allowed
        self.rating_keys: dict[RatingType, npt.NDArray[np.int_]] = {
            RatingType.PART_C: np.zeros(n, dtype=np.int_),
            RatingType.PART_D: np.where(self.kinds == 2, 2, 1),
            RatingType.OVERALL: np.full(n, 3, dtype=np.int_),
        }
        values = cai_values if cai_values is not None else params.cai_values_table
        cats = cai_categories or {}
        cai = np.zeros((n, len(RATING_KEYS)))
        if values is not None:
            for i, cid in enumerate(self.contract_ids):
                for j, rkey in enumerate(RATING_KEYS):
                    cat = cats.get(cid, {}).get(rkey)
                    if cat is not None:
                        table = values.get(rkey)
                        if table is None or cat not in table:
                            raise RuleError(f"no CAI value for {rkey} final adjustment category {cat}",
                                            Cite(cfr="42 CFR 422.166(f)(2), 423.186(f)(2)"))
                        cai[i, j] = table[cat]
        self.cai = cai
        shares = disaster_shares or {}
        years_60 = sixty_percent_years(rating_year, params)
        self.excluded = np.array([excluded_from_thresholds(governing_share(shares.get(cid, {}), years_60), params)
                                  for cid in self.contract_ids], dtype=np.bool_)
        new_measures = [x for x in measures if x.first_rating_year >= first_new and not x.improvement]
        self.new_hold_harmless = np.array(
            [bool(new_measures) and adjustment_applies(new_measure_share(new_measures, c.stars, shares.get(c.contract_id, {}),
                                                                        rating_year, params), params)
             and any(x.measure_key in c.stars for x in new_measures) for c in contracts], dtype=np.bool_)
        self.highest = {RatingType.OVERALL: self.kinds == 0, RatingType.PART_C: self.kinds == 1,
                        RatingType.PART_D: self.kinds == 2}
        self.published = published_thresholds(params)

    def stars_array(self, contracts: Sequence[ContractStars]) -> FloatArray:
        """The (contracts x measures) star array of ``contracts`` (same order as the frame), NaN where no star."""
        col = {k: j for j, k in enumerate(self.measure_keys)}
        out = np.full((len(contracts), len(self.measure_keys)), np.nan)
        for i, c in enumerate(contracts):
            for k, s in c.stars.items():
                if k in col:
                    out[i, col[k]] = s
        return out

    def _half(self, raw: FloatArray) -> FloatArray:
        p = self.params
        at = np.floor(raw * 10**p.summary_precision_decimals_count + 0.5) / 10**p.summary_precision_decimals_count
        step = p.summary_rounding_increment_stars
        return np.asarray(np.clip(np.floor(at / step + 0.5) * step, 0.0, p.summary_maximum_stars), dtype=np.float64)

    def _variant(self, stars: FloatArray, rating: RatingType, with_imp: bool, with_new: bool
                 ) -> tuple[FloatArray, FloatArray, BoolArray, FloatArray]:
        has = ~np.isnan(stars)
        in_r = self.in_rating[rating]
        attain = in_r & ~self.improvement
        req = self.required & attain
        rated = req & has
        n_req = req.sum(axis=1)
        n_rated = rated.sum(axis=1)
        eligible = self.allowed[rating] & (n_req > 0) & (n_rated >= (n_req + 1) // 2)
        used = rated & (True if with_new else ~self.new)
        if with_imp:
            used = used | (in_r & self.improvement & has)
        used = used & (self.weights > 0)
        w = np.where(used, self.weights, 0.0)
        x = np.where(used, stars, 0.0)
        wsum = w.sum(axis=1)
        eligible &= wsum > 0
        safe = np.where(wsum > 0, wsum, 1.0)
        mean = (w * x).sum(axis=1) / safe
        count = used.sum(axis=1)
        sumwx = (w * (x - mean[:, None]) ** 2 * used).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.where(count > 1, count * sumwx / (safe * (count - 1)), np.nan)
        return mean, var, eligible, count.astype(np.float64)

    @cites("42 CFR 422.166(c)", "42 CFR 423.186(c)", "42 CFR 422.166(f)", "42 CFR 423.186(f)", "42 CFR 422.166(g)",
           "42 CFR 423.186(g)")
    def rate(self, stars: FloatArray, thresholds: Mapping[ThresholdKey, RewardThresholds] | None = None) -> FrameRatings:
        """Ratings of every contract for one (contracts x measures) star array."""
        p = self.params
        variants: dict[tuple[RatingType, bool, bool], tuple[FloatArray, FloatArray, BoolArray, FloatArray]] = {}
        combos = [(True, True), (False, True)] + ([(True, False), (False, False)] if self.new.any() else [])
        for rating in _RATINGS:
            for imp, new in combos:
                variants[(rating, imp, new)] = self._variant(stars, rating, imp, new)
        both = variants[(RatingType.PART_C, True, True)][2] & variants[(RatingType.PART_D, True, True)][2]
        for imp, new in combos:
            mean, var, elig, count = variants[(RatingType.OVERALL, imp, new)]
            variants[(RatingType.OVERALL, imp, new)] = (mean, var, elig & both, count)
        (m_low, m_high), (v_low, v_high) = p.reward_mean_percentiles_list, p.reward_variance_percentiles_list
        method = p.reward_percentile_method_text
        finals: dict[tuple[RatingType, bool, bool], FloatArray] = {}
        for (rating, imp, new), (mean, var, elig, _) in variants.items():
            keys = self.rating_keys[rating]
            rf = np.zeros_like(mean)
            for k, key in enumerate(RATING_KEYS):
                group = elig & (keys == k)
                if not group.any():
                    continue
                tk = ThresholdKey(key, imp, new)
                th = (thresholds or {}).get(tk) or self.published.get(tk)
                if th is None:
                    pop = group & ~self.excluded
                    vpop = var[pop & ~np.isnan(var)]
                    if not pop.any() or vpop.size == 0:
                        continue
                    th = RewardThresholds(_pct(mean[pop], m_low, method), _pct(mean[pop], m_high, method),
                                          _pct(vpop, v_low, method), _pct(vpop, v_high, method), int(pop.sum()), "computed")
                vcat = np.where(np.isnan(var) | (var >= th.variance_high), 2, np.where(var >= th.variance_low, 1, 0))
                table = p.reward_factor_table
                hi = np.array([table["high_mean"]["low"], table["high_mean"]["medium"], table["high_mean"]["high"]])[vcat]
                rel = np.array([table["relatively_high_mean"]["low"], table["relatively_high_mean"]["medium"],
                                table["relatively_high_mean"]["high"]])[vcat]
                value = np.where(mean >= th.mean_high, hi, np.where(mean >= th.mean_low, rel, 0.0))
                rf = np.where(group, value, rf)
            cai = self.cai[np.arange(len(keys)), keys]
            finals[(rating, imp, new)] = np.where(elig, self._half(mean + rf + cai), np.nan)
        out: dict[RatingType, FloatArray] = {}
        for rating in _RATINGS:
            applies = self.highest[rating] if p.improvement_hold_harmless_scope_text == "highest-rating" else \
                np.ones_like(self.highest[rating])
            per_new: dict[bool, FloatArray] = {}
            for new in ((True, False) if self.new.any() else (True,)):
                w_imp, wo_imp = finals[(rating, True, new)], finals[(rating, False, new)]
                has_imp = variants[(rating, True, new)][3] > variants[(rating, False, new)][3]
                held = applies & has_imp & (wo_imp >= p.improvement_hold_harmless_min_stars) & (w_imp < wo_imp)
                per_new[new] = np.where(held, wo_imp, w_imp)
            final = per_new[True]
            if False in per_new:
                lift = self.new_hold_harmless & (per_new[False] > final)
                final = np.where(lift, per_new[False], final)
            out[rating] = final
        return FrameRatings(out[RatingType.PART_C], out[RatingType.PART_D], out[RatingType.OVERALL])
