"""Decoded messages as people and scripts read them: ISO dates and instants by the schema's logical types."""

from __future__ import annotations

import base64
from typing import Any

from hub.codec.registry import SchemaRegistry
from hub.domain.moments import iso_day, iso_instant

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def readable(registry: SchemaRegistry, schema_name: str, value: Any) -> Any:
    """Return a decoded value of a schema with dates as 'YYYY-MM-DD', instants as ISO 8601 UTC, bytes as
    base64 and union records as plain objects: what `--json` prints."""
    schema = registry.schema(schema_name).json_schema
    return _convert(schema, value, _names(schema, "", {}))


def _names(node: Any, namespace: str, found: dict[str, Any]) -> dict[str, Any]:
    """Return every named type defined in a self-contained schema, by short and full name."""
    if isinstance(node, list):
        for item in node:
            _names(item, namespace, found)
    elif isinstance(node, dict):
        space = node.get("namespace", namespace)
        if node.get("type") in ("record", "enum", "fixed") and "name" in node:
            found[node["name"]] = found[f"{space}.{node['name']}"] = node
        for field in node.get("fields", ()):
            _names(field["type"], space, found)
        for key in ("items", "values"):
            if key in node:
                _names(node[key], space, found)
        if isinstance(node.get("type"), (dict, list)):
            _names(node["type"], space, found)
    return found


def _convert(node: Any, value: Any, names: dict[str, Any]) -> Any:
    if value is None:
        return None
    if isinstance(node, str):
        node = names.get(node, node)
    if isinstance(node, list):
        if isinstance(value, tuple) and len(value) == 2:  # a value named by its schema
            return _convert(value[0], value[1], names)
        return _convert(_branch(node, value, names), value, names)
    if isinstance(node, str):
        return base64.b64encode(value).decode() if isinstance(value, (bytes, bytearray, memoryview)) else value
    kind = node.get("type")
    if isinstance(kind, (dict, list)) or (isinstance(kind, str) and kind not in ("record", "array", "map")
                                          and kind in names):
        return _convert(kind, value, names)
    logical = node.get("logicalType")
    if logical == "date" and isinstance(value, int):
        return iso_day(value)
    if logical == "timestamp-millis" and isinstance(value, int):
        return iso_instant(value)
    if kind == "record":
        return {f["name"]: _convert(f["type"], value.get(f["name"]), names) for f in node["fields"]}
    if kind == "array":
        return [_convert(node["items"], item, names) for item in value]
    if kind == "map":
        return {key: _convert(node["values"], item, names) for key, item in value.items()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode()
    return value


def _branch(union: list, value: Any, names: dict[str, Any]) -> Any:
    """Return the branch of a union a decoded value belongs to (a record by its field names)."""
    for branch in union:
        node = names.get(branch, branch) if isinstance(branch, str) else branch
        if isinstance(value, dict) and isinstance(node, dict) and node.get("type") == "record":
            if set(value) <= {f["name"] for f in node["fields"]}:
                return branch
        elif not isinstance(value, dict) and branch != "null":
            return branch
    return "null"
