"""Settings from the environment (``SVERKA_*``) or a ``.env`` file."""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me"


class ConfigError(Exception):
    """A setting is wrong; the message says what to change."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SVERKA_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Field(default_factory=lambda: Path.home() / ".local" / "share" / "sverka")
    database_url: str = ""  # default: SQLite file in data_dir
    secret_key: str = ""  # default: generated once and stored in data_dir/secret_key
    max_upload_mb: int = 20  # one uploaded file
    max_request_mb: int = 25  # one request body
    max_document_chars: int = 5_000_000  # one side of a document, after decoding
    session_max_age_s: int = 14 * 24 * 3600
    secure_cookies: bool = False  # set when served over HTTPS
    # Honour X-Forwarded-Proto/-For from any address: only behind a proxy that sets them.
    trusted_proxy: bool = False
    login_attempts_per_15_min: int = 10
    run_jobs_in_process: bool = True  # a worker thread per server process picks up jobs
    # Requests one server process works on at once. More threads only take turns on Python's
    # interpreter lock (and hold more database connections): with 50 translators on 2 CPUs,
    # 6 gave p95 127–143 ms where the default 40 gave 151–234 ms (BENCHMARKS.md).
    request_threads: int = Field(default=6, ge=1, le=200)
    mueller_dict_dir: Path = Path("/usr/share/dictd")

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key in ("", DEFAULT_SECRET):
            raise ValueError(
                "SVERKA_SECRET_KEY must be set to a long random value in production "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'sverka.sqlite3'}"

    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated on first run and kept in the data dir."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@cache
def get_settings() -> Settings:
    return Settings()
