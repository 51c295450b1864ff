"""Kill -9 an import in a real process, several times (R-IMPORT-1, ADR 0020).

The command runs against its own SQLite file; it is killed with SIGKILL at random moments while it
writes. After every kill the database holds exactly the rows of the chunks before the batch's
checkpoint (nothing of the chunk being written); running the same command again continues the
batch, and at the end every row is there once.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
WARD = "E05012275"  # Bulwell, loaded by the places migrations


def _run(args: list[str], env: dict[str, str], **kw):
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kw,
    )


def _position(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            found = conn.execute("SELECT position FROM imports_importbatch").fetchone()
    except sqlite3.OperationalError:
        return 0
    return found[0] if found else 0


def _state(db: Path) -> tuple[str, int, int, int]:
    with sqlite3.connect(db) as conn:
        status, position, loaded = conn.execute(
            "SELECT status, position, rows_loaded FROM imports_importbatch"
        ).fetchone()
        (rows,) = conn.execute("SELECT count(*) FROM places_postcodeward").fetchone()
    return status, position, loaded, rows


def test_sigkill_at_random_moments_leaves_whole_chunks_and_a_rerun_completes(tmp_path):
    db = tmp_path / "kill.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "FAMILYHUB_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_SETTINGS_MODULE": "familyhub.config.settings",
    }
    migrate = _run(["migrate", "--noinput"], env)
    assert migrate.wait(timeout=600) == 0, migrate.stderr.read() if migrate.stderr else ""
    setup = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup();"
            "from familyhub.access.models import User, Membership;"
            "from familyhub.places.models import Organisation;"
            "o = Organisation.objects.create(name='Kill Test Council', kind='local_authority');"
            "u = User.objects.create(username='loader');"
            "Membership.objects.create(user=u, organisation=o, role='admin')",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert setup.returncode == 0, setup.stderr
    postcodes = [
        f"NG{d} {n}{a}{b}"
        for d in range(1, 10)
        for n in range(10)
        for a in LETTERS
        for b in LETTERS
    ][:30_000]
    assert len(set(postcodes)) == 30_000
    path = tmp_path / "onspd.csv"
    path.write_text(
        "pcd,pcds,doterm,osward\n" + "".join(f"{p},{p},,{WARD}\n" for p in postcodes),
        encoding="utf-8",
    )
    command = ["import", "postcodes", str(path), "--user", "loader", "--chunk-size", "100"]
    rng = random.Random(20261130)
    kills = 0
    finished = False
    for _ in range(3):
        proc = _run(command, env)
        # Kill when the checkpoint has moved past a random point ahead of where it was.
        target = _position(db) + rng.randint(1, 60) * 100
        deadline = time.monotonic() + 300
        while proc.poll() is None and _position(db) < target and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 0.3))  # and then at a random moment within a chunk
        if proc.poll() is not None:
            finished = proc.returncode == 0  # finished before the kill
            assert finished, proc.stderr.read() if proc.stderr else ""
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        kills += 1
        status, position, loaded, rows = _state(db)
        # All or nothing per chunk: exactly the rows of the chunks before the checkpoint.
        assert position % 100 == 0 or position == len(postcodes)
        assert rows == loaded == position, (status, position, loaded, rows)
    if not finished:
        proc = _run(command, env)
        _out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err.decode()
    # Once complete, the same file again is refused: nothing would change.
    again = _run(command, env)
    _out, err = again.communicate(timeout=300)
    assert again.returncode == 1 and b"was imported" in err
    status, position, loaded, rows = _state(db)
    assert (status, position, loaded, rows) == ("completed", 30_000, 30_000, 30_000)
    assert kills == 3  # each kill lands at most 6,000 rows on: always before the end
