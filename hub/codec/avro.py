"""Encoding and decoding of hub messages as Avro single objects."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from fastavro import schemaless_reader, schemaless_writer
from fastavro.validation import ValidationError

from hub.codec.registry import SchemaRegistry
from hub.codec.single_object import frame, split
from hub.errors import CodecError, EncodeError, MalformedPayloadError


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

    def encode(self, schema_name: str, value: dict[str, Any]) -> bytes:
        """Return value written with the current schema of schema_name, as a single object."""
        version = self.registry.schema(schema_name)
        buffer = io.BytesIO()
        try:
            schemaless_writer(buffer, version.parsed, value, strict_allow_default=True)
        except (ValidationError, ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            raise EncodeError(f"value does not fit {version.fullname}: {exc}") from exc
        return frame(version.fingerprint, buffer.getvalue())

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
        stream = io.BytesIO(body)
        try:
            value = schemaless_reader(stream, writer.parsed, reader.parsed)
        except Exception as exc:  # fastavro raises many kinds on corrupt bodies
            raise MalformedPayloadError(f"body does not decode as {writer.fullname}: {exc!r}") from exc
        if stream.tell() != len(body):
            raise MalformedPayloadError(
                f"{len(body) - stream.tell()} trailing bytes after a {writer.fullname}"
            )
        return Decoded(reader.fullname, value)
