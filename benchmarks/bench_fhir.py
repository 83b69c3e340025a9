"""Benchmark: reading and writing FHIR and NONMEM-style data for the reference case.

Prints medians (wall-clock, this machine) of: importing the FHIR library, reading the
reference bundle into a request, writing an answer as a validated Bundle, and the NONMEM-style
export and import; plus a bundle of 500 administrations. Run:
``.venv/bin/python benchmarks/bench_fhir.py``
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from timing import median_ms  # benchmarks/timing.py

from optimizer.fhir.bundle_in import read_bundle
from optimizer.fhir.bundle_out import recommendation_bundle
from optimizer.interchange.nonmem import read_nonmem, write_nonmem
from optimizer.services.recommendation import recommend

REPO = Path(__file__).resolve().parent.parent


def _import_ms() -> float:
    code = ("import time; t = time.perf_counter(); from fhir.resources.R4B.bundle import "
            "Bundle; print((time.perf_counter() - t) * 1e3)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return float(out.stdout)


def _big_bundle(reference: dict[str, Any], n: int) -> dict[str, Any]:
    entries = list(reference["entry"])
    dose = next(e for e in entries if e["resource"]["resourceType"] == "MedicationAdministration")
    extra = []
    for k in range(n):
        e = json.loads(json.dumps(dose))
        e["fullUrl"] = f"urn:uuid:00000000-0000-4000-9000-{k:012d}"
        day = dt.date(1990, 1, 1) + dt.timedelta(days=14 * k)
        e["resource"]["effectiveDateTime"] = f"{day.isoformat()}T09:30:00+01:00"
        extra.append(e)
    return {**reference, "entry": [*entries, *extra]}


def main() -> None:
    body = json.loads((REPO / "scenarios" / "reference-case-fhir.json").read_text())
    print(f"import fhir.resources R4B Bundle (fresh process): {_import_ms():.0f} ms")
    read_ms = median_ms(lambda: read_bundle(body), 20)
    imported = read_bundle(body)
    t0 = time.perf_counter()
    out = recommend(imported.request).model_copy(update={"id": "bench"})
    answer_ms = (time.perf_counter() - t0) * 1e3
    write_ms = median_ms(lambda: recommendation_bundle(out), 20)
    csv_text = write_nonmem(imported.request, subject_id=3)
    export_ms = median_ms(lambda: write_nonmem(imported.request, subject_id=3), 50)
    import_ms = median_ms(lambda: read_nonmem(csv_text, 3), 50)
    big = _big_bundle(body, 460)
    big_ms = median_ms(lambda: read_bundle(big), 3)
    print(f"reference bundle ({len(body['entry'])} entries) -> request: {read_ms:.1f} ms")
    print(f"the answer itself (fit, probability, plan; once, for scale): {answer_ms:.0f} ms")
    print(f"answer -> validated FHIR Bundle ({1 + len(out.plan.doses if out.plan else [])} "
          f"proposals): {write_ms:.1f} ms")
    print(f"NONMEM-style export / import ({csv_text.count(chr(10)) - 1} rows): "
          f"{export_ms:.2f} / {import_ms:.2f} ms")
    print(f"bundle of {len(big['entry'])} entries -> request: {big_ms:.0f} ms (the library's "
          "validation is about 95 % of it)")


if __name__ == "__main__":
    main()
