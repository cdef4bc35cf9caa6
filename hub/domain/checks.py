"""Answers to checks (items 10-13): the result, the notices to both sides, the audit entry (pure)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from hub.domain.matching.disclosure import disclosed_hit, may_see
from hub.domain.matching.index import Match
from hub.domain.moments import iso_day
from hub.domain.reasons import Refusal

OUTCOME_ORDER = ("HIT", "POSSIBLE_HIT", "NO_HIT")


@dataclass(frozen=True)
class CheckAnswer:
    """Everything a check produces: the result, the notifications, the audit entry."""

    result: dict[str, Any]
    notifications: list[dict[str, Any]] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)


def _moment(epoch_ms: int) -> str:
    return _minute(epoch_ms // 60_000)


@lru_cache(maxsize=4096)  # notices of one minute share its text
def _minute(epoch_minutes: int) -> str:
    return dt.datetime.fromtimestamp(epoch_minutes * 60, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def outcome_of(matches: list[Match]) -> str:
    """Return the check's outcome: its best match's level, or NO_HIT."""
    return min((m.outcome for m in matches), key=OUTCOME_ORDER.index, default="NO_HIT")


AUDITED_REQUEST = ("check_id", "requester_unit", "officer", "clearance", "purpose", "legal_ground", "channel",
                   "written_request_number", "written_request_date", "requested_at")


def _result(request: dict[str, Any], outcome: str, hits: list[dict[str, Any]], now_ms: int,
            refusal: dict[str, str] | None = None) -> dict[str, Any]:
    return {"check_id": request["check_id"], "requester_unit": request["requester_unit"], "outcome": outcome,
            "hits": hits, "answered_at": now_ms, "channel": request["channel"],
            "written_request_number": request.get("written_request_number"),
            "written_request_date": request.get("written_request_date"), "refusal": refusal}


def _audit(request: dict[str, Any], source_topic: str, now_ms: int, **answer: Any) -> dict[str, Any]:
    audit = {key: request.get(key) for key in AUDITED_REQUEST}
    subject = json.dumps(request["subject"], ensure_ascii=False, sort_keys=True)
    return {**audit, "answered_at": now_ms, "subject_json": subject, "source_topic": source_topic,
            "hit_record_ids": [], "restricted_record_ids": [], "clearance_applied": None, "refusal_reason": None,
            **answer}


def refuse_check(request: dict[str, Any], refusal: Refusal, source_topic: str, now_ms: int) -> CheckAnswer:
    """Return the answer to a request that is not taken: the refusal to the channel it came on, and its audit."""
    texts = refusal.sentences()
    reason = {"reason": refusal.code, **{f"text_{lang}": texts[lang] for lang in ("kk", "ru", "en")}}
    return CheckAnswer(_result(request, "NO_HIT", [], now_ms, reason), [],
                       _audit(request, source_topic, now_ms, outcome="NO_HIT", refusal_reason=refusal.code))


def answer_check(request: dict[str, Any], matches: list[Match], states: dict[str, dict[str, Any]],
                 now_ms: int, clearance: str | None = None, source_topic: str = "") -> CheckAnswer:
    """Return the answer to a check request given the records that matched it, disclosed up to the clearance
    applied (the request's own when none is given)."""
    asked, clearance = request["clearance"], clearance or request["clearance"]
    request = {**request, "clearance": clearance}
    hits = [disclosed_hit(states[m.record_id], clearance, m.outcome, m.score, list(m.matched), m.evidence)
            for m in matches]
    outcome = outcome_of(matches)
    result = _result(request, outcome, hits, now_ms)
    notifications = [to_requester(request, outcome, len(hits), now_ms)]
    for match in matches:
        notifications.append(to_enrolling_unit(request, states[match.record_id], match, now_ms))
    full = [m.record_id for m in matches if may_see(clearance, states[m.record_id]["confidentiality"])]
    audit = _audit({**request, "clearance": asked}, source_topic, now_ms, outcome=outcome, hit_record_ids=full,
                   clearance_applied=clearance,
                   restricted_record_ids=[m.record_id for m in matches if m.record_id not in full])
    return CheckAnswer(result, notifications, audit)


def _notice(request: dict[str, Any], recipient: str, kind: str, record_id: str | None, now_ms: int,
            titles: tuple[str, str, str], texts: tuple[str, str, str], about: str | None = None,
            **attributes: str) -> dict[str, Any]:
    """Return a notice about a check; its id names the check, the recipient and what it is about (the record,
    or `about` when the record may not be shown)."""
    return {"notification_id": f"ntf-{kind.lower()}-{request['check_id']}-{recipient}-"
                               f"{about or record_id or 'result'}",
            "recipient_unit": recipient, "kind": kind, "created_at": now_ms, "check_id": request["check_id"],
            "record_id": record_id, "event_id": None, "title_kk": titles[0], "title_ru": titles[1],
            "title_en": titles[2], "text_kk": texts[0], "text_ru": texts[1], "text_en": texts[2],
            "attributes": {k: str(v) for k, v in attributes.items() if v is not None}}


LEVEL_TEXT = {"HIT": ("сәйкестік табылды", "найдено совпадение", "a match was found"),
              "POSSIBLE_HIT": ("ықтимал сәйкестік табылды, тексеру қажет", "найдено возможное совпадение, требуется "
                               "проверка", "a possible match was found and needs confirming"),
              "NO_HIT": ("сәйкестік табылмады", "совпадений не найдено", "no match was found")}


def to_requester(request: dict[str, Any], outcome: str, hits: int, now_ms: int) -> dict[str, Any]:
    """Return the notice of the result to the requester; a written request gets a written answer citing it."""
    kk, ru, en = LEVEL_TEXT[outcome]
    if request["channel"] == "WRITTEN":
        number, on = request.get("written_request_number") or "—", iso_day(request.get("written_request_date"))
        return _notice(request, request["requester_unit"], "WRITTEN_ANSWER", None, now_ms, (
            f"№ {number} {on} сұрауға жауап", f"Ответ на запрос № {number} от {on}",
            f"Answer to request No. {number} of {on}"), (
            f"{on} № {number} жазбаша сұрауыңыз бойынша: {kk} ({hits}).",
            f"На ваш письменный запрос № {number} от {on} сообщаем: {ru} ({hits}).",
            f"In answer to your written request No. {number} of {on}: {en} ({hits})."),
            outcome=outcome, written_request_number=number, written_request_date=on)
    return _notice(request, request["requester_unit"], "CHECK_RESULT", None, now_ms, (
        "Тексеру нәтижесі", "Результат проверки", "Check result"), (
        f"{request['check_id']} тексеруі: {kk} ({hits}).", f"Проверка {request['check_id']}: {ru} ({hits}).",
        f"Check {request['check_id']}: {en} ({hits})."), outcome=outcome)


def to_enrolling_unit(request: dict[str, Any], state: dict[str, Any], match: Match, now_ms: int) -> dict[str, Any]:
    """Return the notice to the unit that enrolled a matched record: who checked it, when and why (item 12);
    when the requester could not see the record, that the unit should expect to be contacted."""
    who, when = f"{request['requester_unit']} ({request['officer']})", _moment(request["requested_at"])
    why = f"{request['purpose']}; {request['legal_ground']}"
    rid, unit = state["record_id"], state["enrolled_by_unit"]
    if not may_see(request["clearance"], state["confidentiality"]):
        return _notice(request, unit, "RESTRICTED_RECORD_ASKED", rid, now_ms, (
            "Құпия жазба бойынша сұрау", "Запрос по записи ограниченного доступа", "A restricted record was asked about"), (
            f"{who} {when} {rid} жазбасына сәйкес нысанды тексерді, бірақ оны көруге рұқсаты жоқ; сізбен байланысады. "
            f"Мақсаты: {why}.",
            f"{who} {when} проверил объект, совпавший с записью {rid}, но не имеет допуска к ней и обратится к вам. "
            f"Цель: {why}.",
            f"{who} checked an object matching record {rid} at {when} without clearance to see it and will contact "
            f"you. Purpose: {why}."), requester=request["requester_unit"], officer=request["officer"],
            level=match.outcome)
    return _notice(request, unit, "RECORD_CHECKED", rid, now_ms, (
        "Есептегі жазба тексерілді", "Проверена запись учёта", "A record on the register was checked"), (
        f"{who} {when} {rid} жазбасы бойынша тексеру жүргізді ({match.outcome}). Мақсаты: {why}.",
        f"{who} {when} провёл проверку, совпавшую с записью {rid} ({match.outcome}). Цель: {why}.",
        f"{who} ran a check matching record {rid} at {when} ({match.outcome}). Purpose: {why}."),
        requester=request["requester_unit"], officer=request["officer"], level=match.outcome)


def delayed_hit(request: dict[str, Any], state: dict[str, Any], match: Match, now_ms: int) -> dict[str, Any]:
    """Return the notice to an earlier requester that a record enrolled after the check would have matched it."""
    rid, enrolled = state["record_id"], _moment(state["enrolled_at"])
    shown = rid if may_see(request["clearance"], state["confidentiality"]) else "—"
    about = hashlib.sha256(rid.encode()).hexdigest()[:16]  # one id per record, which a restricted one must not show
    return _notice(request, request["requester_unit"], "DELAYED_HIT", rid if shown != "—" else None, now_ms, (
        "Кейінгі сәйкестік", "Отложенное совпадение", "Delayed match"), (
        f"{request['check_id']} тексеруінен кейін {enrolled} есепке қойылған жазба оған сәйкес келеді ({shown}). "
        f"Байланыс: {state['owner_unit']}.",
        f"После проверки {request['check_id']} {enrolled} поставлена на учёт запись, совпадающая с ней ({shown}). "
        f"Контакт: {state['owner_unit']}.",
        f"A record enrolled at {enrolled}, after check {request['check_id']}, matches it ({shown}). "
        f"Contact: {state['owner_unit']}."), about=about, level=match.outcome, contact_unit=state["owner_unit"])
