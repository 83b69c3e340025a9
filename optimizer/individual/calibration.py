"""Simulation-based calibration of the probability of control.

Patients are drawn from the population priors (the same priors the fit uses, so a correct
posterior is calibrated by construction and any miss is the sampler's or the code's). Each
gets a history simulated with the documented measurement model
(:mod:`optimizer.individual.fit`): 300 mg every 4 weeks, for some patients one missed dose,
then every 5 weeks; a score before each injection (the latent score plus ``N(0, score_sd^2)``,
recorded as 0 below the detection level, else the whole point on 1-10). The answer's
probability that a fixed longer interval controls the patient is then compared with the
patient's truth (steady-state trough at or above their threshold concentration).

The report: a reliability table (predicted against observed share, by decile of the
prediction), the Brier score, the Brier score of the prior alone (the same probability for
every patient), and Spiegelhalter's z statistic (standard normal when the predictions are
calibrated; Spiegelhalter 1986, Stat Med 5:421).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from optimizer.core.problem import RecommendationProblem
from optimizer.exposure.pk import PKModel, concentration_mg_per_l
from optimizer.exposure.symptoms import score
from optimizer.individual.fit import fit_individual
from optimizer.individual.history import (
    MAX_SCORE,
    DoseRecord,
    Observation,
    PatientHistory,
    build_history,
)
from optimizer.individual.priors import IndividualParameters, Priors
from optimizer.individual.probability import (
    controlled_z,
    population_samples,
    share_controlled,
)

__all__ = ["CalibrationReport", "ReliabilityRow", "calibration_run", "simulate_history"]

FloatArray = NDArray[np.float64]
#: The simulated schedule (modelling choice, the reference case's shape): 4-weekly doses,
#: one of them missed for a share ``MISSED_SHARE`` of patients, then 5-weekly.
FOUR_WEEKLY, FIVE_WEEKLY, MISSED_SHARE = 7, 5, 0.5
START = date(2020, 1, 6)


@dataclass(frozen=True)
class ReliabilityRow:
    low: float
    high: float
    patients: int
    mean_predicted: float | None
    observed_share: float | None


@dataclass(frozen=True)
class CalibrationReport:
    interval_days: int
    dose_mg: float
    predicted: FloatArray  # (patients,)
    truth: NDArray[np.bool_]
    prior_probability: float
    table: tuple[ReliabilityRow, ...]
    brier: float
    brier_prior: float
    spiegelhalter_z: float


def _dose_days(missed: bool) -> list[int]:
    days = [28 * k for k in range(FOUR_WEEKLY)]
    if missed:
        days[-1] += 28                           # the last 4-weekly dose came 8 weeks late
    last = days[-1]
    return days + [last + 35 * k for k in range(1, FIVE_WEEKLY + 1)]


def simulate_history(truth: IndividualParameters, base: PKModel, priors: Priors,
                     rng: np.random.Generator, missed: bool) -> PatientHistory:
    """A history of ``truth`` under the measurement model: a score just before each
    injection (and on the evaluation day, one interval after the last dose)."""
    days = _dose_days(missed)
    pk = truth.pk_model(base)
    obs_days = np.array([*days[1:], days[-1] + 35], dtype=np.float64)
    conc = concentration_mg_per_l(pk, days, [300.0] * len(days), obs_days - 1e-9)
    latent = score(truth.response(), conc) + rng.normal(0.0, priors.score_sd, obs_days.size)
    recorded = np.where(latent < priors.zero_below_score, 0.0,
                        np.clip(np.rint(latent), 1.0, MAX_SCORE))
    doses = [DoseRecord(START + timedelta(days=d), 300.0) for d in days]
    obs = [Observation(START + timedelta(days=int(d)), score=float(y))
           for d, y in zip(obs_days, recorded, strict=True)]
    return build_history(doses, obs, START + timedelta(days=int(obs_days[-1])))


def _table(p: FloatArray, y: NDArray[np.bool_], bins: int) -> tuple[ReliabilityRow, ...]:
    rows = []
    edges = np.linspace(0.0, 1.0, bins + 1)
    for k in range(bins):
        sel = (p >= edges[k]) & ((p < edges[k + 1]) if k < bins - 1 else (p <= 1.0))
        n = int(sel.sum())
        rows.append(ReliabilityRow(float(edges[k]), float(edges[k + 1]), n,
                                   float(p[sel].mean()) if n else None,
                                   float(y[sel].mean()) if n else None))
    return tuple(rows)


def calibration_run(problem: RecommendationProblem, priors: Priors, patients: int, seed: int,
                    interval_days: int = 42, dose_mg: float = 300.0, bins: int = 10
                    ) -> CalibrationReport:
    """Draw ``patients`` from the priors, simulate, fit, and compare the predicted probability
    of control at ``dose_mg`` every ``interval_days`` with each patient's truth."""
    rng = np.random.default_rng(seed)
    base = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)
    truths = population_samples(priors, patients, seed)
    predicted, truth = np.empty(patients), np.empty(patients, dtype=np.bool_)
    for i, t in enumerate(truths):
        history = simulate_history(t, base, priors, rng, missed=bool(rng.random()
                                                                     < MISSED_SHARE))
        fit = fit_individual(history, problem, priors)
        draws = fit.draws
        assert draws is not None
        z, w = draws.support()
        ok = controlled_z(problem, priors, z, interval_days, dose_mg)
        predicted[i] = float(ok @ w / w.sum())
        truth[i] = share_controlled(problem, [t], interval_days, dose_mg) == 1.0
    prior = share_controlled(problem, population_samples(priors, 4000, seed + 1),
                             interval_days, dose_mg)
    y = truth.astype(np.float64)
    var = predicted * (1.0 - predicted)
    denom = math.sqrt(float(((1.0 - 2.0 * predicted) ** 2 * var).sum()))
    z_stat = (float(((y - predicted) * (1.0 - 2.0 * predicted)).sum()) / denom
              if denom > 0 else 0.0)
    return CalibrationReport(interval_days=interval_days, dose_mg=dose_mg, predicted=predicted,
                             truth=truth, prior_probability=prior,
                             table=_table(predicted, truth, bins),
                             brier=float(((predicted - y) ** 2).mean()),
                             brier_prior=float(((prior - y) ** 2).mean()),
                             spiegelhalter_z=z_stat)
