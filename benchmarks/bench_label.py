"""Benchmark the label layer: look-up speed, the guardrails' cost per answer, and the grid's
agreement with the label.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_label.py``  (about 10 s)
Prints medians in milliseconds and the cell counts the docs quote.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from optimizer.label.checks import AnswerFacts, answer_warnings
from optimizer.label.tables import label_cells, label_dose
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.services.free_ige import dosing_grid_public
from optimizer.services.recommendation import recommend
from optimizer.services.warnings import guard_request, with_label_warnings


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main() -> None:
    label_dose(70, 300)  # load the data files once
    lookup = median_ms(lambda: label_dose(70, 300), 2000)
    print(f"label look-up (EU asthma, 140 cells): {lookup:.4f} ms")
    facts = AnswerFacts(label="eu", indication="mastocytosis", weight_kg=30, age_years=8,
                        baseline_ige_iu_per_ml=300, dose_mg=300, interval_days=36,
                        margin_score=0.002, threshold_score=2, late_dose_tolerance_days=0.0,
                        score_model_from_reference_case=True)
    print(f"answer_warnings (all checks): {median_ms(lambda: answer_warnings(facts), 2000):.4f} ms")
    request = RecommendationRequest.model_validate({"patient": {"weight_kg": 30}})
    out = recommend(request)
    print(f"guard_request + with_label_warnings: "
          f"{median_ms(lambda: with_label_warnings(guard_request(request), out), 500):.3f} ms")
    print(f"whole recommendation (score target, 71 candidates): "
          f"{median_ms(lambda: recommend(request), 30):.2f} ms")
    from optimizer.schemas.free_ige import DosingGridRequest

    t0 = time.perf_counter()
    edges = sorted({30.0} | {c.ige_high_iu_per_ml for c in label_cells("eu")})
    grid = dosing_grid_public(DosingGridRequest(ige_iu_per_ml=edges))
    cmp = grid.label_comparison
    assert cmp is not None
    print(f"default grid vs EU label ({(time.perf_counter() - t0) * 1e3:.0f} ms): "
          f"{cmp.exact}/{cmp.compared} exact, {cmp.within_one_step} within one 75 mg step, "
          f"{cmp.grid_doses_blank_cell} 'do not administer' cells dosed")


if __name__ == "__main__":
    main()
