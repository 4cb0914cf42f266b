"""What the benchmarks share: the database, the server under test, and load from wrk."""

from __future__ import annotations

import glob
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import sqlalchemy as sa


def ensure_database(url: str) -> None:
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(
        sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        exists = connection.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer at {url}")


def wrk(url: str, duration: int, connections: int, script: str | None = None) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if script:
        command[1:1] = ["-s", script]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures = {"req/s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}  # type: ignore[union-attr]
    for label in ("50%", "99%"):
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
        figures[label] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["non-2xx"] = float(errors.group(1)) if errors else 0.0
    return figures


def pgbench(url: str, script: str, duration: int, clients: int) -> dict[str, float]:
    """``script`` run by pgbench straight against the database (prepared statements, one
    thread per core): the machine's own speed, with figures shaped like ``wrk``'s."""
    libpq = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(False)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "script.sql")
        with open(path, "w") as handle:
            handle.write(script)
        threads = min(os.cpu_count() or 1, clients)
        command = ["pgbench", "-n", "-M", "prepared", "-j", str(threads)]
        command += ["-c", str(clients), "-T", str(duration), "-f", path, "-l"]
        command += ["--log-prefix", os.path.join(folder, "tx"), libpq]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        latencies: list[int] = []  # microseconds, one line per transaction
        for log in glob.glob(os.path.join(folder, "tx*")):
            with open(log) as lines:
                latencies.extend(int(line.split()[2]) for line in lines)
    latencies.sort()
    rate = float(re.search(r"tps = ([\d.]+)", output).group(1))  # type: ignore[union-attr]
    figures = {"req/s": rate, "non-2xx": 0.0}
    for label, share in (("50%", 0.50), ("99%", 0.99)):
        figures[label] = latencies[min(len(latencies) - 1, int(share * len(latencies)))] / 1000
    return figures


def insert_baseline(url: str, duration: int) -> dict[str, float]:
    """What the database commits alone: one client inserting a 2 KB JSONB document per durable
    transaction into a table of its own (created, then dropped)."""
    document = json.dumps(
        {"id": "x", "state": "acknowledged", "note": "n" * 2000}, separators=(",", ":")
    )
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS tmf_bench_baseline (id text PRIMARY KEY, document jsonb)"
        )
    try:
        script = (
            "INSERT INTO tmf_bench_baseline (id, document)"
            f" VALUES (gen_random_uuid()::text, '{document}'::jsonb);\n"
        )
        return pgbench(url, script, duration, clients=1)
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE tmf_bench_baseline")
        engine.dispose()


def resident_mb(server: subprocess.Popen[bytes]) -> list[float]:
    """Resident memory of each process of the server's group (workers, and the supervisor)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) != server.pid:
                    continue
                with open(f"/proc/{entry}/status") as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            found.append(int(line.split()[1]) / 1024)
            except (OSError, ProcessLookupError):
                continue
    return sorted(found)


def median(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run with the median throughput (its own latencies, not a mix of runs)."""
    for run in runs:
        print(f"  run: {run['req/s']:.0f} req/s, p50 {run['50%']:.2f} ms, p99 {run['99%']:.2f} ms")
    return sorted(runs, key=lambda r: r["req/s"])[len(runs) // 2]


def serve(
    database_url: str, port: int, workers: int, **environment: str
) -> subprocess.Popen[bytes]:
    """The server as users run it (``tmf-adapter serve``), in its own process group."""
    env = dict(os.environ, DATABASE_URL=database_url, TMF_RUN_JOBS="false", **environment)
    command = [sys.executable, "-m", "server.cli", "serve", "--no-demo", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def start_workers(
    count: int, environment: dict[str, str], *arguments: str
) -> list[subprocess.Popen[bytes]]:
    """``count`` processes of ``tmf-adapter worker`` with ``environment`` added, output dropped."""
    env = dict(os.environ, **environment)
    return [
        subprocess.Popen(
            [sys.executable, "-m", "server.cli", "worker", *arguments],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(count)
    ]


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each process group, then wait for them."""
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        process.wait(timeout=30)
