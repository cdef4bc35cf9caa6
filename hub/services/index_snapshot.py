"""Snapshots of the match index on local disk, so that a restart reads the register only from their offsets.

A snapshot file is a magic line, a JSON header line (format, topic, offsets per partition, when it was
taken, the body's length and CRC-32) and a `marshal` body of `MatchIndex.export()`. It is written to a
temporary file, synced and renamed, so a crash leaves the previous snapshot whole. It is written by a
forked child: the child has the index as it stood at the fork (copy-on-write), so checks are not paused.
"""

from __future__ import annotations

import contextlib
import gc
import json
import marshal
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from hub.errors import SnapshotError
from hub.process import fork_child

MAGIC = b"HUB-MATCH-INDEX\n"
FORMAT = 3  # 3: records by ordinal, keys and blocks in sorted arrays (2: the same with a liveness mask;
#             1: dicts of record ids)


@dataclass(frozen=True)
class Snapshot:
    """An index snapshot: the register offsets it reflects (next to read, per partition) and its plain data."""

    topic: str
    offsets: dict[int, int]
    taken_at_ms: int
    plain: tuple


def write_snapshot(path: Path, snapshot: Snapshot) -> int:
    """Write a snapshot atomically (temporary file, fsync, rename); return the bytes written."""
    body = marshal.dumps(snapshot.plain, 4)
    header = {"format": FORMAT, "topic": snapshot.topic, "taken_at_ms": snapshot.taken_at_ms,
              "offsets": {str(p): o for p, o in snapshot.offsets.items()}, "body_bytes": len(body),
              "body_crc32": zlib.crc32(body)}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # a writer of its own, should two overlap
    head = MAGIC + json.dumps(header).encode() + b"\n"
    with open(temporary, "wb") as file:
        file.write(head)
        file.write(body)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    return len(head) + len(body)


def read_snapshot(path: Path, topic: str, now_ms: int, max_age_ms: int) -> Snapshot | None:
    """Return the snapshot at path (None when there is none); raise SnapshotError when it is damaged, of
    another topic, or older than max_age_ms (tombstones newer than that may be gone from the topic)."""
    try:
        with open(path, "rb") as file:
            if file.readline() != MAGIC:
                raise SnapshotError(f"{path} is not a match index snapshot")
            header = json.loads(file.readline())
            body = file.read()
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"{path} cannot be read: {exc}") from exc
    if header.get("format") != FORMAT or header.get("topic") != topic:
        raise SnapshotError(f"{path} is of format {header.get('format')} and topic {header.get('topic')}, "
                            f"not {FORMAT} and {topic}")
    if len(body) != header["body_bytes"] or zlib.crc32(body) != header["body_crc32"]:
        raise SnapshotError(f"{path} is damaged: its body does not match its length and checksum")
    age_ms = now_ms - header["taken_at_ms"]
    if age_ms > max_age_ms:
        raise SnapshotError(f"{path} is {age_ms / 3_600_000:.1f} h old: removals purged since may no longer "
                            f"be on the topic")
    plain = _unmarshal(body)
    return Snapshot(topic, {int(p): o for p, o in header["offsets"].items()}, header["taken_at_ms"], plain)


def check_offsets(snapshot: Snapshot, ends: dict[int, int]) -> None:
    """Raise SnapshotError unless the snapshot has an offset for each partition, none past its end (a
    snapshot of a topic since deleted and made anew)."""
    if set(snapshot.offsets) != set(ends):
        raise SnapshotError(f"the snapshot has partitions {sorted(snapshot.offsets)}, the topic {sorted(ends)}")
    past = {p: o for p, o in snapshot.offsets.items() if o > ends[p]}
    if past:
        raise SnapshotError(f"the snapshot's offsets {past} are past the topic's end {ends}: the topic is new")


def remove_abandoned(path: Path) -> list[Path]:
    """Delete the temporary files of writers that are no longer running (killed while writing); return them."""
    removed = []
    for temporary in path.parent.glob(f"{path.name}.*.tmp"):
        pid = temporary.name[len(path.name) + 1:-len(".tmp")]
        if pid.isdigit() and not _running(int(pid)):
            temporary.unlink(missing_ok=True)
            removed.append(temporary)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _unmarshal(body: bytes) -> tuple:
    try:
        return marshal.loads(body)
    except (EOFError, ValueError, TypeError) as exc:
        raise SnapshotError(f"the snapshot's body cannot be read: {exc}") from exc


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the garbage collector while a snapshot is read and restored: its millions of new containers
    would otherwise set off collections that find nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def fork_writer(path: Path, take: Callable[[], Snapshot]) -> int:
    """Fork a child that takes the snapshot (in the child, so the parent does not pause for it), writes
    it and exits (0 when written, 1 when not); return its pid. A writer left behind would hold the
    parent's ports open: it dies with the parent."""
    return fork_child(lambda: write_snapshot(path, take()))


def writer_finished(pid: int) -> bool | None:
    """Tell whether a forked writer succeeded (True), failed (False) or is still writing (None)."""
    done, status = os.waitpid(pid, os.WNOHANG)
    if not done:
        return None
    return os.waitstatus_to_exitcode(status) == 0
