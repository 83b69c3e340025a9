"""Story: an operator sets an API key and nobody without it reaches patient data; without a
key, the service stays on this machine unless the operator says otherwise."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import app
from api.security import check_bind, is_loopback
from optimizer.cli.main import app as cli_app
from optimizer.errors import InputError
from optimizer.settings import get_settings

client = TestClient(app)
KEY = "s3cret-key-for-tests"
QUESTION: dict[str, Any] = {"patient": {"weight_kg": 30}, "threshold_score": 2}


@pytest.fixture(autouse=True)
def security_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DOSEOPT_DATABASE_URL", f"sqlite:///{tmp_path / 'security.db'}")
    monkeypatch.delenv("DOSEOPT_API_KEY", raising=False)
    monkeypatch.delenv("DOSEOPT_HOST", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def with_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSEOPT_API_KEY", KEY)
    get_settings.cache_clear()


def _stored_id() -> str:
    r = client.post("/v1/recommendations", json=QUESTION, headers={"X-API-Key": KEY})
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


@pytest.mark.usefixtures("with_key")
def test_with_a_key_every_data_endpoint_refuses_a_missing_or_wrong_key() -> None:
    record_id = _stored_id()
    calls = [("post", "/v1/recommendations", QUESTION),
             ("get", f"/v1/recommendations/{record_id}", None),
             ("get", f"/v1/recommendations/{record_id}/plot", None),
             ("get", f"/v1/recommendations/{record_id}/report", None),
             ("get", "/v1/no-such-endpoint", None)]
    for method, path, body in calls:
        for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": KEY[:-1]}):
            r = client.request(method, path, json=body, headers=headers)
            assert r.status_code == 401, (path, headers)
            item = r.json()["detail"][0]
            assert item["field"] == "X-API-Key" and "API key" in item["message"]
            assert KEY not in r.text
    for method, path, body in calls[:4]:
        r = client.request(method, path, json=body, headers={"X-API-Key": KEY})
        assert r.status_code == 200, path


@pytest.mark.usefixtures("with_key")
def test_with_a_key_health_docs_and_the_page_shell_stay_open() -> None:
    for path in ("/v1/health", "/docs", "/openapi.json", "/redoc", "/", "/compare",
                 "/static/page.js"):
        assert client.get(path).status_code == 200, path


def test_without_a_key_the_api_is_open() -> None:
    record_id = _stored_id()
    assert client.get(f"/v1/recommendations/{record_id}").status_code == 200
    assert client.post("/v1/recommendations", json=QUESTION).status_code == 200


@pytest.mark.parametrize(("host", "expected"), [
    ("127.0.0.1", True), ("127.8.0.1", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("10.1.2.3", False), ("::", False),
    ("clinic.example.org", False)])
def test_loopback_addresses_are_recognised(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


def test_without_a_key_only_loopback_binds_unless_remote_is_allowed() -> None:
    assert "bound to localhost" in check_bind("127.0.0.1", None, allow_remote=False)
    with pytest.raises(InputError) as err:
        check_bind("0.0.0.0", None, allow_remote=False)
    assert err.value.field == "host" and "--allow-remote" in err.value.allowed
    assert "without authentication" in check_bind("0.0.0.0", None, allow_remote=True)
    assert "API key required" in check_bind("0.0.0.0", KEY, allow_remote=False)


def _fake_uvicorn(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: calls.append({"app": target, **kw}))
    return calls


def test_serve_refuses_a_public_address_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake_uvicorn(monkeypatch)
    res = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0"])
    assert res.exit_code == 2
    assert "host" in res.output and "--allow-remote" in res.output
    assert calls == []


def test_serve_says_it_is_bound_to_localhost_without_a_key(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    calls = _fake_uvicorn(monkeypatch)
    caplog.set_level(logging.INFO, logger="doseopt.security")
    res = CliRunner().invoke(cli_app, ["serve", "--port", "8123"])
    assert res.exit_code == 0, res.output
    assert calls == [{"app": "api.main:app", "host": "127.0.0.1", "port": 8123,
                      "log_level": "info"}]
    assert "No API key configured" in caplog.text
    assert "bound to localhost (127.0.0.1) only" in caplog.text


def test_serve_binds_remotely_with_allow_remote_or_a_key(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake_uvicorn(monkeypatch)
    res = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--allow-remote"])
    assert res.exit_code == 0, res.output
    monkeypatch.setenv("DOSEOPT_API_KEY", KEY)
    get_settings.cache_clear()
    res = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0"])
    assert res.exit_code == 0, res.output
    assert [c["host"] for c in calls] == ["0.0.0.0", "0.0.0.0"]


@pytest.mark.usefixtures("with_key")
def test_with_a_key_the_page_shells_and_their_icon_need_none() -> None:
    for path in ("/", "/compare", "/ige", "/favicon.ico", "/v1/health"):
        assert client.get(path).status_code == 200, path
    assert client.post("/v1/recommendations", json=QUESTION).status_code == 401


def test_health_answers_head_as_well_as_get() -> None:
    assert client.head("/v1/health").status_code == 200
    assert client.get("/v1/health").json()["status"] == "ok"
