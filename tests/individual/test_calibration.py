"""Story: when the answer says "controlled in 80 %", about 80 % of such patients are
controlled. Patients drawn from the priors, histories simulated with the documented measurement
model, the answer's probability for 300 mg every 42 days compared with each patient's truth.

Tolerances (80 patients, seeded): Spiegelhalter's z, standard normal under calibration, within
+/- 3; the mean prediction within three binomial SDs (``3 sqrt(sum p (1 - p)) / n``) of the
observed share; every decile holding at least 10 patients within three binomial SDs of its mean
prediction plus 0.05 (the spread of predictions inside a decile); and the Brier score at most
half the prior's (the history must inform). A sampler that ignored the data, or one as
overconfident as the old Laplace approximation at the reference case, fails these.
"""

from __future__ import annotations

import math

import numpy as np

from optimizer.core.problem import IntervalOptions, Patient, RecommendationProblem
from optimizer.exposure.pk import PKModel
from optimizer.individual.calibration import calibration_run, simulate_history
from optimizer.individual.priors import IndividualParameters, default_priors

PROBLEM = RecommendationProblem(patient=Patient(weight_kg=30.0),
                                interval_options=IntervalOptions(14, 84, 7))
PRIORS = default_priors(PROBLEM.response)


def test_probabilities_of_control_are_calibrated_on_simulated_patients() -> None:
    report = calibration_run(PROBLEM, PRIORS, patients=80, seed=11)
    p, y = report.predicted, report.truth.astype(np.float64)
    n = p.size
    assert abs(report.spiegelhalter_z) <= 3.0, report.spiegelhalter_z
    sd = math.sqrt(float((p * (1 - p)).sum())) / n
    assert abs(float(p.mean() - y.mean())) <= 3 * sd + 1e-9, (p.mean(), y.mean(), sd)
    for row in report.table:
        if row.patients >= 10 and row.mean_predicted is not None \
                and row.observed_share is not None:
            m = row.mean_predicted
            tol = 3 * math.sqrt(m * (1 - m) / row.patients) + 0.05
            assert abs(row.observed_share - m) <= tol, row
    assert report.brier <= 0.5 * report.brier_prior, (report.brier, report.brier_prior)
    assert sum(r.patients for r in report.table) == n


def test_the_simulated_history_follows_the_measurement_model() -> None:
    """Scores before each injection, 0 below the detection level; a missed dose shows as one
    8-week gap."""
    truth = IndividualParameters(ec50_mg_per_l=40.0, baseline_score=8.5, clearance_factor=1.0,
                                 hill=4.0)
    base = PKModel.from_parameters(PROBLEM.pk, 30.0)
    h = simulate_history(truth, base, PRIORS, np.random.default_rng(0), missed=True)
    gaps = np.diff(h.dose_days)
    assert sorted(set(gaps.tolist())) == [28.0, 35.0, 56.0] and (gaps == 56.0).sum() == 1
    scores = [o.score for o in h.observations]
    assert all(s is not None and (s == 0 or 1 <= s <= 10) and s == int(s) for s in scores)
    assert len(h.observations) == len(h.doses)
