"""§ 422.111(h)(1)(ii), § 423.128(d)(1)(ii) - queueing math behind the hold-time and speed-of-answer standards.

CAP letter L30: "limit callers' average hold time to 2 minutes, answer 80 percent of calls within 30 seconds".
Erlang B and Erlang C (M/M/n) and Erlang A (M/M/n+M, exponential patience), shared/specs/callcenter.md §7.1-§7.4.

Everything is computed in log space so it stays finite for thousands of agents and for patience -> infinity:

* Erlang B closed form ``B(n, A) = pmf(n; A) / cdf(n; A)`` of a Poisson(A), with the Poisson log-pmf written as
  ``-stirlerr(n) - log(2 pi n)/2 - bd0(n, A)`` (Loader's saddle-point form: no cancellation of huge terms) and the
  cdf as ``scipy.special.gammaincc(n + 1, A)``; the recursion of §7.1 is kept as :func:`erlang_b_recursive`.
* Erlang A through Kummer's function ``K(x, y) = 1 + sum_j y^j / prod_{k<=j}(x + k) = Gamma(x+1) e^y y^-x P(x, y)``
  (the spec's script-A, P = ``scipy.special.gammainc``), summed as a series where P would underflow.
* "Answered within t" (§7.4) in closed form.  With V the offered wait (time until an agent would take the caller)
  its density on V > 0 is ``n mu pi_n exp(y (1 - e^{-theta s}) - n mu s)`` (Baccelli-Hebuterne, Zeltyn-Mandelbaum);
  integrating ``e^{-theta s}`` against it gives, with ``x = n mu / theta``, ``y = lambda / theta``:

  - answered after waiting, within t: ``P(W>0) P(served | W>0) [1 - P(x+1, y e^{-theta t}) / P(x+1, y)]``,
  - still waiting at t: ``e^{-theta t} P(W>0) P(x, y e^{-theta t}) / P(x, y)``,
  - ``P(served | W>0) = x/(x+1) K(x+1, y) / K(x, y)`` (= ``1/rho - 1/(rho K)``, the spec's form, without its
    cancellation).

* Mean wait of *served* callers (the hold-time standard averages over callers who reach a live person, spec §2.2):
  a caller with k callers ahead is served with probability ``x/(x+k+1)`` after a mean wait
  ``(digamma(x+k+2) - digamma(x+1)) / theta`` (telescoping products of the §7.4 chain), summed over the
  stationary queue; :func:`erlang_a_chain` is the truncated birth-death chain of §7.3, the independent reference.

Units: one time unit throughout (the staffing code uses seconds). ``patience = inf`` is Erlang C.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import digamma, gammainc, gammaincc, gammaln

from partcd.core.errors import InvalidValue

FloatArray = npt.NDArray[np.float64]

_LOG_2PI = math.log(2.0 * math.pi)
_TINY = 1e-280
_CHUNK = 32  # first chunk of series terms; it doubles up to _CHUNK_MAX while rows remain unconverged
_CHUNK_MAX = 4096
_NEGLIGIBLE = 45.0  # terms below e^-45 (3e-20) of the running total are dropped


# --- Poisson / Kummer building blocks -----------------------------------------------------------


def _lse(a: FloatArray) -> FloatArray:
    """log(sum(exp(a), axis=1)) for rows with at least one finite entry (a lean scipy.special.logsumexp)."""
    top = a.max(axis=1)
    return np.asarray(top + np.log(np.exp(a - top[:, None]).sum(axis=1)), dtype=np.float64)


def _stirlerr(x: FloatArray) -> FloatArray:
    """log Gamma(x+1) - [(x+1/2) log x - x + log(2 pi)/2], for x > 0 (Stirling series for x >= 15)."""
    out = np.empty_like(x)
    big = x >= 15.0
    xb = x[big]
    x2 = xb * xb
    out[big] = (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * x2)) / x2) / x2) / x2) / xb
    xs = x[~big]
    out[~big] = gammaln(xs + 1.0) - (xs + 0.5) * np.log(xs) + xs - 0.5 * _LOG_2PI
    return out


def _bd0(x: FloatArray, m: FloatArray) -> FloatArray:
    """x log(x/m) + m - x without cancellation (Loader 2000), x > 0, m > 0."""
    out: FloatArray = x * (np.log(x) - np.log(m)) + m - x
    small = np.abs(x - m) < 0.1 * (x + m)
    if small.any():
        xs, ms = x[small], m[small]
        v = (xs - ms) / (xs + ms)
        acc = (xs - ms) * v
        ej = 2.0 * xs * v
        v2 = v * v
        for j in range(1, 40):
            ej = ej * v2
            acc = acc + ej / (2 * j + 1)
        out[small] = acc
    return out


def _log_poisson_pmf(x: FloatArray, m: FloatArray) -> FloatArray:
    """log(m^x e^-m / Gamma(x+1)) for x > 0, m > 0 (continuous in x)."""
    return np.asarray(-_stirlerr(x) - 0.5 * (_LOG_2PI + np.log(x)) - _bd0(x, m), dtype=np.float64)


def _log_kummer(x: FloatArray, y: FloatArray) -> FloatArray:
    """log K(x, y), K(x, y) = 1 + sum_{j>=1} y^j / prod_{k=1..j} (x + k)  (x > 0, y >= 0)."""
    x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    out = np.zeros(x.shape, dtype=np.float64)
    pos = y > 0
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        p = np.where(pos, gammainc(x, np.where(pos, y, 1.0)), 0.0)
    direct = pos & (p > _TINY) & (y >= 0.5 * (x + 1.0))
    if direct.any():
        out[direct] = -_log_poisson_pmf(x[direct], y[direct]) + np.log(p[direct])
    series = pos & ~direct
    if series.any():
        out[series] = _log_kummer_series(x[series], y[series])
    return out


def _log_kummer_series(x: FloatArray, y: FloatArray) -> FloatArray:
    """The defining series of K, summed in log space in chunks until the terms are negligible."""
    log_total = np.zeros_like(x)
    log_term = np.zeros_like(x)
    active = np.arange(x.size)
    j0, chunk = 0, _CHUNK
    while active.size:
        js = np.arange(j0 + 1, j0 + chunk + 1, dtype=np.float64)
        steps = np.log(y[active, None]) - np.log(x[active, None] + js)
        cum = log_term[active, None] + np.cumsum(steps, axis=1)
        log_total[active] = np.logaddexp(log_total[active], _lse(cum))
        log_term[active] = cum[:, -1]
        done = (cum[:, -1] < log_total[active] - _NEGLIGIBLE) & (steps[:, -1] < 0)
        active = active[~done]
        j0 += chunk
        chunk = min(2 * chunk, _CHUNK_MAX)
    return log_total


def _served_wait_mean(x: FloatArray, y: FloatArray) -> FloatArray:
    """theta * E[W | served, W > 0] = sum_k u_k d_k / sum_k u_k.

    u_k = y^k / prod_{i=1..k+1}(x+i) is the weight of "k callers ahead, then served", d_k = sum_{i=1..k+1} 1/(x+i)
    the mean wait (times theta) of such a caller.
    """
    log_u_prev = -np.log(x + 1.0)  # log u_0
    d_prev = 1.0 / (x + 1.0)  # d_0
    log_u_total = log_u_prev.copy()
    log_ud_total = log_u_prev + np.log(d_prev)
    active = np.arange(x.size)
    k0, chunk = 0, _CHUNK
    while active.size:
        ks = np.arange(k0 + 1, k0 + chunk + 1, dtype=np.float64)
        xa, ya = x[active, None], y[active, None]
        log_u = log_u_prev[active, None] + np.cumsum(np.log(ya) - np.log(xa + ks + 1.0), axis=1)
        d = d_prev[active, None] + np.cumsum(1.0 / (xa + ks + 1.0), axis=1)
        log_u_total[active] = np.logaddexp(log_u_total[active], _lse(log_u))
        log_ud_total[active] = np.logaddexp(log_ud_total[active], _lse(log_u + np.log(d)))
        log_u_prev[active] = log_u[:, -1]
        d_prev[active] = d[:, -1]
        decreasing = ya[:, 0] < xa[:, 0] + ks[-1] + 2.0
        done = (log_u[:, -1] < log_u_total[active] - _NEGLIGIBLE) & decreasing
        active = active[~done]
        k0 += chunk
        chunk = min(2 * chunk, _CHUNK_MAX)
    return np.asarray(np.exp(log_ud_total - log_u_total), dtype=np.float64)


def _arr(v: npt.ArrayLike) -> FloatArray:
    return np.asarray(v, dtype=np.float64)


# --- Erlang B and C ------------------------------------------------------------------------------


def log_erlang_b(agents: npt.ArrayLike, load: npt.ArrayLike) -> FloatArray:
    """log B(n, A), the Erlang B blocking probability, vectorized (n >= 0 integer, A >= 0 Erlangs)."""
    n, a = np.broadcast_arrays(_arr(agents), _arr(load))
    out = np.zeros(n.shape, dtype=np.float64)  # n == 0 -> B = 1
    with np.errstate(divide="ignore"):
        out[(n > 0) & (a <= 0)] = -np.inf
    m = (n > 0) & (a > 0)
    if m.any():
        nm, am = n[m], a[m]
        q = gammaincc(nm + 1.0, am)
        res = np.empty_like(nm)
        ok = q > _TINY
        res[ok] = _log_poisson_pmf(nm[ok], am[ok]) - np.log(q[ok])
        for i in np.flatnonzero(~ok):  # the cdf underflows only for n far below A: B is then close to 1 - n/A
            res[i] = math.log(erlang_b_recursive(int(nm[i]), float(am[i])))
        out[m] = res
    return out


def erlang_b(agents: npt.ArrayLike, load: npt.ArrayLike) -> FloatArray:
    """Erlang B blocking probability B(n, A) (closed form in log space, vectorized)."""
    return np.asarray(np.exp(log_erlang_b(agents, load)), dtype=np.float64)


def erlang_b_recursive(agents: int, load: float) -> float:
    """Erlang B by the recursion of §7.1, in its stable inverse form 1/B(k) = 1 + k/A * 1/B(k-1)."""
    if agents < 0 or load < 0:
        raise InvalidValue("agents and load must be >= 0")
    if load == 0:
        return 1.0 if agents == 0 else 0.0
    inv = 1.0
    for k in range(1, agents + 1):
        inv = 1.0 + inv * k / load
    return 1.0 / inv


def erlang_c(agents: npt.ArrayLike, load: npt.ArrayLike) -> FloatArray:
    """Erlang C: probability that an arriving call waits, C(n, A) = n B / (n - A (1 - B)); 1 when A >= n."""
    n, a = np.broadcast_arrays(_arr(agents), _arr(load))
    b = erlang_b(n, a)
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(stable, n * b / (n - a * (1.0 - b)), 1.0)
    return np.asarray(np.clip(c, 0.0, 1.0), dtype=np.float64)


def erlang_c_asa(agents: npt.ArrayLike, load: npt.ArrayLike, aht: npt.ArrayLike) -> FloatArray:
    """Average speed of answer (mean wait over all calls) C(n, A) AHT / (n - A); infinite when A >= n."""
    n, a, h = np.broadcast_arrays(_arr(agents), _arr(load), _arr(aht))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(n > a, erlang_c(n, a) * h / (n - a), np.inf), dtype=np.float64)


def erlang_c_service_level(agents: npt.ArrayLike, load: npt.ArrayLike, aht: npt.ArrayLike,
                           answer_within: npt.ArrayLike) -> FloatArray:
    """P(W <= t) = 1 - C(n, A) exp(-(n - A) t / AHT); 0 when A >= n (the queue grows without bound)."""
    n, a, h, t = np.broadcast_arrays(_arr(agents), _arr(load), _arr(aht), _arr(answer_within))
    with np.errstate(invalid="ignore", over="ignore"):
        sl = np.where(n > a, 1.0 - erlang_c(n, a) * np.exp(-(n - a) * t / h), 0.0)
    return np.asarray(np.clip(sl, 0.0, 1.0), dtype=np.float64)


# --- Erlang A (and C as its limit) ---------------------------------------------------------------


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state figures of one queue (all probabilities are per offered call).

    ``service_level`` is SL_all = answered within t / all calls (spec §7.4, the primary definition);
    ``service_level_answered`` = answered within t / answered; ``service_level_excl`` excludes calls abandoned
    within t. ``avg_wait`` is E[W] over all callers (abandoners censored at their hang-up, pyworkforce's "ASA"),
    ``avg_wait_served`` the mean hold of callers who reached a live person (the hold-time standard).
    """

    agents: int
    load: float
    p_wait: float
    p_abandon: float
    p_abandon_within: float
    service_level: float
    service_level_answered: float
    service_level_excl: float
    avg_wait: float
    avg_wait_served: float
    occupancy: float


METRIC_NAMES: tuple[str, ...] = ("p_wait", "p_abandon", "p_abandon_within", "service_level", "service_level_answered",
                                 "service_level_excl", "avg_wait", "avg_wait_served", "occupancy")


def queue_metrics_arrays(agents: npt.ArrayLike, arrival_rate: npt.ArrayLike, aht: npt.ArrayLike,
                         patience: npt.ArrayLike, answer_within: npt.ArrayLike,
                         served_wait: bool = True) -> dict[str, FloatArray]:
    """Vectorized Erlang A metrics (Erlang C where ``patience`` is infinite); arguments broadcast.

    ``served_wait=False`` skips the (series) mean wait of served callers and returns NaN for it.
    """
    n, lam, h, pat, t = np.broadcast_arrays(_arr(agents), _arr(arrival_rate), _arr(aht), _arr(patience),
                                            _arr(answer_within))
    n, lam, h, pat, t = (np.array(v, dtype=np.float64).ravel() for v in (n, lam, h, pat, t))
    shape = np.broadcast_shapes(*(np.shape(v) for v in (agents, arrival_rate, aht, patience, answer_within)))
    if np.any(h <= 0) or np.any(lam < 0) or np.any(n < 0) or np.any(pat <= 0) or np.any(t < 0):
        raise InvalidValue("need aht > 0, arrival_rate >= 0, agents >= 0, patience > 0, answer_within >= 0")
    size = n.size
    res = {k: np.full(size, np.nan) for k in METRIC_NAMES}
    mu = 1.0 / h
    load = lam * h
    idle = lam == 0
    for k, v in (("p_wait", 0.0), ("p_abandon", 0.0), ("p_abandon_within", 0.0), ("service_level", 1.0),
                 ("service_level_answered", 1.0), ("service_level_excl", 1.0), ("avg_wait", 0.0),
                 ("avg_wait_served", 0.0), ("occupancy", 0.0)):
        res[k][idle] = v
    busy = ~idle
    no_agents = busy & (n == 0)
    for k, v in (("p_wait", 1.0), ("p_abandon", 1.0), ("service_level", 0.0), ("service_level_answered", 0.0),
                 ("service_level_excl", 0.0), ("avg_wait", np.inf), ("avg_wait_served", np.inf), ("occupancy", 0.0)):
        res[k][no_agents] = v
    res["p_abandon_within"][no_agents] = np.where(np.isinf(pat[no_agents]), 0.0, -np.expm1(-t[no_agents] / pat[no_agents]))
    res["avg_wait"][no_agents & np.isfinite(pat)] = pat[no_agents & np.isfinite(pat)]

    c_model = busy & (n > 0) & np.isinf(pat)
    if c_model.any():
        _fill_erlang_c(res, c_model, n, load, h, t, served_wait)
    a_model = busy & (n > 0) & np.isfinite(pat)
    if a_model.any():
        _fill_erlang_a(res, a_model, n, lam, mu, 1.0 / pat, t, served_wait)
    return {k: v.reshape(shape) for k, v in res.items()}


def _fill_erlang_c(res: dict[str, FloatArray], m: npt.NDArray[np.bool_], n: FloatArray, load: FloatArray,
                   h: FloatArray, t: FloatArray, served_wait: bool) -> None:
    nm, am, hm, tm = n[m], load[m], h[m], t[m]
    c = erlang_c(nm, am)
    sl = erlang_c_service_level(nm, am, hm, tm)
    asa = erlang_c_asa(nm, am, hm)
    res["p_wait"][m] = c
    res["p_abandon"][m] = 0.0
    res["p_abandon_within"][m] = 0.0
    res["service_level"][m] = sl
    res["service_level_answered"][m] = sl
    res["service_level_excl"][m] = sl
    res["avg_wait"][m] = asa
    res["avg_wait_served"][m] = asa if served_wait else np.nan
    res["occupancy"][m] = np.minimum(am / nm, 1.0)


def _fill_erlang_a(res: dict[str, FloatArray], m: npt.NDArray[np.bool_], n: FloatArray, lam: FloatArray,
                   mu: FloatArray, theta: FloatArray, t: FloatArray, served_wait: bool) -> None:
    nm, lm, mum, th, tm = n[m], lam[m], mu[m], theta[m], t[m]
    x = nm * mum / th
    y = lm / th
    log_b = log_erlang_b(nm, lm / mum)
    la = _log_kummer(x, y)
    la1 = _log_kummer(x + 1.0, y)
    with np.errstate(over="ignore"):
        p_wait = 1.0 / (1.0 + (-np.expm1(log_b)) * np.exp(-la - log_b))
    served_given_wait = x / (x + 1.0) * np.exp(la1 - la)
    p_ab = p_wait * (1.0 - served_given_wait)
    decay = -th * tm  # log e^{-theta t}
    yw = y * np.exp(decay)
    grow = y * -np.expm1(decay)  # y (1 - e^{-theta t})
    log_r1 = (x + 1.0) * decay + grow + _log_kummer(x + 1.0, yw) - la1  # P(x+1, y w) / P(x+1, y)
    log_r0 = x * decay + grow + _log_kummer(x, yw) - la  # P(x, y w) / P(x, y) = P(V > t) / P(V > 0)
    answered_after_wait_within = p_wait * served_given_wait * -np.expm1(np.minimum(log_r1, 0.0))
    sl = np.clip(1.0 - p_wait + answered_after_wait_within, 0.0, 1.0)
    still_waiting = p_wait * np.exp(decay + np.minimum(log_r0, 0.0))
    ab_within = np.clip(p_wait - answered_after_wait_within - still_waiting, 0.0, p_ab)
    answered = 1.0 - p_ab
    res["p_wait"][m] = p_wait
    res["p_abandon"][m] = p_ab
    res["p_abandon_within"][m] = ab_within
    res["service_level"][m] = sl
    with np.errstate(divide="ignore", invalid="ignore"):
        res["service_level_answered"][m] = np.clip(np.where(answered > 0, sl / answered, 0.0), 0.0, 1.0)
        res["service_level_excl"][m] = np.clip(np.where(1.0 - ab_within > 0, sl / (1.0 - ab_within), 0.0), 0.0, 1.0)
    res["avg_wait"][m] = p_ab / th
    if served_wait:
        mean_waiting = _served_wait_mean(x, y) / th
        with np.errstate(divide="ignore", invalid="ignore"):
            res["avg_wait_served"][m] = np.where(answered > 0, p_wait * served_given_wait * mean_waiting / answered,
                                                 np.inf)
    res["occupancy"][m] = np.minimum(lm * answered / (nm * mum), 1.0)


def queue_metrics(agents: int, arrival_rate: float, aht: float, patience: float = math.inf,
                  answer_within: float = 0.0) -> QueueMetrics:
    """Erlang A figures for one queue (Erlang C when ``patience`` is infinite)."""
    r = queue_metrics_arrays(agents, arrival_rate, aht, patience, answer_within)
    return QueueMetrics(agents=agents, load=arrival_rate * aht, **{k: float(r[k]) for k in METRIC_NAMES})


def erlang_a(agents: int, arrival_rate: float, aht: float, patience: float, answer_within: float) -> QueueMetrics:
    """Erlang A (M/M/n+M) for one queue; ``patience`` is the mean of the exponential patience."""
    if not math.isfinite(patience):
        raise InvalidValue("Erlang A needs a finite mean patience; use queue_metrics/erlang_c_* for infinite patience")
    return queue_metrics(agents, arrival_rate, aht, patience, answer_within)


# --- Reference: the truncated birth-death chain of §7.3 ------------------------------------------


@dataclass(frozen=True)
class ChainResult:
    """Erlang A figures read off the stationary distribution of the truncated birth-death chain."""

    p_wait: float
    p_abandon: float
    avg_queue: float
    avg_wait: float
    avg_wait_served: float
    states: int


def erlang_a_chain(agents: int, arrival_rate: float, aht: float, patience: float) -> ChainResult:
    """The reference implementation of §7.3: pi_j ~ A^j/j! (j <= n), then lambda / (n mu + (j-n) theta), in logs.

    The tail is extended until its terms fall below e^-45 of the largest one and keep falling.
    """
    if agents < 1 or arrival_rate <= 0 or aht <= 0 or not (0 < patience < math.inf):
        raise InvalidValue("need agents >= 1, arrival_rate > 0, aht > 0 and a finite patience > 0")
    mu, theta, lam = 1.0 / aht, 1.0 / patience, arrival_rate
    j = np.arange(agents + 1, dtype=np.float64)
    log_head = j * math.log(lam / mu) - gammaln(j + 1.0)
    tails: list[FloatArray] = []
    last = float(log_head[-1])
    k0 = 0
    peak = float(log_head.max())
    while True:
        ks = np.arange(k0 + 1, k0 + 4096 + 1, dtype=np.float64)
        chunk = last + np.cumsum(math.log(lam) - np.log(agents * mu + ks * theta))
        tails.append(chunk)
        last = float(chunk[-1])
        peak = max(peak, float(chunk.max()))
        k0 += ks.size
        if last < peak - _NEGLIGIBLE and lam < agents * mu + k0 * theta:
            break
    log_tail = np.concatenate([log_head[-1:], *tails])  # states n, n+1, ...
    log_all = np.concatenate([log_head[:-1], log_tail])
    log_norm = float(_lse(log_all[None, :])[0])
    pi_tail = np.exp(log_tail - log_norm)
    k = np.arange(pi_tail.size, dtype=np.float64)
    p_wait = float(pi_tail.sum())
    avg_queue = float((k * pi_tail).sum())
    p_ab = theta * avg_queue / lam
    x = agents * mu / theta
    served = x / (x + k + 1.0)
    mean_wait_k = (digamma(x + k + 2.0) - digamma(x + 1.0)) / theta
    served_wait = float((pi_tail * served * mean_wait_k).sum()) / (1.0 - p_ab)
    return ChainResult(p_wait=p_wait, p_abandon=p_ab, avg_queue=avg_queue, avg_wait=avg_queue / lam,
                       avg_wait_served=served_wait, states=int(log_all.size))
