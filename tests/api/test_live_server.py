"""Story: the service under mixed load from several clients, some of them hostile, on a real
uvicorn server. No request gets a 5xx; the server's own output holds no solver banner or
report, no closed-stream error, no traceback and no patient reference planted in the requests.
(The long run — 8 clients for minutes — is ``benchmarks/load_mixed.py``.)"""

from __future__ import annotations

import concurrent.futures as cf
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import FORBIDDEN, HISTORY, PATIENT, PLANTED, live_server


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Path]]:
    with live_server() as (url, log_path):
        yield url, log_path


def call(url: str, method: str, path: str, body: Any = None) -> int:
    data = None if body is None else (body if isinstance(body, bytes) else
                                      json.dumps(body).encode("ascii"))
    request = urllib.request.Request(url + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as r:
            r.read()
            return int(r.status)
    except urllib.error.HTTPError as e:
        e.read()
        return int(e.code)


MIXED: list[tuple[str, str, Any]] = [
    ("POST", "/v1/recommendations", {"patient": PATIENT}),
    ("POST", "/v1/recommendations", HISTORY),
    ("POST", "/v1/comparisons", {"patient": PATIENT, "schedules": ["300 mg q4w", "300 mg q6w"],
                                 "population": {"n": 1000, "seed": 1}}),
    ("POST", "/v1/ige-table", {"weights_kg": [30, 60], "ige_iu_per_ml": [100, 300]}),
    # hostile: every one of these once answered 500, or logged the reference
    ("POST", "/v1/recommendations",
     b'{"patient": {"patient_reference": "' + PLANTED.encode() + b'", "x": "\\ud800"}}'),
    ("POST", "/v1/recommendations", {"patient": {**PATIENT, "weight_kg": True}}),
    ("POST", "/v1/recommendations", {"patient": {**PATIENT, "patient_reference": PLANTED + "\0"}}),
    ("POST", "/v1/comparisons", {"patient": PATIENT, "schedules": ["300 mg q4w"],
                                 "start_date": "9999-06-01"}),
    ("POST", "/v1/batches", {"files": ["a\0b.toml"]}),
    ("POST", "/v1/recommendations", b'{"patient": '),
    ("GET", "/v1/recommendations/" + "0" * 32, None),
]


def test_mixed_concurrent_load_gives_no_5xx_and_a_clean_server_output(
        server: tuple[str, Path]) -> None:
    url, log_path = server
    work: list[Callable[[], int]] = [
        (lambda m=m, p=p, b=b: call(url, m, p, b)) for m, p, b in MIXED * 4]
    with cf.ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda f: f(), work))
    assert all(s < 500 for s in statuses), statuses
    assert statuses.count(200) >= 4 * 4  # the valid requests were answered
    output = log_path.read_text(errors="replace")
    for text in FORBIDDEN:
        assert text not in output, f"{text!r} in the server output:\n{output[-3000:]}"
