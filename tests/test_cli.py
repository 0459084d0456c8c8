"""The `pixelwise` command as a person runs it: serve, config, migrate, users, tokens."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from pixelwise.db.engine import Database

from cli_helpers import env_for, free_port, pixelwise, running_server


@pytest.mark.slow
def test_serve_demo_on_a_fresh_directory(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    port = free_port()
    with running_server("--demo", env=env_for(home), port=port) as process:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/api/docs").status_code == 200
        process.terminate()
        out, err = process.communicate(timeout=15)
    match = re.search(r"demo admin: (\S+)\s+password: (\S+)", out)
    assert match, out + err
    assert (home / "pixelwise.db").exists()
    assert "Pixelwise is serving http://127.0.0.1" in err
    # Restarted on the same directory: the admin exists, the password is not printed again.
    with running_server("--demo", env=env_for(home), port=port) as process:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            login = http.post("/api/auth/login", json={"email": match[1], "password": match[2]})
            assert login.status_code == 200
            projects = http.get("/api/projects").json()["items"]
            assert [p["name"] for p in projects] == ["Demo project"]
            assets = http.get(f"/api/projects/{projects[0]['id']}/assets").json()["items"]
            assert len(assets) == 6
            image = http.get(f"/api/projects/{projects[0]['id']}/assets/{assets[0]['id']}/view")
            assert image.content.startswith(b"\x89PNG")
        process.terminate()
        out, _ = process.communicate(timeout=15)
    assert "password:" not in out


@pytest.mark.slow
def test_a_second_serve_on_a_used_port_says_so_in_one_line(tmp_path: Path) -> None:
    port = free_port()
    with running_server(env=env_for(tmp_path / "a"), port=port):
        second = pixelwise("serve", "--port", str(port), env=env_for(tmp_path / "b"))
    assert second.returncode == 1
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"port {port} on 127.0.0.1 is already in use" in lines[0]


def test_unreachable_postgresql_is_one_line(tmp_path: Path) -> None:
    env = env_for(tmp_path, PIXELWISE_DATABASE_URL="postgresql://postgres@127.0.0.1:1/none")
    result = pixelwise("serve", "--port", str(free_port()), env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pixelwise: cannot reach the database at postgresql")


def test_a_bad_setting_stops_start_up_with_one_line(tmp_path: Path) -> None:
    result = pixelwise("serve", env=env_for(tmp_path, PIXELWISE_PORT="http"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "pixelwise: setting PIXELWISE_PORT is invalid: Input should be a valid integer, "
        "unable to parse string as an integer (got 'http')"
    )


def test_config_prints_effective_settings_without_secrets(tmp_path: Path) -> None:
    env = env_for(
        tmp_path,
        PIXELWISE_SECRET_KEY="topsecret",
        PIXELWISE_PORT="9999",
        PIXELWISE_BROKER_URL="redis://:pw@127.0.0.1:6379/1",
    )
    result = pixelwise("config", env=env)
    assert result.returncode == 0
    assert "PIXELWISE_PORT=9999" in result.stdout
    assert "topsecret" not in result.stdout
    assert "PIXELWISE_BROKER_URL=redis://:***@127.0.0.1:6379/1" in result.stdout


def test_users_and_tokens_from_the_command_line(
    tmp_path: Path, database: Database, database_url: str
) -> None:
    env = env_for(tmp_path, PIXELWISE_DATABASE_URL=database_url)
    created = pixelwise(
        "users",
        "create",
        "--email",
        "Ops@Example.org",
        "--password-stdin",
        "--admin",
        env=env,
        stdin="a-long-password\n",
    )
    assert created.returncode == 0, created.stderr
    assert "ops@example.org (admin)" in created.stdout
    again = pixelwise(
        "users",
        "create",
        "--email",
        "ops@example.org",
        "--password-stdin",
        env=env,
        stdin="a-long-password\n",
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr
    listed = pixelwise("users", "list", env=env)
    assert "ops@example.org" in listed.stdout
    token = pixelwise("tokens", "create", "--email", "ops@example.org", "--name", "ci", env=env)
    assert token.returncode == 0
    assert token.stdout.strip().startswith("pxw_")
    # Deactivating the only admin is refused; after adding another admin it works.
    refused = pixelwise("users", "deactivate", "ops@example.org", env=env)
    assert refused.returncode == 1
    assert "last active organisation admin" in refused.stderr
    pixelwise(
        "users",
        "create",
        "--email",
        "two@example.org",
        "--password-stdin",
        "--admin",
        env=env,
        stdin="a-long-password\n",
    )
    done = pixelwise("users", "deactivate", "ops@example.org", env=env)
    assert done.returncode == 0, done.stderr
    migrated = pixelwise("migrate", env=env)
    assert migrated.returncode == 0
    assert "database at revision" in migrated.stdout


def test_an_unusable_data_directory_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = pixelwise("serve", "--port", str(free_port()), env=env_for(blocker / "home"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"pixelwise: cannot create the data directory {blocker / 'home'}")


def test_worker_without_a_broker_or_with_a_dead_one_is_one_line(tmp_path: Path) -> None:
    alone = pixelwise("worker", env=env_for(tmp_path))
    assert alone.returncode == 2
    assert "PIXELWISE_BROKER_URL" in alone.stderr
    assert len(alone.stderr.strip().splitlines()) == 1
    env = env_for(tmp_path, PIXELWISE_BROKER_URL="redis://127.0.0.1:1/0")
    pixelwise("migrate", env=env)
    dead = pixelwise("worker", env=env)
    assert dead.returncode == 1
    lines = dead.stderr.strip().splitlines()
    assert len(lines) == 1, dead.stderr
    assert "cannot reach the job broker at redis://127.0.0.1:1/0" in lines[0]
