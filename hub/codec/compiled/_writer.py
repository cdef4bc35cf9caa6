"""Compiles an Avro schema into a Python function writing a value's binary body (pure)."""

from __future__ import annotations

import struct
from typing import Any, Callable

from hub.codec.compiled._types import (
    INT_MAX,
    INT_MIN,
    LONG_MAX,
    LONG_MIN,
    Encoded,
    NamedTypes,
    Source,
    Unsupported,
    branch_name,
    full_name,
    type_id,
)

_SMALL = [bytes([(n << 1) ^ (n >> 63)]) for n in range(-64, 64)]
# Larger longs are mostly instants, and one event writes the same instant several times (enrolled, updated,
# occurred, applied): the last few thousand written are kept.
_RECENT: dict[int, bytes] = {}
RECENT_LONGS = 4096


def write_long(number: int) -> bytes:
    """Return an Avro long (zig-zag, then a varint); only an int of the long range is written."""
    if number.__class__ is not int:
        raise Unsupported(f"{number!r} is not an int")
    if -64 <= number < 64:
        return _SMALL[number + 64]
    found = _RECENT.get(number)
    if found is not None:
        return found
    if number > LONG_MAX or number < LONG_MIN:
        raise Unsupported(f"{number} does not fit a long")
    value = (number << 1) ^ (number >> 63)
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    if len(_RECENT) >= RECENT_LONGS:
        _RECENT.clear()
    found = _RECENT[number] = bytes(out)
    return found


GLOBALS = {"U": Unsupported, "ENC": Encoded, "L": write_long, "SIZES": tuple(_SMALL[64:]), "PF": struct.Struct("<f").pack, "PD": struct.Struct("<d").pack,
           "INT_MIN": INT_MIN, "INT_MAX": INT_MAX}


def compile_writer(schema: Any, ignored_field: str | None = None,
                   encoded: frozenset[str] = frozenset()) -> Callable[[Any, bytes], bytes]:
    """Return `write(value, header=b"")`, the header followed by value's Avro binary body; it raises
    (Unsupported, KeyError, ...) for any value it leaves to fastavro.

    A record schema's writer may be told to ignore one more field of the value, which the schema lacks
    (one written by other means). Fields named in `encoded` ("kz.mvd.records.RegisterRecord.document")
    may also be given as an Encoded value of their type, which is copied as it is.
    """
    return _WriterBuilder(schema, ignored_field, encoded).build()


class _WriterBuilder:
    """Generates one function per named record and one for the whole schema."""

    def __init__(self, schema: Any, ignored_field: str | None, encoded: frozenset[str]) -> None:
        self.schema, self.named, self.src = schema, NamedTypes(schema), Source()
        self.ignored_field, self.encoded = ignored_field, encoded
        self.functions: dict[str, str] = {}
        self.inlining: list[str] = []

    def build(self) -> Callable[[Any, bytes], bytes]:
        body = Source(self.src.consts)
        body.add(0, "def write(value, header=b''):")
        body.add(1, "parts = [header]")
        body.add(1, "w = parts.append")
        node, space = self.named.resolve(self.schema, "")
        if self.ignored_field is not None:
            self._record(body, node, space, "value", 1, ignored=self.ignored_field)
        else:
            self._value(body, self.schema, "", "value", 1)
        body.add(1, "return b''.join(parts)")
        self.src.lines += body.lines
        return self.src.compile(GLOBALS)["write"]

    def _record(self, out: Source, node: dict, space: str, x: str, depth: int, ignored: str | None = None) -> None:
        """Emit the code writing local x as a record: inline, or by a function of its own for a record that
        contains itself."""
        name = full_name(node, space)
        if name in self.inlining:
            out.add(depth, f"{self._record_function(node, space)}({x}, w)")
            return
        count = f"len({x})" if ignored is None else f"(len({x}) - ({ignored!r} in {x}))"
        self.inlining.append(name)
        out.add(depth, f"if {x}.__class__ is not dict or {count} != {len(node['fields'])}: raise U")
        field_space = name.rsplit(".", 1)[0] if "." in name else ""
        for field in node["fields"]:
            local = out.local("f")
            out.add(depth, f"{local} = {x}[{field['name']!r}]")
            if f"{name}.{field['name']}" in self.encoded:
                identity = out.const(type_id(field["type"], self.named, field_space))
                out.add(depth, f"if {local}.__class__ is ENC:")
                out.add(depth + 1, f"if {local}.type_id != {identity}: raise U")
                out.add(depth + 1, f"w({local})")
                out.add(depth, "else:")
                self._value(out, field["type"], field_space, local, depth + 1)
            else:
                self._value(out, field["type"], field_space, local, depth)
        self.inlining.pop()

    def _record_function(self, node: dict, space: str) -> str:
        name = full_name(node, space)
        if name not in self.functions:
            function = self.functions[name] = "w_" + name.replace(".", "_")
            out = Source(self.src.consts)
            out.add(0, f"def {function}(v, w):")
            saved, self.inlining = self.inlining, []
            self._record(out, node, space, "v", 1)
            self.inlining = saved
            self.src.lines += out.lines + [""]
        return self.functions[name]

    def _value(self, out: Source, type_node: Any, space: str, x: str, depth: int) -> None:
        """Emit the code writing local x of a type."""
        node, space = self.named.resolve(type_node, space)
        if isinstance(node, str):
            self._primitive(out, node, x, depth)
        elif isinstance(node, list):
            self._union(out, node, space, x, depth)
        elif node["type"] in ("record", "error"):
            self._record(out, node, space, x, depth)
        elif node["type"] == "enum":
            symbols = out.const({s: write_long(i) for i, s in enumerate(node["symbols"])})
            out.add(depth, f"w({symbols}[{x}])")
        elif node["type"] == "fixed":
            out.add(depth, f"if {x}.__class__ is not bytes or len({x}) != {int(node['size'])}: raise U")
            out.add(depth, f"w({x})")
        elif node["type"] == "array":
            self._array(out, node, space, x, depth)
        elif node["type"] == "map":
            self._map(out, node, space, x, depth)
        else:
            raise Unsupported(f"no writer for {node!r}")

    @staticmethod
    def _primitive(out: Source, kind: str, x: str, depth: int) -> None:
        if kind == "null":
            out.add(depth, f"if {x} is not None: raise U")
        elif kind == "boolean":
            out.add(depth, f"if {x} is True: w(b'\\x01')")
            out.add(depth, f"elif {x} is False: w(b'\\x00')")
            out.add(depth, "else: raise U")
        elif kind in ("int", "long"):
            if kind == "int":
                out.add(depth, f"if {x}.__class__ is not int or not INT_MIN <= {x} <= INT_MAX: raise U")
            out.add(depth, f"w(L({x}))")
        elif kind in ("float", "double"):
            out.add(depth, f"if {x}.__class__ is not float and {x}.__class__ is not int: raise U")
            out.add(depth, f"w({'PF' if kind == 'float' else 'PD'}({x}))")
        elif kind == "bytes":
            out.add(depth, f"if {x}.__class__ is not bytes: raise U")
            _WriterBuilder._size(out, x, depth)
            out.add(depth, f"w({x})")
        elif kind == "string":
            out.add(depth, f"if {x}.__class__ is not str: raise U")
            encoded = out.local("s")
            out.add(depth, f"{encoded} = {x}.encode()")
            _WriterBuilder._size(out, encoded, depth)
            out.add(depth, f"w({encoded})")

    @staticmethod
    def _size(out: Source, x: str, depth: int) -> None:
        size = out.local("z")
        out.add(depth, f"{size} = len({x})")
        out.add(depth, f"w(SIZES[{size}] if {size} < 64 else L({size}))")  # most strings are short

    def _array(self, out: Source, node: dict, space: str, x: str, depth: int) -> None:
        out.add(depth, f"if {x}.__class__ is not list and {x}.__class__ is not tuple: raise U")
        out.add(depth, f"if {x}:")
        out.add(depth + 1, f"w(L(len({x})))")
        item = out.local("i")
        out.add(depth + 1, f"for {item} in {x}:")
        self._value(out, node["items"], space, item, depth + 2)
        out.add(depth, "w(b'\\x00')")

    def _map(self, out: Source, node: dict, space: str, x: str, depth: int) -> None:
        out.add(depth, f"if {x}.__class__ is not dict: raise U")
        out.add(depth, f"if {x}:")
        out.add(depth + 1, f"w(L(len({x})))")
        key, item = out.local("k"), out.local("i")
        out.add(depth + 1, f"for {key}, {item} in {x}.items():")
        self._primitive(out, "string", key, depth + 2)
        self._value(out, node["values"], space, item, depth + 2)
        out.add(depth, "w(b'\\x00')")

    def _union(self, out: Source, union: list, space: str, x: str, depth: int) -> None:
        branches = [(index, *self.named.resolve(branch, space)) for index, branch in enumerate(union)]
        null = next((index for index, node, _ in branches if node == "null"), None)
        others = [(index, node, node_space) for index, node, node_space in branches if node != "null"]
        if null is not None:
            out.add(depth, f"if {x} is None: w({write_long(null)!r})")
            out.add(depth, "else:")
            depth += 1
        if len(others) == 1:
            index, node, node_space = others[0]
            out.add(depth, f"w({write_long(index)!r})")
            self._value(out, node, node_space, x, depth)
            return
        if not all(isinstance(node, dict) and node["type"] in ("record", "error") for _, node, _ in others):
            out.add(depth, "raise U")  # a union of several unnamed types is left to fastavro
            return
        by_name, by_keys = self._record_branches(others)
        chosen, payload = out.local("b"), out.local("p")
        out.add(depth, f"if {x}.__class__ is tuple:")
        out.add(depth + 1, f"{chosen}, {payload} = {x}")
        out.add(depth + 1, f"{chosen} = {out.const(by_name)}[{chosen}]")
        out.add(depth, "else:")
        out.add(depth + 1, f"{chosen}, {payload} = {out.const(by_keys)}[frozenset({x})], {x}")
        for position, (index, node, node_space) in enumerate(others):
            out.add(depth, f"{'if' if position == 0 else 'elif'} {chosen} == {index}:")
            out.add(depth + 1, f"w({write_long(index)!r})")
            self._record(out, node, node_space, payload, depth + 1)
        out.add(depth, "else: raise U")

    @staticmethod
    def _record_branches(others: list) -> tuple[dict, dict]:
        """Return the union positions of record branches by full name (for (name, value) hints) and by the
        exact set of a plain dict's keys. fastavro gives a plain dict to the branch, among those it fits,
        with the most fields in common, the first on a tie: a dict with exactly one branch's fields goes to
        that branch unless an earlier one has all those fields too and could take it (its other fields
        have defaults); such dicts are left to fastavro."""
        by_name, by_keys = {}, {}
        shapes = [(frozenset(f["name"] for f in node["fields"]),
                   frozenset(f["name"] for f in node["fields"] if "default" not in f)) for _, node, _ in others]
        for position, (index, node, node_space) in enumerate(others):
            by_name[branch_name(node, node_space)] = index
            names = shapes[position][0]
            if not any(names <= fields and required <= names for fields, required in shapes[:position]):
                by_keys.setdefault(names, index)
        return by_name, by_keys
