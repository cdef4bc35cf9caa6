"""What the compiled writer and reader share: named types, varints and the generated source."""

from __future__ import annotations

import json
from typing import Any

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED_KINDS = frozenset({"record", "error", "enum", "fixed"})
INT_MIN, INT_MAX = -(1 << 31), (1 << 31) - 1
LONG_MIN, LONG_MAX = -(1 << 63), (1 << 63) - 1


class Unsupported(Exception):
    """A value a compiled writer leaves to fastavro, or bytes a compiled reader refuses."""


class Encoded(bytes):
    """The Avro bytes of one value as read, kept with the id of its type: a compiled writer of a field of
    the same type copies them instead of writing the value again."""

    def __new__(cls, data: bytes, type_id: str) -> "Encoded":
        """Wrap data, written with the type that type_id names."""
        encoded = super().__new__(cls, data)
        encoded.type_id = type_id
        return encoded


def type_id(node: Any, named: "NamedTypes", space: str = "", seen: frozenset = frozenset()) -> str:
    """Return an id of a type node that is the same for two nodes exactly when they write the same bytes:
    the type with every named type spelt out, its documentation and defaults left out."""
    return json.dumps(_expanded(node, named, space, seen), sort_keys=True, separators=(",", ":"))


def _expanded(node: Any, named: "NamedTypes", space: str, seen: frozenset) -> Any:
    node, space = named.resolve(node, space)
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return [_expanded(branch, named, space, seen) for branch in node]
    kind = node["type"]
    if kind in ("array", "map"):
        return {"type": kind, "of": _expanded(node["items" if kind == "array" else "values"], named, space, seen)}
    name = full_name(node, space)
    if name in seen:
        return name
    if kind == "enum":
        return {"type": kind, "name": name, "symbols": node["symbols"]}
    if kind == "fixed":
        return {"type": kind, "name": name, "size": node["size"]}
    field_space = name.rsplit(".", 1)[0] if "." in name else ""
    return {"type": kind, "name": name, "fields": [[f["name"], _expanded(f["type"], named, field_space, seen | {name})]
                                                   for f in node["fields"]]}


def full_name(node: dict, namespace: str) -> str:
    """Return the full name of a named schema node."""
    name = node["name"]
    if "." in name:
        return name
    space = node.get("namespace", namespace)
    return f"{space}.{name}" if space else name


class NamedTypes:
    """The named types a schema defines, by full name, with the namespace each was defined in."""

    def __init__(self, schema: Any) -> None:
        """Collect every named type of a self-contained schema."""
        self.nodes: dict[str, dict] = {}
        self.spaces: dict[str, str] = {}
        self._collect(schema, "")

    def _collect(self, node: Any, namespace: str) -> None:
        if isinstance(node, list):
            for branch in node:
                self._collect(branch, namespace)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind in NAMED_KINDS:
            name = full_name(node, namespace)
            space = name.rsplit(".", 1)[0] if "." in name else ""
            self.nodes[name], self.spaces[name] = node, space
            for field in node.get("fields", ()):
                self._collect(field["type"], space)
        elif kind == "array":
            self._collect(node["items"], namespace)
        elif kind == "map":
            self._collect(node["values"], namespace)
        elif isinstance(kind, (dict, list)):
            self._collect(kind, namespace)

    def resolve(self, node: Any, namespace: str) -> tuple[Any, str]:
        """Return what a type node stands for: a primitive name, a definition (with its namespace), or
        an array, map or union node."""
        if isinstance(node, str):
            if node in PRIMITIVES:
                return node, namespace
            name = node if "." in node or not namespace else f"{namespace}.{node}"
            if name not in self.nodes:
                name = node
            return self.nodes[name], self.spaces[name]
        if isinstance(node, dict) and not isinstance(node.get("type"), str):
            return self.resolve(node["type"], namespace)
        if isinstance(node, dict) and node["type"] in PRIMITIVES:
            return node["type"], namespace
        if isinstance(node, dict) and node["type"] not in NAMED_KINDS | {"array", "map"}:
            return self.resolve(node["type"], namespace)
        return node, namespace


def branch_name(node: Any, namespace: str) -> str | None:
    """Return the full name of a resolved union branch, or None for an unnamed one."""
    return full_name(node, namespace) if isinstance(node, dict) and "name" in node else None


class Source:
    """Lines of generated Python, the constants they use, and fresh local names."""

    def __init__(self, consts: dict[str, Any] | None = None) -> None:
        """Start with no lines; sources of one module share their constants."""
        self.lines: list[str] = []
        self.consts: dict[str, Any] = {} if consts is None else consts
        self._count = 0

    def local(self, stem: str = "v") -> str:
        """Return a new local variable name."""
        self._count += 1
        return f"{stem}{self._count}"

    def const(self, value: Any) -> str:
        """Return the name the generated code knows a constant by."""
        name = f"K{len(self.consts)}"
        self.consts[name] = value
        return name

    def add(self, indent: int, line: str) -> None:
        """Append a line at an indentation depth."""
        self.lines.append("    " * indent + line)

    def compile(self, globals_: dict[str, Any]) -> dict[str, Any]:
        """Execute the source and return the names it defined (with the globals and constants)."""
        scope = {**globals_, **self.consts}
        exec(compile("\n".join(self.lines) + "\n", "<compiled avro>", "exec"), scope)  # noqa: S102
        return scope


def field_type(schema: Any, path: str) -> tuple[str, Any]:
    """Return the type id of a field ("kz.mvd.records.RegisterRecord.document") and its type as a schema of
    its own, every named type it uses defined in it."""
    named = NamedTypes(schema)
    record_name, field_name = path.rsplit(".", 1)
    record, space = named.nodes[record_name], named.spaces[record_name]
    node = next(f["type"] for f in record["fields"] if f["name"] == field_name)
    return type_id(node, named, space), _standalone(node, named, space, set())


def _standalone(node: Any, named: NamedTypes, space: str, defined: set[str]) -> Any:
    node, space = named.resolve(node, space)
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return [_standalone(branch, named, space, defined) for branch in node]
    kind = node["type"]
    if kind in ("array", "map"):
        inner = "items" if kind == "array" else "values"
        return {"type": kind, inner: _standalone(node[inner], named, space, defined)}
    name = full_name(node, space)
    if name in defined:
        return name
    defined.add(name)
    if kind in ("enum", "fixed"):
        return {**node, "name": name}
    field_space = name.rsplit(".", 1)[0] if "." in name else ""
    fields = [{"name": f["name"], "type": _standalone(f["type"], named, field_space, defined)} for f in node["fields"]]
    return {"type": kind, "name": name, "fields": fields}


def composite_fields(schema: Any) -> frozenset[str]:
    """Return the fields of every record of a schema whose type is a record or a union with a record in it,
    by record full name and field name."""
    named, found = NamedTypes(schema), set()
    for name, node in named.nodes.items():
        for field in node.get("fields", ()):
            resolved, space = named.resolve(field["type"], named.spaces[name])
            branches = resolved if isinstance(resolved, list) else [resolved]
            if any(isinstance(named.resolve(b, space)[0], dict) and named.resolve(b, space)[0].get("type")
                   in ("record", "error") for b in branches):
                found.add(f"{name}.{field['name']}")
    return frozenset(found)
