"""The manifests of a real cluster: what is committed is what the generator writes; every Kubernetes document
fits Kubernetes' schemas and every Strimzi one the CRDs Strimzi generates from its API jar; the topics and ACLs
are those `hub topics create` and `hub access sync` provision on the real broker; the systemd units verify.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from hub.kafka import _protocol
from hub.kafka.acl_plan import is_hub_owned
from hub.kafka.admin import admin_client, partitions_of, topic_config
from hub.manifests import ClusterLayout, kubernetes_files
from hub.settings import HubSettings
from tests.integration.deploy import crd_schemas
from tests.integration.helpers import REPO, settings_env

KUBERNETES_DIR = REPO / "deploy" / "kubernetes"
KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.latest_version())
# Strimzi's ACL vocabulary in Kafka's words: the oracle of the ACL comparison, written apart from the generator.
KAFKA_RESOURCE = {"topic": "TOPIC", "group": "GROUP", "transactionalId": "TRANSACTIONAL_ID", "cluster": "CLUSTER"}
KAFKA_PATTERN = {"literal": "LITERAL", "prefix": "PREFIXED"}
KAFKA_OPERATION = {"Read": "READ", "Write": "WRITE", "Create": "CREATE", "Describe": "DESCRIBE",
                   "DescribeConfigs": "DESCRIBE_CONFIGS", "All": "ALL", "Delete": "DELETE", "Alter": "ALTER"}


def _committed() -> list[dict]:
    paths = [*sorted(KUBERNETES_DIR.glob("*.yaml")), *sorted(KUBERNETES_DIR.glob("examples/*.yaml"))]
    return [document for path in paths
            for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document]


def _clean_env() -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("HUB_")}, "HUB_RUN_FILE": "/nonexistent"}


@pytest.mark.parametrize("kind", ["kubernetes", "systemd"])
def test_the_committed_files_are_what_the_generator_writes(kind):
    done = subprocess.run([sys.executable, "-m", "hub", "manifests", kind, "--check"], cwd=REPO, env=_clean_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_a_stale_file_fails_the_check(tmp_path: Path):
    shutil.copytree(KUBERNETES_DIR, tmp_path / "k8s", ignore=shutil.ignore_patterns("strimzi-crds"))
    topics = tmp_path / "k8s" / "20-topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("partitions: 6", "partitions: 5", 1), "utf-8")
    done = subprocess.run([sys.executable, "-m", "hub", "manifests", "kubernetes", "--check", "--out",
                           str(tmp_path / "k8s")], cwd=REPO, env=_clean_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and "20-topics.yaml" in done.stderr and "-  partitions: 5" in done.stdout


@pytest.fixture(scope="module")
def strimzi() -> dict:
    """Return the validators of Strimzi's CRDs (strict: unknown fields are errors)."""
    return crd_schemas.validators(crd_schemas.strimzi_crds())


def test_every_strimzi_resource_fits_strimzis_crds(strimzi):
    resources = [d for d in _committed() if d["apiVersion"].startswith("kafka.strimzi.io/")]
    for document in resources:
        assert crd_schemas.errors(strimzi, document) == [], (document["kind"], document["metadata"]["name"])
    kinds = [d["kind"] for d in resources]
    assert kinds.count("Kafka") == 1 and kinds.count("KafkaNodePool") == 1
    kafka = next(d for d in resources if d["kind"] == "Kafka")
    assert kafka["metadata"]["annotations"] == {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"}
    assert all(listener["tls"] and listener["authentication"] == {"type": "scram-sha-512"}
               for listener in kafka["spec"]["kafka"]["listeners"])
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    pool = next(d for d in resources if d["kind"] == "KafkaNodePool")
    assert pool["spec"]["replicas"] == 3 and set(pool["spec"]["roles"]) == {"controller", "broker"}
    topics = [d for d in resources if d["kind"] == "KafkaTopic"]
    assert topics and all(t["spec"]["replicas"] == 3 and t["spec"]["config"]["min.insync.replicas"] == "2"
                          for t in topics)


def test_the_crd_check_refuses_what_strimzi_would(strimzi):
    resources = {}
    for document in _committed():
        if document["apiVersion"].startswith("kafka.strimzi.io/"):
            resources.setdefault(document["kind"], document)
    broken = copy.deepcopy(resources["Kafka"])
    broken["spec"]["kafka"]["listeners"][0]["authentication"]["type"] = "scram-sha-256"
    assert crd_schemas.errors(strimzi, broken)
    broken = copy.deepcopy(resources["KafkaUser"])
    broken["spec"]["authorization"]["acls"][0]["operations"] = ["read"]
    assert crd_schemas.errors(strimzi, broken)
    broken = copy.deepcopy(resources["KafkaTopic"])
    broken["spec"]["partitionz"] = 3
    assert crd_schemas.errors(strimzi, broken)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_kubernetes_resource_fits_kubernetes_schemas(version):
    documents = [d for d in _committed() if not d["apiVersion"].startswith("kafka.strimzi.io/")]
    assert {d["kind"] for d in documents} >= {"Namespace", "ConfigMap", "StatefulSet", "Deployment", "Service",
                                              "PodDisruptionBudget"}
    for document in documents:
        kubernetes_validate.validate(document, version, strict=True)
    broken = copy.deepcopy(next(d for d in documents if d["kind"] == "StatefulSet"))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {"path": "/readyz"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, version, strict=True)


def _containers() -> list[tuple[dict, dict]]:
    return [(d, c) for d in _committed() if d["kind"] in ("StatefulSet", "Deployment", "Job")
            for c in d["spec"]["template"]["spec"]["containers"]]


def _leaf(words: list[str]):
    from hub.cli.main import cli

    command = cli
    for word in (w for w in words if not w.startswith("-")):
        if word not in getattr(command, "commands", {}):
            break
        command = command.commands[word]
    return command


def test_each_service_runs_a_hub_command_as_its_own_principal_with_settings_it_knows():
    documents = _committed()
    settings = next(d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "hub-settings")
    users = {d["metadata"]["name"] for d in documents if d["kind"] == "KafkaUser"}
    assert settings["data"]["HUB_METRICS_HOST"] == "0.0.0.0"
    principals = []
    for workload, container in _containers():
        assert container["command"][0] == "hub"
        done = subprocess.run([sys.executable, "-m", "hub", *container["command"][1:], "--help"], cwd=REPO,
                              env=_clean_env(), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (container["command"], done.stderr[-1000:])
        command = _leaf(container["command"][1:])
        known = set(HubSettings.model_fields) | {str(p.envvar).removeprefix("HUB_").lower() for p in command.params
                                                 if p.envvar}
        env = {e["name"]: e for e in container["env"]}
        expanded = {name for name in env if f"$({name})" in container["command"]}
        for name in [*env, *settings["data"]]:
            assert name in expanded or (name.startswith("HUB_") and name.removeprefix("HUB_").lower() in known), name
        for option in command.params:
            if option.required:
                assert set(option.opts) & set(container["command"]) or option.envvar in env, (command.name, option.opts)
        user = env["HUB_KAFKA_SASL_USERNAME"]["value"]
        assert user in users
        principals.append(user)
        volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        password = Path(env["HUB_KAFKA_SASL_PASSWORD_FILE"]["value"])
        assert volumes[mounts[str(password.parent)]]["secret"]["secretName"] == user
        ca = Path(settings["data"]["HUB_KAFKA_SSL_CAFILE"])
        assert volumes[mounts[str(ca.parent)]]["secret"]["secretName"].endswith("-cluster-ca-cert")
        assert container["securityContext"]["readOnlyRootFilesystem"] and "/tmp" in mounts
        assert mounts[settings["data"]["HUB_DATA_DIR"]] == "data"
        if workload["kind"] == "Job":
            continue
        assert container["ports"][0]["containerPort"] == int(settings["data"]["HUB_METRICS_PORT"])
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        if workload["kind"] == "StatefulSet":
            assert workload["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    assert sorted(principals) == ["hub-aggregator", "hub-matcher", "hub-operator", "hub-reconciler",
                                  "hub-sink-email", "hub-sink-postgres", "hub-sink-webhook"]


def test_the_sinks_example_files_are_files_the_sinks_read(monkeypatch, tmp_path: Path):
    from connectors.sinks.email import load_addresses
    from connectors.sinks.webhook import load_subscriptions

    files = {name: text for d in _committed() if d["kind"] == "ConfigMap" and d["metadata"]["name"] != "hub-settings"
             for name, text in d["data"].items()}
    (tmp_path / "subscriptions.yaml").write_text(files["subscriptions.yaml"], "utf-8")
    (tmp_path / "addresses.yaml").write_text(files["addresses.yaml"], "utf-8")
    monkeypatch.setenv("HOOK_KZ_75_DP_CP", "a-secret")
    assert list(load_subscriptions(tmp_path / "subscriptions.yaml")) == ["KZ-75-DP-CP"]
    assert load_addresses(tmp_path / "addresses.yaml") == {"KZ-75-DP-CP": ["duty@almaty.example.kz"]}


def _hub(settings: HubSettings, *args: str) -> list[dict]:
    done = subprocess.run([sys.executable, "-m", "hub", *args, "--json"], cwd=REPO, env=settings_env(settings),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


async def _broker_acls(settings: HubSettings) -> set[tuple]:
    admin = admin_client(settings)
    await admin.start()
    try:
        rows = _protocol.described_rows(await _protocol.send(admin, _protocol.DescribeAcls()))
    finally:
        await admin.close()
    return {(principal.removeprefix("User:"), resource, name, pattern, operation)
            for resource, name, pattern, principal, _, operation, permission in rows
            if permission == "ALLOW" and is_hub_owned(principal.removeprefix("User:"))}


async def _broker_topics(settings: HubSettings, topics: list[dict]) -> dict[str, tuple[int, dict]]:
    names = [t["spec"]["topicName"] for t in topics]
    partitions = await partitions_of(settings, names)
    admin = admin_client(settings)
    await admin.start()
    try:
        return {t["spec"]["topicName"]: (len(partitions[t["spec"]["topicName"]]), await topic_config(
            admin, t["spec"]["topicName"], list(t["spec"]["config"]))) for t in topics}
    finally:
        await admin.close()


def test_topics_and_acls_are_those_hub_topics_and_hub_access_provision(hub_settings: HubSettings):
    created = _hub(hub_settings, "topics", "create")
    synced = _hub(hub_settings, "access", "sync")[-1]
    assert created and synced["dry_run"] is False
    files = kubernetes_files(ClusterLayout(), hub_settings)
    topics, users = files["20-topics.yaml"], [u for u in files["30-users.yaml"] if "authorization" in u["spec"]]
    assert {row["topic"] for row in created} == {t["spec"]["topicName"] for t in topics}
    on_broker = asyncio.run(_broker_topics(hub_settings, topics))
    for topic in topics:
        assert on_broker[topic["spec"]["topicName"]] == (topic["spec"]["partitions"], topic["spec"]["config"])
    wanted = {(user["metadata"]["name"], KAFKA_RESOURCE[acl["resource"]["type"]], acl["resource"].get("name", "kafka-cluster"),
               KAFKA_PATTERN[acl["resource"].get("patternType", "literal")], KAFKA_OPERATION[operation])
              for user in users for acl in user["spec"]["authorization"]["acls"] for operation in acl["operations"]}
    assert len(wanted) > 200
    deadline = time.monotonic() + 30  # the broker's authorizer takes the metadata log's new ACLs a moment later
    while (present := asyncio.run(_broker_acls(hub_settings))) != wanted and time.monotonic() < deadline:
        time.sleep(0.5)
    assert present == wanted


def test_the_systemd_units_verify(tmp_path: Path):
    hub_bin = shutil.which("hub", path=str(Path(sys.executable).parent))
    done = subprocess.run([sys.executable, "-m", "hub", "manifests", "systemd", "--out", str(tmp_path),
                           "--hub-bin", hub_bin], cwd=REPO, env=_clean_env(), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    units = sorted(tmp_path.glob("*.service"))
    assert len(units) == 6 and (tmp_path / "hub.env.example").is_file()
    ports = [line for unit in units for line in unit.read_text().splitlines() if "HUB_METRICS_PORT=" in line]
    assert len(set(ports)) == 6  # one host: each service its own metrics port
    verified = subprocess.run(["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True,
                              timeout=120)
    assert verified.returncode == 0 and verified.stderr.strip() == "", verified.stderr
    (tmp_path / "broken.service").write_text(units[0].read_text().replace("Type=exec", "Tipe=exec"), "utf-8")
    broken = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "broken.service")], capture_output=True,
                            text=True, timeout=60)
    assert "Unknown key" in broken.stderr
