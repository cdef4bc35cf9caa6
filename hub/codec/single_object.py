"""Avro single-object framing (marker C3 01, then the writer's CRC-64-AVRO fingerprint), pure."""

from __future__ import annotations

import struct

from hub.errors import NotSingleObjectError

MARKER = b"\xc3\x01"
HEADER_SIZE = len(MARKER) + 8
_EMPTY = 0xC15D213AA4D7A795


def _table() -> list[int]:
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY & -(fp & 1))
        table.append(fp)
    return table


_TABLE = _table()


def crc64_avro(data: bytes) -> int:
    """Return the CRC-64-AVRO (Rabin) fingerprint of data, as the Avro specification defines it."""
    fp = _EMPTY
    for byte in data:
        fp = (fp >> 8) ^ _TABLE[(fp ^ byte) & 0xFF]
    return fp


def fingerprint_of(canonical_form: str) -> bytes:
    """Return the 8 little-endian fingerprint bytes of a schema's parsing canonical form."""
    return struct.pack("<Q", crc64_avro(canonical_form.encode("utf-8")))


def frame(fingerprint: bytes, body: bytes) -> bytes:
    """Prefix an Avro body with the single-object marker and the writer's fingerprint."""
    return MARKER + fingerprint + body


def split(message: bytes) -> tuple[bytes, memoryview]:
    """Return (fingerprint, body) of a single-object message, or raise NotSingleObjectError."""
    if message is None or len(message) < HEADER_SIZE:
        raise NotSingleObjectError(
            f"message of {0 if message is None else len(message)} bytes is too short "
            f"for an Avro single-object header ({HEADER_SIZE} bytes)"
        )
    if message[:2] != MARKER:
        raise NotSingleObjectError(
            f"message starts with {bytes(message[:2]).hex()}, not the Avro single-object marker c301"
        )
    view = memoryview(message)
    return bytes(view[2:HEADER_SIZE]), view[HEADER_SIZE:]
