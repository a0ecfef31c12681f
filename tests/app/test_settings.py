"""Settings: production refuses to start without its secrets; the embedded default makes its own."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import ConfigError, Settings, get_settings

SECRET = "s" * 40
VARIABLES = ("DATABASE_URL", "SMENA_DATABASE_URL", "SMENA_SECRET_KEY", "SMENA_ENV", "SMENA_VAR_DIR")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No setting leaks in from the machine running the tests; the cached settings are reset."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, "SMENA_SECRET_KEY and DATABASE_URL"),
        ({"SMENA_SECRET_KEY": SECRET}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql+psycopg://db/smena"}, "SMENA_SECRET_KEY"),
    ],
)
def test_production_names_each_missing_variable(
    monkeypatch: pytest.MonkeyPatch, given: dict[str, str], missing: str
) -> None:
    monkeypatch.setenv("SMENA_ENV", "production")
    for name, value in given.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        get_settings()
    assert f"SMENA_ENV=production needs {missing} to be set" in str(error.value)


def test_production_refuses_a_short_secret_and_accepts_a_full_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigError, match="at least 32 characters"):
        Settings(env="production", secret_key="short", database_url="sqlite:///x.db")
    monkeypatch.setenv("SMENA_ENV", "production")
    monkeypatch.setenv("SMENA_SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/smena")
    settings = get_settings()
    assert settings.resolved_secret_key() == SECRET
    assert settings.resolved_database_url() == "postgresql+psycopg://db/smena"


def test_the_embedded_default_keeps_a_generated_secret_and_a_sqlite_file_under_var(
    tmp_path: Path,
) -> None:
    var = tmp_path / "var"
    first = Settings(var_dir=var)
    assert first.env == "development"
    key = first.resolved_secret_key()
    assert len(key) >= 32
    assert first.resolved_secret_key() == key
    assert Settings(var_dir=var).resolved_secret_key() == key  # the next start reads it back
    assert stat.S_IMODE((var / "secret_key").stat().st_mode) == 0o600
    assert Settings(var_dir=tmp_path / "other").resolved_secret_key() != key
    assert first.resolved_database_url() == f"sqlite:///{(var / 'smena.db').resolve()}"
