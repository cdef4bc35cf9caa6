"""What a requester may see of a matched record: all of it up to the requester's clearance, otherwise
only that a restricted record exists and which unit to contact (item 13; pure)."""

from __future__ import annotations

from typing import Any, Sequence

LEVELS = ("OPEN", "OFFICIAL_USE", "SECRET", "TOP_SECRET")
RESTRICTED = "RESTRICTED"  # what a restricted hit shows instead of the record's id and type


def may_see(clearance: str, confidentiality: str) -> bool:
    """Tell whether a clearance reaches a confidentiality level (unknown levels are never reached)."""
    if clearance not in LEVELS or confidentiality not in LEVELS:
        return False
    return LEVELS.index(clearance) >= LEVELS.index(confidentiality)


def disclosed_hit(record: dict[str, Any], clearance: str, level: str, score: float,
                  matched: list[str], evidence: Sequence[tuple[str, str, float]] = ()) -> dict[str, Any]:
    """Return the Hit a requester receives for a matched register record."""
    full = may_see(clearance, record["confidentiality"])
    return {
        "record_id": record["record_id"] if full else RESTRICTED, "record_type": record["record_type"] if full else RESTRICTED,
        "level": level, "score": score, "matched_fields": list(matched) if full else [],
        "disclosure": "FULL" if full else "RESTRICTED", "confidentiality": record["confidentiality"],
        "contact_unit": record["owner_unit"], "document": record.get("document") if full else None,
        "evidence": [{"field": f, "level": lv, "weight_bits": float(b)} for f, lv, b in evidence] if full else [],
    }

