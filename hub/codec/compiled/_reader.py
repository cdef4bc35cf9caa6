"""Compiles an Avro schema into a Python function reading a binary body written with it (pure)."""

from __future__ import annotations

import struct
from typing import Any, Callable, Collection, Mapping

from hub.codec.compiled._types import (
    Encoded,
    NamedTypes,
    Source,
    Unsupported,
    full_name,
    type_id,
)

# Arrays and maps whose items take no bytes at all (nulls) could claim any count; at most this many.
MAX_EMPTY_ITEMS = 1 << 20


def read_long(data: bytes, pos: int) -> tuple[int, int]:
    """Return the Avro long at pos and the position after it."""
    byte = data[pos]
    pos += 1
    value, shift = byte & 0x7F, 7
    while byte & 0x80:
        if shift > 63:
            raise Unsupported("a varint longer than a long")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
    if value >> 64:
        raise Unsupported("a varint beyond 64 bits")  # fastavro would wrap it around, Java's Avro refuses it
    return (value >> 1) ^ -(value & 1), pos


def skip_long(data: bytes, pos: int) -> int:
    """Return the position after the Avro long at pos, refusing what read_long refuses."""
    for n in range(10):
        byte = data[pos + n]
        if not byte & 0x80:
            if n == 9 and byte > 1:
                raise Unsupported("a varint beyond 64 bits")
            return pos + n + 1
    raise Unsupported("a varint longer than a long")


GLOBALS = {"U": Unsupported, "RL": read_long, "SL": skip_long, "ENC": Encoded, "UF": struct.Struct("<f").unpack_from,
           "UD": struct.Struct("<d").unpack_from}


def compile_reader(schema: Any, copies_of: str | None = None, encoded: str | None = None,
                   kept: Mapping[str, Collection[str]] | None = None) -> Callable[..., tuple[Any, int]]:
    """Return `read(data, pos)`: the value whose body starts at pos of data (bytes), and the position after
    it. It raises (Unsupported, IndexError, UnicodeDecodeError, ...) for bytes that are not such a body.

    Fields are named by their record's full name and their own ("kz.mvd.records.RecordEvent.document").
    With copies_of, `read(data, pos, copies)` also appends to copies every value of that field it reads as
    the Encoded bytes it was written as. An `encoded` field is not read but kept as an Encoded value. With
    kept (record full name: names of fields), a record named there holds only those of its fields; the
    others are moved past unread (a view of what a reader needs, not a value to write back).
    """
    return _ReaderBuilder(schema, copies_of, encoded, kept or {}).build()


class _ReaderBuilder:
    """Generates one function per named record and one for the whole schema."""

    def __init__(self, schema: Any, copies_of: str | None, encoded: str | None,
                 kept: Mapping[str, Collection[str]]) -> None:
        self.schema, self.named, self.src = schema, NamedTypes(schema), Source()
        self.copies_of, self.encoded, self.kept = copies_of, encoded, kept
        self.functions: dict[str, str] = {}
        self.inlining: list[str] = []

    def build(self) -> Callable[..., tuple[Any, int]]:
        body = Source(self.src.consts)
        body.add(0, "def read(b, i, S=None):" if self.copies_of else "def read(b, i):")
        body.add(1, "n = len(b)")
        self._value(body, self.schema, "", "value", 1)
        body.add(1, "return value, i")
        self.src.lines += body.lines
        return self.src.compile(GLOBALS)["read"]

    def _record(self, out: Source, node: dict, space: str, x: str, depth: int) -> None:
        """Emit the code reading a record into local x: inline, or by a function of its own for a record that
        contains itself."""
        name = full_name(node, space)
        if name in self.inlining:
            out.add(depth, f"{x}, i = {self._record_function(node, space)}(b, i, n)")
            return
        self.inlining.append(name)
        field_space = name.rsplit(".", 1)[0] if "." in name else ""
        fields, kept = [], self.kept.get(name)
        for field in node["fields"]:
            local, path = out.local("f"), f"{name}.{field['name']}"
            if kept is not None and field["name"] not in kept:
                self._skip(out, field["type"], field_space, depth)
                continue
            if path in (self.encoded, self.copies_of):
                start, identity = out.local("a"), out.const(type_id(field["type"], self.named, field_space))
                out.add(depth, f"{start} = i")
                if path == self.encoded:
                    self._skip(out, field["type"], field_space, depth)
                    out.add(depth, f"{local} = ENC(b[{start}:i], {identity})")
                else:
                    self._value(out, field["type"], field_space, local, depth)
                    out.add(depth, f"S.append(ENC(b[{start}:i], {identity}))")
            else:
                self._value(out, field["type"], field_space, local, depth)
            fields.append(f"{field['name']!r}: {local}")
        out.add(depth, f"{x} = {{" + ", ".join(fields) + "}")
        self.inlining.pop()

    def _record_function(self, node: dict, space: str) -> str:
        name = full_name(node, space)
        if name not in self.functions:
            if self.copies_of or self.encoded:
                raise Unsupported(f"{name} contains itself: no copies or encoded fields in it")
            function = self.functions[name] = "r_" + name.replace(".", "_")
            out = Source(self.src.consts)
            out.add(0, f"def {function}(b, i, n):")
            saved, self.inlining = self.inlining, []
            self._record(out, node, space, "value", 1)
            self.inlining = saved
            out.add(1, "return value, i")
            self.src.lines += out.lines + [""]
        return self.functions[name]

    def _value(self, out: Source, type_node: Any, space: str, x: str, depth: int) -> None:
        """Emit the code reading a value of a type into local x, moving i past it."""
        node, space = self.named.resolve(type_node, space)
        if isinstance(node, str):
            self._primitive(out, node, x, depth)
        elif isinstance(node, list):
            self._union(out, node, space, x, depth)
        elif node["type"] in ("record", "error"):
            self._record(out, node, space, x, depth)
        elif node["type"] == "enum":
            symbols = out.const(tuple(node["symbols"]))
            self._long(out, x, depth)
            out.add(depth, f"if {x} < 0: raise U")
            out.add(depth, f"{x} = {symbols}[{x}]")
        elif node["type"] == "fixed":
            size = int(node["size"])
            out.add(depth, f"if i + {size} > n: raise U")
            out.add(depth, f"{x} = b[i:i + {size}]; i += {size}")
        elif node["type"] in ("array", "map"):
            self._blocks(out, node, space, x, depth)
        else:
            raise Unsupported(f"no reader for {node!r}")

    @staticmethod
    def _long(out: Source, x: str, depth: int) -> None:
        out.add(depth, f"{x} = b[i]")  # most longs here (lengths, indexes, small numbers) take one byte
        out.add(depth, f"if {x} < 0x80: {x} = ({x} >> 1) ^ -({x} & 1); i += 1")
        out.add(depth, f"else: {x}, i = RL(b, i)")

    def _primitive(self, out: Source, kind: str, x: str, depth: int) -> None:
        if kind == "null":
            out.add(depth, f"{x} = None")
        elif kind == "boolean":
            out.add(depth, f"{x} = b[i]; i += 1")
            out.add(depth, f"if {x} > 1: raise U")
            out.add(depth, f"{x} = {x} == 1")
        elif kind in ("int", "long"):
            self._long(out, x, depth)
        elif kind in ("float", "double"):
            out.add(depth, f"{x}, = {'UF' if kind == 'float' else 'UD'}(b, i); i += {4 if kind == 'float' else 8}")
        elif kind in ("bytes", "string"):
            size = out.local("z")
            self._long(out, size, depth)
            out.add(depth, f"if {size} < 0 or i + {size} > n: raise U")
            decode = ".decode()" if kind == "string" else ""
            out.add(depth, f"{x} = b[i:i + {size}]{decode}; i += {size}")

    def _blocks(self, out: Source, node: dict, space: str, x: str, depth: int) -> None:
        """Read an array or map: blocks of a count (negative: followed by the block's size in bytes), then
        its items, until a count of 0."""
        is_map = node["type"] == "map"
        count, key, item, ignored = out.local("c"), out.local("k"), out.local("e"), out.local("s")
        out.add(depth, f"{x} = {{}}" if is_map else f"{x} = []")
        out.add(depth, "while True:")
        self._long(out, count, depth + 1)
        out.add(depth + 1, f"if {count} == 0: break")
        out.add(depth + 1, f"if {count} < 0:")
        out.add(depth + 2, f"{count} = -{count}")
        self._long(out, ignored, depth + 2)
        limit = "n - i" if is_map or self._min_size(node["items"], space) > 0 else str(MAX_EMPTY_ITEMS)
        out.add(depth + 1, f"if {count} > {limit}: raise U")
        out.add(depth + 1, f"for _ in range({count}):")
        if is_map:
            self._primitive(out, "string", key, depth + 2)
        self._value(out, node["values" if is_map else "items"], space, item, depth + 2)
        out.add(depth + 2, f"{x}[{key}] = {item}" if is_map else f"{x}.append({item})")

    def _min_size(self, type_node: Any, space: str, seen: frozenset = frozenset()) -> int:
        """Return the fewest bytes a value of a type takes (0 for null and records of nothing but nulls)."""
        node, space = self.named.resolve(type_node, space)
        if isinstance(node, str):
            return {"null": 0, "float": 4, "double": 8}.get(node, 1)
        if isinstance(node, list) or node["type"] in ("enum", "array", "map"):
            return 1
        if node["type"] == "fixed":
            return int(node["size"])
        name = full_name(node, space)
        if name in seen:
            return 1
        field_space = name.rsplit(".", 1)[0] if "." in name else ""
        return sum(self._min_size(f["type"], field_space, seen | {name}) for f in node["fields"])

    def _union(self, out: Source, union: list, space: str, x: str, depth: int) -> None:
        index = out.local("u")
        self._long(out, index, depth)
        for position, branch in enumerate(union):
            out.add(depth, f"{'if' if position == 0 else 'elif'} {index} == {position}:")
            self._value(out, branch, space, x, depth + 1)
        out.add(depth, "else: raise U")

    def _skip(self, out: Source, type_node: Any, space: str, depth: int, seen: frozenset = frozenset(),
              nested: bool = False) -> None:
        """Emit the code moving i past a value of a type without reading it. Only a whole field's skip checks
        that i stays within the data: an overrun inside it raises IndexError at the next byte read, or is
        caught by the field's check."""
        node, space = self.named.resolve(type_node, space)
        here = out.local("t")
        if isinstance(node, str):
            if node in ("int", "long"):
                self._skip_long(out, depth)
            elif node in ("boolean", "float", "double"):
                out.add(depth, f"i += {({'boolean': 1, 'float': 4, 'double': 8})[node]}")
            elif node in ("bytes", "string"):  # a one-byte length is even (not negative): half of it is the size
                out.add(depth, f"{here} = b[i]")
                out.add(depth, f"if {here} < 0x80 and not {here} & 1: i += 1 + ({here} >> 1)")
                out.add(depth, "else:")
                out.add(depth + 1, f"{here}, i = RL(b, i)")
                out.add(depth + 1, f"if {here} < 0: raise U")
                out.add(depth + 1, f"i += {here}")
        elif isinstance(node, list):
            self._long(out, here, depth)
            for position, branch in enumerate(node):
                out.add(depth, f"{'if' if position == 0 else 'elif'} {here} == {position}:")
                out.add(depth + 1, "pass")
                self._skip(out, branch, space, depth + 1, seen, nested=True)
            out.add(depth, "else: raise U")
        elif node["type"] == "enum":
            self._skip_long(out, depth)
        elif node["type"] == "fixed":
            out.add(depth, f"i += {int(node['size'])}")
        elif node["type"] in ("array", "map"):
            ignored = out.local("s")
            out.add(depth, "while True:")
            self._long(out, here, depth + 1)
            out.add(depth + 1, f"if {here} == 0: break")
            out.add(depth + 1, f"if {here} < 0:")
            self._long(out, ignored, depth + 2)
            out.add(depth + 2, f"if {ignored} < 0: raise U")
            out.add(depth + 2, f"i += {ignored}")
            out.add(depth + 2, "continue")
            out.add(depth + 1, f"if {here} > n - i + {MAX_EMPTY_ITEMS}: raise U")
            out.add(depth + 1, f"for _ in range({here}):")
            out.add(depth + 2, "pass")
            if node["type"] == "map":
                self._skip(out, "string", space, depth + 2, seen, nested=True)
            self._skip(out, node["items" if node["type"] == "array" else "values"], space, depth + 2, seen,
                       nested=True)
        else:
            name = full_name(node, space)
            if name in seen:
                raise Unsupported(f"{name} contains itself: it cannot be skipped")
            field_space = name.rsplit(".", 1)[0] if "." in name else ""
            for field in node["fields"]:
                self._skip(out, field["type"], field_space, depth, seen | {name}, nested=True)
        if not nested:
            out.add(depth, "if i > n: raise U")

    @staticmethod
    def _skip_long(out: Source, depth: int) -> None:
        out.add(depth, "if b[i] < 0x80: i += 1")  # its value is not needed: only where it ends
        out.add(depth, "else: i = SL(b, i)")

