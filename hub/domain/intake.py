"""Whether a check request is taken, and with what clearance: identity comes from the topic it came in on
and the units book, not from what the message says of itself (items 10-13; pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.domain.catalog import Catalog
from hub.domain.limits import out_of_range
from hub.domain.matching.disclosure import LEVELS
from hub.domain.reasons import Refusal, refuse


@dataclass(frozen=True)
class Intake:
    """The decision on one request: the clearance applied, or why it is refused."""

    clearance: str
    refusal: Refusal | None = None


def lower_clearance(asked: str, allowed: str) -> str:
    """Return the lower of two clearances (an unknown level counts as OPEN)."""
    rank = {level: i for i, level in enumerate(LEVELS)}
    return min(asked, allowed, key=lambda level: rank.get(level, 0))


def take_check(request: dict[str, Any], scope: str | None, catalog: Catalog, now_ms: int) -> Intake:
    """Take a request when its unit is an active unit of the topic's scope and its values are in range; its
    clearance is the unit's, or less when the request asks less."""
    unit = request["requester_unit"]
    if scope is None:
        return Intake("OPEN", refuse("REGION_MISMATCH", "request_no_scope", "requester_unit", unit=unit))
    region = catalog.unit_region(unit)
    if region is None:
        return Intake("OPEN", refuse("UNKNOWN_UNIT", "unit_unknown", "requester_unit", unit=unit))
    if region != scope:
        return Intake("OPEN", refuse("REGION_MISMATCH", "request_elsewhere", "requester_unit", unit=unit,
                                     unit_region=region, scope=scope))
    refusal = out_of_range(request, now_ms)
    if refusal is not None:
        return Intake("OPEN", refusal)
    allowed = catalog.unit_clearance(unit) or "OPEN"
    return Intake(lower_clearance(request["clearance"], allowed))
