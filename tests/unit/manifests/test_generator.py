"""The manifests' generator without a cluster: principals, replication, ACL rules and systemd limits."""

from __future__ import annotations

from hub.kafka.acl_plan import Grant, access_plan
from hub.manifests import ClusterLayout, cluster_settings, default_settings, kubernetes_files
from hub.manifests.strimzi import strimzi_acls
from hub.manifests.systemd import systemd_units
from hub.settings import HubSettings

SETTINGS = HubSettings(run_file="/nonexistent")


def test_every_service_runs_as_a_principal_of_the_access_plan():
    plan = access_plan(SETTINGS)
    assert {service.principal for service in ClusterLayout().services} == {u for u in plan if u.startswith("hub-")}


def test_a_cluster_of_three_keeps_each_topic_on_three_brokers_two_in_sync():
    settings = cluster_settings(SETTINGS, ClusterLayout())
    assert (settings.replication_factor, settings.min_insync_replicas) == (3, 2)
    assert cluster_settings(SETTINGS, ClusterLayout(brokers=1)).min_insync_replicas == 1


def test_grants_on_one_resource_make_one_rule_with_their_operations():
    grants = [Grant("TOPIC", "hub.register", "LITERAL", "WRITE"), Grant("TOPIC", "hub.register", "LITERAL", "READ"),
              Grant("GROUP", "records-hub-kz-75-", "PREFIXED", "READ")]
    assert strimzi_acls(grants) == [
        {"resource": {"type": "group", "name": "records-hub-kz-75-", "patternType": "prefix"},
         "operations": ["Read"], "host": "*", "type": "allow"},
        {"resource": {"type": "topic", "name": "hub.register", "patternType": "literal"},
         "operations": ["Read", "Write"], "host": "*", "type": "allow"}]


def test_every_topic_and_principal_has_its_resource():
    files = kubernetes_files(ClusterLayout(), SETTINGS)
    assert len(files["20-topics.yaml"]) == 114
    users = [u["metadata"]["name"] for u in files["30-users.yaml"]]
    assert set(users) == set(access_plan(SETTINGS)) | {"hub-operator"}


def test_systemd_units_carry_the_kubernetes_memory_limits_and_their_own_settings():
    units = systemd_units()
    aggregator, matcher = units["records-hub-aggregator.service"], units["records-hub-matcher.service"]
    assert "MemoryMax=2G\n" in aggregator and "MemoryMax=3G\n" in matcher
    assert "ExecStart=/opt/records-hub/bin/hub run --service aggregator\n" in aggregator
    assert "Environment=HUB_MATCHER_BUILD_PROCESSES=2\n" in matcher
    email = units["records-hub-sink-email.service"]
    assert "--addresses /etc/records-hub/sink-email/addresses.yaml --smtp-host ${SMTP_HOST}\n" in email


def test_the_manifests_do_not_depend_on_the_environment(monkeypatch):
    monkeypatch.setenv("HUB_TOPIC_PREFIX", "elsewhere")
    monkeypatch.setenv("HUB_PARTITIONS", "2")
    settings = default_settings(topic_prefix="hub")
    assert (settings.topic_prefix, settings.partitions) == ("hub", 6)
