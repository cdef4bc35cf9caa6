"""Benchmark of scaling out on three brokers: aggregators 1 vs 2, and the time back to no lag after a fault."""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

from hub.bench.aggregator import batch_messages, simulated_events, worker_rate
from hub.bench.common import StealMeter, WorkerProcess, drop_topics, fresh_settings, paced, process_cpu_s
from hub.kafka.admin import admin_client
from hub.kafka.local_broker import LocalCluster, free_port
from hub.kafka.producer import make_producer, publish_placed
from hub.kafka.topics import EVENTS, regroup_group
from hub.settings import HubSettings

POLL_S = 0.5
CAUGHT_UP_BEHIND_S = 2.0  # caught up: the group has committed all that was produced this long before


def three_brokers(work_dir: Path) -> tuple[LocalCluster, dict[str, Any]]:
    """Start three local brokers; return the cluster and the operator's connection."""
    # The optimising JIT too: a broker on the quick compiler alone spends more CPU on each request.
    cluster = LocalCluster(work_dir / "brokers", HubSettings().cache_dir, nodes=3, heap_mb=384, quick_jit=False)
    state = cluster.start()
    return cluster, {"kafka_client_properties": Path(state.admin_properties), "replication_factor": 3,
                     "min_insync_replicas": 2}


def workers(settings: HubSettings, work_dir: Path, count: int, name: str) -> list[WorkerProcess]:
    """Start `count` aggregators of one group, each with its own metrics port and data folder."""
    return [WorkerProcess(settings.model_copy(update={"metrics_port": free_port(),
                                                      "data_dir": settings.data_dir / f"{name}-{n}"}),
                          work_dir / f"{name}-{n}.log") for n in range(count)]


class Total:
    """The sum of a metric over several workers, read as one worker (for worker_rate)."""

    def __init__(self, processes: list[WorkerProcess]):
        """Sum over these workers."""
        self.processes = processes

    def metrics(self) -> dict[str, float]:
        """Return each metric summed over the workers."""
        sums: Counter = Counter()
        for process in self.processes:
            sums.update(process.metrics())
        return dict(sums)

    def wait_for(self, condition: Callable[[dict[str, float]], bool], timeout_s: float, poll_s: float = 0.1) -> float:
        """Wait until condition(summed metrics) holds; return when it did."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition(self.metrics()):
                return time.monotonic()
            time.sleep(poll_s)
        raise TimeoutError(f"not met in {timeout_s} s: {self.metrics()}")

    def cpu_s(self) -> float:
        """Return the CPU time of all the workers."""
        return sum(process.cpu_s() for process in self.processes)


def aggregator_rate(connection: dict[str, Any], work_dir: Path, count: int, events: list[dict], codec,
                    brokers: list[int]) -> tuple[float, float, float, float]:
    """Return events/s that `count` settled aggregators apply together, the CPU seconds the workers and the
    brokers (these pids) used from the publishing to the last event, and the machine's busy share meanwhile."""
    settings = fresh_settings(connection, f"scale{count}", 6, work_dir)
    started = workers(settings, work_dir, count, f"rate{count}")
    try:
        # Published once the group is settled: a worker joining mid-run would measure a rebalance, not a rate.
        asyncio.run(wait_for_stable_group(settings, settings.app_id, count))
        brokers_cpu_s, workers_cpu_s = sum(process_cpu_s(pid) for pid in brokers), Total(started).cpu_s()
        machine = StealMeter()
        asyncio.run(publish_placed(settings, batch_messages(settings, codec, events, 500)))
        rate, _, _ = worker_rate(Total(started), len(events), timeout_s=900)
        return (rate, Total(started).cpu_s() - workers_cpu_s,
                sum(process_cpu_s(pid) for pid in brokers) - brokers_cpu_s, machine.busy_share())
    finally:
        for process in started:
            process.stop()
        drop_topics(settings)


def one_two_one(connection: dict[str, Any], work_dir: Path, events: list[dict], codec, brokers: list[int],
                progress) -> dict[str, Any]:
    """Measure one aggregator, two, then one again (so that a drift, the brokers' JIT still warming or a
    neighbour's load, weighs on both sides); return each leg's figures and aggregator_2_vs_1 against the
    mean of the two single legs."""
    figures: dict[str, Any] = {}
    singles = []
    for leg, count in enumerate((1, 2, 1)):
        progress(f"{len(events)} events through {count} aggregator(s)")
        rate, workers_cpu_s, brokers_cpu_s, busy = aggregator_rate(connection, work_dir, count, events, codec, brokers)
        name = f"aggregator_{count}" if leg < 2 else "aggregator_1_again"
        figures.update({f"{name}_events_per_s": round(rate), f"{name}_workers_cpu_s": round(workers_cpu_s, 1),
                        f"{name}_brokers_cpu_s": round(brokers_cpu_s, 1), f"{name}_machine_busy_share": busy})
        if count == 1:
            singles.append(rate)
    figures["aggregator_2_vs_1"] = round(figures["aggregator_2_events_per_s"] / max(sum(singles) / 2, 1), 2)
    return figures


async def wait_for_stable_group(settings: HubSettings, group_id: str, members: int, timeout_s: float = 300.0,
                                settled_s: float = 5.0) -> None:
    """Wait until a consumer group has been Stable with `members` members for `settled_s` seconds."""
    admin = admin_client(settings)
    await admin.start()
    try:
        deadline, stable_since = time.monotonic() + timeout_s, None
        while time.monotonic() < deadline:
            try:
                (response,) = await admin.describe_consumer_groups([group_id])
            except KafkaError as exc:
                if not exc.retriable:  # the coordinator is still being elected, say
                    raise
                await asyncio.sleep(POLL_S)
                continue
            _, _, state, _, _, found, *_ = response.groups[0]
            if state == "Stable" and len(found) == members:
                stable_since = stable_since or time.monotonic()
                if time.monotonic() - stable_since >= settled_s:
                    return
            else:
                stable_since = None
            await asyncio.sleep(POLL_S)
        raise TimeoutError(f"group {group_id} not stable with {members} members in {timeout_s} s")
    finally:
        await admin.close()


class Stream:
    """Publishes batches of events at a steady rate in a thread, remembering when each was acknowledged."""

    def __init__(self, settings: HubSettings, messages: list, per_s: float):
        """Send `messages` at `per_s` a second."""
        self.settings, self.messages, self.per_s = settings, messages, per_s
        self.acked: list[tuple[float, TopicPartition, int]] = []  # (when, partition, offset + 1)
        self.restarts = 0  # workers that exited by themselves meanwhile, started again
        self.thread = threading.Thread(target=lambda: asyncio.run(self._send()), daemon=True)

    async def _send(self) -> None:
        producer = make_producer(self.settings, linger_ms=5)
        await producer.start()
        try:
            async for topic, partition, key, value in paced(self.messages, self.per_s):
                future = await producer.send(topic, value, key=key, partition=partition)
                future.add_done_callback(self._acknowledged)
            await producer.flush()
        finally:
            await producer.stop()

    def _acknowledged(self, future) -> None:
        if not future.cancelled() and future.exception() is None:
            meta = future.result()
            self.acked.append((time.monotonic(), TopicPartition(meta.topic, meta.partition), meta.offset + 1))

    def produced_before(self, moment_s: float) -> dict[TopicPartition, int]:
        """Return the end offset of each partition's acknowledged messages before a moment."""
        ends: dict[TopicPartition, int] = {}
        for at_s, tp, end in list(self.acked):
            if at_s <= moment_s and end > ends.get(tp, 0):
                ends[tp] = end
        return ends


async def committed(settings: HubSettings) -> dict[TopicPartition, int]:
    """Return the aggregators' committed offset of each events partition: their regrouping stage's, which
    commits once the runs carrying the events are written (so it times the carrying, not the application)."""
    admin = admin_client(settings)
    await admin.start()
    try:
        found = await admin.list_consumer_group_offsets(regroup_group(settings))
        return {tp: meta.offset for tp, meta in found.items() if meta is not None and meta.offset >= 0}
    finally:
        await admin.close()


def time_to_catch_up(settings: HubSettings, stream: Stream, fault_s: float, supervised: list[WorkerProcess],
                     timeout_s: float = 300.0) -> float | None:
    """Return the seconds from a fault until the group has committed all the stream produced up to
    CAUGHT_UP_BEHIND_S before (polled every POLL_S), starting again any worker that exits, as ./deploy/up
    does; None when it does not catch up within timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        for n, process in enumerate(supervised):
            if process.proc.poll() is not None:
                supervised[n] = WorkerProcess(process.settings, Path(process.log_path))
                stream.restarts += 1
        now_s = time.monotonic()
        wanted = stream.produced_before(now_s - CAUGHT_UP_BEHIND_S)
        try:
            have = asyncio.run(committed(settings))
        except KafkaError as exc:
            if not exc.retriable:  # the group's coordinator was on the broker lost, say
                raise
            continue
        if now_s - CAUGHT_UP_BEHIND_S > fault_s and all(have.get(tp, 0) >= end for tp, end in wanted.items()):
            return round(now_s - fault_s, 1)
    return None


async def busiest_leader(settings: HubSettings, topics: list[str]) -> int:
    """Return the broker that leads the most partitions of these topics."""
    admin = admin_client(settings)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
        leaders = Counter(partition["leader"] for topic in described for partition in topic["partitions"])
        return leaders.most_common(1)[0][0]
    finally:
        await admin.close()


def fault_recovery(cluster: LocalCluster, connection: dict[str, Any], work_dir: Path, events: list[dict],
                   codec, per_s: float, progress) -> dict[str, float]:
    """Run two aggregators under a steady stream; kill the busiest broker (started again 10 s later), then
    an aggregator (started again at once); return the seconds from each fault to no lag."""
    settings = fresh_settings(connection, "fault", 6, work_dir)
    messages = batch_messages(settings, codec, events, 50)
    stream = Stream(settings, messages, per_s)
    started = workers(settings, work_dir, 2, "fault")
    figures: dict[str, float] = {}
    try:
        for process in started:
            process.wait_for(bool, 300)
        stream.thread.start()
        time.sleep(15)
        leader = asyncio.run(busiest_leader(settings, EVENTS.names(settings)))
        progress(f"killing broker {leader}")
        fault_s = time.monotonic()
        cluster.kill_node(leader)
        time.sleep(10)
        cluster.restart_node(leader)
        figures["recovery_after_broker_loss_s"] = time_to_catch_up(settings, stream, fault_s, started)
        progress("killing an aggregator")
        fault_s = time.monotonic()
        started[0].stop(kill=True)
        started[0] = WorkerProcess(started[0].settings, work_dir / "fault-0.log")
        figures["recovery_after_worker_loss_s"] = time_to_catch_up(settings, stream, fault_s, started)
        figures["workers_exited_and_restarted"] = stream.restarts
        figures["stream_events_per_s"] = round(per_s * 50)
    finally:
        for process in started:
            process.stop()
        drop_topics(settings)
    return figures


def run(events: int, per_s: float, fault_s: float, seed: int, work_dir: Path | None = None,
        progress=print, matchers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the scale benchmark on three local brokers and return its figures (with `matchers`, the options of
    the matchers' half: persons, things, rate, seconds)."""
    from hub.bench.scale_matchers import matcher_scaling
    from hub.services.refdata import codec_for

    work_dir = work_dir or Path(tempfile.mkdtemp(prefix="hub-bench-scale-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    codec = codec_for(HubSettings())
    stream = simulated_events(events, seed)
    cluster, connection = three_brokers(work_dir)
    result: dict[str, Any] = {"events": events, "brokers": 3, "cores": os.cpu_count()}
    try:
        progress(f"warming the brokers' JIT up: {events} events through one aggregator, not counted")
        result["warmup_events_per_s"] = round(aggregator_rate(connection, work_dir, 1, stream, codec, [])[0])
        result.update(one_two_one(connection, work_dir, stream, codec, [n.pid for n in cluster.state.nodes if n.pid],
                                  progress))
        steady = simulated_events(int(per_s * 50 * fault_s), seed + 1)
        result.update(fault_recovery(cluster, connection, work_dir, steady, codec, per_s, progress))
        if matchers:
            result.update(matcher_scaling(connection, work_dir, codec, seed=seed, progress=progress, **matchers))
    finally:
        cluster.stop()
    return result
