"""Kubernetes workloads of the hub's services: settings, aggregators as a StatefulSet, the rest as Deployments,
each as its own Kafka principal with probes on /healthz and /readyz beside /metrics."""

from __future__ import annotations

from hub.manifests.layout import CA_DIR, CONFIG_DIR, DATA_DIR, METRICS_PORT, USER_DIR, ClusterLayout, ServiceShape
from hub.settings import HubSettings

PART_OF = {"app.kubernetes.io/part-of": "records-hub"}
RUN_AS = 10001  # the image's user (deploy/container/Containerfile)
STOP_GRACE_S = 75  # past a worker's own 60 s limit on a stop that hangs
EXAMPLE_FILES = {
    "subscriptions.yaml": "# UNIT: {url: https://..., secret_env: VARIABLE}; each VARIABLE is a key of the Secret\n"
                          "# hub-sink-webhook-secrets.\nKZ-75-DP-CP: {url: 'https://cp.almaty.example.kz/hub', "
                          "secret_env: HOOK_KZ_75_DP_CP}\n",
    "addresses.yaml": "# UNIT: [address, ...]\nKZ-75-DP-CP: [duty@almaty.example.kz]\n",
    "smtp-host": "smtp.example.kz",
}


def _meta(layout: ClusterLayout, name: str, **extra) -> dict:
    return {"name": name, "namespace": layout.namespace, "labels": {**PART_OF, "app.kubernetes.io/name": name},
            **extra}


def namespace(layout: ClusterLayout) -> dict:
    """Return the namespace everything lives in."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": layout.namespace, "labels": PART_OF}}


def shared_settings(layout: ClusterLayout, settings: HubSettings) -> dict:
    """Return the ConfigMap of HUB_ variables every service reads: the cluster, topics and endpoints."""
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(layout, "hub-settings"), "data": {
        "HUB_KAFKA_BOOTSTRAP_SERVERS": layout.bootstrap,
        "HUB_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "HUB_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "HUB_KAFKA_SSL_CAFILE": f"{CA_DIR}/ca.crt",
        "HUB_TOPIC_PREFIX": settings.topic_prefix,
        "HUB_APP_ID": settings.app_id,
        "HUB_PARTITIONS": str(settings.partitions),
        "HUB_CHECK_PARTITIONS": str(settings.check_partitions),
        "HUB_REPLICATION_FACTOR": str(settings.replication_factor),
        "HUB_MIN_INSYNC_REPLICAS": str(settings.min_insync_replicas),
        "HUB_METRICS_HOST": "0.0.0.0",
        "HUB_METRICS_PORT": str(METRICS_PORT),
        "HUB_DATA_DIR": DATA_DIR,
        "HUB_LOG_LEVEL": "INFO",
    }}


def _probes() -> dict:
    def get(path: str, period_s: int, failures: int) -> dict:
        return {"httpGet": {"path": path, "port": "metrics"}, "periodSeconds": period_s,
                "failureThreshold": failures, "timeoutSeconds": 2}
    return {"livenessProbe": get("/healthz", 10, 3), "readinessProbe": get("/readyz", 5, 2)}


def _volumes(layout: ClusterLayout, service: ServiceShape) -> tuple[list[dict], list[dict]]:
    """Return a service's volumes and their mounts: the cluster CA, its user's password, its config, its data."""
    volumes = [{"name": "kafka-ca", "secret": {"secretName": layout.ca_secret,
                                               "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
               {"name": "kafka-user", "secret": {"secretName": service.principal,
                                                 "items": [{"key": "password", "path": "password"}]}}]
    mounts = [{"name": "kafka-ca", "mountPath": CA_DIR, "readOnly": True},
              {"name": "kafka-user", "mountPath": USER_DIR, "readOnly": True},
              {"name": "data", "mountPath": DATA_DIR}, {"name": "tmp", "mountPath": "/tmp"}]
    if service.config_files:
        volumes.append({"name": "config", "configMap": {"name": f"hub-{service.name}-config"}})
        mounts.append({"name": "config", "mountPath": CONFIG_DIR, "readOnly": True})
    volumes.append({"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}})
    if service.disk is None:
        volumes.append({"name": "data", "emptyDir": {}})
    return volumes, mounts


def _container(layout: ClusterLayout, service: ServiceShape, mounts: list[dict]) -> dict:
    env = [{"name": "HUB_KAFKA_SASL_USERNAME", "value": service.principal},
           {"name": "HUB_KAFKA_SASL_PASSWORD_FILE", "value": f"{USER_DIR}/password"},
           *({"name": k, "value": v} for k, v in sorted(service.env.items())),
           *({"name": k, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
             for k, (secret, key) in sorted(service.secret_env.items())),
           *({"name": k, "valueFrom": {"configMapKeyRef": {"name": f"hub-{service.name}-config", "key": key}}}
             for k, key in sorted(service.config_env.items()))]
    env_from = [{"configMapRef": {"name": "hub-settings"}}]
    if service.env_from_secret:
        env_from.append({"secretRef": {"name": service.env_from_secret}})
    return {
        "name": service.name, "image": layout.image, "imagePullPolicy": "IfNotPresent",
        "command": ["hub", *service.args],
        "envFrom": env_from, "env": env,
        "ports": [{"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": service.cpu_request, "memory": service.memory_request},
                      "limits": {"cpu": service.cpu_limit, "memory": service.memory_limit}},
        **_probes(),
        "volumeMounts": mounts,
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
    }


def _pod(layout: ClusterLayout, service: ServiceShape) -> dict:
    labels = {**PART_OF, "app.kubernetes.io/name": f"hub-{service.name}"}
    volumes, mounts = _volumes(layout, service)
    return {"metadata": {"labels": labels,
                         "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": str(METRICS_PORT)}},
            "spec": {"containers": [_container(layout, service, mounts)], "volumes": volumes,
                     "terminationGracePeriodSeconds": STOP_GRACE_S, "enableServiceLinks": False,
                     "securityContext": {"runAsNonRoot": True, "runAsUser": RUN_AS, "runAsGroup": RUN_AS,
                                         "fsGroup": RUN_AS, "fsGroupChangePolicy": "OnRootMismatch",
                                         "seccompProfile": {"type": "RuntimeDefault"}}}}


def workload(layout: ClusterLayout, service: ServiceShape) -> dict:
    """Return a service's workload: a StatefulSet with a volume per replica when it keeps tables, else a
    Deployment."""
    name = f"hub-{service.name}"
    selector = {"matchLabels": {"app.kubernetes.io/name": name}}
    spec = {"replicas": service.replicas, "selector": selector, "template": _pod(layout, service)}
    if service.disk is None:
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(layout, name), "spec": spec}
    claim = {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                     "resources": {"requests": {"storage": service.disk}}}}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": _meta(layout, name),
            "spec": {**spec, "serviceName": name, "podManagementPolicy": "Parallel",
                     "volumeClaimTemplates": [claim]}}


def metrics_service(layout: ClusterLayout, service: ServiceShape) -> dict:
    """Return the Service in front of a workload's metrics port (headless for a StatefulSet's pods)."""
    name = f"hub-{service.name}"
    spec = {"selector": {"app.kubernetes.io/name": name},
            "ports": [{"name": "metrics", "port": METRICS_PORT, "targetPort": "metrics"}]}
    if service.disk is not None:
        spec["clusterIP"] = "None"
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(layout, name), "spec": spec}


def disruption_budget(layout: ClusterLayout, service: ServiceShape) -> dict:
    """Return a PodDisruptionBudget that lets a drain take one replica at a time."""
    name = f"hub-{service.name}"
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(layout, name),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": name}}}}


def service_config(layout: ClusterLayout, service: ServiceShape) -> dict:
    """Return an example of the ConfigMap of a service's own files and values, for a site to write its own."""
    keys = [*service.config_files, *service.config_env.values()]
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(layout, f"hub-{service.name}-config"),
            "data": {key: EXAMPLE_FILES[key] for key in keys}}


def site_examples(layout: ClusterLayout) -> list[dict]:
    """Return examples of what a site writes itself (not applied with the rest): the sinks' ConfigMaps."""
    return [service_config(layout, service) for service in layout.services if service.config_files]


def refdata_job(layout: ClusterLayout) -> dict:
    """Return the Job that publishes the passports and reference books (`hub refdata load`) as the operator."""
    operator = ServiceShape("refdata-load", layout.operator_user, ("refdata", "load"), replicas=1,
                            cpu_request="100m", cpu_limit="1", memory_request="256Mi", memory_limit="512Mi")
    pod = _pod(layout, operator)
    pod["spec"]["restartPolicy"] = "OnFailure"
    for probe in ("livenessProbe", "readinessProbe"):
        pod["spec"]["containers"][0].pop(probe)
    pod["metadata"].pop("annotations")
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": _meta(layout, "hub-refdata-load"),
            "spec": {"backoffLimit": 20, "template": pod}}


def hub_workloads(layout: ClusterLayout, settings: HubSettings) -> list[dict]:
    """Return the namespace, settings and every service's workload, Service and budget."""
    documents = [namespace(layout), shared_settings(layout, settings), refdata_job(layout)]
    for service in layout.services:
        documents += [workload(layout, service), metrics_service(layout, service)]
        if service.replicas > 1:
            documents.append(disruption_budget(layout, service))
    return documents
