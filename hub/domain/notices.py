"""Notices the register itself sends to units about their records' terms (pure)."""

from __future__ import annotations

from typing import Any

from hub.domain.moments import iso_day_of_instant
from hub.domain.register import DAY_MS


def _notice(state: dict[str, Any], kind: str, suffix: str, now_ms: int, titles: tuple[str, str, str],
            texts: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "notification_id": f"ntf-{suffix}-{state['record_id']}-{state['version']}",
        "recipient_unit": state["owner_unit"], "kind": kind, "created_at": now_ms, "check_id": None,
        "record_id": state["record_id"], "event_id": state["last_event_id"],
        "title_kk": titles[0], "title_ru": titles[1], "title_en": titles[2],
        "text_kk": texts[0], "text_ru": texts[1], "text_en": texts[2],
        "attributes": {"valid_until": str(state["valid_until"]), "record_type": state["record_type"]},
    }


def term_ending(state: dict[str, Any], passport: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """Return the advance notice telling the owning unit that a record's term ends soon."""
    days, until, rid = max(0, (state["valid_until"] - now_ms) // DAY_MS), iso_day_of_instant(state["valid_until"]), \
        state["record_id"]
    return _notice(state, "TERM_ENDING", "term-ending", now_ms, (
        "Есепте тұру мерзімі аяқталуда", "Срок нахождения на учёте истекает", "The term on the register is ending",
    ), (
        f"{passport['name_kk']}: {rid} жазбасының мерзімі {until} аяқталады ({days} күн қалды). "
        f"Ұзарту керек болса, түзету жіберіңіз.",
        f"{passport['name_ru']}: срок учёта записи {rid} истекает {until} (осталось дней: {days}). "
        f"Если учёт нужно продлить, направьте корректировку.",
        f"{passport['name_en']}: the term of record {rid} ends on {until} ({days} days left). "
        f"Send a correction if it must be extended.",
    ))


def term_ended(state: dict[str, Any], passport: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """Return the notice telling the owning unit that the hub removed a record at the end of its term."""
    until, rid = iso_day_of_instant(state["valid_until"]), state["record_id"]
    return _notice(state, "TERM_ENDED", "term-ended", now_ms, (
        "Есепте тұру мерзімі аяқталды", "Срок нахождения на учёте истёк", "The term on the register has ended",
    ), (
        f"{passport['name_kk']}: {rid} жазбасы {until} мерзімі өтуіне байланысты есептен шығарылды.",
        f"{passport['name_ru']}: запись {rid} снята с учёта {until} в связи с истечением срока.",
        f"{passport['name_en']}: record {rid} was removed on {until} because its term ended.",
    ))
