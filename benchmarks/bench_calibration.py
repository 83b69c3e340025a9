"""Benchmark: simulation-based calibration of the individual probability of control.

Patients drawn from the population priors, histories simulated with the documented measurement
model, the answer's probability that 300 mg every 42 days controls each of them compared with
their truth (:mod:`optimizer.individual.calibration`). Prints the reliability table, the Brier
score against the prior's, Spiegelhalter's z and the time per patient. Run:
``.venv/bin/python benchmarks/bench_calibration.py [patients]`` (default 200, under a minute).
"""

from __future__ import annotations

import sys
import time

from optimizer.core.problem import IntervalOptions, Patient, RecommendationProblem
from optimizer.individual.calibration import calibration_run
from optimizer.individual.priors import default_priors


def main() -> None:
    patients = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    problem = RecommendationProblem(patient=Patient(weight_kg=30.0),
                                    interval_options=IntervalOptions(14, 84, 7))
    priors = default_priors(problem.response)
    t0 = time.perf_counter()
    report = calibration_run(problem, priors, patients, seed=7)
    seconds = time.perf_counter() - t0
    print(f"{patients} simulated patients, P(controlled at {report.dose_mg:g} mg every "
          f"{report.interval_days} days); {seconds / patients * 1e3:.0f} ms per patient")
    print("predicted decile   patients   mean predicted   observed share")
    for row in report.table:
        pred = "-" if row.mean_predicted is None else f"{row.mean_predicted:.3f}"
        obs = "-" if row.observed_share is None else f"{row.observed_share:.3f}"
        print(f"  {row.low:.1f}-{row.high:.1f}        {row.patients:5d}        {pred:>8s}"
              f"          {obs:>8s}")
    print(f"overall: mean predicted {report.predicted.mean():.3f}, observed "
          f"{report.truth.mean():.3f}; prior alone {report.prior_probability:.3f}")
    print(f"Brier score {report.brier:.4f} (prior alone {report.brier_prior:.4f}); "
          f"Spiegelhalter z {report.spiegelhalter_z:+.2f} (|z| < 2 expected when calibrated)")


if __name__ == "__main__":
    main()
