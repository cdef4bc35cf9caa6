"""How the columns of a digitised card file become an enrolment: a YAML mapping, applied row by row (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, Callable

import yaml

from connectors.client.events import EPOCH_DAY, epoch_ms
from hub.domain.reasons import refuse
from hub.domain.regions import region_of_record
from hub.errors import ConfigurationError

EVENT_FIELDS = ("record_id", "unit", "officer", "ground", "occurred_at", "valid_until", "note")
REQUIRED_FIELDS = ("record_id", "unit", "officer", "ground", "occurred_at", "document")
TEMPLATE_FIELD = re.compile(r"{([^{}:]+)(?::[^{}]*)?}")


class RowError(ValueError):
    """A row that cannot become an event: the hub's refusal of it (MISSING_FIELD or INVALID_FIELD)."""

    def __init__(self, reason: str, says: str, field: str, **values: Any):
        """Keep the refusal: its reason code, phrase, target field and values."""
        self.refusal = refuse(reason, says, field, **values)
        super().__init__(self.refusal.detail)


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping: each target field's rule (value, column, or template), and the date formats."""

    fields: dict[str, Any]
    document: dict[str, Any]
    date_format: str
    datetime_format: str
    compiled_fields: tuple = field(default=(), compare=False, repr=False)
    compiled_document: Any = field(default=None, compare=False, repr=False)

    def __reduce__(self):
        """Pickle the rules only (workers compile them again)."""
        return type(self), (self.fields, self.document, self.date_format, self.datetime_format)

    def __post_init__(self) -> None:
        """Compile the rules once (an unknown type fails here, not on the first row)."""
        object.__setattr__(self, "compiled_fields",
                           tuple((name, compile_rule(rule, name, self)) for name, rule in self.fields.items()))
        object.__setattr__(self, "compiled_document", compile_document(self.document, self, "document"))

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


def event_value_of(row: dict[str, str], number: int, mapping: Mapping, record_type: str, region: str,
                   event_id: str) -> dict[str, Any]:
    """Return the RecordEvent value (an enrolment, version 1) a row describes, with the given event id
    (stable per file and row); raise RowError if it cannot. The hub's rules are checked afterwards."""
    context = {**row, "region": region, "record_type": record_type, "row": str(number)}
    values = {name: rule(context) for name, rule in mapping.compiled_fields}
    for name in REQUIRED_FIELDS[:-1]:
        if values.get(name) in (None, ""):
            raise RowError("MISSING_FIELD", "field", name)
    record_id = str(values["record_id"])
    record_region = region_of_record(record_id)
    if record_region is None:
        raise RowError("INVALID_FIELD", "no_region_prefix", "record_id", value=record_id)
    valid_until = values.get("valid_until")
    return {"event_id": event_id, "record_id": record_id, "record_type": record_type, "region": record_region,
            "action": "ENROL", "version": 1, "unit": str(values["unit"]), "officer": str(values["officer"]),
            "ground": str(values["ground"]), "occurred_at": _instant_ms(values["occurred_at"], "occurred_at"),
            "valid_until": None if valid_until is None else _instant_ms(valid_until, "valid_until"),
            "source_sequence": number, "document": mapping.compiled_document(context),
            "note": values.get("note")}


def _instant_ms(value: Any, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise RowError("INVALID_FIELD", "not_a_date", field, value=value, pattern="datetime")


Rule = Callable[[dict[str, str]], Any]


def compile_document(rules: dict[str, Any], mapping: "Mapping", path: str) -> Rule:
    """Return a function building a document (or a list item) from a row by its rules."""
    parts: list[tuple[str, Any]] = []
    for name, rule in rules.items():
        if isinstance(rule, list):
            items = [compile_document(item, mapping, f"{path}.{name}") for item in rule]
            parts.append((name, items))
        else:
            parts.append((name, compile_rule(rule, f"{path}.{name}", mapping)))

    def build(context: dict[str, str]) -> dict[str, Any]:
        document: dict[str, Any] = {}
        for name, part in parts:
            if isinstance(part, list):
                document[name] = [item for item in (each(context) for each in part) if _has_column_data(item)]
            else:
                document[name] = part(context)
        return document
    return build


def _has_column_data(item: dict[str, Any]) -> bool:
    return any(value not in (None, "") for key, value in item.items() if key != "kind")


def compile_rule(rule: Any, field: str, mapping: "Mapping") -> Rule:
    """Return a function reading one field from a row: a constant, a template, or a column (mapped or typed)."""
    if not isinstance(rule, dict):
        raise ConfigurationError(f"the rule of {field} is not a dict: {rule!r}")
    if "value" in rule:
        constant = rule["value"]
        return lambda context: constant
    if "template" in rule:
        return _template_rule(rule["template"], field)
    column, default, codes = rule.get("column", ""), rule.get("default"), rule.get("map")
    convert = _converter(rule.get("type", "str"), rule.get("format"), field, mapping)

    def read(context: dict[str, str]) -> Any:
        text = (context.get(column) or "").strip()
        if not text:
            return default
        if codes is not None:
            if text not in codes:
                raise RowError("INVALID_FIELD", "not_one_of", field, value=text, choices=", ".join(map(str, codes)))
            return codes[text]
        return convert(text)
    return read


def _template_rule(template: str, field: str) -> Rule:
    names = tuple(set(TEMPLATE_FIELD.findall(template)))

    def fill(context: dict[str, str]) -> str:
        try:
            return template.format(**{k: _template_arg(context[k]) for k in names})
        except (KeyError, ValueError) as exc:
            raise RowError("INVALID_FIELD", "bad_value", field, value=template) from exc
    return fill


def _template_arg(value: str) -> Any:
    return int(value) if value.isascii() and value.isdigit() else value


def _converter(kind: str, fmt: str | None, field: str, mapping: "Mapping") -> Callable[[str], Any]:
    parsers: dict[str, Callable[[str], Any]] = {
        "str": str, "int": lambda text: int(text.replace(" ", "")),
        "date": lambda text: (parse_date(text, fmt or mapping.date_format) - EPOCH_DAY).days,
        "datetime": lambda text: epoch_ms(parse_datetime(text, fmt or mapping.datetime_format)),
    }
    if kind not in parsers:
        raise ConfigurationError(f"unknown type {kind!r} in the rule of {field}")
    parse = parsers[kind]

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            if kind == "int":
                raise RowError("INVALID_FIELD", "bad_value", field, value=text) from exc
            raise RowError("INVALID_FIELD", "not_a_date", field, value=text,
                           pattern=fmt or (mapping.date_format if kind == "date" else mapping.datetime_format)) from exc
    return convert


def parse_date(text: str, fmt: str) -> date:
    """Return a date; the usual "%d.%m.%Y" is read directly, any other format by strptime."""
    if fmt == "%d.%m.%Y":
        day, month, year = text.split(".")
        if len(year) == 4:
            return date(int(year), int(month), int(day))
    return datetime.strptime(text, fmt).date()


def parse_datetime(text: str, fmt: str) -> datetime:
    """Return an aware UTC datetime; the usual "%d.%m.%Y %H:%M" is read directly, others by strptime."""
    if fmt == "%d.%m.%Y %H:%M" and " " in text:
        day_part, time_part = text.split(" ", 1)
        hour, minute = time_part.split(":")
        if len(hour) <= 2 and len(minute) == 2:
            return datetime.combine(parse_date(day_part, "%d.%m.%Y"), time(int(hour), int(minute)), timezone.utc)
    return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
