"""Realistic sample values of every message of the contract, with Kazakh and Russian text."""

from __future__ import annotations

from hub.domain.identifiers import with_iin_check_digit

NOW_MS = 1_795_000_000_000
DAY = 19_700  # epoch days, 2023-12-09

IIN = with_iin_check_digit("85031240123") or with_iin_check_digit("85031240124")

PERSON = {
    "iin": IIN, "surname": "Сейтқалиев", "given_name": "Әлихан", "patronymic": "Маратұлы",
    "birth_date": 5549, "birth_year": None, "sex": "MALE", "citizenship": "KAZ",
    "birth_place": "Қызылорда облысы, Жаңақорған ауданы",
    "identity_documents": [{"kind": "ID_CARD", "number": "045123987", "issued_on": 17000,
                            "issuer": "ҚР ІІМ / МВД РК"}],
    "registered_address": "г. Алматы, мкр. Орбита-2, д. 14, кв. 7",
    "special_marks": "шрам на левой щеке / сол жақ бетінде тыртық", "photo_ref": "photos/kz75/000123.jpg",
}
THING = {
    "thing_kind": "VEHICLE", "description": "Toyota Camry 70, ақ түсті седан / белый седан",
    "vin": "JTNB11HK103456789", "plate": "123ABC02", "make": "Toyota", "model": "Camry",
    "colour": "белый", "year": 2019, "serial": None, "calibre": None, "imei": None,
    "document_kind": None, "document_number": None, "owner_name": "Жұмабекова Гүлнар Серікқызы",
}
FACT = {
    "registration_number": "227500031000123", "criminal_code_article": "188 ч.2 п.4",
    "occurred_at": NOW_MS - 86_400_000, "place": "Шымкент қ., Тәуке хан даңғылы, 5",
    "description": "Тайное хищение имущества из автомобиля / көліктен мүлікті жасырын ұрлау",
    "damage_kzt": 1_250_000,
}
PORTRAIT = {
    "portrait_number": "СП-75-2026-0042", "related_fact_number": "227500031000123", "sex": "MALE",
    "age_from": 25, "age_to": 35, "height_from_cm": 170, "height_to_cm": 180,
    "features": "Худощавый, тёмные короткие волосы, шрам над бровью / арық, қысқа қара шашты",
    "image_ref": "portraits/kz75/0042.png", "described_on": DAY,
}
EVENT = {
    "event_id": "6f1c2d3e-4b5a-4c6d-8e7f-901234567890", "record_id": "KZ-75-WANTED_PERSON-00000123",
    "record_type": "WANTED_PERSON", "region": "KZ-75", "action": "ENROL", "version": 1,
    "unit": "KZ-75-CP", "officer": "750123", "ground": "WANTED_HIDING_FROM_INVESTIGATION",
    "occurred_at": NOW_MS, "valid_until": None, "source_sequence": 123, "document": PERSON,
    "note": "Объявлен в розыск постановлением следователя / тергеушінің қаулысымен",
}
REGISTER_RECORD = {
    "record_id": EVENT["record_id"], "record_type": "WANTED_PERSON", "object_kind": "PERSON",
    "region": "KZ-75", "version": 1, "status": "LIVE", "owner_unit": "KZ-75-CP",
    "enrolled_by_unit": "KZ-75-CP", "enrolment_initiator": "750123", "confidentiality": "OFFICIAL_USE",
    "enrolled_at": NOW_MS, "updated_at": NOW_MS, "removed_at": None, "valid_until": None,
    "purge_after": None, "last_event_id": EVENT["event_id"], "document": PERSON,
    "term_notice_sent_at": None,
}
CHANGE = {
    "change_id": "c-" + EVENT["event_id"], "event_id": EVENT["event_id"], "record_id": EVENT["record_id"],
    "record_type": "WANTED_PERSON", "region": "KZ-75", "kind": "ENROLLED", "version": 1,
    "unit": "KZ-75-CP", "ground": "WANTED_HIDING_FROM_INVESTIGATION", "occurred_at": NOW_MS,
    "applied_at": NOW_MS + 20, "state": REGISTER_RECORD,
}
REJECTION = {
    "rejection_id": "r-hub.events.kz-75-3-1042", "event_id": EVENT["event_id"],
    "source_topic": "hub.events.kz-75", "source_partition": 3, "source_offset": 1042, "source_index": None, "region": "KZ-75",
    "unit": "KZ-75-CP", "record_id": EVENT["record_id"], "record_type": "WANTED_PERSON",
    "reason_code": "INVALID_GROUND", "reason_kk": "Негіз бұл әрекет үшін жарамсыз.",
    "reason_ru": "Основание недопустимо для этого действия.", "reason_en": "The ground is not valid for this action.",
    "field": "ground", "original": b"\xc3\x01garbage", "rejected_at": NOW_MS,
}
CHECK_BASE = {
    "check_id": "chk-2026-000042", "requester_unit": "KZ-71-CP", "officer": "710042", "clearance": "SECRET",
    "purpose": "Проверка задержанного / ұсталған адамды тексеру",
    "legal_ground": "ст. 11 Закона РК «Об оперативно-розыскной деятельности»", "channel": "WRITTEN",
    "written_request_number": "71-12/3456", "written_request_date": DAY,
}
CHECK_REQUEST = {**CHECK_BASE, "requested_at": NOW_MS, "subject": {
    "iin": None, "surname": "Seitkaliev", "given_name": "Alikhan", "patronymic": None,
    "birth_date": 5549, "birth_year": None, "sex": "MALE", "document_number": None, "registered_address": None}}
CHECK_RESULT = {
    "check_id": CHECK_BASE["check_id"], "requester_unit": "KZ-71-CP", "outcome": "HIT",
    "hits": [{"record_id": EVENT["record_id"], "record_type": "WANTED_PERSON", "level": "HIT", "score": 0.97,
              "matched_fields": ["surname", "given_name", "birth_date"], "disclosure": "FULL",
              "confidentiality": "OFFICIAL_USE", "contact_unit": "KZ-75-CP", "document": PERSON,
              "evidence": [{"field": "surname", "level": "EXACT", "weight_bits": 9.4},
                           {"field": "birth_date", "level": "ONE_DIGIT", "weight_bits": 7.2}]}],
    "answered_at": NOW_MS + 12, "channel": "WRITTEN", "written_request_number": "71-12/3456",
    "written_request_date": DAY, "refusal": None,
}
REFUSED_RESULT = {**CHECK_RESULT, "outcome": "NO_HIT", "hits": [], "refusal": {
    "reason": "REGION_MISMATCH", "text_kk": "Өңірлер сәйкес келмейді.", "text_ru": "Регионы не совпадают.",
    "text_en": "The regions do not agree."}}
NOTIFICATION = {
    "notification_id": "n-chk-2026-000042-KZ-75-CP", "recipient_unit": "KZ-75-CP", "kind": "RECORD_CHECKED",
    "created_at": NOW_MS, "check_id": CHECK_BASE["check_id"], "record_id": EVENT["record_id"], "event_id": None,
    "title_kk": "Есептегі адам тексерілді", "title_ru": "Проверен состоящий на учёте", "title_en": "A record was checked",
    "text_kk": "Астана қ. ПД КП тексерді.", "text_ru": "Проверку провело УКП ДП г. Астаны.",
    "text_en": "Checked by the criminal police of Astana.", "attributes": {"officer": "710042"},
}
AUDIT = {**CHECK_BASE, "requested_at": NOW_MS, "answered_at": NOW_MS + 12,
         "subject_json": '{"surname": "Сейтқалиев"}', "outcome": "HIT",
         "hit_record_ids": [EVENT["record_id"]], "restricted_record_ids": [], "clearance_applied": "SECRET",
         "source_topic": "hub.checks.requests.kz-71", "refusal_reason": None}
MANIFEST = {
    "manifest_id": "m-KZ-75-WANTED_PERSON-2026-11-25", "region": "KZ-75", "record_type": "WANTED_PERSON",
    "unit": "KZ-75-CP", "as_of_sequence": 123, "chunk_index": 0, "chunk_count": 1, "created_at": NOW_MS,
    "entries": [{"record_id": EVENT["record_id"], "version": 1}],
}
REPORT = {
    "report_id": "rep-" + MANIFEST["manifest_id"], "manifest_id": MANIFEST["manifest_id"], "region": "KZ-75",
    "record_type": "WANTED_PERSON", "responsible_unit": "KZ-75-CP", "as_of_sequence": 123,
    "compared_at": NOW_MS, "regional_count": 1, "central_count": 2,
    "differences": [{"record_id": "KZ-75-WANTED_PERSON-00000999", "kind": "EXTRA_IN_CENTRAL",
                     "regional_version": None, "central_version": 3}],
}
REFERENCE = {"book": "UNIT", "code": "KZ-75-CP", "version": 1, "active": True,
             "name_kk": "Алматы: Криминалдық полиция басқармасы",
             "name_ru": "Алматы: Управление криминальной полиции",
             "name_en": "Almaty: Criminal police directorate", "attributes": {"region": "KZ-75"}}

SAMPLES = {
    "RecordEvent": [EVENT, {**EVENT, "document": THING, "record_type": "STOLEN_VEHICLE"},
                    {**EVENT, "document": FACT}, {**EVENT, "document": PORTRAIT},
                    {**EVENT, "action": "REMOVE", "document": None}],
    "RecordEventBatch": [{"batch_id": "KZ-75-batch-000001", "region": "KZ-75",
                          "events": [EVENT, {**EVENT, "action": "REMOVE", "document": None}]}],
    "EventRun": [{"source_topic": "hub.events.kz-75", "source_partition": 3,
                  "messages": [{"offset": 41, "timestamp_ms": NOW_MS, "value": b"\xc3\x01single event"},
                               {"offset": 43, "timestamp_ms": NOW_MS + 1, "value": None}]}],
    "DueAction": [{"record_id": EVENT["record_id"], "kind": "EXPIRE", "version": 2, "due_at": NOW_MS}],
    "RegisterRecord": [REGISTER_RECORD, {**REGISTER_RECORD, "term_notice_sent_at": NOW_MS}],
    "RegisterChange": [CHANGE, {**CHANGE, "kind": "PURGED", "state": None}],
    "Rejection": [REJECTION, {**REJECTION, "source_index": 17}],
    "CheckRequest": [CHECK_REQUEST,
                     {**CHECK_REQUEST, "channel": "ONLINE", "subject": {"vin": "JTNB11HK103456789", "plate": None}},
                     {**CHECK_REQUEST, "subject": {"imei": "356938035643809"}},
                     {**CHECK_REQUEST, "subject": {"serial": "ТТ-1234", "make": "ПМ"}},
                     {**CHECK_REQUEST, "subject": {"registration_number": "227500031000123"}},
                     {**CHECK_REQUEST, "subject": {"document_kind": "ID_CARD", "number": "045123987"}}],
    "CheckResult": [CHECK_RESULT, REFUSED_RESULT],
    "Notification": [NOTIFICATION],
    "CheckAuditEntry": [AUDIT],
    "ReconciliationManifest": [MANIFEST],
    "ReconciliationReport": [REPORT],
    "ReferenceEntry": [REFERENCE],
    "DeadLetter": [{"dead_letter_id": "webhook/hub.notifications/0/17", "sink": "webhook",
                    "target": "https://duty.kz75.police.kz/hub", "source_topic": "hub.notifications",
                    "source_partition": 0, "source_offset": 17, "key": "KZ-75-CP", "original": b"\xc3\x01rest",
                    "attempts": 6, "reason_code": "UNREACHABLE", "error": "503 Service Unavailable",
                    "failed_at": NOW_MS}],
    "PersonCard": [PERSON], "ThingCard": [THING], "FactCard": [FACT], "PortraitCard": [PORTRAIT],
}
