"""Match index snapshots on disk, without a broker: round trips, and every reason one is not used."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.errors import SnapshotError
from hub.services.index_snapshot import (
    Snapshot,
    check_offsets,
    fork_writer,
    read_snapshot,
    remove_abandoned,
    write_snapshot,
    writer_finished,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
TOPIC = "hub.register"
NOW_MS = 1_780_000_000_000
DAY_MS = 86_400_000
PLAIN = ({"KZ-75-WANTED_PERSON-1": b"\xc3\x01payload"}, {"KZ-75-WANTED_PERSON-1": ("870412300123", ("seitkal",))},
         {"IIN:870412300123": "KZ-75-WANTED_PERSON-1"}, {123456: {"KZ-75-WANTED_PERSON-1", "KZ-75-WANTED_PERSON-2"}})


def snapshot(**overrides) -> Snapshot:
    return Snapshot(**{"topic": TOPIC, "offsets": {0: 5, 1: 0}, "taken_at_ms": NOW_MS, "plain": PLAIN, **overrides})


def test_a_snapshot_reads_back_as_written(tmp_path: Path):
    path = tmp_path / "matcher" / "hub.register.index"
    assert read_snapshot(path, TOPIC, NOW_MS, DAY_MS) is None  # none yet: the index is built from the topic
    assert write_snapshot(path, snapshot()) == path.stat().st_size
    assert read_snapshot(path, TOPIC, NOW_MS + DAY_MS, DAY_MS) == snapshot()
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


@pytest.mark.parametrize("damage, message", [
    (lambda raw: raw[:-1], "damaged"),  # cut short
    (lambda raw: raw[:-3] + bytes([raw[-3] ^ 1]) + raw[-2:], "damaged"),  # one bit flipped
    (lambda raw: b"something else\n" + raw, "not a match index snapshot"),
    (lambda raw: raw.replace(TOPIC.encode(), b"hub.other", 1), "topic hub.other"),
])
def test_a_damaged_or_foreign_snapshot_is_refused(tmp_path: Path, damage, message):
    path = tmp_path / "index"
    write_snapshot(path, snapshot())
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(SnapshotError, match=message):
        read_snapshot(path, TOPIC, NOW_MS, DAY_MS)


def test_a_snapshot_older_than_the_tombstones_are_kept_is_refused(tmp_path: Path):
    path = tmp_path / "index"
    write_snapshot(path, snapshot())
    with pytest.raises(SnapshotError, match="h old"):
        read_snapshot(path, TOPIC, NOW_MS + DAY_MS + 1, DAY_MS)


def test_offsets_must_cover_the_partitions_and_not_pass_their_ends():
    check_offsets(snapshot(), {0: 5, 1: 7})
    with pytest.raises(SnapshotError, match="partitions"):
        check_offsets(snapshot(), {0: 5, 1: 7, 2: 0})
    with pytest.raises(SnapshotError, match="the topic is new"):
        check_offsets(snapshot(), {0: 4, 1: 7})


def test_a_forked_writer_writes_the_snapshot_taken_in_the_child(tmp_path: Path):
    path, taken_in = tmp_path / "index", tmp_path / "taken-in"

    def take() -> Snapshot:
        taken_in.write_text(str(os.getpid()))
        return snapshot()

    pid = fork_writer(path, take)
    assert wait_for(pid) is True
    assert taken_in.read_text() == str(pid) and read_snapshot(path, TOPIC, NOW_MS, DAY_MS) == snapshot()


def test_a_writer_that_fails_says_so_and_leaves_the_last_snapshot(tmp_path: Path):
    path = tmp_path / "index"
    write_snapshot(path, snapshot())
    assert wait_for(fork_writer(path, lambda: snapshot(plain=(object(),)))) is False  # marshal refuses it
    assert read_snapshot(path, TOPIC, NOW_MS, DAY_MS) == snapshot()


def test_temporary_files_of_dead_writers_are_removed(tmp_path: Path):
    path = tmp_path / "index"
    dead_pid = fork_writer(tmp_path / "other", snapshot)
    wait_for(dead_pid)
    dead, alive = tmp_path / f"index.{dead_pid}.tmp", tmp_path / f"index.{os.getpid()}.tmp"
    dead.write_bytes(b"half"), alive.write_bytes(b"half")
    assert remove_abandoned(path) == [dead] and alive.exists()


def wait_for(pid: int, timeout_s: float = 30.0) -> bool | None:
    deadline = time.monotonic() + timeout_s
    while (finished := writer_finished(pid)) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return finished


SERVICE = (
    "import asyncio, signal, sys, time\n"
    "from pathlib import Path\n"
    "from hub.services.index_snapshot import fork_writer\n"
    "def slow_take():\n"
    "    time.sleep(60)\n"
    "async def main():\n"
    "    loop = asyncio.get_running_loop()\n"
    "    for sig in (signal.SIGINT, signal.SIGTERM):\n"
    "        loop.add_signal_handler(sig, lambda: None)  # as a service's loop does\n"
    "    print(fork_writer(Path(sys.argv[1]), slow_take), flush=True)\n"
    "    await asyncio.sleep(60)\n"
    "asyncio.run(main())\n")


def _start_service_with_writer(tmp_path: Path) -> tuple[subprocess.Popen, int]:
    script = tmp_path / "service.py"
    script.write_text(SERVICE)
    service = subprocess.Popen([sys.executable, str(script), str(tmp_path / "index")], cwd=REPO_ROOT,
                               stdout=subprocess.PIPE, text=True)
    return service, int(service.stdout.readline())


def _gone(pid: int, within_s: float = 10.0) -> bool:
    """Tell whether the process ended (a zombie its parent has not reaped yet has ended) within the time."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def _wait_until_default(pid: int, signum: int, within_s: float = 10.0) -> None:
    """Wait until the process no longer catches the signal (its handler is back to the default)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        caught = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if line.startswith("SigCgt:"))
        if not int(caught.split()[1], 16) >> (signum - 1) & 1:
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} still catches signal {signum}")


def test_a_snapshot_writer_dies_with_its_service_even_by_sigkill(tmp_path: Path):
    service, writer = _start_service_with_writer(tmp_path)
    try:
        assert not _gone(writer, within_s=0.5)  # still writing
        service.kill()  # without this the writer lived on and kept the service's metrics port open
        service.wait()
        assert _gone(writer)
    finally:
        service.kill()


def test_a_snapshot_writer_stops_on_sigterm_although_its_service_handles_it_in_a_loop(tmp_path: Path):
    service, writer = _start_service_with_writer(tmp_path)
    try:
        _wait_until_default(writer, signal.SIGTERM)  # the child's first steps after the fork
        os.kill(writer, signal.SIGTERM)  # what stopping a service's process group sends to each process
        assert _gone(writer)
        assert service.poll() is None  # the service itself handles SIGTERM in its loop
    finally:
        service.kill()
        service.wait()
