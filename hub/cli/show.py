"""How the CLI prints records, hits, notifications and rejections: labelled lines in the chosen language."""

from __future__ import annotations

from typing import Any

from hub.domain.wording import field_name

RECORD_HEAD = ("record_type", "region", "status", "version", "confidentiality", "owner_unit", "enrolled_by_unit",
               "enrolment_initiator", "enrolled_at", "updated_at", "valid_until", "removed_at", "purge_after")


def document_lines(document: dict[str, Any] | None, lang: str, indent: str = "    ") -> list[str]:
    """Return a readable document's filled fields, one labelled line each (nested records on one line)."""
    lines = []
    for name, value in (document or {}).items():
        if value in (None, "", [], {}):
            continue
        lines.append(f"{indent}{field_name(name, lang)}: {_text(value)}")
    return lines


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_text(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(_text(item) for item in value.values() if item not in (None, ""))
    return str(value)


def record_lines(record: dict[str, Any], lang: str) -> list[str]:
    """Return a readable register record: its id, its state and its document's fields."""
    lines = [record["record_id"]]
    lines += [f"  {field_name(name, lang)}: {record[name]}" for name in RECORD_HEAD if record.get(name) is not None]
    return lines + document_lines(record.get("document"), lang)


def restricted_lines(record: dict[str, Any], lang: str) -> list[str]:
    """Return what a requester without clearance learns of a record: that it exists, and whom to contact."""
    texts = {"kk": "шектеулі қолжетімді жазба", "ru": "запись ограниченного доступа", "en": "a restricted record"}
    return [f"{texts[lang]} ({record['confidentiality']}); "
            f"{field_name('contact_unit', lang)}: {record['owner_unit']}"]


def hit_lines(hit: dict[str, Any], lang: str) -> list[str]:
    """Return a readable hit: level, score, record, what matched, whom to contact, and the disclosed fields."""
    matched = ", ".join(field_name(f, lang) for f in hit["matched_fields"]) or "—"
    head = (f"  {hit['level']:12} {hit['score']:.3f} {hit['record_id']} ({hit['record_type']}, {hit['disclosure']}); "
            f"{field_name('matched_fields', lang)}: {matched}; {field_name('contact_unit', lang)}: "
            f"{hit['contact_unit']}")
    return [head] + document_lines(hit.get("document"), lang, indent="      ")


def disclosed_text(hit: dict[str, Any]) -> str:
    """Return a hit's disclosed document as one 'name=value; ...' cell (for CSV)."""
    return "; ".join(f"{name}={_text(value)}" for name, value in (hit.get("document") or {}).items()
                     if value not in (None, "", [], {}))
