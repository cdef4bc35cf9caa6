"""The AsyncAPI 3.0 document for integrators, generated from the topic definitions in code."""

from __future__ import annotations

from typing import Any

import yaml

from hub import __version__
from hub.kafka.topics import CENTRAL_SCOPE, FAMILIES, SHARED_TOPICS, TopicFamily, TopicSpec
from hub.settings import HubSettings

AVRO_FORMAT = "application/vnd.apache.avro+json;version=1.11.1"
HUB_ROLES = ("aggregator", "matcher", "reconciler")


def _camel(text: str) -> str:
    parts = text.replace(".", " ").replace("-", " ").split()
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def _message_name(schema: str) -> str:
    return schema.rsplit(".", 1)[-1]


def _schemas(spec: TopicSpec) -> tuple[str, ...]:
    return (spec.schema, *spec.extra_schemas)


def _kafka_binding(spec: TopicSpec, settings: HubSettings) -> dict[str, Any]:
    config = spec.config(settings)
    topic_config: dict[str, Any] = {"cleanup.policy": [config["cleanup.policy"]]}
    if "retention.ms" in config:
        topic_config["retention.ms"] = int(config["retention.ms"])
    return {"kafka": {"partitions": spec.partition_count(settings),
                      "replicas": settings.replication_factor,
                      "topicConfiguration": topic_config, "bindingVersion": "0.5.0"}}


def _channel(spec: TopicSpec, settings: HubSettings, address: str) -> dict[str, Any]:
    names = [_message_name(s) for s in _schemas(spec)]
    return {
        "address": address, "title": spec.title, "description": spec.description,
        "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in names},
        "bindings": _kafka_binding(spec, settings),
        "x-key": spec.key, "x-producers": list(spec.producers), "x-consumers": list(spec.consumers),
    }


def _operations(channel_id: str, spec: TopicSpec) -> dict[str, Any]:
    ops = {}
    ref = {"$ref": f"#/channels/{channel_id}"}
    message = [{"$ref": f"#/channels/{channel_id}/messages/{_message_name(s)}"} for s in _schemas(spec)]
    if any(p in HUB_ROLES for p in spec.producers):
        ops[f"send{channel_id[0].upper()}{channel_id[1:]}"] = {
            "action": "send", "channel": ref, "messages": message,
            "summary": f"The hub ({', '.join(p for p in spec.producers if p in HUB_ROLES)}) publishes.",
        }
    if any(c in HUB_ROLES for c in spec.consumers):
        ops[f"receive{channel_id[0].upper()}{channel_id[1:]}"] = {
            "action": "receive", "channel": ref, "messages": message,
            "summary": f"The hub ({', '.join(c for c in spec.consumers if c in HUB_ROLES)}) consumes.",
        }
    return ops


def _message(spec: TopicSpec, schema: str) -> dict[str, Any]:
    name = _message_name(schema)
    return {
        "name": name, "title": name, "contentType": "application/octet-stream",
        "summary": "Avro single-object encoding: C3 01, the writer schema's 8-byte CRC-64-AVRO "
                   "fingerprint (little-endian), then the Avro binary body.",
        "payload": {"schemaFormat": AVRO_FORMAT, "schema": {"$ref": f"avro/{schema}.avsc"}},
        "bindings": {"kafka": {"key": {"type": "string", "description": spec.key},
                               "bindingVersion": "0.5.0"}},
    }


def _family_channel(family: TopicFamily, settings: HubSettings) -> dict[str, Any]:
    spec = family.spec(family.scopes[0])
    channel = _channel(spec, settings, settings.topic(f"{family.base}.{{scope}}"))
    channel["parameters"] = {"scope": {
        "description": "ISO 3166-2:KZ region code in lower case, or kz for the central units"
                       if CENTRAL_SCOPE in family.scopes else "ISO 3166-2:KZ region code in lower case",
        "enum": [c.lower() for c in family.scopes]}}
    channel["title"] = family.title
    channel["description"] = "One topic per scope: " + family.description.format(scope="{scope}")
    channel["x-producers"] = [p.format(scope="{scope}") for p in family.producers]
    channel["x-consumers"] = [c.format(scope="{scope}") for c in family.consumers]
    return channel


def document(settings: HubSettings) -> dict[str, Any]:
    """Return the AsyncAPI 3.0 document of every topic under the settings' prefix."""
    channels = {_camel(f.base): _family_channel(f, settings) for f in FAMILIES}
    channels.update({_camel(spec.suffix): _channel(spec, settings, spec.name(settings)) for spec in SHARED_TOPICS})
    specs = [(_camel(f.base), f.spec(f.scopes[0])) for f in FAMILIES] + [(_camel(s.suffix), s) for s in SHARED_TOPICS]
    operations: dict[str, Any] = {}
    for channel_id, spec in specs:
        operations.update(_operations(channel_id, spec))
    messages = {_message_name(schema): _message(spec, schema) for _, spec in specs for schema in _schemas(spec)}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Records hub of the internal affairs bodies of Kazakhstan", "version": __version__,
            "description": "Message contract of the hub that joins regional departmental and "
                           "operational records into the central register and answers checks "
                           "(Order No. 577 of 2014). Every message is Avro, single-object encoded; "
                           "every key is a UTF-8 string.",
        },
        "defaultContentType": "application/octet-stream",
        "servers": {"local": {"host": "127.0.0.1:9092", "protocol": "kafka", "security": [
            {"$ref": "#/components/securitySchemes/scram"}],
            "description": "The local broker ./deploy/up starts: TLS with the run folder's CA, SASL/SCRAM-SHA-512."}},
        "channels": channels, "operations": operations, "components": {"messages": messages, "securitySchemes": {"scram": {
            "type": "scramSha512", "description": "SASL/SCRAM-SHA-512 over TLS; one principal per regional system "
                                                  "(hub access add-system REGION) and per hub service."}}},
    }


def render(settings: HubSettings) -> str:
    """Return the document as YAML text."""
    return yaml.safe_dump(document(settings), allow_unicode=True, sort_keys=False, width=100)
