"""The schema evolution gate: every schema against its last released version (item 14)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from hub.codec.registry import (
    SchemaVersion,
    load_current,
    released_files,
    schema_version,
)


@dataclass(frozen=True)
class EvolutionVerdict:
    """How one schema compares with its last release."""

    schema: str
    released_version: int | None
    status: str  # new, unchanged, compatible, incompatible
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Tell whether the change may land."""
        return self.status != "incompatible"


def _compatible(reader: SchemaVersion, writer: SchemaVersion) -> tuple[bool, str]:
    checker = ReaderWriterCompatibilityChecker()
    result = checker.get_compatibility(
        avro.schema.parse(json.dumps(reader.json_schema)), avro.schema.parse(json.dumps(writer.json_schema))
    )
    if result.compatibility is SchemaCompatibilityType.compatible:
        return True, ""
    return False, "; ".join(f"{loc}: {msg}" for msg, loc in zip(result.messages, result.locations))


def compare(current: SchemaVersion, released: SchemaVersion, version: int) -> EvolutionVerdict:
    """Compare a schema with a release both ways: new readers of old data, old readers of new."""
    if current.fingerprint == released.fingerprint:
        return EvolutionVerdict(current.fullname, version, "unchanged")
    backward, why_back = _compatible(current, released)
    forward, why_fwd = _compatible(released, current)
    if backward and forward:
        return EvolutionVerdict(current.fullname, version, "compatible")
    problems = []
    if not backward:
        problems.append(f"the new schema cannot read data of v{version} (old producers break): {why_back}")
    if not forward:
        problems.append(f"v{version} readers cannot read the new schema (old consumers break): {why_fwd}")
    return EvolutionVerdict(current.fullname, version, "incompatible", " | ".join(problems))


def check_all(schemas_dir: Path, released_dir: Path) -> list[EvolutionVerdict]:
    """Check every current schema against its last released version."""
    verdicts = []
    for name, current in sorted(load_current(schemas_dir).items()):
        files = released_files(released_dir, name)
        if not files:
            verdicts.append(EvolutionVerdict(name, None, "new"))
            continue
        last = schema_version(json.loads(files[-1].read_text(encoding="utf-8")))
        verdicts.append(compare(current, last, int(files[-1].stem[1:])))
    return verdicts


def release_all(schemas_dir: Path, released_dir: Path) -> list[str]:
    """Write a new released version of every schema that is new or changed; return their names."""
    written = []
    for verdict in check_all(schemas_dir, released_dir):
        if verdict.status in ("new", "compatible"):
            version = (verdict.released_version or 0) + 1
            current = load_current(schemas_dir)[verdict.schema]
            folder = released_dir / verdict.schema
            folder.mkdir(parents=True, exist_ok=True)
            text = json.dumps(current.json_schema, ensure_ascii=False, indent=2) + "\n"
            (folder / f"v{version}.avsc").write_text(text, encoding="utf-8")
            written.append(f"{verdict.schema} v{version}")
    return written
