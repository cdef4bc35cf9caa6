"""Kafka requests aiokafka's admin client lacks (ACLs in bulk, SCRAM credentials, ListOffsets to a leader), on aiokafka's
protocol classes.

This is the one module that reaches into aiokafka beyond its public API (its protocol structs and the admin
client's connection); `tests/unit/kafka/test_protocol.py` fails when an upgrade changes what it relies on.
"""

from __future__ import annotations

from typing import Any

from aiokafka.protocol.admin import CreateAclsRequest_v1, DeleteAclsRequest_v1, DescribeAclsRequest_v1
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.offset import OffsetRequest
from aiokafka.protocol.types import CompactArray, CompactBytes, CompactString, Int8, Int16, Int32, Schema, TaggedFields

# Kafka's codes (org.apache.kafka.common.resource / acl).
RESOURCE_TYPES = {"TOPIC": 2, "GROUP": 3, "CLUSTER": 4, "TRANSACTIONAL_ID": 5}
PATTERN_TYPES = {"ANY": 1, "LITERAL": 3, "PREFIXED": 4}
OPERATIONS = {"ANY": 1, "ALL": 2, "READ": 3, "WRITE": 4, "CREATE": 5, "DELETE": 6, "ALTER": 7, "DESCRIBE": 8,
              "CLUSTER_ACTION": 9, "DESCRIBE_CONFIGS": 10, "ALTER_CONFIGS": 11, "IDEMPOTENT_WRITE": 12}
PERMISSIONS = {"ANY": 1, "DENY": 2, "ALLOW": 3}
SCRAM_MECHANISMS = {"SCRAM-SHA-256": 1, "SCRAM-SHA-512": 2}
ANY_RESOURCE = 1
LATEST = -1  # ListOffsets' timestamp for a partition's end
NOT_LED_YET = {3, 5, 6}  # UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER

AclRow = tuple[str, str, str, str, str, str, str]  # resource type, name, pattern, principal, host, operation, permission


def _names(codes: dict[str, int]) -> dict[int, str]:
    return {code: name for name, code in codes.items()}


class CreateAcls(Request[CreateAclsRequest_v1]):
    """Create many ACL bindings in one request."""

    API_KEY = 30

    def __init__(self, rows: list[AclRow]):
        """Keep the bindings to create."""
        self.rows = rows

    def build(self, request_struct_class: type[CreateAclsRequest_v1]) -> CreateAclsRequest_v1:
        """Encode the bindings with Kafka's codes."""
        return request_struct_class([_coded(row) for row in self.rows])


class DescribeAcls(Request[DescribeAclsRequest_v1]):
    """Describe every ACL binding of the cluster."""

    API_KEY = 29

    def build(self, request_struct_class: type[DescribeAclsRequest_v1]) -> DescribeAclsRequest_v1:
        """Ask for any resource, pattern, principal, host, operation and permission."""
        return request_struct_class(ANY_RESOURCE, None, PATTERN_TYPES["ANY"], None, None, OPERATIONS["ANY"],
                                    PERMISSIONS["ANY"])


class DeleteAcls(Request[DeleteAclsRequest_v1]):
    """Delete ACL bindings, each named exactly by a filter."""

    API_KEY = 31

    def __init__(self, rows: list[AclRow]):
        """Keep the bindings to delete."""
        self.rows = rows

    def build(self, request_struct_class: type[DeleteAclsRequest_v1]) -> DeleteAclsRequest_v1:
        """Encode one exact filter per binding."""
        return request_struct_class([_coded(row) for row in self.rows])


def _coded(row: AclRow) -> tuple:
    resource, name, pattern, principal, host, operation, permission = row
    return (RESOURCE_TYPES[resource], name, PATTERN_TYPES[pattern], principal, host, OPERATIONS[operation],
            PERMISSIONS[permission])


def described_rows(response: Any) -> list[AclRow]:
    """Return the bindings of a DescribeAcls response, in names; raise on its error code."""
    _raise_for(response.error_code, response.error_message)
    resources, patterns = _names(RESOURCE_TYPES), _names(PATTERN_TYPES)
    operations, permissions = _names(OPERATIONS), _names(PERMISSIONS)
    rows = []
    for resource_type, name, pattern, acls in response.resources:
        for principal, host, operation, permission in acls:
            rows.append((resources.get(resource_type, str(resource_type)), name, patterns.get(pattern, str(pattern)),
                         principal, host, operations.get(operation, str(operation)),
                         permissions.get(permission, str(permission))))
    return rows


def _raise_for(code: int, message: str | None) -> None:
    if code:
        from aiokafka.errors import for_code

        raise for_code(code)(message or "")


def raise_for_results(codes: list[tuple[int, str | None]]) -> None:
    """Raise the first error of a response's per-item results."""
    for code, message in codes:
        _raise_for(code, message)


class DescribeUserScramCredentialsResponse_v0(Response):
    """Which users have which SCRAM mechanisms (KIP-554)."""

    API_KEY = 50
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32), ("error_code", Int16), ("error_message", CompactString("utf-8")),
        ("results", CompactArray(("user", CompactString("utf-8")), ("error_code", Int16),
                                 ("error_message", CompactString("utf-8")),
                                 ("credential_infos", CompactArray(("mechanism", Int8), ("iterations", Int32),
                                                                   ("tags", TaggedFields))),
                                 ("tags", TaggedFields))),
        ("tags", TaggedFields))


class DescribeUserScramCredentialsRequest_v0(RequestStruct):
    """Ask for the SCRAM credentials of every user (no user list)."""

    FLEXIBLE_VERSION = True
    API_KEY = 50
    API_VERSION = 0
    RESPONSE_TYPE = DescribeUserScramCredentialsResponse_v0
    SCHEMA = Schema(("users", CompactArray(("name", CompactString("utf-8")), ("tags", TaggedFields))),
                    ("tags", TaggedFields))


class DescribeScramUsers(Request[DescribeUserScramCredentialsRequest_v0]):
    """Describe the SCRAM credentials of every user."""

    API_KEY = 50

    def build(self, request_struct_class):
        """Ask for every user."""
        return request_struct_class(None, {})


class AlterUserScramCredentialsResponse_v0(Response):
    """The result of each user's change."""

    API_KEY = 51
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("results", CompactArray(("user", CompactString("utf-8")), ("error_code", Int16),
                                 ("error_message", CompactString("utf-8")), ("tags", TaggedFields))),
        ("tags", TaggedFields))


class AlterUserScramCredentialsRequest_v0(RequestStruct):
    """Delete and upsert SCRAM credentials; the client sends the salted password, never the password."""

    FLEXIBLE_VERSION = True
    API_KEY = 51
    API_VERSION = 0
    RESPONSE_TYPE = AlterUserScramCredentialsResponse_v0
    SCHEMA = Schema(
        ("deletions", CompactArray(("name", CompactString("utf-8")), ("mechanism", Int8), ("tags", TaggedFields))),
        ("upsertions", CompactArray(("name", CompactString("utf-8")), ("mechanism", Int8), ("iterations", Int32),
                                    ("salt", CompactBytes), ("salted_password", CompactBytes),
                                    ("tags", TaggedFields))),
        ("tags", TaggedFields))


class AlterScramUsers(Request[AlterUserScramCredentialsRequest_v0]):
    """Upsert (user, mechanism, iterations, salt, salted password) and delete (user, mechanism) credentials."""

    API_KEY = 51

    def __init__(self, upserts: list[tuple[str, str, int, bytes, bytes]], deletions: list[tuple[str, str]]):
        """Keep the changes."""
        self.upserts, self.deletions = upserts, deletions

    def build(self, request_struct_class):
        """Encode the changes with Kafka's mechanism codes."""
        return request_struct_class(
            [(name, SCRAM_MECHANISMS[mechanism], {}) for name, mechanism in self.deletions],
            [(name, SCRAM_MECHANISMS[mechanism], iterations, salt, salted, {})
             for name, mechanism, iterations, salt, salted in self.upserts], {})


async def partitions_not_led(admin: Any, leaders: dict[int, dict[str, list[int]]]) -> list[tuple[str, int]]:
    """Ask each broker, by a ListOffsets, for the ends of the partitions the metadata says it leads; return
    those whose broker does not lead them yet (no log is written for it, unlike the consumer's retries); any
    other refusal, an ACL's, is not waited on."""
    client, not_led = admin._client, []
    for node_id, topics in leaders.items():
        request = OffsetRequest(-1, 0, [(topic, [(partition, LATEST) for partition in partitions])
                                        for topic, partitions in topics.items()])
        response = await client.send(node_id, request)
        not_led += [(topic, partition) for topic, answers in response.topics
                    for partition, error_code, *_ in answers if error_code in NOT_LED_YET]
    return not_led


async def send(admin: Any, request: Request) -> Any:
    """Send a request through a started AIOKafkaAdminClient to any broker and return the response."""
    client = admin._client
    return await client.send(client.get_random_node(), request)


__all__ = ["AlterScramUsers", "CreateAcls", "DeleteAcls", "DescribeAcls", "DescribeScramUsers", "described_rows",
           "NOT_LED_YET", "partitions_not_led", "raise_for_results", "send"]
