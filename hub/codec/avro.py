"""Encoding and decoding of hub messages as Avro single objects."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Callable, Collection, Mapping

from fastavro import parse_schema, schemaless_reader, schemaless_writer
from fastavro.validation import ValidationError, validate

from hub.codec.compiled import (
    Encoded,
    compile_reader,
    compile_writer,
    composite_fields,
    field_type,
    write_long,
)
from hub.codec.registry import SchemaRegistry, SchemaVersion, without_logical_types
from hub.codec.single_object import HEADER_SIZE, MARKER, frame, split
from hub.errors import CodecError, EncodeError, MalformedPayloadError

FASTAVRO_WRITE_ERRORS = (ValidationError, ValueError, TypeError, KeyError, AttributeError, OverflowError)


@dataclass(frozen=True)
class Decoded:
    """A decoded message: the full name of its schema and its value."""

    schema: str
    value: dict[str, Any]


class AvroCodec:
    """Writes values with the current schema; reads any known writer through the current one."""

    def __init__(self, registry: SchemaRegistry):
        """Use the schemas of a registry."""
        self.registry = registry
        self._heads: dict[str, tuple[Any, Callable[[Any], bytes]]] = {}
        self._writers: dict[str, Callable[[Any, bytes], bytes]] = {}
        self._readers: dict[tuple, Callable[..., tuple[Any, int]]] = {}
        self._type_readers: dict[str, Callable[[bytes, int], tuple[Any, int]]] = {}  # of Encoded values, by type id

    def encode(self, schema_name: str, value: dict[str, Any]) -> bytes:
        """Return value written with the current schema of schema_name, as a single object."""
        version = self.registry.schema(schema_name)
        write = self._writers.get(version.fullname) or self._compile_writer(version)
        try:
            return write(value, MARKER + version.fingerprint)
        except Exception:  # the compiled writer leaves this value to fastavro, which decides or refuses
            return frame(version.fingerprint, self._fastavro_write(version, version.fast, value))

    def _fastavro_write(self, version: SchemaVersion, parsed: Any, value: dict[str, Any]) -> bytes:
        buffer = io.BytesIO()
        try:
            schemaless_writer(buffer, parsed, self._decoded(value), strict_allow_default=True)
        except FASTAVRO_WRITE_ERRORS as exc:
            raise EncodeError(f"value does not fit {version.fullname}: {exc}", _misfit(parsed, value)) from exc
        return buffer.getvalue()

    def _compile_writer(self, version: SchemaVersion) -> Callable[[Any, bytes], bytes]:
        plain = without_logical_types(version.json_schema)
        write = self._writers[version.fullname] = compile_writer(plain, encoded=composite_fields(plain))
        return write

    def _decoded(self, value: Any) -> Any:
        """Return value with every Encoded part in it decoded (for fastavro, which cannot copy them)."""
        if value.__class__ is Encoded:
            return self._type_readers[value.type_id](value, 0)[0]
        if isinstance(value, dict):
            return {key: self._decoded(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self._decoded(item) for item in value)
        return value

    def encode_with_last(self, schema_name: str, value: dict[str, Any], last: bytes) -> bytes:
        """Return value as a single object whose last field, a ["null", record] union, is the given
        single object of that record: its body is reused, not written again."""
        version = self.registry.schema(schema_name)
        head = self._write_head(version, value, "union")
        _, body = split(last)
        return frame(version.fingerprint, head + b"\x02" + bytes(body))

    def encode_with_items(self, schema_name: str, value: dict[str, Any], items: list[bytes]) -> bytes:
        """Return value as a single object whose last field, an array of records, holds the given
        single objects of that record: their bodies are reused, not written again."""
        version = self.registry.schema(schema_name)
        head = self._write_head(version, value, "array")
        block = b"".join(bytes(split(item)[1]) for item in items)
        count = write_long(len(items)) if items else b""
        return frame(version.fingerprint, head + count + block + b"\x00")

    def _write_head(self, version: SchemaVersion, value: dict[str, Any], last_kind: str) -> bytes:
        """Return the body of value's fields before the last (value may hold the last one or not)."""
        head, write = self._head_schema(version, last_kind)
        try:
            return write(value)
        except Exception:  # left to fastavro, as in encode
            last_name = version.json_schema["fields"][-1]["name"]
            return self._fastavro_write(version, head, {k: v for k, v in value.items() if k != last_name})

    def _head_schema(self, version: SchemaVersion, last_kind: str) -> tuple[Any, Callable[[Any], bytes]]:
        """Return the parsed schema of a record without its last field, and a compiled writer of those
        fields from a value that holds the last one too."""
        head = self._heads.get(version.fullname)
        if head is None:
            fields = version.json_schema["fields"]
            last = fields[-1]["type"]
            fits = (last_kind == "union" and isinstance(last, list) and len(last) == 2 and last[0] == "null") or \
                   (last_kind == "array" and isinstance(last, dict) and last.get("type") == "array")
            if not fits:
                raise EncodeError(f"the last field of {version.fullname} is not a {last_kind} of records")
            schema = without_logical_types({**version.json_schema, "name": version.json_schema["name"] + "Head",
                                            "fields": fields[:-1]})
            head = self._heads[version.fullname] = (parse_schema(schema),
                                                    compile_writer(schema, ignored_field=fields[-1]["name"]))
        return head

    def prefix_reader(self, schema_name: str, until: str) -> Callable[[bytes], dict[str, Any] | None]:
        """Return a function reading the fields before `until` of a single object written with the current
        schema of schema_name; it returns None for any other writer (decode those in full)."""
        version = self.registry.schema(schema_name)
        names = [field["name"] for field in version.json_schema["fields"]]
        if until not in names:
            raise ValueError(f"{version.fullname} has no field {until}")
        schema = {**version.json_schema, "fields": version.json_schema["fields"][:names.index(until)]}
        read_body = compile_reader(without_logical_types(schema))
        fingerprint = version.fingerprint

        def read(message: bytes) -> dict[str, Any] | None:
            if message[2:HEADER_SIZE] != fingerprint or message[:2] != MARKER:
                return None
            try:
                return read_body(message, HEADER_SIZE)[0]
            except Exception as exc:  # noqa: BLE001 - any failure is a malformed body
                raise MalformedPayloadError(f"body does not read as {version.fullname}: {exc!r}", version.fullname) from exc
        return read

    def view_reader(self, schema_name: str, kept: Mapping[str, Collection[str]]) -> Callable[[bytes], dict[str, Any]]:
        """Return a function reading a single object of schema_name as a view: the records named in kept (full
        name: field names) hold only those fields. A message of an older writer is decoded in full. It
        raises a CodecError as decode() does."""
        version = self.registry.schema(schema_name)
        read_body = compile_reader(without_logical_types(version.json_schema), kept=kept)
        fingerprint, fullname = version.fingerprint, version.fullname

        def read(message: bytes) -> dict[str, Any]:
            if message[2:HEADER_SIZE] != fingerprint or message[:2] != MARKER:
                return self.decode(message, expect=schema_name).value
            data = message if message.__class__ is bytes else bytes(message)
            try:
                value, end = read_body(data, HEADER_SIZE)
            except Exception as exc:  # noqa: BLE001 - any failure is a malformed body
                raise MalformedPayloadError(f"body does not decode as {fullname}: {exc!r}", fullname) from exc
            if end != len(data):
                raise MalformedPayloadError(f"{len(data) - end} trailing bytes after a {fullname}", fullname)
            return value
        return read

    def decode(self, message: bytes, expect: str | None = None) -> Decoded:
        """Decode a single object through the current schema of its writer's name.

        Raises a CodecError subclass for anything that is not a message of the contract,
        or whose schema is not the one expected.
        """
        fingerprint, body = split(message)
        writer = self.registry.writer(fingerprint)
        reader = self.registry.current.get(writer.fullname, writer)
        if expect is not None and reader.fullname != self.registry.schema(expect).fullname:
            raise CodecError(f"message is a {writer.fullname}, expected {expect}")
        if reader is writer:
            return Decoded(reader.fullname, self._read_compiled(writer, message))
        stream = io.BytesIO(body)
        try:
            value = schemaless_reader(stream, writer.fast, reader.fast)
        except Exception as exc:  # fastavro raises many kinds on corrupt bodies
            raise MalformedPayloadError(f"body does not decode as {writer.fullname}: {exc!r}", writer.fullname) from exc
        if stream.tell() != len(body):
            raise MalformedPayloadError(f"{len(body) - stream.tell()} trailing bytes after a {writer.fullname}", writer.fullname)
        return Decoded(reader.fullname, value)

    def decode_copies(self, message: bytes, expect: str, field: str) -> tuple[dict[str, Any], list | None]:
        """Decode as decode() does, and return every value of field (record full name and field name), in the
        order read, also as the Encoded bytes it was written as; None for a message of an older writer."""
        version = self._current_writer(message, expect)
        if version is None:
            return self.decode(message, expect).value, None
        copies: list[Encoded] = []
        return self._read_compiled(version, message, copies_of=field, copies=copies), copies

    def decode_encoded(self, message: bytes, expect: str, field: str) -> dict[str, Any]:
        """Decode as decode() does, but leave field (record full name and field name) as the Encoded bytes it
        was written as (a message of an older writer is decoded in full)."""
        version = self._current_writer(message, expect)
        if version is None:
            return self.decode(message, expect).value
        return self._read_compiled(version, message, encoded=field)

    def schema_of(self, message: bytes) -> str:
        """Return the full name of the current schema a message is read with (CodecError if none is)."""
        writer = self.registry.writer(split(message)[0])
        return self.registry.current.get(writer.fullname, writer).fullname

    def field_type_id(self, schema_name: str, field: str) -> str:
        """Return the type id Encoded values of a field (record full name and field name) carry."""
        plain = without_logical_types(self.registry.schema(schema_name).json_schema)
        identity, standalone = field_type(plain, field)
        if identity not in self._type_readers:
            self._type_readers[identity] = compile_reader(standalone)
        return identity

    def _current_writer(self, message: bytes, expect: str) -> SchemaVersion | None:
        version = self.registry.schema(expect)
        return version if message[2:HEADER_SIZE] == version.fingerprint and message[:2] == MARKER else None

    def _read_compiled(self, version: SchemaVersion, message: bytes, copies_of: str | None = None,
                       encoded: str | None = None, copies: list | None = None) -> dict[str, Any]:
        read = self._readers.get((version.fullname, copies_of, encoded))
        if read is None:
            read = self._compile_reader(version, copies_of, encoded)
        data = message if message.__class__ is bytes else bytes(message)
        try:
            value, end = read(data, HEADER_SIZE, copies) if copies_of else read(data, HEADER_SIZE)
        except Exception as exc:  # noqa: BLE001 - any failure is a malformed body
            raise MalformedPayloadError(f"body does not decode as {version.fullname}: {exc!r}", version.fullname) from exc
        if end != len(data):
            raise MalformedPayloadError(f"{len(data) - end} trailing bytes after a {version.fullname}", version.fullname)
        return value

    def _compile_reader(self, version: SchemaVersion, copies_of: str | None, encoded: str | None) -> Callable:
        plain = without_logical_types(version.json_schema)
        for field in (copies_of, encoded):
            if field is not None:
                self.field_type_id(version.fullname, field)
        read = self._readers[(version.fullname, copies_of, encoded)] = compile_reader(plain, copies_of, encoded)
        return read


def _misfit(parsed: Any, value: Any) -> str | None:
    """Return the name of the first field whose value does not fit the schema, or None."""
    try:
        validate(value, parsed, raise_errors=True)
    except ValidationError as exc:
        errors = [e for e in exc.errors if getattr(e, "field", None)]
        return errors[0].field.rsplit(".", 1)[-1] if errors else None
    except Exception:  # noqa: BLE001 - fastavro's validator refuses what its writer refused differently
        return None
    return None
