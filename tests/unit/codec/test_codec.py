"""The Avro contract: round trips, single-object framing, old writers, garbage."""

from __future__ import annotations

import copy
import json

import pytest
from fastavro.schema import fingerprint as fastavro_fingerprint
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from hub.codec import MARKER, AvroCodec, SchemaRegistry, crc64_avro
from hub.errors import (
    CodecError,
    EncodeError,
    MalformedPayloadError,
    NotSingleObjectError,
    UnknownFingerprintError,
)
from hub.kafka.topics import all_topics
from tests.samples import EVENT, SAMPLES


@pytest.mark.parametrize("name,value", [(n, v) for n, vs in SAMPLES.items() for v in vs])
def test_every_sample_round_trips(codec: AvroCodec, name: str, value: dict) -> None:
    message = codec.encode(name, value)
    decoded = codec.decode(message, expect=name)
    assert decoded.value == value
    assert decoded.schema == f"kz.mvd.records.{name}"


def test_every_topic_schema_has_a_realistic_sample() -> None:
    topic_schemas = {spec.schema.rsplit(".", 1)[-1] for spec in all_topics()}
    assert topic_schemas - {"RecordTypePassport"} <= set(SAMPLES)


def test_kazakh_and_russian_text_survive(codec: AvroCodec) -> None:
    value = codec.decode(codec.encode("RecordEvent", EVENT)).value
    assert value["document"]["surname"] == "Сейтқалиев"
    assert "розыск" in value["note"] and "қаулысымен" in value["note"]


def test_message_is_single_object_encoded(codec: AvroCodec, registry: SchemaRegistry) -> None:
    message = codec.encode("RecordEvent", EVENT)
    assert message[:2] == MARKER == b"\xc3\x01"
    assert message[2:10] == registry.schema("RecordEvent").fingerprint


def test_fingerprint_is_crc64_avro_of_canonical_form(registry: SchemaRegistry) -> None:
    # The Avro specification's vector: CRC-64-AVRO of "null" is 0x63dd24e7cc258f8a.
    assert crc64_avro(b'"null"') == 0x63DD24E7CC258F8A
    for version in registry.current.values():
        expected = fastavro_fingerprint(version.canonical_form, "CRC-64-AVRO")
        assert version.fingerprint.hex() == expected


def test_old_writer_is_read_through_the_current_schema(registry: SchemaRegistry) -> None:
    old = copy.deepcopy(registry.schema("RecordEvent").json_schema)
    old["fields"] = [f for f in old["fields"] if f["name"] not in ("note", "source_sequence")]
    local = SchemaRegistry(registry.current, registry.by_fingerprint.values())
    old_version = local.add_writer(old)
    old_codec = AvroCodec(SchemaRegistry({old_version.fullname: old_version}))
    value = {k: v for k, v in EVENT.items() if k not in ("note", "source_sequence")}
    message = old_codec.encode("RecordEvent", value)
    assert message[2:10] == old_version.fingerprint != registry.schema("RecordEvent").fingerprint
    decoded = AvroCodec(local).decode(message)
    assert decoded.value == {**value, "note": None, "source_sequence": 0}


def test_unknown_writer_is_a_typed_error(codec: AvroCodec) -> None:
    message = codec.encode("RecordEvent", EVENT)
    with pytest.raises(UnknownFingerprintError):
        codec.decode(message[:2] + b"\x00" * 8 + message[10:])


@pytest.mark.parametrize("message", [b"", b"\xc3", b"\xc3\x01\x00", b"{\"json\": true}", b"\x00" * 40])
def test_not_single_object(codec: AvroCodec, message: bytes) -> None:
    with pytest.raises(NotSingleObjectError):
        codec.decode(message)


def test_truncated_and_padded_bodies_are_malformed(codec: AvroCodec) -> None:
    message = codec.encode("RecordEvent", EVENT)
    with pytest.raises(MalformedPayloadError):
        codec.decode(message[:-20])
    with pytest.raises(MalformedPayloadError):
        codec.decode(message + b"\x00\x01")


def test_wrong_schema_is_refused_when_a_schema_is_expected(codec: AvroCodec) -> None:
    with pytest.raises(CodecError):
        codec.decode(codec.encode("ReferenceEntry", SAMPLES["ReferenceEntry"][0]), expect="RecordEvent")


def test_value_that_does_not_fit_is_an_encode_error(codec: AvroCodec) -> None:
    with pytest.raises(EncodeError):
        codec.encode("RecordEvent", {**EVENT, "version": "one"})
    with pytest.raises(EncodeError):
        codec.encode("RecordEvent", {k: v for k, v in EVENT.items() if k != "record_id"})


def assert_a_message_of_its_schema(codec: AvroCodec, decoded) -> None:
    """What a decode lets through is a whole value of its schema: it encodes again, to the same value."""
    from hub.domain.validation import hinted

    short_name = decoded.schema.rsplit(".", 1)[-1]
    again = codec.decode(codec.encode(short_name, hinted(decoded.value)))
    assert again.schema == decoded.schema and again.value == decoded.value
    json.dumps(decoded.value, default=str)


@hsettings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_bytes_give_a_typed_error_never_a_crash(codec: AvroCodec, garbage: bytes) -> None:
    try:
        decoded = codec.decode(garbage)
    except CodecError as exc:
        assert str(exc)  # says what is wrong
        return
    assert_a_message_of_its_schema(codec, decoded)


@hsettings(max_examples=300, deadline=None)
@given(st.data())
def test_corrupted_real_messages_give_a_typed_error_or_a_whole_value(codec: AvroCodec, data) -> None:
    message = bytearray(codec.encode("RecordEvent", EVENT))
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(10, len(message) - 1))
        message[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(10, len(message)))
    try:
        decoded = codec.decode(bytes(message[:cut]))
    except CodecError as exc:
        assert str(exc)
        return
    assert cut == len(message) or decoded.value != EVENT  # a cut message is never read as the whole one
    assert_a_message_of_its_schema(codec, decoded)
    assert set(decoded.value) == set(EVENT)  # no field lost or made up


def test_a_change_built_around_an_encoded_record_equals_one_encoded_whole(codec: AvroCodec) -> None:
    from tests.samples import CHANGE, REGISTER_RECORD

    record = codec.encode("RegisterRecord", REGISTER_RECORD)
    change = {**CHANGE, "state": REGISTER_RECORD}
    assert codec.encode_with_last("RegisterChange", change, record) == codec.encode("RegisterChange", change)
    assert codec.decode(codec.encode_with_last("RegisterChange", change, record)).value == change


def test_prefix_reader_reads_leading_fields_as_a_full_decode_does(codec):
    from tests.samples import REGISTER_RECORD

    read = codec.prefix_reader("RegisterRecord", "last_event_id")
    for variant in (REGISTER_RECORD, {**REGISTER_RECORD, "status": "REMOVED", "removed_at": 5, "purge_after": -7,
                                      "record_id": "KZ-75-ЖОҚ-" + "я" * 300, "version": 2 ** 31 - 1}):
        message = codec.encode("RegisterRecord", variant)
        leading = read(message)
        assert list(leading) == [f["name"] for f in codec.registry.schema("RegisterRecord").json_schema["fields"]
                                 ][:len(leading)]
        assert leading == {k: codec.decode(message).value[k] for k in leading}
        assert "last_event_id" not in leading and "document" not in leading
    assert read(codec.encode("RecordEvent", EVENT)) is None  # another writer: decode it in full
