"""The access plan as data: least privilege per principal, no principal reaching another region (no broker)."""

from __future__ import annotations

import pytest

from hub.kafka.access import binding_rows, differences
from hub.kafka.acl_plan import access_plan, is_hub_owned, region_principal, service_principal
from hub.settings import HubSettings

SETTINGS = HubSettings(topic_prefix="hub", app_id="records-hub")


def grants_of(user: str) -> set[str]:
    return {g.describe() for g in access_plan(SETTINGS)[user]}


def test_a_region_writes_its_own_inputs_and_reads_its_own_answers_only():
    kz75 = grants_of("region-kz-75")
    assert {"WRITE TOPIC hub.events.kz-75", "WRITE TOPIC hub.reconciliation.manifests.kz-75",
            "WRITE TOPIC hub.checks.requests.kz-75", "READ TOPIC hub.checks.results.kz-75",
            "READ TOPIC hub.notifications.kz-75", "READ GROUP records-hub-kz-75-*",
            "WRITE TRANSACTIONAL_ID records-hub-kz-75-*"} <= kz75
    assert not [g for g in kz75 if "kz-71" in g or "register" in g or "audit" in g or g.endswith("hub.changes")]
    assert not [g for g in kz75 if g.startswith(("ALL", "CREATE", "DELETE", "ALTER"))]
    assert {g.split(" ", 1)[0] for g in kz75} <= {"READ", "WRITE", "DESCRIBE"}


def test_the_central_units_check_and_read_but_never_enrol():
    central = grants_of("region-kz")
    assert "WRITE TOPIC hub.checks.requests.kz" in central and "READ TOPIC hub.notifications.kz" in central
    assert not [g for g in central if "events" in g or "manifests" in g]


def test_every_topic_a_region_touches_is_named_literally_so_no_prefix_reaches_a_neighbour():
    for user, grants in access_plan(SETTINGS).items():
        prefixed = [g for g in grants if g.pattern == "PREFIXED"]
        assert all(g.resource_type != "TOPIC" or g.name == "records-hub-" for g in prefixed), user


def test_services_get_what_their_code_uses_and_no_more():
    assert "READ TOPIC hub.checks.requests.kz-75" in grants_of("hub-matcher")
    assert "WRITE TOPIC hub.checks.audit" in grants_of("hub-matcher")
    assert not [g for g in grants_of("hub-matcher") if "events" in g]
    reconciler = grants_of("hub-reconciler")
    assert "READ TOPIC hub.events.kz-75" in reconciler  # whether a skip behind a committed offset holds records
    assert "WRITE TOPIC hub.events.kz-75" not in reconciler
    assert "DESCRIBE GROUP records-hub" in reconciler and "READ GROUP records-hub" not in reconciler
    assert grants_of("hub-sink-postgres") == {"READ TOPIC hub.register", "READ GROUP records-hub-sink-postgres*",
                                              "WRITE TOPIC hub.notifications.dead"}  # what it cannot decode


def test_names_are_checked_and_only_the_plans_users_are_managed():
    assert region_principal("KZ-75") == "region-kz-75" and service_principal("matcher") == "hub-matcher"
    with pytest.raises(ValueError):
        region_principal("KZ-00")
    with pytest.raises(ValueError):
        service_principal("anything")
    assert is_hub_owned("region-kz-75") and is_hub_owned("hub-matcher")
    assert not is_hub_owned("admin") and not is_hub_owned("region-kz-00") and not is_hub_owned("kafka-node")


def test_a_sync_creates_the_missing_deletes_the_unwanted_and_leaves_other_users_alone():
    wanted = binding_rows(access_plan(SETTINGS))
    some = sorted(wanted)[:3]
    foreign = ("TOPIC", "hub.register", "LITERAL", "User:analyst", "*", "READ", "ALLOW")
    unwanted = ("TOPIC", "hub.register", "LITERAL", "User:region-kz-75", "*", "READ", "ALLOW")
    report = differences(wanted, [*some, foreign, unwanted])
    assert report.kept == 3 and report.deleted == [unwanted]
    assert set(report.created) == wanted - set(some)
    assert differences(wanted, sorted(wanted)).created == [] and differences(wanted, sorted(wanted)).deleted == []
