"""Match index snapshots on disk, without a broker: round trips, and every reason one is not used."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from hub.errors import SnapshotError
from hub.services.index_snapshot import (Snapshot, check_offsets, fork_writer, read_snapshot, remove_abandoned,
                                         write_snapshot, writer_finished)

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
