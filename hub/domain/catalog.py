"""The record-type passports and reference books the services know, updated live."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.domain.regions import CENTRAL_SCOPE, REGIONS, scope_of_unit_code


@dataclass
class Catalog:
    """Passports by code and reference-book entries by (book, code); the latest version wins."""

    passports: dict[str, dict[str, Any]] = field(default_factory=dict)
    entries: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    revision: int = 0  # one more with every change taken

    def put_passport(self, passport: dict[str, Any]) -> bool:
        """Take a passport unless an equal or newer version is known; tell whether it was taken."""
        known = self.passports.get(passport["code"])
        if known is not None and known["version"] > passport["version"]:
            return False
        self.passports[passport["code"]] = passport
        self.revision += 1
        return True

    def put_entry(self, entry: dict[str, Any]) -> bool:
        """Take a reference entry unless a newer version is known."""
        key = (entry["book"], entry["code"])
        known = self.entries.get(key)
        if known is not None and known["version"] > entry["version"]:
            return False
        self.entries[key] = entry
        self.revision += 1
        return True

    def longest_delayed_hit_window_days(self) -> int:
        """Return the longest delayed-hit window of any record type (0 when none has one)."""
        return max((p.get("delayed_hit_window_days") or 0 for p in self.passports.values()), default=0)

    def passport(self, code: str) -> dict[str, Any] | None:
        """Return the passport of a record type, or None."""
        return self.passports.get(code)

    def entry(self, book: str, code: str) -> dict[str, Any] | None:
        """Return an active reference entry, or None."""
        found = self.entries.get((book, code))
        return found if found is not None and found["active"] else None

    def unit_region(self, unit: str) -> str | None:
        """Return the region of an active unit ('KZ' for central units), or None."""
        found = self.entry("UNIT", unit)
        return found["attributes"].get("region") if found else None

    def unit_scope(self, unit: str) -> str:
        """Return the scope whose topics a unit's answers and notices go to: its region, or KZ for the central
        units; a unit in no book goes by its code's region prefix, else to KZ (read by the Ministry only)."""
        found = self.entries.get(("UNIT", unit))
        region = found["attributes"].get("region") if found else scope_of_unit_code(unit)
        return region if region in REGIONS else CENTRAL_SCOPE

    def unit_clearance(self, unit: str) -> str | None:
        """Return the highest confidentiality level an active unit's officers may see (None: not given)."""
        found = self.entry("UNIT", unit)
        return found["attributes"].get("clearance") if found else None

    def unit_kinds(self, unit: str) -> set[str]:
        """Return the kinds of an active unit (e.g. CRIMINAL_POLICE)."""
        found = self.entry("UNIT", unit)
        return set(found["attributes"].get("kinds", "").split(",")) - {""} if found else set()
