"""Topic provisioning: create every topic with its partitions, replication and cleanup policy."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from hub.errors import AccessError, BrokerError, ProvisioningError
from hub.kafka._protocol import NOT_LED_YET, partitions_not_led
from hub.kafka.connection import client_options
from hub.kafka.topics import TopicSpec
from hub.settings import HubSettings

TOPIC_ALREADY_EXISTS = 36
TOPIC_AUTHORIZATION_FAILED = 29
DYNAMIC_TOPIC_CONFIG = 1  # a config entry's source when the topic itself sets it
LEADER_POLL_S = 0.1  # how often provisioning looks whether new partitions have their leaders


@dataclass(frozen=True)
class ProvisionResult:
    """What provisioning did to one topic: created, unchanged or reconfigured."""

    topic: str
    action: str
    partitions: int
    config: dict[str, str]


def admin_client(settings: HubSettings) -> AIOKafkaAdminClient:
    """Return an (unstarted) admin client for the settings' cluster."""
    return AIOKafkaAdminClient(
        **client_options(settings),
        request_timeout_ms=int(settings.request_timeout_s * 1000),
    )


async def provision(settings: HubSettings, specs: list[TopicSpec]) -> list[ProvisionResult]:
    """Create missing topics and align the configuration of existing ones; safe to repeat."""
    admin = admin_client(settings)
    try:
        await admin.start()
        existing = await _partition_counts(admin, [s.name(settings) for s in specs])
        missing = [s for s in specs if s.name(settings) not in existing]
        created = await _create(admin, settings, missing)
        await _await_leaders(admin, [s.name(settings) for s in created], settings.request_timeout_s)
        results = [ProvisionResult(s.name(settings), "created", s.partition_count(settings),
                                   s.config(settings)) for s in created]
        created_names = {s.name(settings) for s in created}
        if len(created) < len(missing):  # created meanwhile by someone else: align those too
            existing = await _partition_counts(admin, [s.name(settings) for s in specs])
        for spec in specs:
            if spec.name(settings) in existing and spec.name(settings) not in created_names:
                results.append(await _align(admin, settings, spec, existing[spec.name(settings)]))
        return sorted(results, key=lambda r: r.topic)
    except KafkaError as exc:
        raise BrokerError(f"provisioning failed: {exc!r}") from exc
    finally:
        await admin.close()


async def partition_numbers(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, list[int]]:
    """Return the partition numbers of those of `names` that exist."""
    if not names:
        return {}
    described = await admin.describe_topics(sorted(set(names)))
    denied = sorted(t["topic"] for t in described if t["error_code"] == TOPIC_AUTHORIZATION_FAILED)
    if denied:
        raise AccessError(f"this principal may not use {', '.join(denied)} (the broker's ACLs refuse it)")
    return {t["topic"]: sorted(p["partition"] for p in t["partitions"])
            for t in described if t["error_code"] == 0}


async def _await_leaders(admin: AIOKafkaAdminClient, names: list[str], timeout_s: float) -> None:
    """Return once the leader of every partition of new topics answers for it, so that a producer writing at
    once meets no NotLeaderForPartition retry, a warning a new user reads as a fault: the brokers take a
    moment over a hundred new topics (the metadata names a leader before the leader has taken the lead)."""
    deadline_s = time.monotonic() + timeout_s
    while names:
        leaders: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        pending = set()
        for topic in await admin.describe_topics(sorted(names)):
            if _leaderless(topic):
                pending.add(topic["topic"])
                continue
            if topic["error_code"] != 0:
                continue  # another refusal (an ACL's) is not waited on: the writes will say it
            for p in topic["partitions"]:
                leaders[p["leader"]][topic["topic"]].append(p["partition"])
        pending |= {topic for topic, _ in await partitions_not_led(admin, leaders)}
        names = sorted(pending)
        if names and time.monotonic() >= deadline_s:
            raise ProvisioningError(f"{len(names)} topics created have partitions without a leader after "
                                    f"{timeout_s} s, e.g. {names[0]}: is every broker up?")
        if names:
            await asyncio.sleep(LEADER_POLL_S)


def _leaderless(topic: dict) -> bool:
    """Tell whether a described topic is not there yet or has a partition without a leader."""
    if topic["error_code"] in NOT_LED_YET:
        return True
    return topic["error_code"] == 0 and (not topic["partitions"] or any(p["leader"] < 0 for p in topic["partitions"]))


async def _partition_counts(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    return {name: len(numbers) for name, numbers in (await partition_numbers(admin, names)).items()}


async def _create(admin: AIOKafkaAdminClient, settings: HubSettings,
                  specs: list[TopicSpec]) -> list[TopicSpec]:
    if not specs:
        return []
    new_topics = [
        NewTopic(s.name(settings), s.partition_count(settings), settings.replication_factor,
                 topic_configs=s.config(settings))
        for s in specs
    ]
    try:
        response = await admin.create_topics(new_topics, timeout_ms=int(settings.request_timeout_s * 1000))
    except TopicAlreadyExistsError:
        return []
    created = []
    for name, code, *rest in response.topic_errors:
        if code == 0:
            created.append(next(s for s in specs if s.name(settings) == name))
        elif code != TOPIC_ALREADY_EXISTS:
            message = rest[0] if rest else ""
            raise ProvisioningError(f"cannot create {name}: error {code} {message}")
    return created


async def _align(admin: AIOKafkaAdminClient, settings: HubSettings, spec: TopicSpec,
                 partitions: int) -> ProvisionResult:
    name, wanted = spec.name(settings), spec.config(settings)
    if partitions != spec.partition_count(settings):
        raise ProvisioningError(
            f"{name} has {partitions} partitions, its definition {spec.partition_count(settings)}; "
            "changing the partitions of a keyed topic breaks ordering, so do it by migration"
        )
    actual = await topic_config(admin, name, list(wanted))
    if all(actual.get(k) == v for k, v in wanted.items()):
        return ProvisionResult(name, "unchanged", partitions, actual)
    # AlterConfigs replaces a topic's whole set of overrides: those an operator set besides the hub's are sent
    # back as they are, or they would be reset to the broker's defaults.
    overrides = await topic_overrides(admin, name)
    await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, {**overrides, **wanted})])
    return ProvisionResult(name, "reconfigured", partitions, wanted)


async def topic_overrides(admin: AIOKafkaAdminClient, name: str) -> dict[str, str]:
    """Return the configuration a topic has of its own (not the broker's or Kafka's defaults)."""
    entries, error = await _config_entries(admin, name)
    if error is not None:
        raise BrokerError(f"cannot read the configuration of {name}: {error}")
    return {entry["config_names"]: entry["config_value"] for entry in entries if _own_override(entry)}


async def _config_entries(admin: AIOKafkaAdminClient, name: str) -> tuple[list[dict], str | None]:
    """Return a topic's described configuration entries and the error the broker gave, if any."""
    responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name, None)])
    entries, error = [], None
    for response in responses:
        for resource in response.to_object()["resources"]:
            if resource["error_code"]:
                error = f"error {resource['error_code']} {resource.get('error_message')}"
            entries += resource["config_entries"]
    return entries, error


def _own_override(entry: dict) -> bool:
    """Tell whether a described config entry is the topic's own setting (a secret's value is never read)."""
    if entry.get("is_sensitive") or entry["config_value"] is None:
        return False
    if "config_source" in entry:
        return entry["config_source"] == DYNAMIC_TOPIC_CONFIG
    return not entry["is_default"]


async def topic_config(admin: AIOKafkaAdminClient, name: str, keys: list[str],
                       attempts: int = 20, pause_s: float = 0.25) -> dict[str, str]:
    """Return the values of some configuration keys of a topic (retrying while it settles)."""
    error = None
    for _ in range(attempts):
        entries, error = await _config_entries(admin, name)
        values = {entry["config_names"]: entry["config_value"] for entry in entries if entry["config_names"] in keys}
        if error is None and set(keys) <= set(values):
            return values
        await asyncio.sleep(pause_s)
    raise BrokerError(f"cannot read the configuration of {name}: {error or 'keys missing'}")


async def delete_topics(settings: HubSettings, names: list[str]) -> None:
    """Delete topics (tests clean up their own)."""
    admin = admin_client(settings)
    try:
        await admin.start()
        present = set(await admin.list_topics())
        doomed = [n for n in names if n in present]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()


async def partitions_of(settings: HubSettings, topics: list[str]) -> dict[str, list[int]]:
    """Return the partition numbers of existing topics (a missing topic maps to [])."""
    admin = admin_client(settings)
    try:
        await admin.start()
        found = await partition_numbers(admin, topics)
        return {t: found.get(t, []) for t in topics}
    except KafkaError as exc:
        raise BrokerError(f"cannot describe {topics}: {exc!r}") from exc
    finally:
        await admin.close()
