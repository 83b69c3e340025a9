"""One settings object, read from environment variables prefixed ``DOSEOPT_``.

Every setting is documented in the README table; defaults run the service on this machine
alone (SQLite file, local workers, 127.0.0.1). :func:`check_bind` is the rule on the bind
address that the ``serve`` command applies before it starts the HTTP service.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from optimizer.errors import InputError

__all__ = ["Settings", "check_bind", "get_settings", "is_loopback"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOSEOPT_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="Address the HTTP service binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="HTTP port.")
    database_url: str = Field(
        default="sqlite:///doseopt.db",
        description="SQLAlchemy URL of the results and audit store "
                    "(SQLite file by default; postgresql+psycopg://... for PostgreSQL).")
    api_key: str | None = Field(
        default=None, description="When set, every endpoint but health and docs requires "
                                  "the header X-API-Key with this value.")
    max_candidates: int = Field(default=20_000, ge=1, le=200_000,
                                description="Cap on dose x interval options in one question.")
    solver_time_limit_s: float = Field(default=10.0, gt=0, le=600,
                                       description="HiGHS time limit per solve, seconds.")
    workers: int = Field(default=0, ge=0, le=256,
                         description="Worker processes for batches; 0 = one per CPU core.")
    scheduler: str | None = Field(default=None,
                                  description="Dask scheduler address (tcp://host:port) for "
                                              "batches; unset = local workers.")
    log_level: str = Field(default="info", description="Log level of the service.")
    fhir_score_code: str = Field(
        default="urn:doseopt:observation|symptom-score",
        description="FHIR Observation code (system|code) read as the 0-10 symptom score "
                    "(docs/fhir.md).")
    batch_claim_lease_s: float = Field(
        default=60.0, gt=0, le=86_400,
        description="Seconds after which a batch runner's unrenewed claim on scenarios may be "
                    "taken over by another runner (modelling choice: a runner renews its "
                    "claims every few seconds; a killed one loses them after this long).")
    database_busy_timeout_s: float = Field(
        default=30.0, gt=0, le=3_600,
        description="How long a SQLite write waits for another writer's lock before the run "
                    "stops with a database error (modelling choice).")
    max_body_bytes: int = Field(
        default=10_000_000, ge=1_000, le=1_000_000_000,
        description="Largest request body the HTTP service reads, bytes; larger ones are "
                    "answered 413 (modelling choice: a 100,000-scenario inline batch is "
                    "about 6 MB).")
    request_time_limit_s: float = Field(
        default=10.0, ge=0, le=86_400,
        description="Work budget of one question, seconds: a request whose estimated "
                    "computing time (optimizer.services.budget, measured per-unit costs) "
                    "exceeds it is refused with 422 before any work starts; 0 = no budget "
                    "(for scripts). Modelling choice: 10 s is the solver's own default time "
                    "limit and well inside common HTTP client time-outs (30-60 s) on a "
                    "shared 2-core machine.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, api_key: str | None, allow_remote: bool) -> str:
    """Decide whether the service may bind to ``host``; return the line to log.

    Without an API key the service answers anyone who can reach it, so it binds to a loopback
    address unless ``allow_remote`` says otherwise (modelling choice: safe by default).

    Raises :class:`~optimizer.errors.InputError` (field ``host``) when no API key is
    configured, ``host`` is not a loopback address and ``allow_remote`` is false.
    """
    if api_key:
        return f"API key required on every endpoint except health and docs; binding to {host}."
    if is_loopback(host):
        return (f"No API key configured (DOSEOPT_API_KEY): the service is bound to localhost "
                f"({host}) only.")
    if not allow_remote:
        raise InputError("host", host,
                         "a loopback address (127.0.0.1, ::1, localhost) when no API key is "
                         "configured; set DOSEOPT_API_KEY, or pass --allow-remote to expose the "
                         "service without a key")
    return (f"No API key configured and --allow-remote given: the service is reachable at "
            f"{host} without authentication.")
