"""Who may do what on the broker, as data: one principal per regional system and per hub service, each with the
least it needs (items 10-13). `hub access sync` makes the broker's ACLs equal to this plan."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.regions import CENTRAL_SCOPE
from hub.kafka.topics import (
    CHANGES,
    CHECK_AUDIT,
    CHECK_REQUESTS,
    CHECK_RESULTS,
    CHECK_SCOPES,
    DEAD_LETTERS,
    DELAYED_HITS,
    DUE,
    EVENTS,
    MANIFESTS,
    NOTIFICATIONS,
    PASSPORTS,
    REFERENCE_BOOKS,
    REGISTER,
    REGROUPED,
    REJECTED,
    REPORTS,
    regroup_group,
)
from hub.settings import HubSettings

USER = "User:"
HUB_PRINCIPAL_PREFIX = "hub-"
REGION_PRINCIPAL_PREFIX = "region-"
SERVICES = ("aggregator", "matcher", "reconciler", "sink-webhook", "sink-email", "sink-postgres")


@dataclass(frozen=True, order=True)
class Grant:
    """One ALLOW binding for a principal: an operation on a resource, by literal name or by prefix."""

    resource_type: str  # TOPIC, GROUP, TRANSACTIONAL_ID, CLUSTER
    name: str
    pattern: str  # LITERAL or PREFIXED
    operation: str

    def describe(self) -> str:
        """Return the grant as one line of the ACL table, e.g. 'READ TOPIC hub.register'."""
        star = "*" if self.pattern == "PREFIXED" else ""
        return f"{self.operation} {self.resource_type} {self.name}{star}"


def service_principal(service: str) -> str:
    """Return the user name of a hub service, e.g. hub-matcher."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service}; one of {', '.join(SERVICES)}")
    return HUB_PRINCIPAL_PREFIX + service


def region_principal(scope: str) -> str:
    """Return the user name of a region's systems (region-kz-75), or of the central units (region-kz)."""
    if scope not in CHECK_SCOPES:
        raise ValueError(f"unknown region {scope}")
    return REGION_PRINCIPAL_PREFIX + scope.lower()


def scope_of_principal(user: str) -> str | None:
    """Return the region of a regional principal (None for any other user)."""
    if not user.startswith(REGION_PRINCIPAL_PREFIX):
        return None
    scope = user[len(REGION_PRINCIPAL_PREFIX):].upper()
    return scope if scope in CHECK_SCOPES else None


def _topics(operation: str, *names: str) -> list[Grant]:
    return [Grant("TOPIC", name, "LITERAL", operation) for name in names]


def _group(name: str, pattern: str = "LITERAL", operation: str = "READ") -> list[Grant]:
    return [Grant("GROUP", name, pattern, operation)]


def _catalog(settings: HubSettings) -> list[Grant]:
    return _topics("READ", PASSPORTS.name(settings), REFERENCE_BOOKS.name(settings))


def aggregator_grants(settings: HubSettings) -> list[Grant]:
    """Read every region's events, own the register, its timers and the regrouped events, write changes, rejections
    and notices; Faust's own topics (the assignor's leader topic) live under '<app id>-'."""
    own = [REGISTER.name(settings), DUE.name(settings), REGROUPED.name(settings)]
    return [*_topics("READ", *EVENTS.names(settings), *own), *_topics("WRITE", *own),
            *_topics("CREATE", *own), *_topics("DESCRIBE_CONFIGS", *own),
            *_topics("WRITE", CHANGES.name(settings), REJECTED.name(settings), *NOTIFICATIONS.names(settings)),
            *_catalog(settings), Grant("TOPIC", f"{settings.app_id}-", "PREFIXED", "ALL"),
            *_group(settings.app_id), *_group(regroup_group(settings))]


def matcher_grants(settings: HubSettings) -> list[Grant]:
    """Read the register, every scope's requests and the audit; write results, notices, audit and rejections;
    record the delayed hits it sends, in transactions under its own prefix."""
    own = f"{settings.app_id}-matcher-"
    return [*_topics("READ", REGISTER.name(settings), CHECK_AUDIT.name(settings), DELAYED_HITS.name(settings),
                     *CHECK_REQUESTS.names(settings)),
            *_topics("WRITE", CHECK_AUDIT.name(settings), REJECTED.name(settings), DELAYED_HITS.name(settings),
                     *CHECK_RESULTS.names(settings), *NOTIFICATIONS.names(settings)),
            *_catalog(settings), *_group(f"{settings.app_id}-matcher"),
            Grant("TRANSACTIONAL_ID", own, "PREFIXED", "WRITE"), Grant("TRANSACTIONAL_ID", own, "PREFIXED", "DESCRIBE")]


def reconciler_grants(settings: HubSettings) -> list[Grant]:
    """Read manifests, the register and its own reports (when each region was last reconciled); read the events
    and the regrouped events only to tell transaction markers from records behind the committed offsets of the
    aggregator's groups, which it sees."""
    return [*_topics("READ", REGISTER.name(settings), REPORTS.name(settings), *MANIFESTS.names(settings),
                     *EVENTS.names(settings), REGROUPED.name(settings)),
            *_topics("WRITE", REPORTS.name(settings), REJECTED.name(settings), *NOTIFICATIONS.names(settings)),
            *_catalog(settings), *_group(f"{settings.app_id}-reconciler"),
            *_group(settings.app_id, operation="DESCRIBE"), *_group(regroup_group(settings), operation="DESCRIBE")]


def sink_grants(settings: HubSettings, sink: str) -> list[Grant]:
    """A notification sink reads every scope's notices and writes dead letters; the SQL sink reads the register
    and dead-letters what it cannot decode."""
    group = _group(f"{settings.app_id}-sink-{sink}", "PREFIXED")  # one group per region it may serve
    if sink == "postgres":
        return [*_topics("READ", REGISTER.name(settings)), *_topics("WRITE", DEAD_LETTERS.name(settings)), *group]
    return [*_topics("READ", *NOTIFICATIONS.names(settings)), *_topics("WRITE", DEAD_LETTERS.name(settings)),
            *_catalog(settings), *group]


def region_grants(settings: HubSettings, scope: str) -> list[Grant]:
    """A regional system writes its own events, manifests and requests and reads its own results and notices;
    the central units (KZ) only check and read. Its groups and transactional ids carry its own prefix."""
    own = f"{settings.app_id}-{scope.lower()}-"
    grants = [*_topics("WRITE", CHECK_REQUESTS.name(settings, scope)),
              *_topics("READ", CHECK_RESULTS.name(settings, scope), NOTIFICATIONS.name(settings, scope)),
              *_catalog(settings), *_group(own, "PREFIXED")]
    if scope != CENTRAL_SCOPE:
        grants += [*_topics("WRITE", EVENTS.name(settings, scope), MANIFESTS.name(settings, scope)),
                   Grant("TRANSACTIONAL_ID", own, "PREFIXED", "WRITE"),
                   Grant("TRANSACTIONAL_ID", own, "PREFIXED", "DESCRIBE")]
    return grants


def service_grants(settings: HubSettings, service: str) -> list[Grant]:
    """Return the grants of one hub service."""
    if service.startswith("sink-"):
        return sink_grants(settings, service.removeprefix("sink-"))
    return {"aggregator": aggregator_grants, "matcher": matcher_grants,
            "reconciler": reconciler_grants}[service](settings)


def access_plan(settings: HubSettings, scopes: tuple[str, ...] = CHECK_SCOPES) -> dict[str, list[Grant]]:
    """Return every principal the hub defines with its grants, sorted: the services, then each scope's systems."""
    plan = {service_principal(s): service_grants(settings, s) for s in SERVICES}
    plan.update({region_principal(scope): region_grants(settings, scope) for scope in scopes})
    return {user: sorted(set(grants)) for user, grants in plan.items()}


def is_hub_owned(user: str) -> bool:
    """Tell whether a user is one the plan manages (its ACLs are put back or removed by a sync)."""
    return user.startswith(HUB_PRINCIPAL_PREFIX) or scope_of_principal(user) is not None
