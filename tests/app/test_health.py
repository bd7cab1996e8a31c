"""``/healthz`` and the refusal to serve an unmigrated database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.migrate import StartupError, head_revision


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        data_dir=tmp_path / "data",
        environment="test",
        run_jobs_in_process=False,
    )


def test_healthz_reports_the_database(client: TestClient, database_url: str) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == ("sqlite" if database_url.startswith("sqlite") else "postgresql")
    assert body["schema"] == head_revision()


def test_healthz_needs_no_login_and_no_token(client: TestClient) -> None:
    assert client.get("/healthz", headers={"Cookie": ""}).status_code == 200


def test_healthz_fails_on_an_unmigrated_database(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, f"sqlite:///{tmp_path / 'empty.sqlite3'}"))
    response = TestClient(app).get("/healthz")  # no lifespan: the server would not start
    assert response.status_code == 503
    assert "sverka db upgrade" in response.json()["error"]


def test_healthz_fails_when_the_database_is_gone(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"))
    response = TestClient(app).get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert "Cannot open the SQLite database" in response.json()["error"]


def test_server_refuses_to_start_on_an_unmigrated_database(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, f"sqlite:///{tmp_path / 'empty.sqlite3'}"))
    with pytest.raises(StartupError, match="run `sverka db upgrade`"), TestClient(app):
        pass


def test_a_server_process_works_on_request_threads_requests_at_once(
    make_settings: Callable[..., Settings],
) -> None:
    """More threads than this only take turns on the interpreter lock (BENCHMARKS.md)."""
    app = create_app(make_settings(request_threads=3))
    with TestClient(app) as client:
        assert client.portal is not None
        tokens = client.portal.call(
            lambda: anyio.to_thread.current_default_thread_limiter().total_tokens
        )
    assert tokens == 3
