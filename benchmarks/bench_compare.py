"""Benchmark: schedule comparison, 1,000 virtual patients x 5 schedules x 52 weeks.

Prints medians over a few repetitions (wall-clock, this machine; aim under 1 s for the
population comparison). Run: ``.venv/bin/python benchmarks/bench_compare.py``
"""

from __future__ import annotations

from timing import median_ms  # benchmarks/timing.py

from optimizer.schemas.comparison import ComparisonRequest
from optimizer.services.comparison import compare

SCHEDULES = ["300 mg q4w", "300 mg q5w", "300 mg q6w", "300 mg q8w", "150 mg q2w"]



def request(n: int | None, start: str = "steady_state", optimal: bool = False,
            schedules: list[str] | None = None) -> ComparisonRequest:
    body: dict[str, object] = {"patient": {"weight_kg": 30}, "schedules": schedules or SCHEDULES,
                               "horizon_days": 364, "start": start,
                               "include_optimal": optimal}
    if n is not None:
        body["population"] = {"n": n, "seed": 1}
    return ComparisonRequest.model_validate(body)


def main() -> None:
    cases = [
        ("one patient, 5 schedules, 52 weeks", request(None), 20),
        ("1,000 patients x 5 schedules x 52 weeks, steady state", request(1000), 10),
        ("1,000 patients x 5 schedules x 52 weeks, from first dose",
         request(1000, "first_dose"), 10),
        ("1,000 patients x 4 schedules + optimal row, 52 weeks",
         request(1000, optimal=True, schedules=SCHEDULES[:4]), 10),
        ("10,000 patients x 5 schedules x 52 weeks", request(10_000), 3),
        ("100,000 patients x 1 schedule x 52 weeks", request(100_000, schedules=SCHEDULES[:1]),
         3),
    ]
    for label, req, reps in cases:
        print(f"{label:60s} {median_ms(lambda r=req: compare(r), reps):9.1f} ms")


if __name__ == "__main__":
    main()
