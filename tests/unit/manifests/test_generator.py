"""The manifests' generator without a cluster: principals, replication, ACL rules and systemd limits."""

from __future__ import annotations

from hub.kafka.acl_plan import Grant, access_plan
from hub.manifests import ClusterLayout, cluster_settings, kubernetes_files
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
    assert len(files["20-topics.yaml"]) == 113
    users = [u["metadata"]["name"] for u in files["30-users.yaml"]]
    assert set(users) == set(access_plan(SETTINGS)) | {"hub-operator"}


def test_systemd_memory_limits_are_the_kubernetes_ones_in_systemds_units():
    unit = systemd_units()["records-hub-aggregator.service"]
    aggregator = next(s for s in ClusterLayout().services if s.name == "aggregator")
    assert f"MemoryMax={aggregator.memory_limit.removesuffix('i')}\n" in unit
    assert "ExecStart=/opt/records-hub/bin/hub run --service aggregator\n" in unit
    webhook = systemd_units()["records-hub-sink-webhook.service"]
    assert "--subscriptions /etc/records-hub/sink-webhook/subscriptions.yaml" in webhook
