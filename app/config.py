"""Settings from the environment (prefix SMENA_, plus DATABASE_URL)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


class Settings(BaseSettings):
    """Where the data lives, how sessions are signed, and how the site behaves."""

    model_config = SettingsConfigDict(env_prefix="SMENA_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    database_url: str = Field(
        default="", validation_alias=AliasChoices("DATABASE_URL", "SMENA_DATABASE_URL")
    )
    secret_key: str = ""
    var_dir: Path = VAR_DIR
    https_only: bool = False
    default_locale: Literal["en", "ru"] = "ru"
    login_attempts_before_delay: int = 5
    login_delay_window_seconds: int = 900
    jobs_in_process: bool | None = None
    job_workers: int = 1

    def runs_jobs_in_process(self) -> bool:
        """Whether the web process runs background jobs itself (default: on SQLite only)."""
        if self.jobs_in_process is not None:
            return self.jobs_in_process
        return self.resolved_database_url().startswith("sqlite")

    @model_validator(mode="after")
    def _production_needs_explicit_secrets(self) -> Settings:
        if self.env == "production":
            missing = [
                n
                for n, v in (
                    ("SMENA_SECRET_KEY", self.secret_key),
                    ("DATABASE_URL", self.database_url),
                )
                if not v
            ]
            if missing:
                raise ConfigError(
                    f"SMENA_ENV=production needs {' and '.join(missing)} to be set "
                    "(see README, Configuration)"
                )
            if len(self.secret_key) < 32:
                raise ConfigError("SMENA_SECRET_KEY must be at least 32 characters")
        return self

    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded default: a SQLite file under var/."""
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.var_dir / 'smena.db').resolve()}"

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated on first run and kept in var/secret_key."""
        if self.secret_key:
            return self.secret_key
        self.var_dir.mkdir(parents=True, exist_ok=True)
        path = self.var_dir / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
