"""The fault test of scaling out: three brokers, two aggregators, two matchers and a webhook sink under a seeded
stream of 100,000+ events and 5,000 checks, while brokers, workers and group members come and go.

How we know nothing was lost or applied twice: the test's own model (tests/integration/fault_model.py, which
imports none of the hub's rules) gives every record's version, status and document, every check's answer and
every notification a check must bring. At the end the register equals the model; every check id has one
answer on the results (duplicates, if any, equal to it); the sink delivered every expected notification, keyed
by its id; each delayed hit is on the notifications topics once; the groups have no lag.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from pathlib import Path

from hub.bench.aggregator import batch_messages, single_messages
from hub.bench.scale import Stream, busiest_leader
from hub.kafka.admin import provision
from hub.kafka.local_broker import LocalCluster
from hub.kafka.producer import publish_placed
from hub.kafka.reader import read_to_end
from hub.kafka.topics import (
    CHECK_REQUESTS,
    CHECK_RESULTS,
    EVENTS,
    NOTIFICATIONS,
    REGISTER,
    REGROUPED,
    REJECTED,
    all_topics,
    regroup_group,
)
from hub.services.refdata import load_reference_data
from hub.settings import HubSettings
from tests.integration.cluster_faults import (
    CheckSender,
    Receiver,
    Supervisor,
    group_lag,
    log_tails,
    start_sink,
    wait_until,
)
from tests.integration.fault_model import (
    CONVICTED_BY,
    LOW_REQUESTER,
    REQUESTER,
    WANTED_BY,
    expected_notices,
    expected_register,
    plan,
)
from tests.integration.helpers import Worker

SEED = 577
EVENTS_SENT = 100_000
BATCHES_PER_S = 40.0  # of 50 events: the stream lasts about 50 s
CHECKS_PER_S = 110.0


def interleaved(messages: list) -> list:
    """Return batch messages taking turns between partitions, each partition's kept in order."""
    queues: dict = defaultdict(list)
    for message in messages:
        queues[(message[0], message[1])].append(message)
    out, queues_left = [], [list(reversed(q)) for q in queues.values()]
    while queues_left:
        out += [queue.pop() for queue in queues_left]
        queues_left = [queue for queue in queues_left if queue]
    return out


def latest_register(settings: HubSettings, codec) -> dict[str, dict]:
    """Return the register topic's latest state of each record."""
    latest = {}
    for record in asyncio.run(read_to_end(settings, REGISTER.name(settings))):
        if record.value is not None:
            latest[record.key.decode()] = codec.decode(record.value, expect="RegisterRecord").value
    return latest


def answers_by_check(settings: HubSettings, codec) -> dict[str, list[dict]]:
    """Return every answer on the requesters' results topic, by check id (duplicates kept)."""
    found: dict[str, list[dict]] = defaultdict(list)
    for record in asyncio.run(read_to_end(settings, CHECK_RESULTS.name(settings, "KZ-71"))):
        result = codec.decode(record.value, expect="CheckResult").value
        found[result["check_id"]].append(result)
    return found


def delayed_hit_messages(settings: HubSettings, codec) -> dict[str, int]:
    """Count the DELAYED_HIT messages on the notifications topics by notification id (duplicates counted)."""
    found: dict[str, int] = defaultdict(int)
    for topic in NOTIFICATIONS.names(settings):
        for record in asyncio.run(read_to_end(settings, topic)):
            notice = codec.decode(record.value, expect="Notification").value
            if notice["kind"] == "DELAYED_HIT":
                found[notice["notification_id"]] += 1
    return found


def test_three_brokers_and_two_of_each_service_lose_nothing_through_faults(codec, tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path / "brokers", HubSettings().cache_dir, nodes=3, heap_mb=384)
    state = cluster.start()
    run = uuid.uuid4().hex[:8]
    settings = HubSettings(kafka_client_properties=Path(state.admin_properties), replication_factor=3,
                           min_insync_replicas=2, topic_prefix=f"f{run}", partitions=4, app_id=f"hub-fault-{run}",
                           data_dir=tmp_path / "data", metrics_port=0, matcher_build_processes=0,
                           partition_stall_restart_s=30)
    logs = tmp_path / "logs"
    logs.mkdir()
    inputs = plan(SEED, EVENTS_SENT, hits=2000, restricted=500, possible=1000, delayed=500, strangers=1000)
    receiver = Receiver()
    workers = Supervisor()

    def worker(name: str, service: str):
        own = settings.model_copy(update={"data_dir": settings.data_dir / name})
        return lambda: Worker(own, logs / f"{name}.log", service=service)

    try:
        asyncio.run(provision(settings, all_topics()))
        asyncio.run(load_reference_data(settings, settings.refdata_dir))
        for name, service in (("aggregator-1", "aggregator"), ("aggregator-2", "aggregator"),
                              ("matcher-1", "matcher"), ("matcher-2", "matcher")):
            workers.start(name, worker(name, service))
        subscriptions = receiver.subscriptions([REQUESTER, LOW_REQUESTER, WANTED_BY, CONVICTED_BY],
                                               tmp_path / "webhooks.yaml")
        workers.start("sink", lambda: start_sink(settings, subscriptions, logs / "sink.log"))

        # The persons the checks look for, enrolled one event per message before the checks.
        now_ms = int(time.time() * 1000)
        asyncio.run(publish_placed(settings, single_messages(settings, codec, [t.enrolment(now_ms) for t in inputs.settled])))
        settled_ids = {t.record_id for t in inputs.settled}
        assert wait_until(lambda: settled_ids <= set(latest_register(settings, codec)), 180, workers.tend, 2), \
            log_tails(logs)

        stream = Stream(settings, interleaved(batch_messages(settings, codec, inputs.events, 50)), BATCHES_PER_S)
        checks = CheckSender(settings, codec, inputs.checks, CHECKS_PER_S)
        stream.thread.start()
        checks.thread.start()
        started_s = time.monotonic()

        def at(moment_s: float) -> None:
            wait_until(lambda: time.monotonic() - started_s >= moment_s, 600, workers.tend, 0.5)

        at(6)
        leader = asyncio.run(busiest_leader(settings, EVENTS.names(settings)))
        cluster.kill_node(leader)
        at(12)
        cluster.restart_node(leader)
        at(18)
        workers.kill("aggregator-1")
        at(22)
        workers.start("aggregator-3", worker("aggregator-3", "aggregator"))
        at(28)
        controller = cluster.active_controller()
        cluster.kill_node(controller)
        at(34)
        cluster.restart_node(controller)
        at(38)
        workers.kill("matcher-1")
        at(46)
        workers.retire("aggregator-3")
        wait_until(lambda: not stream.thread.is_alive() and not checks.thread.is_alive(), 300, workers.tend)
        assert checks.sent == len(inputs.checks) and len(stream.acked) == len(stream.messages)
        assert workers.restarts["aggregator-1"] >= 1 and workers.restarts["matcher-1"] >= 1  # the kills took

        # Every check answered; then the persons checked for too early are enrolled: delayed hits.
        check_ids = {c.check_id for c in inputs.checks}
        assert wait_until(lambda: check_ids <= set(answers_by_check(settings, codec)), 300, workers.tend, 3), \
            log_tails(logs)
        now_ms = int(time.time() * 1000)
        asyncio.run(publish_placed(settings, single_messages(settings, codec, [t.enrolment(now_ms) for t in inputs.delayed])))

        requests = CHECK_REQUESTS.names(settings)
        events = EVENTS.names(settings)
        assert wait_until(lambda: asyncio.run(group_lag(settings, regroup_group(settings), events)) == 0 and
                          asyncio.run(group_lag(settings, settings.app_id, [REGROUPED.name(settings)])) == 0 and
                          asyncio.run(group_lag(settings, f"{settings.app_id}-matcher", requests)) == 0,
                          300, workers.tend, 3), log_tails(logs)
        answers = answers_by_check(settings, codec)
        expected = set().union(*(expected_notices(c, answers[c.check_id][0]) for c in inputs.checks))
        assert wait_until(lambda: receiver.notices(check_ids) >= expected, 300, workers.tend, 3), \
            (sorted(expected - receiver.notices(check_ids))[:10], log_tails(logs))

        # The register equals the model's.
        model = expected_register(inputs.events, inputs.invalid_ids)
        model.update({t.record_id: (1, "LIVE", t.document) for t in inputs.settled + inputs.delayed})
        register = latest_register(settings, codec)
        assert set(register) == set(model)
        wrong = [rid for rid, (version, status, document) in model.items()
                 if (register[rid]["version"], register[rid]["status"]) != (version, status)
                 or (document is not None and any(register[rid]["document"].get(k) != v for k, v in document.items()))]
        assert not wrong, [(rid, model[rid][:2], register[rid]["version"], register[rid]["status"]) for rid in wrong[:5]]
        refused = {r.value and codec.decode(r.value, expect="Rejection").value["event_id"]
                   for r in asyncio.run(read_to_end(settings, REJECTED.name(settings)))}
        assert inputs.invalid_ids <= refused

        # One answer per check id (duplicates equal), each as the rules say.
        for check in inputs.checks:
            found = answers[check.check_id]
            first = found[0]
            # A replay's scores follow the register's name frequencies, which move between the two answers.
            same = lambda answer: (answer["outcome"], [(h["record_id"], h["level"]) for h in answer["hits"]])  # noqa: E731
            assert all(same(a) == same(first) for a in found), found
            ids = [hit["record_id"] for hit in first["hits"]]
            if check.kind == "HIT":
                assert (first["outcome"], ids) == ("HIT", [check.target.record_id]), (check, first)
            elif check.kind == "RESTRICTED":
                assert first["outcome"] == "HIT" and check.target.record_id not in str(first["hits"]), (check, first)
            elif check.kind == "POSSIBLE":
                assert first["outcome"] in ("HIT", "POSSIBLE_HIT") and check.target.record_id in ids, (check, first)
            else:
                assert (first["outcome"], ids) == ("NO_HIT", []), (check, first)

        # Every expected notification delivered (keyed by id), nothing else about these checks; no delayed
        # hit sent twice.
        assert receiver.notices(check_ids) == expected
        delayed = delayed_hit_messages(settings, codec)
        assert len(delayed) == sum(c.kind == "DELAYED" for c in inputs.checks) and set(delayed.values()) == {1}, \
            {k: v for k, v in delayed.items() if v > 1}
    finally:
        workers.stop_all()
        receiver.stop()
        cluster.stop()
