"""Benchmark: the omalizumab-IgE binding model and what is built on it.

Prints medians over a few repetitions (wall-clock, this machine): one year of 300 mg q4w for
one patient and for 100 at once, one free-IgE recommendation, the default weight x IgE dosing
grid, and the surrogate check. Run: ``.venv/bin/python benchmarks/bench_binding.py``
"""

from __future__ import annotations

import os

import numpy as np
from timing import median_ms  # benchmarks/timing.py

from optimizer.free_ige.binding import simulate_regimen
from optimizer.free_ige.dosing_grid import dosing_grid
from optimizer.free_ige.params import NG_PER_ML_PER_IU, individual_parameters
from optimizer.free_ige.surrogate_check import surrogate_check
from optimizer.free_ige.target import FreeIgEProblem, recommend_free_ige


def main() -> None:
    one = individual_parameters(70.0, 300.0 * NG_PER_ML_PER_IU)
    rng = np.random.default_rng(1)
    hundred = individual_parameters(rng.uniform(20, 150, 100),
                                    rng.uniform(30, 1500, 100) * NG_PER_ML_PER_IU)
    problem = FreeIgEProblem(weight_kg=70.0, baseline_ige_iu_per_ml=300.0)
    grid = dosing_grid()
    n_cells, n_cand = len(grid.cells), len(grid.doses_mg) * len(grid.intervals_days)
    grid_ms = median_ms(dosing_grid, 3)
    check = surrogate_check()
    rows = [
        ("one patient, 300 mg q4w, 364 days (4 steps/day)",
         median_ms(lambda: simulate_regimen(one, 300.0, 28.0, 364.0), 5), "ms"),
        ("100 patients at once, same regimen",
         median_ms(lambda: simulate_regimen(hundred, 300.0, 28.0, 364.0), 5), "ms"),
        ("free-IgE recommendation, 70 kg / 300 IU/mL, defaults",
         median_ms(lambda: recommend_free_ige(problem), 5), "ms"),
        (f"dosing grid, {n_cells} cells x {n_cand} candidates", grid_ms / 1e3, "s"),
        ("  cells per second", n_cells / (grid_ms / 1e3), "cells/s"),
        (f"surrogate check, {len(check.patients)} patients, defaults",
         median_ms(surrogate_check, 5), "ms"),
    ]
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    print(f"CPUs: os.cpu_count() = {os.cpu_count()}, usable by this process = {affinity}")
    print(f"{'what':58s} {'median':>10s}  unit")
    for label, value, unit in rows:
        print(f"{label:58s} {value:10.2f}  {unit}")
    w = check.worst
    print(f"surrogate vs binding ({check.regimen.parameter_set}): largest relative difference "
          f"{check.max_relative_difference:.3f} at {w.weight_kg:g} kg / "
          f"{w.baseline_ige_iu_per_ml:g} IU/mL, day {w.day_of_max_relative_difference:g}")


if __name__ == "__main__":
    main()
