"""Worker processes for a connector's CPU work (checking and encoding events), so it uses every core."""

from __future__ import annotations

import asyncio
import gc
import os
import pickle
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Sequence

from hub.codec import AvroCodec, SchemaRegistry
from hub.domain.catalog import Catalog
from hub.heap import THROUGHPUT_THRESHOLDS
from hub.process import die_with_parent

_WORKER: dict[str, Any] = {}  # in each worker process: its codec and the latest catalog it was sent


@dataclass(frozen=True)
class WorkContext:
    """What a task needs besides its items: the codec and the catalog of passports and books."""

    codec: AvroCodec
    catalog: Catalog


@dataclass(frozen=True)
class CatalogSnapshot:
    """A catalog as bytes, named by its owner and revision so a worker unpickles each revision once."""

    key: tuple[int, int]
    blob: bytes


def _start_worker(schemas_dir: Path, released_dir: Path, parent_pid: int) -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C or a service manager may signal the whole group:
        signal.signal(signum, signal.SIG_IGN)       # the connector finishes its batch, then stops its workers
    die_with_parent(parent_pid)  # no orphan keeps running or holds the connector's output open
    _WORKER["codec"] = AvroCodec(SchemaRegistry.from_dirs(schemas_dir, released_dir))
    # A task allocates thousands of short-lived, acyclic dicts: collect seldom, and never scan the schemas.
    gc.freeze()
    gc.set_threshold(*THROUGHPUT_THRESHOLDS)


def _ready() -> bool:
    time.sleep(0.05)  # long enough that the next call goes to another, newly started worker
    return "codec" in _WORKER


def _run_in_worker(task: Callable, items: list, snapshot: CatalogSnapshot, args: tuple) -> list:
    known = _WORKER.get("catalog")
    if known is None or known[0] != snapshot.key:
        passports, entries = pickle.loads(snapshot.blob)
        _WORKER["catalog"] = known = (snapshot.key, Catalog(passports, entries, snapshot.key[1]))
    return task(items, WorkContext(_WORKER["codec"], known[1]), *args)


def split(items: Sequence, parts: int) -> list[list]:
    """Return items cut into at most `parts` contiguous lists of near-equal length, in order."""
    size = -(-len(items) // max(parts, 1))
    return [list(items[start:start + size]) for start in range(0, len(items), size)] if items else []


class WorkerPool:
    """Runs a task over a list of items, cut among worker processes (or in this process when `workers` is 0).

    Workers are spawned, not forked, so they inherit nothing of the event loop or open connections;
    each gets the catalog with its task whenever the catalog changed since the last one.
    """

    def __init__(self, codec: AvroCodec, schemas_dirs: tuple[Path, Path], workers: int):
        """Start `workers` processes that read the schemas of `schemas_dirs` (current, released)."""
        self.codec, self.workers = codec, workers
        self._executor = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_start_worker,
                                             initargs=(*schemas_dirs, os.getpid())) if workers > 0 else None
        self._snapshot: tuple[tuple[int, int], CatalogSnapshot] | None = None

    async def run(self, task: Callable[..., list], items: Sequence, catalog: Catalog, *args: Any) -> list:
        """Return task(part, context, *args) concatenated over the parts of items, in order.

        The task must be a module-level function (workers import it) and return one result per item.
        """
        if self._executor is None or len(items) < 2:
            return task(list(items), WorkContext(self.codec, catalog), *args)
        snapshot = self._snapshot_of(catalog)
        loop = asyncio.get_running_loop()
        parts = await asyncio.gather(*(loop.run_in_executor(self._executor, _run_in_worker, task, part, snapshot, args)
                                       for part in split(items, self.workers)))
        return [result for part in parts for result in part]

    async def start(self) -> None:
        """Start every worker now (spawning and reading the schemas take a second), not on the first task."""
        if self._executor is not None:
            loop = asyncio.get_running_loop()
            await asyncio.gather(*(loop.run_in_executor(self._executor, _ready) for _ in range(self.workers)))

    def _snapshot_of(self, catalog: Catalog) -> CatalogSnapshot:
        key = (id(catalog), catalog.revision)
        if self._snapshot is None or self._snapshot[0] != key:
            blob = pickle.dumps((catalog.passports, catalog.entries), protocol=pickle.HIGHEST_PROTOCOL)
            self._snapshot = (key, CatalogSnapshot(key, blob))
        return self._snapshot[1]

    def close(self) -> None:
        """Stop the workers."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
