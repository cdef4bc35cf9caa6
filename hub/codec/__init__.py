"""Avro codec: single-object encoding with writer schemas resolved by fingerprint."""

from hub.codec.avro import AvroCodec, Decoded
from hub.codec.registry import SchemaRegistry
from hub.codec.single_object import MARKER, crc64_avro, fingerprint_of

__all__ = ["AvroCodec", "Decoded", "SchemaRegistry", "MARKER", "crc64_avro", "fingerprint_of"]
