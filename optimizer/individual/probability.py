"""Probability of control: the longest interval that keeps the score down in at least a share
``min_probability`` of the patient's plausible parameter sets.

Flow: parameter samples (posterior, or population prior without history) -> ``control_matrix``
(numpy: for every candidate and sample, is the steady-state trough at or above that sample's
threshold concentration? The trough is the worst moment of the cycle, see
:mod:`optimizer.exposure.pk`)
-> :func:`optimizer.solve.chance.choose_by_share` (HiGHS) -> read back.
``brute_force_choice``
counts the same matrix directly; tests check the two agree.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from optimizer.core.problem import RecommendationProblem
from optimizer.core.results import Status
from optimizer.errors import InputError, SolverError
from optimizer.exposure.pk import PKModel
from optimizer.individual.history import MAX_SCORE
from optimizer.individual.priors import NAMES, IndividualParameters, Priors, params_from_z
from optimizer.individual.sampling import prior_draws, resample
from optimizer.solve.chance import ChanceModelData, choose_by_share
from optimizer.solve.choice import IntervalModelData, choose_candidate, preference_rank

__all__ = ["ChanceRecommendation", "ControlledOption", "SampleSet", "brute_force_choice",
           "control_matrix", "controlled_z", "floor_percent", "population_sample_set",
           "population_samples", "recommend_at_point", "recommend_with_probability",
           "required_count", "sample_arrays", "share_controlled", "shares_controlled",
           "solve_chance", "weighted_choice"]


#: Largest candidates x samples product one question may ask for (model size guard:
#: 71 candidates x 200 samples is 14,200; the Pyomo build grows linearly with it).
MAX_CANDIDATE_SAMPLES = 150_000


class ControlledOption(NamedTuple):
    """The option controlled in the largest share of samples (on a tie the longest interval,
    then the smallest dose): what an infeasible answer offers instead."""

    interval_days: int
    dose_mg: float
    #: Share of the samples the option controls, 0..1.
    probability: float


@dataclass(frozen=True)
class ChanceRecommendation:
    status: Status
    interval_days: int | None
    dose_mg: float | None
    probability: float | None
    next_longer_interval_days: int | None
    next_longer_probability: float | None
    best_option: ControlledOption
    feasible_candidates: int
    min_probability: float | None  # None: chosen at the point estimate, not by probability
    samples: int
    solver_status: str
    solver_version: str
    solve_ms: float


def required_count(min_probability: float, n_samples: int) -> int:
    """Fewest controlled samples whose share reaches ``min_probability``."""
    return int(math.ceil(min_probability * n_samples - 1e-9))


@dataclass(frozen=True, eq=False)
class SampleSet:
    """K parameter sets as read-only columns, shape (K,) each: the samples of a probability
    of control in the form numpy works on (:meth:`of` reads a list of
    :class:`IndividualParameters` once; :func:`population_sample_set` keeps the population's
    per process, so an answer never walks its samples in Python)."""

    clearance_factor: NDArray[np.float64]
    ec50_mg_per_l: NDArray[np.float64]
    baseline_score: NDArray[np.float64]
    hill: NDArray[np.float64]

    @classmethod
    def of(cls, samples: Sequence[IndividualParameters] | SampleSet) -> SampleSet:
        """The columns of ``samples`` (a :class:`SampleSet` is returned as it is)."""
        if isinstance(samples, SampleSet):
            return samples
        a = np.array([(s.clearance_factor, s.ec50_mg_per_l, s.baseline_score, s.hill)
                      for s in samples], dtype=np.float64).reshape(-1, 4).T.copy()
        a.flags.writeable = False
        return cls(*a)

    def __len__(self) -> int:
        return int(self.hill.size)

    def threshold_conc_mg_per_l(self, threshold_score: float) -> NDArray[np.float64]:
        """Each sample's :meth:`IndividualParameters.threshold_conc_mg_per_l`, shape (K,), in
        one numpy pass (a threshold concentration too large for a float is ``inf``: never
        controlled)."""
        s0 = np.minimum(self.baseline_score, MAX_SCORE)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            c_star = self.ec50_mg_per_l * (s0 / threshold_score - 1.0) ** (1.0 / self.hill)
        out: NDArray[np.float64] = np.where(s0 <= threshold_score, 0.0, c_star)
        return out


def _troughs(base: PKModel, ke: NDArray[np.float64], dose_mg: Any, interval_days: Any
             ) -> NDArray[np.float64]:
    """Steady-state troughs at elimination rates ``ke`` (one per sample), broadcast against
    ``dose_mg`` and ``interval_days``: the closed form of
    :func:`optimizer.exposure.pk.steady_state_trough_mg_per_l` with the rate as an array."""
    ka, vol = base.ka_per_day, base.volume_l
    out: NDArray[np.float64] = dose_mg * ka / (vol * (ka - ke)) * (
        1.0 / -np.expm1(-ke * interval_days) - 1.0 / -np.expm1(-ka * interval_days))
    return out


def sample_arrays(samples: Sequence[IndividualParameters] | SampleSet, threshold_score: float
                  ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each sample's clearance factor and threshold concentration (mg/L), shape (K,) each
    (:class:`SampleSet`)."""
    table = SampleSet.of(samples)
    return table.clearance_factor, table.threshold_conc_mg_per_l(threshold_score)


def control_matrix(problem: RecommendationProblem, samples: list[IndividualParameters]
                   ) -> NDArray[np.bool_]:
    """``ok[c, k]`` for candidates ``c = i * n_doses + j`` (interval i, dose j ascending)."""
    base = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)
    tau = np.asarray(problem.interval_options.days, dtype=np.float64)[None, :, None]
    dose = np.asarray(problem.doses_sorted_mg, dtype=np.float64)[None, None, :]
    factor, c_star = sample_arrays(samples, problem.threshold_score)
    trough = _troughs(base, (base.ke_per_day * factor)[:, None, None], dose, tau)
    ok = trough >= c_star[:, None, None]
    out: NDArray[np.bool_] = ok.reshape(len(samples), -1).T.copy()
    return out


def brute_force_choice(ok: NDArray[np.bool_], rank: NDArray[np.float64], required: int
                       ) -> int | None:
    """The best-ranked candidate controlling at least ``required`` samples, by counting."""
    feasible = np.flatnonzero(ok.sum(axis=1) >= required)
    if feasible.size == 0:
        return None
    return int(feasible[np.argmax(rank[feasible])])


def solve_chance(data: ChanceModelData, *, time_limit_s: float = 10.0
                 ) -> tuple[int | None, str, str, float]:
    """Solve the chance model; (chosen candidate or None, status, version, ms)."""
    outcome = choose_by_share(data, time_limit_s=time_limit_s)
    return outcome.chosen, outcome.raw_status, outcome.solver_version, outcome.solve_ms


def recommend_with_probability(problem: RecommendationProblem,
                               samples: list[IndividualParameters], min_probability: float,
                               *, time_limit_s: float = 10.0,
                               weights: NDArray[np.float64] | None = None
                               ) -> ChanceRecommendation:
    """Longest interval, then smallest dose, controlled in >= ``min_probability`` of samples.

    With ``weights`` (one per sample, e.g. the posterior's importance weights) the share of a
    candidate is the weighted share, and the choice is made on it directly: no resampling
    noise between the posterior and the answer (:func:`weighted_choice`)."""
    if weights is not None:
        return weighted_choice(problem, samples, weights, min_probability,
                               time_limit_s=time_limit_s)
    n_i, n_j = len(problem.interval_options.days), len(problem.doses_sorted_mg)
    if n_i * n_j * len(samples) > MAX_CANDIDATE_SAMPLES:
        raise InputError("samples", len(samples),
                         f"at most {MAX_CANDIDATE_SAMPLES // (n_i * n_j)} samples for "
                         f"{n_i * n_j} dose x interval candidates (fewer samples or candidates)")
    ok = control_matrix(problem, samples)
    rank = preference_rank(n_i, n_j)
    required = required_count(min_probability, len(samples))
    chosen, raw, version, ms = solve_chance(ChanceModelData(ok=ok, rank=rank, required=required),
                                            time_limit_s=time_limit_s)
    share = ok.mean(axis=1).reshape(n_i, n_j)
    if chosen is not None and share.reshape(-1)[chosen] * len(samples) < required - 1e-9:
        raise SolverError("solver chose an option below the required share of samples", raw)
    top = np.unravel_index(int(np.argmax(share[::-1].reshape(-1))), share.shape)
    ti = n_i - 1 - int(top[0])
    best = ControlledOption(interval_days=problem.interval_options.days[ti],
                            dose_mg=problem.doses_sorted_mg[int(top[1])],
                            probability=float(share[ti, int(top[1])]))
    n_ok = int((ok.sum(axis=1) >= required).sum())
    common = dict(best_option=best, feasible_candidates=n_ok,
                  min_probability=min_probability, samples=len(samples),
                  solver_status=raw, solver_version=version, solve_ms=ms)
    if chosen is None:
        return ChanceRecommendation(status=Status.INFEASIBLE, interval_days=None, dose_mg=None,
                                    probability=None, next_longer_interval_days=None,
                                    next_longer_probability=None, **common)  # type: ignore[arg-type]
    i, j = divmod(chosen, n_j)
    nl_days = problem.interval_options.days[i + 1] if i + 1 < n_i else None
    nl_p = float(share[i + 1].max()) if i + 1 < n_i else None
    return ChanceRecommendation(status=Status.OPTIMAL,
                                interval_days=problem.interval_options.days[i],
                                dose_mg=problem.doses_sorted_mg[j],
                                probability=float(share[i, j]),
                                next_longer_interval_days=nl_days, next_longer_probability=nl_p,
                                **common)  # type: ignore[arg-type]


def weighted_choice(problem: RecommendationProblem, samples: list[IndividualParameters],
                    weights: NDArray[np.float64], min_probability: float, *,
                    time_limit_s: float = 10.0) -> ChanceRecommendation:
    """The chance-constrained choice over weighted samples: the candidate's margin is its
    weighted share controlled minus ``min_probability`` (HiGHS picks the most preferred
    candidate with a non-negative margin, as for the interval choice). Shapes: ``samples`` and
    ``weights`` of length K (weights >= 0, not all 0)."""
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (len(samples),) or not np.all(w >= 0) or w.sum() <= 0:
        raise ValueError("weights: one non-negative weight per sample, not all zero")
    n_i, n_j = len(problem.interval_options.days), len(problem.doses_sorted_mg)
    ok = control_matrix(problem, samples)
    share_flat = ok.astype(np.float64) @ (w / w.sum())
    rank = preference_rank(n_i, n_j)
    outcome = choose_candidate(IntervalModelData(margin=share_flat - min_probability + 1e-12,
                                                 rank=rank, n_doses=n_j), time_limit_s)
    chosen = outcome.chosen
    share = share_flat.reshape(n_i, n_j)
    if chosen is not None and share_flat[chosen] < min_probability - 1e-9:
        raise SolverError("solver chose an option below the required share of samples",
                          outcome.raw_status)
    top = np.unravel_index(int(np.argmax(share[::-1].reshape(-1))), share.shape)
    ti = n_i - 1 - int(top[0])
    best = ControlledOption(interval_days=problem.interval_options.days[ti],
                            dose_mg=problem.doses_sorted_mg[int(top[1])],
                            probability=float(share[ti, int(top[1])]))
    common = dict(best_option=best,
                  feasible_candidates=int((share_flat >= min_probability - 1e-12).sum()),
                  min_probability=min_probability, samples=len(samples),
                  solver_status=outcome.raw_status, solver_version=outcome.solver_version,
                  solve_ms=outcome.solve_ms)
    if chosen is None:
        return ChanceRecommendation(status=Status.INFEASIBLE, interval_days=None, dose_mg=None,
                                    probability=None, next_longer_interval_days=None,
                                    next_longer_probability=None, **common)  # type: ignore[arg-type]
    i, j = divmod(chosen, n_j)
    return ChanceRecommendation(
        status=Status.OPTIMAL, interval_days=problem.interval_options.days[i],
        dose_mg=problem.doses_sorted_mg[j], probability=float(share[i, j]),
        next_longer_interval_days=problem.interval_options.days[i + 1] if i + 1 < n_i else None,
        next_longer_probability=float(share[i + 1].max()) if i + 1 < n_i else None,
        **common)  # type: ignore[arg-type]


def floor_percent(p: float) -> float:
    """The one rounding rule for a probability shown anywhere (API, page, report, CLI,
    explanation): down to a whole percent, so a figure never overstates the chance of control
    and every display of it reads the same (0.905 -> 0.90; text by
    :func:`optimizer.services.format.format_probability`). Only an exact 1 stays 1."""
    whole = math.floor(p * 100.0 + 1e-9)   # 1e-9: 0.29 * 100 is 28.999...
    return (whole if p >= 1.0 else min(whole, 99)) / 100.0



def share_controlled(problem: RecommendationProblem,
                     samples: Sequence[IndividualParameters] | SampleSet,
                     interval_days: float, dose_mg: float,
                     weights: NDArray[np.float64] | None = None) -> float:
    """Share of ``samples`` (weighted by ``weights`` when given) whose steady-state trough at
    ``dose_mg`` every ``interval_days`` stays at or above their threshold concentration."""
    return float(shares_controlled(problem, samples, [(interval_days, dose_mg)], weights)[0])


def shares_controlled(problem: RecommendationProblem,
                      samples: Sequence[IndividualParameters] | SampleSet,
                      options: Sequence[tuple[float, float]],
                      weights: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """:func:`share_controlled` of every ``(interval_days, dose_mg)`` in ``options`` in one
    numpy pass over the K samples; shape ``(len(options),)``."""
    table = SampleSet.of(samples)
    base = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)
    c_star = table.threshold_conc_mg_per_l(problem.threshold_score)
    opts = np.asarray(options, dtype=np.float64).reshape(-1, 2)
    tau, dose = opts[:, :1], opts[:, 1:]
    trough = _troughs(base, base.ke_per_day * table.clearance_factor, dose, tau)
    ok = (trough >= c_star).astype(np.float64)
    if weights is None:
        out: NDArray[np.float64] = ok.mean(axis=1)
        return out
    # one dot product per option: the same sums, in the same order, as for a single option
    weighted: NDArray[np.float64] = np.array([row @ weights for row in ok],
                                             dtype=np.float64) / weights.sum()
    return weighted


def population_samples(priors: Priors, n: int, seed: int = 0) -> list[IndividualParameters]:
    """``n`` patients drawn from the population priors (between-patient variability), inside
    the same parameter ranges as the individual fit; read through
    :mod:`optimizer.individual.priors` so a change of the priors is a change here. The draws
    depend only on their arguments, so they are computed once per process and shared
    (building them was most of a plain recommendation's cost)."""
    return list(_population_samples(priors, n, seed))


@functools.lru_cache(maxsize=64)
def _population_samples(priors: Priors, n: int, seed: int) -> tuple[IndividualParameters, ...]:
    draws = prior_draws(len(priors.fitted), n * 4, seed, priors.z_bounds())
    return tuple(params_from_z(priors, z) for z in resample(draws, n, seed))


def population_sample_set(priors: Priors, n: int, seed: int = 0) -> SampleSet:
    """:func:`population_samples` as a :class:`SampleSet`, built once per process."""
    return _population_sample_set(priors, n, seed)


@functools.lru_cache(maxsize=64)
def _population_sample_set(priors: Priors, n: int, seed: int) -> SampleSet:
    return SampleSet.of(_population_samples(priors, n, seed))


def recommend_at_point(problem: RecommendationProblem, point: IndividualParameters,
                       samples: list[IndividualParameters], *, time_limit_s: float = 10.0,
                       weights: NDArray[np.float64] | None = None) -> ChanceRecommendation:
    """Longest interval, then smallest dose, controlled at the point estimate ``point``
    (no probability target), with the share of ``samples`` (weighted by ``weights`` when
    given) each figure holds for. When no option is controlled, the closest one is the
    shortest interval at the largest dose."""
    at_point = recommend_with_probability(problem, [point], 1.0, time_limit_s=time_limit_s)
    days, doses = problem.interval_options.days, problem.doses_sorted_mg
    table = SampleSet.of(samples)
    if at_point.interval_days is None or at_point.dose_mg is None:
        best = ControlledOption(days[0], doses[-1],
                                share_controlled(problem, table, days[0], doses[-1], weights))
        return replace(at_point, best_option=best, min_probability=None,
                       samples=len(samples))
    options = [(float(at_point.interval_days), at_point.dose_mg)]
    if at_point.next_longer_interval_days is not None:
        options += [(float(at_point.next_longer_interval_days), d) for d in doses]
    shares = shares_controlled(problem, table, options, weights)
    nl_p = float(shares[1:].max()) if shares.size > 1 else None
    return replace(at_point, probability=float(shares[0]), next_longer_probability=nl_p,
                   min_probability=None, samples=len(samples))


def controlled_z(problem: RecommendationProblem, priors: Priors, z: NDArray[np.float64],
                 interval_days: float, dose_mg: float) -> NDArray[np.bool_]:
    """Vectorised :func:`share_controlled` per parameter set, for points ``z`` (m, n) of the
    standardised scale of ``priors``: is each controlled at ``dose_mg`` every
    ``interval_days``? (Many thousands of draws without building a parameter object each.)"""
    theta = {name: np.full(z.shape[0], priors.get(name).median) for name in NAMES}
    for k, name in enumerate(priors.fitted):
        p = priors.get(name)
        theta[name] = p.median * np.exp(p.log_sd * z[:, k])
    base = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)
    trough = _troughs(base, base.ke_per_day * theta["clearance_factor"], dose_mg,
                      interval_days)
    thr = problem.threshold_score
    s0 = np.minimum(theta["baseline_score"], MAX_SCORE)
    ratio = np.maximum(s0 / thr - 1.0, 1e-300)
    with np.errstate(over="ignore"):
        c_star = np.where(s0 <= thr, 0.0,
                          theta["ec50_mg_per_l"] * np.exp(np.log(ratio) / theta["hill"]))
    out: NDArray[np.bool_] = trough >= c_star
    return out
