"""Mixed load on a live server from several clients, then the figures.

    python benchmarks/load_mixed.py --clients 8 --seconds 300

Each client loops over plain recommendations, history fits, 1,000-patient comparisons, dosing
grids and hostile bodies (each of which once answered 500), every one carrying a planted patient
reference. Prints requests by status, dropped connections, latency percentiles per kind and
anything forbidden in the server's output (see ``tests/live_server.py``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from typing import Any

from http_load import HISTORY, PATIENT, PLANTED, forbidden_in, live_server

MIX: list[tuple[str, str, Any]] = [
    ("plain", "/v1/recommendations", {"patient": PATIENT}),
    ("history", "/v1/recommendations", HISTORY),
    ("population", "/v1/comparisons", {"patient": PATIENT, "schedules": ["300 mg q4w",
                                                                        "300 mg q6w"],
                                       "population": {"n": 1000, "seed": 1}}),
    ("grid", "/v1/ige-table", {"weights_kg": [30, 60], "ige_iu_per_ml": [100, 300]}),
    ("hostile", "/v1/recommendations",
     b'{"patient": {"patient_reference": "' + PLANTED.encode() + b'", "x": "\\ud800"}}'),
    ("hostile", "/v1/recommendations", {"patient": {**PATIENT, "weight_kg": True}}),
    ("hostile", "/v1/comparisons", {"patient": PATIENT, "schedules": ["300 mg q4w"],
                                    "start_date": "9999-06-01"}),
]


def _post(url: str, path: str, body: Any) -> int:
    data = body if isinstance(body, bytes) else json.dumps(body).encode("ascii")
    request = urllib.request.Request(url + path, data=data, method="POST",
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=300) as r:
            r.read()
            return int(r.status)
    except urllib.error.HTTPError as e:
        e.read()
        return int(e.code)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    statuses: Counter[int] = Counter()
    dropped: Counter[str] = Counter()
    latency: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    with live_server() as (url, log_path):
        stop_at = time.monotonic() + args.seconds

        def client(offset: int) -> None:
            i = offset
            while time.monotonic() < stop_at:
                kind, path, body = MIX[i % len(MIX)]
                i += 1
                t0 = time.perf_counter()
                try:
                    status = _post(url, path, body)
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        dropped[type(exc).__name__] += 1
                    continue
                with lock:
                    statuses[status] += 1
                    latency[kind].append((time.perf_counter() - t0) * 1e3)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        forbidden = forbidden_in(log_path)
    total = sum(statuses.values()) + sum(dropped.values())
    print(f"{args.clients} clients, {args.seconds:g} s: {total:,} requests")
    print(f"answers by status: {dict(sorted(statuses.items()))}")
    print(f"5xx: {sum(n for s, n in statuses.items() if s >= 500)}; "
          f"dropped connections: {dict(dropped) or 0}")
    for kind, times in sorted(latency.items()):
        q = statistics.quantiles(times, n=20) if len(times) > 1 else times * 19
        print(f"  {kind:<10} n={len(times):>5}  p50 {statistics.median(times):8.1f} ms  "
              f"p95 {q[18]:8.1f} ms")
    print(f"forbidden text in the server output: {forbidden or 'none'}")
    bad = sum(n for s, n in statuses.items() if s >= 500) + sum(dropped.values())
    return 0 if bad == 0 and not forbidden else 1


if __name__ == "__main__":
    sys.exit(main())
