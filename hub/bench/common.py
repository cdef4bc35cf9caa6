"""What benchmarks share: a real broker, fresh topics, a `hub run` worker, its metrics and memory."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterable, Iterator, TypeVar

from aiokafka import TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from hub.kafka.admin import delete_topics, provision
from hub.kafka.connection import make_consumer
from hub.kafka.local_broker import LocalCluster, free_port
from hub.kafka.topics import all_topics
from hub.services.refdata import load_reference_data
from hub.settings import HubSettings


@dataclass(frozen=True)
class BenchCluster:
    """How a benchmark reaches its broker: over TLS + SCRAM as the operator, and over the plaintext listener
    kept for the benchmarks' baseline alone (None on a given cluster)."""

    secure: dict[str, Any]
    plain: dict[str, Any] | None


@contextlib.contextmanager
def broker(settings: HubSettings, quick_jit: bool = True) -> Iterator[BenchCluster]:
    """Yield the cluster KAFKA_CLIENT_PROPERTIES reaches (as a super user) when set, else a local one-node
    broker with a plaintext listener beside its secured one, so the cost of TLS is measured in the same run
    (with the JVM's quick compiler alone unless told)."""
    given = os.environ.get("KAFKA_CLIENT_PROPERTIES")
    if given:
        yield BenchCluster({"kafka_client_properties": Path(given)}, None)
        return
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as folder:
        cluster = LocalCluster(Path(folder), settings.cache_dir, nodes=1, heap_mb=2048, plaintext_listener=True,
                               quick_jit=quick_jit)
        state = cluster.start()
        try:
            yield BenchCluster({"kafka_client_properties": Path(state.admin_properties)},
                               {"kafka_bootstrap_servers": state.plain_bootstrap_servers,
                                "kafka_security_protocol": "PLAINTEXT"})
        finally:
            cluster.stop()


def fresh_settings(connection: dict[str, Any], name: str, partitions: int, data_dir: Path) -> HubSettings:
    """Return settings with topics, group and metrics port of their own, provisioned with reference data."""
    run_id = f"{name}{uuid.uuid4().hex[:6]}"
    settings = HubSettings(**connection, topic_prefix=f"bench-{run_id}",
                           partitions=partitions, app_id=f"bench-{run_id}", data_dir=data_dir / run_id,
                           metrics_port=free_port(), log_level=os.environ.get("HUB_BENCH_LOG_LEVEL", "WARNING"))
    asyncio.run(provision(settings, all_topics()))
    asyncio.run(load_reference_data(settings, settings.refdata_dir))
    return settings


def drop_topics(settings: HubSettings) -> None:
    """Delete a benchmark's topics."""
    asyncio.run(delete_topics(settings, [s.name(settings) for s in all_topics()]))


T = TypeVar("T")


async def paced(items: Iterable[T], per_s: float) -> AsyncIterator[T]:
    """Yield items at per_s a second from the first (one that comes late is yielded at once, so the rate
    over the whole run holds)."""
    started = time.perf_counter()
    for n, item in enumerate(items):
        delay = started + n / per_s - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        yield item


def process_cpu_s(pid: int) -> float:
    """Return the CPU time (user and system) a process has used, in seconds (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_env(settings: HubSettings) -> dict[str, str]:
    """Return this process's environment with its HUB_ settings replaced by the given settings'."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("HUB_")}, **settings.as_env()}


class WorkerProcess:
    """A worker process (`hub run` or the naive baseline) whose metrics and memory can be read."""

    def __init__(self, settings: HubSettings, log_path: Path, extra_env: dict[str, str] | None = None,
                 profile: Path | None = None, module: str = "hub", service: str = "aggregator"):
        """Start the worker (`python -m hub run --service SERVICE`, or another module; under cProfile,
        writing to `profile`, when given)."""
        env = {**worker_env(settings), **(extra_env or {})}
        self.settings, self.started_s, self.log_path = settings, time.monotonic(), log_path
        command = [sys.executable, "-m", module] + (["run", "--service", service] if module == "hub" else [])
        if profile is not None:
            command[1:1] = ["-m", "cProfile", "-o", str(profile)]
        self.proc = subprocess.Popen(command, env=env, stdout=open(log_path, "ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def metrics(self) -> dict[str, float]:
        """Return the worker's metrics, each family summed over its labels ({} while not serving)."""
        url = f"http://{self.settings.metrics_host}:{self.settings.metrics_port}/metrics"
        try:
            text = urllib.request.urlopen(url, timeout=2).read().decode()
        except OSError:
            return {}
        sums: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                sums[sample.name] = sums.get(sample.name, 0.0) + sample.value
        return sums

    def wait_for(self, condition: Callable[[dict[str, float]], bool], timeout_s: float,
                 poll_s: float = 0.1) -> float:
        """Wait until condition(metrics) holds; return the monotonic time it was seen."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the worker exited with {self.proc.returncode}")
            if condition(self.metrics()):
                return time.monotonic()
            time.sleep(poll_s)
        raise TimeoutError(f"condition not met in {timeout_s} s; last metrics {self.metrics()}")

    def cpu_s(self) -> float:
        """Return the CPU time (user and system) the worker has used, in seconds."""
        return process_cpu_s(self.proc.pid)

    def rss_mb(self) -> float:
        """Return the worker's resident memory in MB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self, kill: bool = False) -> None:
        """Stop the worker (SIGKILL when kill)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


async def raw_consume_per_s(settings: HubSettings, topics: list[str], expect: int) -> float:
    """Return messages per second an aiokafka consumer reads from the start of topics (no decoding)."""
    consumer = make_consumer(settings, enable_auto_commit=False, max_partition_fetch_bytes=4 * 1024 * 1024)
    await consumer.start()
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in range(settings.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        read, started = 0, time.monotonic()
        while read < expect:
            for records in (await consumer.getmany(timeout_ms=1000, max_records=10_000)).values():
                read += len(records)
        return read / (time.monotonic() - started)
    finally:
        await consumer.stop()


class StealMeter:
    """The share of this machine's CPU time the hypervisor gave to others (steal) while it runs, from
    /proc/stat: a benchmark reports it beside its figures, since a shared machine's is not constant."""

    def __init__(self) -> None:
        """Start measuring now."""
        self._start = self._ticks()

    @staticmethod
    def _ticks() -> tuple[int, int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return fields[7] if len(fields) > 7 else 0, fields[3] + fields[4], sum(fields)

    def share(self) -> float:
        """Return the steal share of all CPU time since the start, in [0, 1]."""
        steal, _, total = (now - then for now, then in zip(self._ticks(), self._start))
        return round(steal / total, 3) if total else 0.0

    def busy_share(self) -> float:
        """Return the share of all CPU time since the start that was not idle (nor waiting for disk), in [0, 1]."""
        _, idle, total = (now - then for now, then in zip(self._ticks(), self._start))
        return round(1 - idle / total, 3) if total else 0.0

