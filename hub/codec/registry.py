"""Known Avro schemas: the current ones by name, and every known writer by fingerprint."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import fastavro
from fastavro.schema import (
    SchemaParseException,
    parse_schema,
    to_parsing_canonical_form,
)

from hub.codec.single_object import fingerprint_of
from hub.errors import SchemaError, UnknownFingerprintError

NAMESPACE = "kz.mvd.records"


@dataclass(frozen=True)
class SchemaVersion:
    """One schema: its full name, self-contained JSON, parsed forms and fingerprint."""

    fullname: str
    json_schema: Any
    parsed: Any
    fingerprint: bytes
    # Marked as parsed, so fastavro's reader and writer do not parse it again on every call.
    fast: Any = None

    @property
    def canonical_form(self) -> str:
        """Return the parsing canonical form the fingerprint is taken of."""
        return to_parsing_canonical_form(self.parsed)


def without_logical_types(node: Any) -> Any:
    """Return a schema with logicalType dropped: dates and timestamps stay plain ints.

    The hub works with epoch milliseconds and epoch days throughout; the parsing canonical
    form (and so the fingerprint) ignores logical types, so integrators still see them.
    """
    if isinstance(node, list):
        return [without_logical_types(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: without_logical_types(v) for k, v in node.items() if k != "logicalType"}
    if "fields" in out:
        out["fields"] = [{**f, "type": without_logical_types(f["type"])} for f in node["fields"]]
    return out


def schema_version(json_schema: Any) -> SchemaVersion:
    """Build a SchemaVersion from a self-contained JSON schema."""
    try:
        parsed = parse_schema(without_logical_types(json_schema), _write_hint=False)
    except (SchemaParseException, fastavro.schema.UnknownType, ValueError, KeyError) as exc:
        raise SchemaError(f"cannot parse schema: {exc}") from exc
    fullname = parsed["name"] if isinstance(parsed, dict) else str(parsed)
    fast = parse_schema(without_logical_types(json_schema))
    return SchemaVersion(fullname, json_schema, parsed, fingerprint_of(to_parsing_canonical_form(parsed)), fast)


PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def self_contained(name: str, sources: dict[str, Any]) -> Any:
    """Return the schema `name` with every named type it uses defined once, at first use."""
    defined: set[str] = set()

    def walk(node: Any, namespace: str) -> Any:
        if isinstance(node, str):
            if node in PRIMITIVES:
                return node
            full = node if "." in node else f"{namespace}.{node}"
            if full in defined:
                return full
            if full not in sources:
                raise SchemaError(f"{name} uses {full}, which no .avsc file defines")
            return walk(sources[full], namespace)
        if isinstance(node, list):
            return [walk(branch, namespace) for branch in node]
        if node.get("type") in ("record", "enum", "fixed", "error"):
            ns = node.get("namespace", namespace)
            defined.add(node["name"] if "." in node["name"] else f"{ns}.{node['name']}")
            if "fields" in node:
                fields = [{**fld, "type": walk(fld["type"], ns)} for fld in node["fields"]]
                return {**node, "fields": fields}
            return dict(node)
        if node.get("type") == "array":
            return {**node, "items": walk(node["items"], namespace)}
        if node.get("type") == "map":
            return {**node, "values": walk(node["values"], namespace)}
        return {**node, "type": walk(node["type"], namespace)} if isinstance(node.get("type"), (dict, list)) else node

    return walk(name, NAMESPACE)


def load_current(schemas_dir: Path) -> dict[str, SchemaVersion]:
    """Load every .avsc of a folder (named references resolved within it), by full name."""
    sources = {}
    for path in sorted(schemas_dir.glob("*.avsc")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SchemaError(f"{path.name}: {exc}") from exc
        fullname = f"{raw.get('namespace', NAMESPACE)}.{raw['name']}"
        if path.name != f"{fullname}.avsc":
            raise SchemaError(f"{path.name} defines {fullname}; name files <fullname>.avsc")
        sources[fullname] = raw
    if not sources:
        raise SchemaError(f"no .avsc schema in {schemas_dir}")
    return {name: schema_version(self_contained(name, sources)) for name in sources}


def released_files(released_dir: Path, fullname: str) -> list[Path]:
    """Return the released versions of one schema, oldest first (v1.avsc, v2.avsc, ...)."""
    folder = released_dir / fullname
    return sorted(folder.glob("v*.avsc"), key=lambda p: int(p.stem[1:])) if folder.exists() else []


def load_released(released_dir: Path) -> list[SchemaVersion]:
    """Load every released version of every schema."""
    if not released_dir.exists():
        return []
    return [
        schema_version(json.loads(path.read_text()))
        for folder in sorted(p for p in released_dir.iterdir() if p.is_dir())
        for path in released_files(released_dir, folder.name)
    ]


class SchemaRegistry:
    """The current schema of every name, and every known writer schema by fingerprint."""

    def __init__(self, current: dict[str, SchemaVersion], writers: Iterable[SchemaVersion] = ()):
        """Index current schemas by name and all of them, with older writers, by fingerprint."""
        self.current = dict(current)
        self.by_fingerprint = {v.fingerprint: v for v in writers}
        self.by_fingerprint.update({v.fingerprint: v for v in current.values()})

    @classmethod
    def from_dirs(cls, schemas_dir: Path, released_dir: Path | None = None) -> "SchemaRegistry":
        """Load the current schemas and, when given, the released ones as known writers."""
        released = load_released(released_dir) if released_dir else []
        return cls(load_current(schemas_dir), released)

    def add_writer(self, json_schema: Any) -> SchemaVersion:
        """Make an extra (older) writer schema known, e.g. one a producer still uses."""
        version = schema_version(json_schema)
        self.by_fingerprint[version.fingerprint] = version
        return version

    def schema(self, name: str) -> SchemaVersion:
        """Return the current schema of a full or short name."""
        fullname = name if "." in name else f"{NAMESPACE}.{name}"
        try:
            return self.current[fullname]
        except KeyError:
            raise SchemaError(f"no schema named {fullname}") from None

    def writer(self, fingerprint: bytes) -> SchemaVersion:
        """Return the writer schema of a fingerprint, or raise UnknownFingerprintError."""
        try:
            return self.by_fingerprint[fingerprint]
        except KeyError:
            raise UnknownFingerprintError(
                f"no known schema has the fingerprint {fingerprint.hex()}", fingerprint.hex()
            ) from None
