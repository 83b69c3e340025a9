"""The HTTP floor: a FastAPI endpoint that parses the same request and returns a fixed
recommendation JSON body (no computation, no storage). Served by ``benchmarks/http_load.py``
beside the real service; the body is read from the file named by ``BENCH_TRIVIAL_BODY``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Response

app = FastAPI()
_path = os.environ.get("BENCH_TRIVIAL_BODY")
_body = Path(_path).read_bytes() if _path else b'{"status": "optimal"}'


@app.get("/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/v1/recommendations")
def answer(request: dict[str, Any]) -> Response:
    return Response(content=_body, media_type="application/json")
