"""Erlang B / C / A against the published vectors E1 and A1 (spec §7.2, §7.5), two independent methods, properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from partcd.callcenter.rules.erlang import (
    erlang_a,
    erlang_a_chain,
    erlang_b,
    erlang_b_recursive,
    erlang_c,
    erlang_c_asa,
    erlang_c_service_level,
    queue_metrics,
    queue_metrics_arrays,
)

# --- E1: lambda = 100 calls / 30 min, AHT = 3 min, t = 20 s -> A = 10 Erlangs -------------------


def test_e1_r_erlangc_printed_precision() -> None:
    """R ErlangC 0.1.0: n = 14 -> P(wait) 0.1741319, SL(20 s) 0.88835, ASA 7.8359 s, occupancy 0.7142857."""
    assert round(float(erlang_c(14, 10.0)), 7) == 0.1741319
    assert round(float(erlang_c_service_level(14, 10.0, 180.0, 20.0)), 5) == 0.88835
    assert round(float(erlang_c_asa(14, 10.0, 180.0)), 4) == 7.8359
    assert float(erlang_c_asa(14, 10.0, 180.0)) == pytest.approx(7.83593701177724, abs=1e-12)
    m = queue_metrics(14, 100 / 1800, 180.0, math.inf, 20.0)
    assert round(m.occupancy, 7) == 0.7142857


def test_e1_pyworkforce_full_precision() -> None:
    """pyworkforce 0.1.0 README prints 16 digits: P(wait) 0.1741319335950498, SL 0.8883500191794669."""
    assert float(erlang_c(14, 10.0)) == pytest.approx(0.1741319335950498, abs=1e-14)
    assert float(erlang_c_service_level(14, 10.0, 180.0, 20.0)) == pytest.approx(0.8883500191794669, abs=1e-14)
    assert queue_metrics(14, 100 / 1800, 180.0, math.inf, 20.0).occupancy == pytest.approx(0.7142857142857143, abs=1e-15)


def test_e1_process_table_first_row() -> None:
    """R ErlangC calculate_agents process table, n = 11: P(wait) 0.6821182."""
    assert round(float(erlang_c(11, 10.0)), 7) == 0.6821182


def test_e1_same_in_minutes_and_seconds() -> None:
    """One time unit throughout: per-minute and per-second inputs give the same figures."""
    per_min = queue_metrics(14, 100 / 30, 3.0, math.inf, 20 / 60)
    per_s = queue_metrics(14, 100 / 1800, 180.0, math.inf, 20.0)
    assert per_min.service_level == pytest.approx(per_s.service_level, abs=1e-14)
    assert per_min.avg_wait * 60 == pytest.approx(per_s.avg_wait, rel=1e-12)


# --- A1: lambda = 10/3 per min, mu = 1/3, theta = 1/5, n = 13, t = 20 s ---------------------------

A1 = {"agents": 13, "arrival_rate": 10 / 3, "aht": 3.0, "patience": 5.0, "answer_within": 20 / 60}


def test_a1_against_pyworkforce_readme() -> None:
    """README (rounded to 4 decimals, differs from the exact model by up to ~0.001; spec §7.5: tolerance 2e-3)."""
    m = erlang_a(**A1)
    assert m.p_wait == pytest.approx(0.2265, abs=2e-3)
    assert m.p_abandon == pytest.approx(0.0253, abs=2e-3)
    assert m.service_level == pytest.approx(0.8584, abs=2e-3)  # SL_all, the README's definition
    assert m.avg_wait == pytest.approx(0.1258, abs=2e-3)  # minutes, over all callers
    assert round(m.occupancy, 4) == 0.7500
    assert math.ceil(13 / (1 - 0.3)) == 19  # positions after shrinkage 0.3


def test_a1_exact_values_pinned() -> None:
    """The exact model (closed forms == chain == expm below), to 1e-9."""
    m = erlang_a(**A1)
    assert m.p_wait == pytest.approx(0.2257970840473753, abs=1e-9)
    assert m.p_abandon == pytest.approx(0.0249633036335723, abs=1e-9)
    assert m.service_level == pytest.approx(0.8581777000307621, abs=1e-9)
    assert m.avg_wait == pytest.approx(0.1248165181678615, abs=1e-9)
    assert m.avg_wait_served == pytest.approx(0.1152328051010963, abs=1e-9)


def test_a1_closed_forms_equal_birth_death_chain() -> None:
    m = erlang_a(**A1)
    ch = erlang_a_chain(13, 10 / 3, 3.0, 5.0)
    assert m.p_wait == pytest.approx(ch.p_wait, abs=1e-12)
    assert m.p_abandon == pytest.approx(ch.p_abandon, abs=1e-12)
    assert m.avg_wait == pytest.approx(ch.avg_wait, abs=1e-12)
    assert m.avg_wait_served == pytest.approx(ch.avg_wait_served, abs=1e-12)
    assert ch.avg_wait == pytest.approx(ch.p_abandon / (1 / 5.0), abs=1e-12)  # E[W] = P(Ab) / theta


def _answered_within_by_expm(n: int, lam: float, aht: float, patience: float, t: float, k_max: int = 80) -> float:
    """§7.4: per-caller chain {k ahead, ..., 0, Served, Abandoned}, solved with scipy.linalg.expm."""
    mu, theta = 1 / aht, 1 / patience
    a = lam / mu
    log_pi = [j * math.log(a) - math.lgamma(j + 1) for j in range(n + 1)]
    for k in range(1, k_max + 1):
        log_pi.append(log_pi[-1] + math.log(lam) - math.log(n * mu + k * theta))
    pi = np.exp(np.array(log_pi) - max(log_pi))
    pi /= pi.sum()
    size = k_max + 3  # states 0..k_max ahead, Served = k_max+1, Abandoned = k_max+2
    q = np.zeros((size, size))
    served, abandoned = k_max + 1, k_max + 2
    for i in range(k_max + 1):
        q[i, i - 1 if i > 0 else served] = n * mu + i * theta
        q[i, abandoned] = theta
        q[i, i] = -(n * mu + i * theta + theta)
    p_t = scipy.linalg.expm(q * t)
    return float(pi[:n].sum() + sum(pi[n + k] * p_t[k, served] for k in range(k_max + 1)))


@pytest.mark.parametrize(("n", "lam", "aht", "patience", "t"), [
    (13, 10 / 3, 3.0, 5.0, 20 / 60),  # A1
    (13, 10 / 3, 3.0, 5.0, 0.5),  # A1 at the CMS 30 s
    (9, 100 / 1800, 180.0, 60.0, 30.0),  # heavy abandonment
    (20, 0.1, 180.0, 600.0, 30.0),  # light load
])
def test_answered_within_equals_markov_chain_expm(n: int, lam: float, aht: float, patience: float, t: float) -> None:
    m = queue_metrics(n, lam, aht, patience, t)
    assert m.service_level == pytest.approx(_answered_within_by_expm(n, lam, aht, patience, t), abs=1e-9)


def test_service_level_definitions_give_different_verdicts() -> None:
    """Pins SL_all as primary: 10 agents, 100 calls / 30 min, AHT 180 s, patience 120 s: SL_all 69.4 %, SL_ans 80.5 %."""
    m = queue_metrics(10, 100 / 1800, 180.0, 120.0, 30.0)
    assert m.service_level == pytest.approx(0.6941049810595472, abs=1e-9)
    assert m.service_level_answered == pytest.approx(0.8047256476944159, abs=1e-9)
    assert m.service_level < 0.80 <= m.service_level_answered
    assert m.service_level <= m.service_level_excl <= m.service_level_answered


def test_erlang_c_unstable_and_edge_cases() -> None:
    assert float(erlang_c(10, 10.0)) == 1.0
    assert float(erlang_c_service_level(9, 10.0, 180.0, 30.0)) == 0.0
    assert math.isinf(float(erlang_c_asa(10, 10.0, 180.0)))
    idle = queue_metrics(3, 0.0, 180.0, 60.0, 30.0)
    assert (idle.service_level, idle.p_wait, idle.avg_wait_served) == (1.0, 0.0, 0.0)
    none = queue_metrics(0, 0.01, 180.0, 60.0, 30.0)
    assert (none.service_level, none.p_abandon) == (0.0, 1.0)
    assert none.p_abandon_within == pytest.approx(1 - math.exp(-0.5))
    with pytest.raises(ValueError, match="aht > 0"):
        queue_metrics(3, 0.01, 0.0, 60.0, 30.0)


def test_large_centres_stay_finite() -> None:
    """5000 agents: closed form equals the recursion, figures are finite and sane."""
    assert float(erlang_b(5000, 4900.0)) == pytest.approx(erlang_b_recursive(5000, 4900.0), rel=1e-12)
    m = queue_metrics(5000, 4900 / 300, 300.0, 120.0, 30.0)
    assert 0.0 < m.p_wait < 1.0 and 0.999 < m.service_level <= 1.0
    assert m.avg_wait == pytest.approx(m.p_abandon * 120.0, rel=1e-12)
    assert float(erlang_b(10, 1000.0)) == pytest.approx(erlang_b_recursive(10, 1000.0), rel=1e-12)  # cdf underflow path


def test_vectorized_equals_scalar() -> None:
    n = np.arange(10, 20)
    arr = queue_metrics_arrays(n, 100 / 1800, 180.0, 120.0, 30.0)
    for i, agents in enumerate(n):
        m = queue_metrics(int(agents), 100 / 1800, 180.0, 120.0, 30.0)
        assert arr["service_level"][i] == pytest.approx(m.service_level, abs=1e-15)
        assert arr["avg_wait_served"][i] == pytest.approx(m.avg_wait_served, abs=1e-12)


# --- properties ------------------------------------------------------------------------------------

loads = st.floats(min_value=0.05, max_value=400.0)
ahts = st.floats(min_value=30.0, max_value=900.0)
patiences = st.floats(min_value=5.0, max_value=3600.0)


@given(n=st.integers(min_value=0, max_value=600), load=st.floats(min_value=0.0, max_value=800.0))
@settings(max_examples=200, deadline=None)
def test_erlang_b_recursion_equals_closed_form(n: int, load: float) -> None:
    assert float(erlang_b(n, load)) == pytest.approx(erlang_b_recursive(n, load), rel=1e-10, abs=1e-300)


@given(load=loads, aht=ahts, patience=st.one_of(patiences, st.just(math.inf)), t=st.floats(min_value=0.0, max_value=120.0))
@settings(max_examples=150, deadline=None)
def test_monotone_in_agents_and_bounded(load: float, aht: float, patience: float, t: float) -> None:
    lam = load / aht
    n = np.arange(max(1, int(load * 0.5)), int(load * 1.5) + 6)
    r = queue_metrics_arrays(n, lam, aht, patience, t)
    for key in ("service_level", "service_level_answered", "service_level_excl", "p_wait", "p_abandon",
                "p_abandon_within", "occupancy"):
        v = r[key]
        assert np.all((v >= 0.0) & (v <= 1.0)), key
    eps = 1e-10  # absolute precision of differences of probabilities near 0 or 1
    assert np.all(np.diff(r["service_level"]) >= -eps)
    assert np.all(np.diff(r["p_wait"]) <= eps)
    assert np.all(np.diff(r["p_abandon"]) <= eps)
    finite = np.isfinite(r["avg_wait_served"])
    assert np.all(np.diff(r["avg_wait_served"][finite]) <= 1e-9 * np.maximum(r["avg_wait_served"][finite][:-1], 1.0))
    assert np.all(r["p_abandon_within"] <= r["p_abandon"] + eps)


@given(load=st.floats(min_value=0.5, max_value=200.0), aht=ahts, spare=st.floats(min_value=0.2, max_value=20.0),
       t=st.floats(min_value=0.0, max_value=120.0))
@settings(max_examples=100, deadline=None)
def test_erlang_a_tends_to_erlang_c(load: float, aht: float, spare: float, t: float) -> None:
    n = math.ceil(load + spare)
    lam = load / aht
    c = queue_metrics(n, lam, aht, math.inf, t)
    a = queue_metrics(n, lam, aht, aht * 1e12, t)  # the gap shrinks as 1/patience; 1e9 x AHT leaves ~1e-6 near rho = 1
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-6)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-6)
    assert a.avg_wait_served == pytest.approx(c.avg_wait_served, rel=1e-5, abs=1e-9)
    assert a.p_abandon < 1e-5


@given(n=st.integers(min_value=1, max_value=60), load=st.floats(min_value=0.1, max_value=80.0),
       patience=st.floats(min_value=10.0, max_value=1800.0))
@settings(max_examples=60, deadline=None)
def test_closed_forms_equal_chain(n: int, load: float, patience: float) -> None:
    aht = 180.0
    m = queue_metrics(n, load / aht, aht, patience, 30.0)
    ch = erlang_a_chain(n, load / aht, aht, patience)
    assert m.p_wait == pytest.approx(ch.p_wait, abs=1e-9)
    assert m.p_abandon == pytest.approx(ch.p_abandon, abs=1e-9)
    assert m.avg_wait_served == pytest.approx(ch.avg_wait_served, rel=1e-8, abs=1e-9)
