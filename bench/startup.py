"""Start-up benchmark: `pixelwise serve` to the first 200 from /api/health, and server RSS.

Method: for each run, start the real `pixelwise serve` command (embedded default: SQLite,
local blobs, in-process jobs) as a subprocess and poll GET /api/health every 10 ms until it
answers 200; the time is from process spawn to that answer. "Fresh" runs use a new, empty
data directory each time (so they include creating the database and migrating it);
"existing" runs restart on a directory a previous run created. RSS is read from
/proc/PID/status (VmRSS) one second after the first 200. Reports the median of RUNS runs.

Usage: python bench/startup.py [--runs 5] [--demo]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def command() -> list[str]:
    script = Path(sys.executable).with_name("pixelwise")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pixelwise"]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_run(home: Path, demo: bool) -> tuple[float, float]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXELWISE_")}
    env["PIXELWISE_HOME"] = str(home)
    args = [*command(), "serve", "--port", str(port), *(["--demo"] if demo else [])]
    start = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with httpx.Client(timeout=1.0) as client:
            while True:
                if process.poll() is not None:
                    err = process.stderr.read().decode() if process.stderr else ""
                    raise SystemExit(f"serve exited: {err}")
                try:
                    if client.get(f"http://127.0.0.1:{port}/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.01)
        elapsed = time.perf_counter() - start
        time.sleep(1.0)
        return elapsed, rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--demo", action="store_true", help="serve --demo (adds the demo data)")
    options = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="pixelwise-bench-"))
    try:
        fresh, existing, rss = [], [], []
        for index in range(options.runs):
            home = root / f"run{index}"
            seconds, mib = one_run(home, options.demo)
            fresh.append(seconds)
            rss.append(mib)
            seconds, mib = one_run(home, options.demo)
            existing.append(seconds)
            rss.append(mib)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(__doc__.split("Usage:")[0].strip())
    print()
    print(f"command: {' '.join(command())} serve{' --demo' if options.demo else ''}")
    print(f"runs: {options.runs}, cpus: {os.cpu_count()}")
    for name, values in (("fresh data directory", fresh), ("existing data directory", existing)):
        print(
            f"{name:>24}: median {statistics.median(values):.3f} s "
            f"(min {min(values):.3f}, max {max(values):.3f})"
        )
    print(f"{'server RSS':>24}: median {statistics.median(rss):.0f} MiB (max {max(rss):.0f})")


if __name__ == "__main__":
    main()
