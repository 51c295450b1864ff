"""Shared plumbing for the benchmark scripts: databases, Django set-up, timing, results.

Each script picks its database before Django starts (`configure`), so one process measures one
database. SQLite files live in $FAMILYHUB_BENCH_DIR (default /tmp/familyhub-bench); PostgreSQL
databases are made on $FAMILYHUB_BENCH_PG (default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("FAMILYHUB_BENCH_OUT", Path(__file__).resolve().parent / "out"))
BENCH_DIR = Path(os.environ.get("FAMILYHUB_BENCH_DIR", "/tmp/familyhub-bench"))  # noqa: S108 - scratch data
PG_SERVER = os.environ.get("FAMILYHUB_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
SEED = 2026

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def database_url(db: str, name: str = "fh_bench") -> str:
    if db == "sqlite":
        return f"sqlite:///{BENCH_DIR / (name + '.sqlite3')}"
    if db == "postgres":
        return f"{PG_SERVER}/{name}"
    raise SystemExit(f"--db is sqlite or postgres, not {db!r}")


def fresh_database(db: str, name: str = "fh_bench") -> None:
    """Drop and create the benchmark database (before Django connects to it)."""
    if db == "sqlite":
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (BENCH_DIR / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_exists(db: str, name: str = "fh_bench") -> bool:
    if db == "sqlite":
        return (BENCH_DIR / f"{name}.sqlite3").exists()
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )


def configure(db: str, name: str = "fh_bench", *, debug: bool = False) -> None:
    """Point Django at the benchmark database and start it."""
    os.environ["DATABASE_URL"] = database_url(db, name)
    os.environ["FAMILYHUB_DEBUG"] = "1" if debug else "0"
    os.environ.setdefault("FAMILYHUB_FAST_HASHER", "1")  # sign-ins are not what is measured
    os.environ["DJANGO_SETTINGS_MODULE"] = "familyhub.config.settings"
    import django

    django.setup()


def migrate() -> float:
    from django.core.management import call_command

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    return time.perf_counter() - start


def summarise(samples: Sequence[float]) -> dict[str, float]:
    """Milliseconds: median, p95, mean, min, max over `samples` (seconds)."""
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, max(0, round(0.95 * len(ms)) - 1))]
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(p95, 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "min_ms": round(ms[0], 3),
        "max_ms": round(ms[-1], 3),
    }


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def machine() -> dict[str, Any]:
    def load() -> list[float]:
        try:
            return [round(x, 2) for x in os.getloadavg()]
        except OSError:
            return []

    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": load(),
    }
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        info["cpu_model"] = model
    except (OSError, StopIteration):
        pass
    try:
        mem = next(
            line
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        info["memory_gb"] = round(int(mem.split()[1]) / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    return info


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SHOW server_version")
        else:
            cur.execute("SELECT sqlite_version()")
        return f"{connection.vendor} {cur.fetchone()[0]}"


def code_version() -> str:
    """The commit measured (FAMILYHUB_BENCH_CODE overrides, e.g. for a snapshot of a commit)."""
    if os.environ.get("FAMILYHUB_BENCH_CODE"):
        return os.environ["FAMILYHUB_BENCH_CODE"]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


def write_result(name: str, result: dict[str, Any]) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_version(),
        "machine": machine(),
        **result,
    }
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return path


def run_script(script: str, *args: str) -> int:
    """Run another benchmark script in its own process (each process owns one database)."""
    cmd = [sys.executable, str(Path(__file__).resolve().parent / script), *args]
    print("$", " ".join(cmd[1:]), flush=True)
    return subprocess.call(cmd, cwd=ROOT)
