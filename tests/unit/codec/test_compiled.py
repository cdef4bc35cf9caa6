"""Compiled Avro writers and readers against fastavro, for generated values of every schema of the contract."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_reader, schemaless_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.codec.compiled import Encoded, compile_reader, compile_writer
from hub.codec.compiled._types import (
    INT_MAX,
    INT_MIN,
    LONG_MAX,
    LONG_MIN,
    NamedTypes,
    branch_name,
)
from hub.codec.registry import without_logical_types
from hub.errors import EncodeError, MalformedPayloadError
from tests.samples import CHECK_REQUEST, PERSON, REGISTER_RECORD, SAMPLES, THING

ODD_VALUES = [None, True, False, 1.5, "x", b"x", 2**40, 2**70, -(2**64), [], {}, ("kz.mvd.records.PersonCard", {})]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def values_of(schema: Any, named: NamedTypes, node: Any = None, space: str = "") -> st.SearchStrategy:
    """Return a strategy of values that fit a type node (the whole schema by default)."""
    node, space = named.resolve(schema if node is None else node, space)
    if isinstance(node, str):
        return {"null": st.none(), "boolean": st.booleans(), "int": st.integers(INT_MIN, INT_MAX),
                "long": st.integers(LONG_MIN, LONG_MAX), "float": st.floats(width=32, allow_nan=False),
                "double": st.floats(allow_nan=False), "bytes": st.binary(max_size=20),
                "string": st.text(max_size=20)}[node]
    if isinstance(node, list):
        records = [n for n in (named.resolve(b, space) for b in node) if isinstance(n[0], dict)]
        branches = [values_of(schema, named, branch, space) for branch in node]
        if len(records) > 1:  # a union of records is also written from (full name, value) hints
            branches += [values_of(schema, named, n, s).map(lambda v, n=n, s=s: (branch_name(n, s), v))
                         for n, s in records]
        return st.one_of(branches)
    kind = node["type"]
    if kind == "enum":
        return st.sampled_from(node["symbols"])
    if kind == "fixed":
        return st.binary(min_size=node["size"], max_size=node["size"])
    if kind == "array":
        return st.lists(values_of(schema, named, node["items"], space), max_size=3)
    if kind == "map":
        return st.dictionaries(st.text(max_size=8), values_of(schema, named, node["values"], space), max_size=3)
    field_space = branch_name(node, space).rsplit(".", 1)[0]
    return st.fixed_dictionaries({f["name"]: values_of(schema, named, f["type"], field_space)
                                  for f in node["fields"]})


@st.composite
def damaged(draw, value: Any) -> Any:
    """Return value with one part somewhere inside it replaced, removed or added."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        return {**value, key: draw(damaged(value[key]))}
    if isinstance(value, list) and value and draw(st.booleans()):
        at = draw(st.integers(0, len(value) - 1))
        return value[:at] + [draw(damaged(value[at]))] + value[at + 1:]
    if isinstance(value, tuple) and len(value) == 2 and draw(st.booleans()):
        return value[0], draw(damaged(value[1]))
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        return {k: v for k, v in value.items() if k != key} if draw(st.booleans()) else {**value, "zz_extra": 1}
    return draw(st.sampled_from(ODD_VALUES))


def fastavro_write(parsed: Any, value: Any) -> bytes | None:
    """Return fastavro's strict body of value, or None where fastavro refuses it."""
    buffer = io.BytesIO()
    try:
        schemaless_writer(buffer, parsed, value, strict_allow_default=True)
    except Exception:  # noqa: BLE001 - any refusal
        return None
    return buffer.getvalue()


@pytest.fixture(scope="module")
def compiled(registry) -> dict[str, tuple]:
    """Return per schema name: its plain schema, fastavro's parsed form, compiled writer and reader."""
    out = {}
    for name, version in registry.current.items():
        plain = without_logical_types(version.json_schema)
        out[name] = (plain, parse_schema(plain), compile_writer(plain), compile_reader(plain))
    return out


@SETTINGS
@given(data=st.data())
def test_a_compiled_writer_writes_the_bytes_fastavro_writes(compiled, data):
    name = data.draw(st.sampled_from(sorted(compiled)))
    plain, parsed, write, _ = compiled[name]
    value = data.draw(values_of(plain, NamedTypes(plain)))
    assert write(value, b"\xc3\x01") == b"\xc3\x01" + fastavro_write(parsed, value)


@SETTINGS
@given(data=st.data())
def test_a_compiled_writer_never_writes_what_fastavro_would_not(compiled, data):
    name = data.draw(st.sampled_from(sorted(compiled)))
    plain, parsed, write, _ = compiled[name]
    value = data.draw(values_of(plain, NamedTypes(plain)).flatmap(damaged))
    try:
        written = write(value)
    except Exception:  # noqa: BLE001 - left to fastavro: whatever it does is the answer
        return
    assert written == fastavro_write(parsed, value)


@SETTINGS
@given(data=st.data())
def test_a_compiled_reader_reads_what_fastavro_reads(compiled, data):
    name = data.draw(st.sampled_from(sorted(compiled)))
    plain, parsed, write, read = compiled[name]
    body = fastavro_write(parsed, data.draw(values_of(plain, NamedTypes(plain))))
    assert read(b"xx" + body, 2) == (schemaless_reader(io.BytesIO(body), parsed, None), len(body) + 2)


@SETTINGS
@given(data=st.data())
def test_a_compiled_reader_refuses_damaged_bytes_or_reads_them_as_fastavro(compiled, data):
    name = data.draw(st.sampled_from(sorted(compiled)))
    plain, parsed, _, read = compiled[name]
    body = bytearray(fastavro_write(parsed, data.draw(values_of(plain, NamedTypes(plain)))))
    if body and data.draw(st.booleans()):
        body[data.draw(st.integers(0, len(body) - 1))] = data.draw(st.integers(0, 255))
    else:
        body = body[:data.draw(st.integers(0, max(len(body) - 1, 0)))]
    body = bytes(body)
    try:
        value, end = read(body, 0)
    except Exception:  # noqa: BLE001 - refused
        return
    stream = io.BytesIO(body)
    assert value == schemaless_reader(stream, parsed, None) and end == stream.tell()


def test_a_subject_given_in_part_is_left_to_fastavro_which_fills_the_defaults(codec, compiled):
    _, parsed, write, _ = compiled["kz.mvd.records.CheckRequest"]
    request = {**CHECK_REQUEST, "subject": {"serial": "ТТ-1234"}}  # a FirearmSubject's make left out
    with pytest.raises(KeyError):
        write(request)
    message = codec.encode("CheckRequest", request)
    assert message[10:] == fastavro_write(parsed, request)
    assert codec.decode(message).value["subject"] == {"serial": "ТТ-1234", "make": None}


def test_a_union_of_records_takes_a_plain_dict_by_its_keys(compiled):
    _, parsed, write, _ = compiled["kz.mvd.records.RegisterRecord"]
    for document in (PERSON, THING, None):
        record = {**REGISTER_RECORD, "document": document}
        assert write(record) == fastavro_write(parsed, record)


def test_a_value_that_fits_no_schema_is_an_encode_error(codec):
    with pytest.raises(EncodeError):
        codec.encode("RegisterRecord", {**REGISTER_RECORD, "status": "NOPE"})
    with pytest.raises(EncodeError):
        codec.encode("RegisterRecord", {**REGISTER_RECORD, "version": "1"})


def test_a_compiled_reader_refuses_trailing_bytes_and_negative_lengths(codec):
    message = codec.encode("DueAction", SAMPLES["DueAction"][0])
    with pytest.raises(MalformedPayloadError, match="trailing"):
        codec.decode(message + b"\x00")
    with pytest.raises(MalformedPayloadError):
        codec.decode(message[:10] + b"\x01" + message[11:])  # a record id of length -1


def test_a_document_kept_encoded_is_written_back_as_the_same_bytes(codec):
    field = "kz.mvd.records.RegisterRecord.document"
    for document in (PERSON, THING, None):
        message = codec.encode("RegisterRecord", {**REGISTER_RECORD, "document": document})
        state = codec.decode_encoded(message, "RegisterRecord", field)
        assert isinstance(state["document"], Encoded)
        assert codec.encode("RegisterRecord", state) == message
        assert codec.encode("RegisterRecord", {**state, "version": 2}) == \
            codec.encode("RegisterRecord", {**REGISTER_RECORD, "document": document, "version": 2})


def test_the_copies_of_event_documents_are_their_bytes_in_the_batch(codec):
    batch = SAMPLES["RecordEventBatch"][0]
    message = codec.encode("RecordEventBatch", batch)
    value, copies = codec.decode_copies(message, "kz.mvd.records.RecordEventBatch",
                                        "kz.mvd.records.RecordEvent.document")
    assert value == codec.decode(message).value and len(copies) == len(batch["events"])
    for event, copy in zip(batch["events"], copies):
        assert bytes(copy) in message
        assert codec.encode("RegisterRecord", {**REGISTER_RECORD, "document": copy}) == \
            codec.encode("RegisterRecord", {**REGISTER_RECORD, "document": event["document"]})


def test_an_encoded_part_goes_to_fastavro_decoded_when_fastavro_must_write(codec):
    message = codec.encode("RegisterRecord", REGISTER_RECORD)
    state = codec.decode_encoded(message, "RegisterRecord", "kz.mvd.records.RegisterRecord.document")
    partial = {k: v for k, v in state.items() if k != "term_notice_sent_at"}  # a default fastavro fills in
    assert codec.encode("RegisterRecord", partial) == message
    foreign = {**state, "document": Encoded(bytes(state["document"]), "another type")}
    with pytest.raises(EncodeError):
        codec.encode("RegisterRecord", foreign)  # never copied into a field of another type


def _view_of(named: NamedTypes, node: Any, space: str, value: Any, kept: dict) -> Any:
    """Return a value read by fastavro (union records as (name, value)) as a view reader should give it."""
    node, space = named.resolve(node, space)
    if isinstance(node, list):
        if isinstance(value, tuple):
            return _view_of(named, value[0], space, value[1], kept)
        kinds = {dict: ("record", "map"), list: ("array",)}.get(type(value))
        branch = next((b for b in node if kinds and isinstance(named.resolve(b, space)[0], dict)
                       and named.resolve(b, space)[0]["type"] in kinds), None)
        return value if branch is None else _view_of(named, branch, space, value, kept)
    if isinstance(node, str) or node["type"] in ("enum", "fixed"):
        return value
    if node["type"] == "array":
        return [_view_of(named, node["items"], space, item, kept) for item in value]
    if node["type"] == "map":
        return {key: _view_of(named, node["values"], space, item, kept) for key, item in value.items()}
    name = branch_name(node, space)
    field_space = name.rsplit(".", 1)[0]
    fields = kept.get(name, [f["name"] for f in node["fields"]])
    return {f["name"]: _view_of(named, f["type"], field_space, value[f["name"]], kept)
            for f in node["fields"] if f["name"] in fields}


@SETTINGS
@given(data=st.data())
def test_a_view_reader_reads_the_kept_fields_as_the_full_reader_does(compiled, data):
    name = data.draw(st.sampled_from(sorted(compiled)))
    plain, parsed, _, _ = compiled[name]
    named = NamedTypes(plain)
    records = sorted(full for full, node in named.nodes.items() if node["type"] in ("record", "error"))
    kept = {record: data.draw(st.sets(st.sampled_from([f["name"] for f in named.nodes[record]["fields"]])))
            for record in data.draw(st.sets(st.sampled_from(records)) if records else st.just(set()))
            if named.nodes[record]["fields"]}
    body = fastavro_write(parsed, data.draw(values_of(plain, named)))
    full = schemaless_reader(io.BytesIO(body), parsed, None, return_record_name=True)
    assert compile_reader(plain, kept=kept)(b"xx" + body, 2) == (_view_of(named, plain, "", full, kept), len(body) + 2)


def test_the_matcher_view_of_a_register_record_keeps_what_the_index_reads(codec):
    from hub.services.matcher import INDEX_VIEW

    view = codec.view_reader("RegisterRecord", INDEX_VIEW)(codec.encode("RegisterRecord", REGISTER_RECORD))
    assert set(view) == {"record_id", "object_kind", "version", "status", "document"}
    assert view["document"]["surname"] == REGISTER_RECORD["document"]["surname"]
    assert "owner_unit" not in view and "registered_address" not in view["document"]
    with pytest.raises(MalformedPayloadError):
        codec.view_reader("RegisterRecord", INDEX_VIEW)(codec.encode("RegisterRecord", REGISTER_RECORD)[:-3])


def test_a_varint_beyond_64_bits_is_refused_not_wrapped_around() -> None:
    read = compile_reader({"type": "record", "name": "L", "fields": [{"name": "n", "type": "long"}]})
    assert read(b"\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 0) == ({"n": 2**63 - 1}, 10)
    with pytest.raises(Exception, match="64 bits"):
        read(b"\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x03", 0)  # fastavro reads it as a wrapped-around long
