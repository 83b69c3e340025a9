"""Schema fuzzing of every operation against a live server (all phases), then the figures.

    python benchmarks/fuzz_api.py --max-examples 800 --max-time 3000

Prints the requests sent, how many were answered 5xx, the conformance failures schemathesis
found (status code, content type, body against the OpenAPI document) and anything forbidden in
the server's output (see ``tests/live_server.py``). The in-suite fuzz
(``tests/api/test_fuzz.py``) is the short version of this run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from http_load import forbidden_in, live_server

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=800)
    parser.add_argument("--max-time", type=int, default=3000, help="seconds for the whole run")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    har = Path(tempfile.mkdtemp(prefix="doseopt-fuzz-")) / "requests.har"
    with live_server() as (url, log_path):
        run = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
             "--checks", CHECKS, "--phases", "examples,coverage,fuzzing,stateful",
             "--max-examples", str(args.max_examples), "--max-time", str(args.max_time),
             "--seed", str(args.seed), "--continue-on-failure", "--workers", "2",
             "--request-timeout", "180", "--suppress-health-check", "all",
             "--report", "har", "--report-har-path", str(har), "--no-color"],
            capture_output=True, text=True)
        forbidden = forbidden_in(log_path)
    entries = json.loads(har.read_text())["log"]["entries"] if har.exists() else []
    statuses = Counter(int(e["response"]["status"]) for e in entries)
    by_path = Counter(f'{e["request"]["method"]} {e["request"]["url"].split("?")[0]}'
                      for e in entries)
    print(run.stdout[-4000:])
    print(f"requests sent: {len(entries):,} over {len(by_path)} method/URL pairs")
    print(f"answers by status: {dict(sorted(statuses.items()))}")
    print(f"5xx answers: {sum(n for s, n in statuses.items() if s >= 500)}")
    print(f"schemathesis exit status: {run.returncode} (0: no check failed)")
    print(f"forbidden text in the server output: {forbidden or 'none'}")
    return 0 if run.returncode == 0 and not forbidden else 1


if __name__ == "__main__":
    sys.exit(main())
