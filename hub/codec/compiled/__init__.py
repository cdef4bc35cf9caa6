"""Avro binary writers and readers compiled from a schema into Python functions (pure).

fastavro walks a schema generically for every value it writes or reads: about 20 µs for a
register record on this project's machines, most of it dispatch on the schema's types. A
compiled writer or reader is Python source generated once per schema, with each field's code
inline, and does the same work in about a third of the time. Compiled code covers a schema
read by itself; resolving an older writer schema stays with fastavro.

A compiled writer gives up (raises) rather than decide anything fastavro would decide: a
record missing a field (fastavro fills its default) or carrying one too many (strict fastavro
refuses it), a union of records given a plain dict that more than one branch could take, a
value whose type is not exactly the one its schema names. The codec then lets fastavro write
the value, so whatever a compiled writer returns equals fastavro's bytes; the unit tests check
that for generated values of every schema of the contract.
"""

from hub.codec.compiled._reader import compile_reader
from hub.codec.compiled._types import Encoded, Unsupported, composite_fields, field_type
from hub.codec.compiled._writer import compile_writer, write_long

__all__ = ["compile_reader", "compile_writer", "composite_fields", "field_type", "write_long", "Encoded",
           "Unsupported"]
