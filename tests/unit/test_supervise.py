"""deploy/supervise, the restarts of deploy/up: at once on exit 75, with a growing back-off otherwise, and no
more after repeated quick failures, said loudly (no broker: a small shell command stands for a service)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

SUPERVISE = Path(__file__).resolve().parents[2] / "deploy" / "supervise"
QUICK = {"HUB_RESTART_BACKOFF_S": "0.1", "HUB_RESTART_BACKOFF_MAX_S": "0.3", "HUB_RESTART_STABLE_S": "5",
         "HUB_RESTART_GIVE_UP": "4"}


def supervise(tmp_path: Path, script: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([str(SUPERVISE), str(tmp_path / "service.log"), "matcher", "bash", "-c", script],
                            env={**os.environ, **QUICK, **env}, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def test_exit_75_restarts_at_once_and_repeated_failures_give_up_loudly(tmp_path: Path):
    runs = tmp_path / "runs"
    script = f'echo run >> {runs}; n=$(wc -l < {runs}); if [ "$n" -le 2 ]; then exit 75; fi; exit 3'
    proc = supervise(tmp_path, script)
    _, stderr = proc.communicate(timeout=30)
    log = (tmp_path / "service.log").read_text()
    assert proc.returncode == 3
    assert len(runs.read_text().splitlines()) == 2 + 4  # two asked-for restarts, then four failures
    assert log.count("asked for a restart (exit 75); restarting") == 2
    waits = [float(w) for w in re.findall(r"restarting in ([0-9.]+) s", log)]
    assert waits == [0.1, 0.2, 0.3]  # doubling, capped
    assert "[ERROR] matcher exited with status 3 4 times in a row" in log
    assert "not restarting it again" in stderr


def test_a_service_that_runs_a_while_before_failing_is_always_restarted_and_sigterm_stops_it(tmp_path: Path):
    runs = tmp_path / "runs"
    proc = supervise(tmp_path, f"echo run >> {runs}; sleep 0.4; exit 3", HUB_RESTART_STABLE_S="0.3")
    deadline = time.monotonic() + 30
    while (not runs.exists() or len(runs.read_text().splitlines()) < 6) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proc.poll() is None  # six failures, each after a stable run: still restarting
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=10) == 143
    assert "[ERROR]" not in (tmp_path / "service.log").read_text()
