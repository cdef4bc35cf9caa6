"""Strimzi resources of the hub's Kafka cluster: the cluster (KRaft), its node pool, topics and users with ACLs.

Topics come from hub/kafka/topics.py and users from the access plan (hub/kafka/acl_plan.py), the same data
`hub topics create` and `hub access sync` provision on a cluster the hub runs itself.
"""

from __future__ import annotations

from collections import defaultdict

from hub.kafka.acl_plan import Grant, access_plan
from hub.kafka.topics import all_topics
from hub.manifests.layout import ClusterLayout
from hub.settings import HubSettings

API = "kafka.strimzi.io/v1beta2"
RESOURCE_TYPES = {"TOPIC": "topic", "GROUP": "group", "TRANSACTIONAL_ID": "transactionalId", "CLUSTER": "cluster"}
PATTERNS = {"LITERAL": "literal", "PREFIXED": "prefix"}
OPERATIONS = {"READ": "Read", "WRITE": "Write", "CREATE": "Create", "DELETE": "Delete", "ALTER": "Alter",
              "DESCRIBE": "Describe", "DESCRIBE_CONFIGS": "DescribeConfigs", "ALTER_CONFIGS": "AlterConfigs",
              "IDEMPOTENT_WRITE": "IdempotentWrite", "CLUSTER_ACTION": "ClusterAction", "ALL": "All"}


def _labelled(layout: ClusterLayout, kind: str, name: str, spec: dict, **metadata) -> dict:
    labels = {"strimzi.io/cluster": layout.cluster, **metadata.pop("labels", {})}
    return {"apiVersion": API, "kind": kind,
            "metadata": {"name": name, "namespace": layout.namespace, "labels": labels, **metadata}, "spec": spec}


def kafka_cluster(layout: ClusterLayout, settings: HubSettings) -> list[dict]:
    """Return the Kafka resource (KRaft, TLS + SCRAM-SHA-512 on every listener, simple authorization) and its
    node pool of brokers that are controllers too."""
    scram = {"type": "scram-sha-512"}
    kafka = {
        "apiVersion": API, "kind": "Kafka",
        "metadata": {"name": layout.cluster, "namespace": layout.namespace,
                     "annotations": {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"}},
        "spec": {
            "kafka": {
                "version": layout.kafka_version,
                "listeners": [
                    {"name": "tls", "port": 9093, "type": "internal", "tls": True, "authentication": scram},
                    {"name": "external", "port": 9094, "type": "loadbalancer", "tls": True,
                     "authentication": scram},
                ],
                "authorization": {"type": "simple", "superUsers": [layout.operator_user]},
                "config": {
                    "auto.create.topics.enable": False,
                    "default.replication.factor": settings.replication_factor,
                    "min.insync.replicas": settings.min_insync_replicas,
                    "offsets.topic.replication.factor": settings.replication_factor,
                    "transaction.state.log.replication.factor": settings.replication_factor,
                    "transaction.state.log.min.isr": settings.min_insync_replicas,
                },
                "resources": layout.broker_resources,
            },
            "entityOperator": {"topicOperator": {}, "userOperator": {}},
        },
    }
    pool = _labelled(layout, "KafkaNodePool", "brokers", {
        "replicas": layout.brokers,
        "roles": ["controller", "broker"],
        "storage": {"type": "jbod", "volumes": [{"id": 0, "type": "persistent-claim", "size": layout.broker_disk,
                                                 "deleteClaim": False, "kraftMetadata": "shared"}]},
    })
    return [kafka, pool]


def kafka_topics(layout: ClusterLayout, settings: HubSettings) -> list[dict]:
    """Return one KafkaTopic per topic the hub defines, with its partitions, replicas and configuration."""
    return [_labelled(layout, "KafkaTopic", _resource_name(spec.name(settings)), {
        "topicName": spec.name(settings),
        "partitions": spec.partition_count(settings),
        "replicas": settings.replication_factor,
        "config": spec.config(settings),
    }) for spec in all_topics()]


def strimzi_acls(grants: list[Grant]) -> list[dict]:
    """Return Strimzi's simple-authorization ACL rules for grants, one rule per resource with its operations."""
    by_resource: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for grant in grants:
        by_resource[grant.resource_type, grant.name, grant.pattern].append(OPERATIONS[grant.operation])
    rules = []
    for (resource_type, name, pattern), operations in sorted(by_resource.items()):
        resource = {"type": RESOURCE_TYPES[resource_type]}
        if resource_type != "CLUSTER":
            resource |= {"name": name, "patternType": PATTERNS[pattern]}
        rules.append({"resource": resource, "operations": sorted(operations), "host": "*", "type": "allow"})
    return rules


def kafka_users(layout: ClusterLayout, settings: HubSettings) -> list[dict]:
    """Return one KafkaUser per principal of the access plan (SCRAM-SHA-512, the plan's ACLs); Strimzi's user
    operator makes each password and keeps it in a Secret of the user's name."""
    users = [_labelled(layout, "KafkaUser", user, {
        "authentication": {"type": "scram-sha-512"},
        "authorization": {"type": "simple", "acls": strimzi_acls(grants)},
    }) for user, grants in access_plan(settings).items()]
    operator = _labelled(layout, "KafkaUser", layout.operator_user, {"authentication": {"type": "scram-sha-512"}})
    return [*users, operator]


def _resource_name(topic: str) -> str:
    """Return a Kubernetes name for a topic (lower case, dots and underscores as dashes)."""
    return topic.lower().replace(".", "-").replace("_", "-")
