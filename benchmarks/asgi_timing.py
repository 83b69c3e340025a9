"""In-process HTTP timing without a test client: requests are handed to the ASGI app directly
(``httpx.ASGITransport``) inside one event loop, with the app's lifespan run around them, so the
figure is the app's own cost (routing, validation, middleware, the endpoint and its thread hop)
and not a client's. The same driver times the service and the trivial endpoint."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import httpx


async def _median_post_ms(app: Any, path: str, body: dict[str, Any], reps: int) -> float:
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), \
            httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _ in range(20):  # imports, caches, the first solver object
            (await client.post(path, json=body)).raise_for_status()
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            response = await client.post(path, json=body)
            times.append((time.perf_counter() - t0) * 1e3)
            response.raise_for_status()
    return statistics.median(times)


def median_post_ms(app: Any, path: str, body: dict[str, Any], reps: int = 300) -> float:
    """Median wall time of one POST of ``body`` to ``path`` through ``app`` in process, ms.
    Raises ``httpx.HTTPStatusError`` when the app does not answer 2xx."""
    return asyncio.run(_median_post_ms(app, path, body, reps))
