"""Turn the starter YAML files into passport and reference-book values of the Avro contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hub.domain.catalog import Catalog
from hub.domain.regions import REGIONS
from hub.errors import ConfigurationError

PASSPORTS_FILE = "passports.yaml"
BOOKS_FILE = "books.yaml"


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from exc


def _action_rule(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "grounds": list(raw["grounds"]),
        "filling_unit_kinds": list(raw["filling"]),
        "acting_unit_kinds": list(raw["acting"]),
        "deadline_hours": raw.get("deadline_hours"),
    }


def passport_value(raw: dict[str, Any], version: int = 1) -> dict[str, Any]:
    """Return a RecordTypePassport value from one YAML passport."""
    try:
        return {
            "code": raw["code"], "version": raw.get("version", version), "active": raw.get("active", True),
            "name_kk": raw["names"]["kk"], "name_ru": raw["names"]["ru"], "name_en": raw["names"]["en"],
            "functional_class": raw["functional_class"], "object_kind": raw["object_kind"],
            "enrol": _action_rule(raw["enrol"]), "correct": _action_rule(raw["correct"]),
            "remove": _action_rule(raw["remove"]),
            "term_days": raw.get("term_days"), "term_notice_days": raw.get("term_notice_days"),
            "confidentiality": raw["confidentiality"], "administering_unit": raw["administering_unit"],
            "level": raw["level"], "forms": list(raw["forms"]),
            "document_schema": raw["document_schema"], "document_form": raw["document_form"],
            "reconciliation_schedule": raw["reconciliation_schedule"],
            "reconciliation_deadline_days": raw["reconciliation_deadline_days"],
            "retention_card_years": raw["retention"]["card_years"],
            "retention_journal_years": raw["retention"]["journal_years"],
            "retention_removed_days": raw["retention"]["removed_days"],
            "required_fields": list(raw["required_fields"]),
            "field_formats": {k: str(v) for k, v in (raw.get("field_formats") or {}).items()},
            "delayed_hit_window_days": raw.get("delayed_hit_window_days", 0),
        }
    except KeyError as exc:
        raise ConfigurationError(f"passport {raw.get('code', '?')} lacks {exc}") from exc


def starter_passports(refdata_dir: Path) -> list[dict[str, Any]]:
    """Return the starter passports as RecordTypePassport values."""
    return [passport_value(raw) for raw in _read_yaml(refdata_dir / PASSPORTS_FILE)]


def entry(book: str, code: str, names: dict[str, str], **attributes: str) -> dict[str, Any]:
    """Return one ReferenceEntry value."""
    return {"book": book, "code": code, "version": 1, "active": True,
            "name_kk": names["kk"], "name_ru": names["ru"], "name_en": names["en"],
            "attributes": {k: str(v) for k, v in attributes.items()}}


def _split_names(raw: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    names = {k: raw[k] for k in ("kk", "ru", "en")}
    return names, {k: v for k, v in raw.items() if k not in names}


def starter_books(refdata_dir: Path) -> list[dict[str, Any]]:
    """Return every reference-book entry: regions, unit kinds, units, grounds, document kinds..."""
    raw = _read_yaml(refdata_dir / BOOKS_FILE)
    entries = [entry("REGION", code, dict(zip(("kk", "ru", "en"), names)))
               for code, names in REGIONS.items()]
    for book in ("UNIT_KIND", "CONFIDENTIALITY", "DOCUMENT_KIND", "GROUND"):
        for code, item in raw[book].items():
            names, attrs = _split_names(item)
            entries.append(entry(book, code, names, **attrs))
    entries += regional_units(raw["UNIT_KIND"])
    for code, item in raw["CENTRAL_UNIT"].items():
        names, attrs = _split_names(item)
        entries.append(entry("UNIT", code, names, region="KZ", **attrs))
    return entries


def regional_units(kinds: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Return one unit of every regional unit kind in every region, e.g. KZ-75-CP."""
    units = []
    for region, (region_kk, region_ru, region_en) in REGIONS.items():
        for kind, item in kinds.items():
            if not item["suffix"]:
                continue
            names = {"kk": f"{region_kk}: {item['kk']}", "ru": f"{region_ru}: {item['ru']}",
                     "en": f"{region_en}: {item['en']}"}
            units.append(entry("UNIT", f"{region}-{item['suffix']}", names, region=region, kinds=kind,
                               clearance=item["clearance"]))
    return units


def book_key(value: dict[str, Any]) -> str:
    """Return the compacted-topic key of a reference entry: 'BOOK/CODE'."""
    return f"{value['book']}/{value['code']}"


def starter_catalog(refdata_dir: Path) -> Catalog:
    """Return a catalog of the starter passports and reference books (what `hub refdata load` publishes)."""
    catalog = Catalog()
    for passport in starter_passports(refdata_dir):
        catalog.put_passport(passport)
    for entry in starter_books(refdata_dir):
        catalog.put_entry(entry)
    return catalog
