"""Every topic of the hub: name, key, message schema, partitions, cleanup, producers, consumers."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.domain.regions import CENTRAL_SCOPE, REGION_CODES
from hub.settings import HubSettings

DAY_MS = 24 * 3600 * 1000
FOREVER_MS = -1
REGROUPED_MAX_MESSAGE_BYTES = 16 << 20  # twice the local broker's message.max.bytes


@dataclass(frozen=True)
class TopicSpec:
    """One topic as the hub defines it; provisioning and the AsyncAPI document both read this."""

    suffix: str
    title: str
    description: str
    key: str
    schema: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    compacted: bool = False
    retention_ms: int = 30 * DAY_MS
    partitions: int | None = None
    partitions_setting: str = "partitions"  # the setting that gives the partitions when `partitions` does not
    extra_config: dict[str, str] = field(default_factory=dict)
    extra_schemas: tuple[str, ...] = ()

    def name(self, settings: HubSettings) -> str:
        """Return the full topic name under the settings' prefix."""
        return settings.topic(self.suffix)

    def partition_count(self, settings: HubSettings) -> int:
        """Return the topic's partitions: its own, or the settings' default."""
        return self.partitions or getattr(settings, self.partitions_setting)

    def config(self, settings: HubSettings) -> dict[str, str]:
        """Return the topic-level configuration it is created with."""
        conf = {
            "cleanup.policy": "compact" if self.compacted else "delete",
            "min.insync.replicas": str(min(settings.min_insync_replicas, settings.replication_factor)),
        }
        if not self.compacted:
            conf["retention.ms"] = str(self.retention_ms)
        return {**conf, **self.extra_config}


CHECK_SCOPES: tuple[str, ...] = (*REGION_CODES, CENTRAL_SCOPE)


@dataclass(frozen=True)
class TopicFamily:
    """Topics of one kind, one per scope (a region, or KZ for the central units), so that the broker's ACLs
    decide who writes and reads each scope's messages."""

    base: str
    title: str
    description: str
    key: str
    schema: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    scopes: tuple[str, ...]
    retention_ms: int = 30 * DAY_MS
    extra_schemas: tuple[str, ...] = ()
    partitions_setting: str = "partitions"
    extra_config: dict[str, str] = field(default_factory=dict)

    def spec(self, scope: str) -> TopicSpec:
        """Return the topic of one scope, e.g. checks.requests.kz-75."""
        if scope not in self.scopes:
            raise ValueError(f"{self.base} has no topic for {scope}")
        return TopicSpec(
            suffix=f"{self.base}.{scope.lower()}", title=f"{self.title} {scope}",
            description=self.description.format(scope=scope), key=self.key, schema=self.schema,
            producers=tuple(p.format(scope=scope) for p in self.producers),
            consumers=tuple(c.format(scope=scope) for c in self.consumers),
            retention_ms=self.retention_ms, extra_schemas=self.extra_schemas,
            partitions_setting=self.partitions_setting, extra_config=dict(self.extra_config))

    def name(self, settings: HubSettings, scope: str) -> str:
        """Return the full name of one scope's topic."""
        if scope not in self.scopes:
            raise ValueError(f"{self.base} has no topic for {scope}")
        return settings.topic(f"{self.base}.{scope.lower()}")

    def names(self, settings: HubSettings) -> list[str]:
        """Return the full names of every scope's topic."""
        return [self.name(settings, scope) for scope in self.scopes]

    def specs(self) -> list[TopicSpec]:
        """Return every scope's topic."""
        return [self.spec(scope) for scope in self.scopes]

    def scope_of(self, settings: HubSettings, topic: str) -> str | None:
        """Return the scope of one of the family's topics (None: the topic is not one of them)."""
        head = settings.topic(f"{self.base}.")
        if not topic.startswith(head):
            return None
        scope = topic[len(head):].upper()
        return scope if scope in self.scopes else None


EVENTS = TopicFamily(
    "events", "Regional events",
    "Enrolment, correction and removal events of the registers of region {scope}.",
    "record id (UTF-8), so that the events of one record stay in order", "kz.mvd.records.RecordEvent",
    ("regional systems of {scope} (connectors)",), ("aggregator",), REGION_CODES, retention_ms=14 * DAY_MS,
    extra_schemas=("kz.mvd.records.RecordEventBatch",))
CHECK_REQUESTS = TopicFamily(
    "checks.requests", "Check requests",
    "Online checks and written requests of the units of {scope} against the central register (items 10, 11).",
    "check id (UTF-8)", "kz.mvd.records.CheckRequest",
    ("checking systems of {scope}", "hub check", "hub check-batch"), ("matcher",), CHECK_SCOPES,
    retention_ms=7 * DAY_MS, partitions_setting="check_partitions",
    # The broker stamps each request as it takes it: a check's latency is measured from a time the requester
    # cannot set (its requested_at and its producer's timestamp are its own to write).
    extra_config={"message.timestamp.type": "LogAppendTime"})
CHECK_RESULTS = TopicFamily(
    "checks.results", "Check results",
    "Answers to the checks asked on the requests topic of {scope}, keyed by the requesting unit.",
    "requester unit code (UTF-8)", "kz.mvd.records.CheckResult",
    ("matcher",), ("checking systems of {scope}", "hub check"), CHECK_SCOPES, partitions_setting="check_partitions")
NOTIFICATIONS = TopicFamily(
    "notifications", "Notifications",
    "Written notices to the units of {scope}: results, matches on their records, rejections, terms (item 12).",
    "recipient unit code (UTF-8)", "kz.mvd.records.Notification",
    ("aggregator", "matcher", "reconciler"), ("units of {scope}", "webhook sink", "email sink"), CHECK_SCOPES,
    retention_ms=90 * DAY_MS, partitions_setting="check_partitions")
MANIFESTS = TopicFamily(
    "reconciliation.manifests", "Reconciliation manifests",
    "Chunks of the manifests of the registers of region {scope} (item 9.10).",
    "region and record type, 'KZ-75/WANTED_PERSON' (UTF-8)", "kz.mvd.records.ReconciliationManifest",
    ("regional systems of {scope}",), ("reconciler",), REGION_CODES)
FAMILIES = (EVENTS, CHECK_REQUESTS, CHECK_RESULTS, NOTIFICATIONS, MANIFESTS)


def regroup_group(settings: HubSettings) -> str:
    """Return the consumer group that carries the events topics into the regrouped topic."""
    return f"{settings.app_id}-regroup"


def regional_events_topic(region: str) -> TopicSpec:
    """Return the events topic of one region, e.g. events.kz-75."""
    return EVENTS.spec(region)


REGISTER = TopicSpec(
    "register", "Central register",
    "Current state of every record of the central register; a tombstone purges a record.",
    "record id (UTF-8)", "kz.mvd.records.RegisterRecord",
    ("aggregator",), ("matcher", "reconciler", "PostgreSQL sink"), compacted=True,
    extra_config={"min.compaction.lag.ms": "60000", "delete.retention.ms": str(DAY_MS)},
)
REGROUPED = TopicSpec(
    "regrouped.events", "Regrouped events",
    "The hub's own: runs of consecutive messages of each events topic's partition, one message per run, written to "
    "the same partition, so that single events are applied at the speed of batches.",
    "source topic (UTF-8)", "kz.mvd.records.EventRun",
    # Kept longer than the events (14 days): the stage commits the events once their runs are written, so a run
    # must outlive an aggregator stopped for as long as the events would have waited for it.
    ("aggregator",), ("aggregator", "reconciler"), retention_ms=15 * DAY_MS,
    # a run holds up to half a megabyte of values; an original message as large as an events topic takes goes alone
    extra_config={"max.message.bytes": str(REGROUPED_MAX_MESSAGE_BYTES)},
)
DUE = TopicSpec(
    "register.due", "Register timer commands",
    "The hub's own commands to send term notices, expire and purge records, partitioned like the events.",
    "record id (UTF-8)", "kz.mvd.records.DueAction",
    ("aggregator",), ("aggregator",), retention_ms=7 * DAY_MS,
)
CHANGES = TopicSpec(
    "changes", "Change log",
    "Append-only log of every applied change of the central register (audit).",
    "record id (UTF-8)", "kz.mvd.records.RegisterChange",
    ("aggregator",), ("auditors", "analytics"), retention_ms=FOREVER_MS,
)
REJECTED = TopicSpec(
    "rejected", "Rejected inputs",
    "Every refused input, with a reason code, a sentence in three languages and the original bytes.",
    "unit code of the sender (UTF-8), or the source topic when unknown", "kz.mvd.records.Rejection",
    ("aggregator",), ("operators", "regional systems"), retention_ms=90 * DAY_MS,
)
DEAD_LETTERS = TopicSpec(
    "notifications.dead", "Undeliverable notifications",
    "Notifications a sink (webhook, email) could not deliver after every attempt, with the original bytes.",
    "recipient unit code (UTF-8)", "kz.mvd.records.DeadLetter",
    ("webhook sink", "email sink"), ("operators",), retention_ms=90 * DAY_MS,
)
CHECK_AUDIT = TopicSpec(
    "checks.audit", "Check audit",
    "Append-only audit of every check, whatever its outcome (items 9.3, 13).",
    "check id (UTF-8)", "kz.mvd.records.CheckAuditEntry",
    ("matcher",), ("auditors",), retention_ms=FOREVER_MS,
)
DELAYED_HITS = TopicSpec(
    "checks.delayed", "Delayed hits sent",
    "Every delayed-hit notice a matcher sent, in the same transaction as the notice: the matcher that takes over "
    "a request partition reads it so that no delayed hit is sent twice.",
    "notification id (UTF-8)", "kz.mvd.records.Notification",
    ("matcher",), ("matcher",), retention_ms=30 * DAY_MS, partitions=1,
)
REPORTS = TopicSpec(
    "reconciliation.reports", "Reconciliation reports",
    "Every difference between a regional register and the central one.",
    "region and record type (UTF-8)", "kz.mvd.records.ReconciliationReport",
    ("reconciler",), ("operators", "hub reconcile"), retention_ms=365 * DAY_MS,
)
PASSPORTS = TopicSpec(
    "ref.passports", "Record-type passports",
    "Passports of the record types (item 9), versioned; services follow changes live.",
    "record type code (UTF-8)", "kz.mvd.records.RecordTypePassport",
    ("hub refdata load",), ("aggregator", "matcher", "reconciler"), compacted=True, partitions=1,
)
REFERENCE_BOOKS = TopicSpec(
    "ref.books", "Reference books",
    "Regions, units, unit kinds, grounds, document kinds, confidentiality levels (item 14).",
    "book and code, 'UNIT/KZ-75-DP-CP' (UTF-8)", "kz.mvd.records.ReferenceEntry",
    ("hub refdata load",), ("aggregator", "matcher", "reconciler"), compacted=True, partitions=1,
)

SHARED_TOPICS = (REGISTER, REGROUPED, DUE, CHANGES, REJECTED, DEAD_LETTERS, CHECK_AUDIT, DELAYED_HITS, REPORTS, PASSPORTS,
                 REFERENCE_BOOKS)


def all_topics() -> list[TopicSpec]:
    """Return every topic the hub owns: the families' topics of every scope, then the shared ones."""
    return [spec for family in FAMILIES for spec in family.specs()] + list(SHARED_TOPICS)
