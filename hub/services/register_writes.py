"""Writes each partition's change log and register records in message order, many messages at a time.

The processor hands over what each input message wrote and goes on to the next one. A writer
per partition sends, in rounds, the change-log entries of every message handed over since its
last round, waits until the broker has acknowledged them, then sends those messages' register
records and waits for those too: the change log is always durable before the register (once a
state is in the register, a replay of its event is a duplicate and would not log it again). A
message's future is done when both are acknowledged. While the broker acknowledges one round,
the next round gathers, so a busy partition sends few large batches.
"""

from __future__ import annotations

import asyncio
from typing import Callable

from hub.services.outputs import Outputs

Items = list[tuple[bytes, "bytes | None"]]
StoreFn = Callable[[int, Items, int], None]  # partition, records, offset of the first


class PartitionWriter:
    """Sends the change log, then the register records, of one partition's messages in rounds."""

    def __init__(self, outputs: Outputs, partition: int, store: StoreFn) -> None:
        """Write through outputs; `store(partition, records, base_offset)` hears of each acknowledged
        register batch (before the futures of its messages are done)."""
        self.outputs, self.partition, self.store = outputs, partition, store
        self._changes: Items = []
        self._register: Items = []
        self._waiting: list[asyncio.Future] = []
        self._round: asyncio.Task | None = None

    def submit(self, changes: Items, register: Items) -> asyncio.Future:
        """Queue one message's change-log entries and register records; return a future done once both
        are acknowledged (and the records stored)."""
        written = asyncio.get_running_loop().create_future()
        self._changes += changes
        self._register += register
        self._waiting.append(written)
        if self._round is None:
            self._round = asyncio.ensure_future(self._rounds())
        return written

    async def _rounds(self) -> None:
        while self._waiting:
            changes, register, waiting = self._changes, self._register, self._waiting
            self._changes, self._register, self._waiting = [], [], []
            try:
                await self._write(changes, register)
            except asyncio.CancelledError:  # stopping: what was not written is read again after a restart
                for written in waiting:
                    written.cancel()
                raise
            except Exception as exc:  # the failed send also crashes the app (Outputs.on_failure)
                for written in waiting:
                    written.set_exception(exc)
            else:
                for written in waiting:
                    written.set_result(None)
        self._round = None

    async def _write(self, changes: Items, register: Items) -> None:
        if changes:
            await asyncio.gather(*await self.outputs.changes(self.partition, changes))
        if register:
            batches = await self.outputs.register(self.partition, register)
            for future, records in batches:
                future.add_done_callback(self._stored(records))
            await asyncio.gather(*(future for future, _ in batches))

    def _stored(self, records: Items) -> Callable[[asyncio.Future], None]:
        def store(future: asyncio.Future) -> None:
            if not future.cancelled() and future.exception() is None:
                metadata = future.result()
                self.store(self.partition, records, metadata.offset if metadata is not None else -1)
        return store
