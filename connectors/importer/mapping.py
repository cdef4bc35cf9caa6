"""How the columns of a digitised card file become an enrolment: a YAML mapping, applied row by row (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from connectors.client.events import Enrolment, stable_event_id
from hub.errors import ConfigurationError

EVENT_FIELDS = ("record_id", "unit", "officer", "ground", "occurred_at", "valid_until", "note")
REQUIRED_FIELDS = ("record_id", "unit", "officer", "ground", "occurred_at", "document")
TEMPLATE_FIELD = re.compile(r"{([^{}:]+)(?::[^{}]*)?}")


class RowError(ValueError):
    """A row that cannot become an event: the field at fault and why (reason MISSING_FIELD or INVALID_FIELD)."""

    def __init__(self, reason: str, field: str, detail: str):
        """Keep the reason code, the target field and the specifics."""
        super().__init__(f"{field}: {detail}")
        self.reason, self.field, self.detail = reason, field, detail


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping: each target field's rule (value, column, or template), and the date formats."""

    fields: dict[str, Any]
    document: dict[str, Any]
    date_format: str
    datetime_format: str

    @classmethod
    def load(cls, path: Path) -> "Mapping":
        """Read and check a mapping file."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigurationError(f"cannot read the mapping {path}: {exc}") from exc
        return cls.from_dict(raw, str(path))

    @classmethod
    def from_dict(cls, raw: Any, where: str = "mapping") -> "Mapping":
        """Check a mapping given as a dict."""
        if not isinstance(raw, dict) or not isinstance(raw.get("document"), dict):
            raise ConfigurationError(f"{where}: a mapping is a dict with a 'document' dict")
        missing = [name for name in REQUIRED_FIELDS if name not in raw]
        if missing:
            raise ConfigurationError(f"{where}: no rule for {', '.join(missing)}")
        unknown = set(raw) - set(EVENT_FIELDS) - {"document", "date_format", "datetime_format"}
        if unknown:
            raise ConfigurationError(f"{where}: unknown fields {', '.join(sorted(unknown))}")
        return cls({k: raw[k] for k in EVENT_FIELDS if k in raw}, raw["document"],
                   raw.get("date_format", "%d.%m.%Y"), raw.get("datetime_format", "%d.%m.%Y %H:%M"))

    def columns(self) -> set[str]:
        """Return every column the mapping reads."""
        found: set[str] = set()

        def walk(rule: Any) -> None:
            if isinstance(rule, dict) and "column" in rule:
                found.add(rule["column"])
            elif isinstance(rule, dict) and "template" in rule:
                found.update(TEMPLATE_FIELD.findall(rule["template"]))
            elif isinstance(rule, dict):
                for item in rule.values():
                    walk(item)
            elif isinstance(rule, list):
                for item in rule:
                    walk(item)
        walk(self.fields)
        walk(self.document)
        return found - {"region", "record_type", "row"}


def enrolment_of(row: dict[str, str], number: int, mapping: Mapping, record_type: str, region: str,
                 source: str) -> Enrolment:
    """Return the enrolment a row describes; raise RowError or pydantic's ValidationError if it cannot."""
    context = {**row, "region": region, "record_type": record_type, "row": str(number)}
    values = {name: _value(rule, context, name, mapping) for name, rule in mapping.fields.items()}
    for name in REQUIRED_FIELDS[:-1]:
        if values.get(name) in (None, ""):
            raise RowError("MISSING_FIELD", name, "empty")
    document = _document(mapping.document, context, mapping, "document")
    return Enrolment(record_type=record_type, document=document, source_sequence=number,
                     event_id=stable_event_id("import", source, number),
                     **{k: v for k, v in values.items() if v is not None})


def _document(rules: dict[str, Any], context: dict[str, str], mapping: Mapping, path: str) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for name, rule in rules.items():
        if isinstance(rule, list):
            items = [_document(item, context, mapping, f"{path}.{name}") for item in rule]
            document[name] = [item for item in items if _has_column_data(item)]
        else:
            document[name] = _value(rule, context, f"{path}.{name}", mapping)
    return document


def _has_column_data(item: dict[str, Any]) -> bool:
    return any(value not in (None, "") for key, value in item.items() if key != "kind")


def _value(rule: Any, context: dict[str, str], field: str, mapping: Mapping) -> Any:
    if not isinstance(rule, dict):
        raise ConfigurationError(f"the rule of {field} is not a dict: {rule!r}")
    if "value" in rule:
        return rule["value"]
    if "template" in rule:
        try:
            return rule["template"].format(**{k: _template_arg(v) for k, v in context.items()})
        except (KeyError, ValueError) as exc:
            raise RowError("INVALID_FIELD", field, f"template {rule['template']!r}: {exc}") from exc
    text = (context.get(rule.get("column", "")) or "").strip()
    if not text:
        return rule.get("default")
    if "map" in rule:
        if text not in rule["map"]:
            raise RowError("INVALID_FIELD", field, f"{text!r} is none of {', '.join(map(str, rule['map']))}")
        return rule["map"][text]
    return _typed(text, rule.get("type", "str"), rule.get("format"), field, mapping)


def _template_arg(value: str) -> Any:
    return int(value) if value.isdigit() else value


def _typed(text: str, kind: str, fmt: str | None, field: str, mapping: Mapping) -> Any:
    try:
        if kind == "str":
            return text
        if kind == "int":
            return int(text.replace(" ", ""))
        if kind == "date":
            return datetime.strptime(text, fmt or mapping.date_format).date()
        if kind == "datetime":
            return datetime.strptime(text, fmt or mapping.datetime_format).replace(tzinfo=timezone.utc)
    except ValueError as exc:
        raise RowError("INVALID_FIELD", field, f"{text!r} is not a {kind} ({fmt or ''}): {exc}") from exc
    raise ConfigurationError(f"unknown type {kind!r} in the rule of {field}")

