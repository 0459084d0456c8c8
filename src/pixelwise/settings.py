"""Effective settings, read from PIXELWISE_* environment variables and command-line flags.

Every process (server, worker, CLI) builds one `Settings`; flags win over variables.
A bad value raises `SettingsError` with a single line a person can act on.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path("~/.pixelwise")


class SettingsError(Exception):
    """A setting is missing or wrong; the message is one line naming the variable."""


class Settings(BaseSettings):
    """All knobs of a Pixelwise process. Field `x` is read from `PIXELWISE_X`."""

    model_config = SettingsConfigDict(
        env_prefix="PIXELWISE_", extra="ignore", enable_decoding=False
    )

    home: Path = Field(DEFAULT_HOME, description="Data directory (database, blobs, secret key).")
    database_url: str = Field("", description="SQLAlchemy URL; default SQLite under HOME.")
    broker_url: str = Field("", description="redis://host:port/db, or empty for in-process.")
    storage_url: str = Field(
        "", description="file:///path or s3://bucket/prefix; default HOME/blobs."
    )
    secret_key: SecretStr = Field(
        SecretStr(""), description="Signs session cookies; default: generated once under HOME."
    )
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_url: str = Field("", description="External URL; https:// makes cookies Secure.")

    worker_threads: int = Field(2, ge=1, le=64, description="Job threads of an in-process worker.")
    embedded_worker: bool | None = Field(
        None, description="Run jobs inside `serve`; default: only with no broker URL."
    )
    job_heartbeat_seconds: float = Field(5.0, gt=0)
    job_stale_seconds: float = Field(60.0, gt=0, description="A heartbeat older than this is dead.")
    job_max_attempts: int = Field(3, ge=1)

    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="JSON request size limit.")
    import_roots: list[Path] = Field(
        default_factory=list,
        description="Server folders that imports may read and register files in place from "
        "(separated by ':').",
    )
    max_file_bytes: int = Field(10 * 1024**3, ge=1, description="Largest file an import takes.")
    max_image_pixels: int = Field(
        178_956_970,  # the most Pillow decodes without changing its process-wide limit
        ge=1,
        description="Largest image (width x height) an import decodes.",
    )
    max_upload_bytes: int = Field(
        50 * 1024**3, ge=1024, description="Largest upload request (all its files together)."
    )
    archive_max_total_bytes: int = Field(
        100 * 1024**3, ge=1, description="Most bytes one archive may unpack to."
    )
    archive_max_ratio: float = Field(
        200.0, gt=1, description="Most an archive may unpack to, as a multiple of its size."
    )
    url_allow_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts, addresses or networks (CIDR) that URL imports may reach although "
        "they are loopback, private or link-local (separated by ',').",
    )
    url_fetch_concurrency: int = Field(8, ge=1, le=64, description="URLs fetched at once.")
    url_timeout_seconds: float = Field(30.0, gt=0, description="Connect and read timeout.")
    url_max_redirects: int = Field(5, ge=0, le=20)
    session_hours: float = Field(24 * 14, gt=0)
    login_window_seconds: int = Field(900, ge=1)
    login_max_failures_per_account: int = Field(5, ge=1)
    login_max_failures_per_address: int = Field(20, ge=1)
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_kib: int = Field(65536, ge=8)

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "text"] = Field(
        "auto", description="json, text, or auto: text on a terminal, JSON otherwise."
    )
    metrics_enabled: bool = True

    @field_validator("import_roots", mode="before")
    @classmethod
    def _split_roots(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in value.split(os.pathsep) if part.strip()]
        return value

    @field_validator("url_allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @field_validator("broker_url")
    @classmethod
    def _known_broker(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://")):
            raise ValueError("must be empty (in-process jobs) or start with redis://")
        return value

    @field_validator("storage_url")
    @classmethod
    def _known_storage(cls, value: str) -> str:
        if value and not value.startswith(("file://", "s3://")):
            raise ValueError("must start with file:// or s3://")
        return value

    # --- derived values -------------------------------------------------------------

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def effective_database_url(self) -> str:
        url = self.database_url or f"sqlite:///{self.home_dir / 'pixelwise.db'}"
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url

    @property
    def effective_storage_url(self) -> str:
        return self.storage_url or (self.home_dir / "blobs").as_uri()

    @property
    def runs_embedded_worker(self) -> bool:
        if self.embedded_worker is not None:
            return self.embedded_worker
        return not self.broker_url

    @property
    def cookie_secure(self) -> bool:
        return self.public_url.startswith("https://")

    def secret(self) -> str:
        """The signing key: the configured one, else one generated once and kept under HOME."""
        configured = self.secret_key.get_secret_value()
        if configured:
            return configured
        path = self.home_dir / "secret_key"
        if not path.exists():
            self.home_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()

    def public_view(self) -> dict[str, Any]:
        """Every effective setting, with secrets and URL passwords hidden."""
        view: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "********" if value.get_secret_value() else "(generated under HOME)"
            elif isinstance(value, str) and "://" in value:
                value = hide_password(value)
            elif isinstance(value, Path):
                value = str(value)
            view[f"PIXELWISE_{name.upper()}"] = value
        view["(database)"] = hide_password(self.effective_database_url)
        view["(storage)"] = self.effective_storage_url
        view["(jobs)"] = "in-process" if not self.broker_url else hide_password(self.broker_url)
        return view


def hide_password(url: str) -> str:
    """The URL with any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with non-None `overrides` (command-line flags) on top."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        shown = first.get("input")
        raise SettingsError(
            f"setting PIXELWISE_{field.upper()} is invalid: {first['msg']} (got {shown!r})"
        ) from None
