"""The one adapter over aiokafka's internals: fails when an upgrade changes what it relies on (no broker)."""

from __future__ import annotations

import inspect

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.offset import OffsetRequest_v1

from hub.kafka import _protocol

ROW = ("TOPIC", "hub.events.kz-75", "LITERAL", "User:region-kz-75", "*", "WRITE", "ALLOW")


def test_the_aiokafka_internals_the_adapter_uses_are_still_there():
    admin = AIOKafkaAdminClient.__init__
    assert "_client" in inspect.getsource(admin)  # the admin client's connection, which `send` goes through
    assert {"send", "get_random_node"} <= set(dir(AIOKafkaClient))
    assert "node_id" in inspect.signature(AIOKafkaClient.send).parameters


def test_acl_requests_encode_kafkas_codes():
    create = _protocol.CreateAcls([ROW]).build(_protocol.CreateAclsRequest_v1)
    assert create.creations == [(2, "hub.events.kz-75", 3, "User:region-kz-75", "*", 4, 3)]
    delete = _protocol.DeleteAcls([ROW]).build(_protocol.DeleteAclsRequest_v1)
    assert delete.filters == [(2, "hub.events.kz-75", 3, "User:region-kz-75", "*", 4, 3)]
    describe = _protocol.DescribeAcls().build(_protocol.DescribeAclsRequest_v1)
    assert describe.encode()  # encodes without error: any resource, pattern, principal, operation


def test_scram_requests_encode_as_flexible_v0_and_responses_decode():
    upsert = ("region-kz-75", "SCRAM-SHA-512", 8192, b"salt", b"s" * 64)
    request = _protocol.AlterScramUsers([upsert], [("old", "SCRAM-SHA-256")]).build(
        _protocol.AlterUserScramCredentialsRequest_v0)
    encoded = request.encode()
    assert b"region-kz-75" in encoded and b"s" * 64 in encoded and b"SCRAM" not in encoded  # mechanism is a code
    assert _protocol.DescribeScramUsers().build(_protocol.DescribeUserScramCredentialsRequest_v0).encode()
    response = _protocol.AlterUserScramCredentialsResponse_v0(0, [("region-kz-75", 0, None, {})], {})
    decoded = _protocol.AlterUserScramCredentialsResponse_v0.decode(response.encode())
    assert decoded.results == [("region-kz-75", 0, None, {})]


def test_list_offsets_asks_the_end_of_each_partition():
    request = _protocol.OffsetRequest(-1, 0, [("hub.register", [(0, _protocol.LATEST), (1, _protocol.LATEST)])])
    assert _protocol.OffsetRequest.API_KEY == 2
    struct = request.build(OffsetRequest_v1)
    assert struct.topics == [("hub.register", [(0, -1), (1, -1)])] and struct.encode()
