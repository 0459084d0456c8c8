"""Run the real `pixelwise` command in a subprocess, with a clean environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def env_for(home: Path, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXELWISE_")}
    env.update(
        {
            "PIXELWISE_HOME": str(home),
            "PIXELWISE_ARGON2_TIME_COST": "1",
            "PIXELWISE_ARGON2_MEMORY_KIB": "64",
            **variables,
        }
    )
    return env


def pixelwise(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pixelwise", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(
    *args: str, env: dict[str, str], port: int, timeout: float = 60
) -> Iterator[subprocess.Popen[str]]:
    """`pixelwise serve` in the background until /api/health answers 200; stopped after."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pixelwise", "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise AssertionError(
                    f"serve exited early: {process.stderr.read() if process.stderr else ''}"
                )
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("serve did not answer /api/health in time")
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
