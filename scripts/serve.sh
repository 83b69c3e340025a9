#!/usr/bin/env bash
# Set up (virtual environment and package) and start the service on its defaults:
# uvicorn on 127.0.0.1:8000, SQLite file doseopt.db, local workers. Settings: DOSEOPT_* variables.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
# Each request runs on one thread; a multi-threaded BLAS inside one small solve only contends
# with the other requests (measured: scipy's L-BFGS-B iteration 1.5 ms vs 0.17 ms single-threaded).
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
exec .venv/bin/doseopt serve "$@"
