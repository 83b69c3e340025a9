"""One settings object, read from environment variables prefixed ``DOSEOPT_``.

Every setting is documented in the README table; defaults run the service on this machine
alone (SQLite file, local workers, 127.0.0.1).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
