"""Settings: variables, flags over variables, one-line errors, secrets hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixelwise.settings import Settings, SettingsError, hide_password, load_settings


def test_variables_are_read_and_flags_win(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PIXELWISE_PORT", "9000")
    monkeypatch.setenv("PIXELWISE_HOME", str(tmp_path))
    assert load_settings().port == 9000
    assert load_settings(port=9100).port == 9100
    assert load_settings(port=None).port == 9000


def test_defaults_put_everything_under_home(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'pixelwise.db'}"
    assert settings.effective_storage_url == (tmp_path / "blobs").as_uri()
    assert settings.runs_embedded_worker
    assert not Settings(home=tmp_path, broker_url="redis://localhost:6379/0").runs_embedded_worker


def test_a_wrong_value_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIXELWISE_PORT", "eighty")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("setting PIXELWISE_PORT is invalid")
    assert "'eighty'" in message


def test_unknown_database_scheme_is_refused() -> None:
    with pytest.raises(SettingsError, match="PIXELWISE_DATABASE_URL"):
        load_settings(database_url="mysql://x")


def test_postgresql_urls_use_psycopg3() -> None:
    settings = Settings(database_url="postgresql://u:pw@db/pixelwise")
    assert settings.effective_database_url == "postgresql+psycopg://u:pw@db/pixelwise"


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings(home=tmp_path).secret()
    assert len(first) > 40
    assert Settings(home=tmp_path).secret() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_public_view_hides_secrets_and_passwords(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        secret_key="s3cret-value",  # type: ignore[arg-type]
        database_url="postgresql://app:hunter2@db:5432/px",
    )
    view = settings.public_view()
    text = repr(view)
    assert "s3cret-value" not in text
    assert "hunter2" not in text
    assert view["PIXELWISE_DATABASE_URL"] == "postgresql://app:***@db:5432/px"
    assert hide_password("redis://localhost:6379/0") == "redis://localhost:6379/0"
