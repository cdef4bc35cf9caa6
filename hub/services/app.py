"""The Faust application of the hub, built from the settings at the entry point."""

from __future__ import annotations

import logging
import os
import threading
from typing import Awaitable, Callable

import faust
from faust.worker import Worker

from hub.kafka.connection import faust_options
from hub.kafka.producer import compression_of
from hub.services.faust_internals import read_committed
from hub.settings import HubSettings

log = logging.getLogger(__name__)


def build_app(settings: HubSettings) -> faust.App:
    """Return a Faust app for the settings: at-least-once, read_committed, raw bytes, compacted changelogs."""
    app = faust.App(
        settings.app_id,
        **faust_options(settings),
        store=f"{settings.table_store}://",
        datadir=str(settings.data_dir),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        key_serializer="raw",
        value_serializer="raw",
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_s / 3),
        producer_acks=-1,
        producer_max_batch_size=1024 * 1024,
        producer_max_request_size=4 * 1024 * 1024,
        producer_linger=0.005,
        producer_compression_type=compression_of(settings),
        consumer_auto_offset_reset="earliest",
        broker_commit_every=1000,
        stream_processing_timeout=settings.stream_stall_timeout_s,
        broker_commit_livelock_soft_timeout=settings.stream_stall_timeout_s,
        broker_commit_interval=1.0,
        stream_buffer_maxsize=8192,
        web_enabled=False,
        processing_guarantee="at_least_once",
        table_cleanup_interval=3600.0,
    )
    read_committed(app)  # a regional system's aborted transactions are never applied
    return app


STOP_TIMEOUT_S = 60.0  # a stop taking longer hangs: the process ends so its supervisor starts it again
EXIT_STOP_HUNG = 70  # EX_SOFTWARE


def start_stop_watchdog(timeout_s: float, exit_process: Callable[[int], None] = os._exit) -> threading.Timer:
    """End the process with EXIT_STOP_HUNG unless it has ended within timeout_s (a daemon thread, so it never
    keeps a process that stopped in time)."""
    def hung() -> None:
        log.critical("the worker did not stop within %.0f s; ending the process", timeout_s)
        exit_process(EXIT_STOP_HUNG)
    watchdog = threading.Timer(timeout_s, hung)
    watchdog.daemon = True
    watchdog.start()
    return watchdog


class HubWorker(Worker):
    """Faust's worker, with the root logger at the chosen level instead of DEBUG, and a stop that cannot hang.

    Faust leaves the root logger at DEBUG and filters in the handler, so every debug call in
    aiokafka and Faust (several per message) builds a log record that is then thrown away. After a crash
    (an agent or timer raising), Faust's stop was seen to wait forever, so no supervisor restarted it.
    """

    early_tasks: tuple[Callable[[], Awaitable[None]], ...] = ()  # run from the worker's first start

    async def on_first_start(self) -> None:
        """Start the early tasks (a heartbeat, a watch over the start), then Faust's own first start: Faust
        runs the app's tasks only once its tables have recovered, too late for either."""
        for task in self.early_tasks:
            self.add_future(task())
        await super().on_first_start()

    async def stop(self) -> None:
        """Stop the worker; a stop that hangs ends the process after STOP_TIMEOUT_S."""
        start_stop_watchdog(STOP_TIMEOUT_S)
        await super().stop()

    def _setup_logging(self) -> None:
        super()._setup_logging()
        level = self.loglevel if isinstance(self.loglevel, int) else logging.getLevelName(str(self.loglevel).upper())
        logging.root.setLevel(level if isinstance(level, int) else logging.INFO)
