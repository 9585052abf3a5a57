"""Synthetic RADV data: seeded, reproducible, and shaped like the 2012 design (3 x 67 from equal strata)."""

from __future__ import annotations

import numpy as np
import pytest

from partcd.core.errors import ConfigError
from partcd.radv.samples import illustrative_hcc_model, synthetic_audit, synthetic_frame


def test_synthetic_audit_is_seeded_and_consistent() -> None:
    a, b, c = synthetic_audit(1), synthetic_audit(1), synthetic_audit(2)
    assert a.sample == b.sample and a.true_total == b.true_total
    assert a.sample != c.sample
    assert a.strata_rows == [("1", 4000), ("2", 4000), ("3", 4000)]
    assert len(a.sample) == 201
    assert {s for _, s, _ in a.sample} == {"1", "2", "3"}
    assert a.true_total == pytest.approx(sum(float(v.sum()) for v in a.population_errors.values()))
    # each sampled value is a value of its stratum's population
    for enrollee, stratum, error in a.sample:
        index = int(enrollee.split("-")[1]) - 1
        assert a.population_errors[stratum][index] == error
    # right-skewed errors, mostly zero, a few underpayments
    errors = np.concatenate(list(a.population_errors.values()))
    assert 0.6 < float((errors == 0).mean()) < 0.9 and (errors < 0).any()


def test_synthetic_frame_has_ineligible_enrollees_of_each_kind() -> None:
    frame = synthetic_frame(3, size=500)
    assert frame == synthetic_frame(3, size=500)
    assert len({e.enrollee_id for e in frame}) == 500
    assert any(e.payment_hcc_count == 0 for e in frame)
    assert any(e.esrd_months for e in frame) and any(e.hospice_months for e in frame)


def test_bad_shapes_and_the_illustrative_model() -> None:
    with pytest.raises(ConfigError, match="one entry per stratum"):
        synthetic_audit(1, strata_sizes=(10, 10), error_share=(0.1,), mean_error_usd=(1.0, 2.0))
    assert "not CMS" in illustrative_hcc_model().name
