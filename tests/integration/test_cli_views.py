"""`hub register show|find`, `hub rejected` and `hub notifications` on the real broker: readable, clearance applied."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

from hub.kafka.admin import provision
from hub.kafka.producer import publish
from hub.kafka.topics import NOTIFICATIONS, REGISTER, REJECTED, all_topics
from hub.settings import HubSettings
from tests.integration.helpers import REPO, settings_env
from tests.samples import EVENT, PERSON, REGISTER_RECORD, THING

READER = ["--unit", "KZ-71-CP", "--clearance", "OFFICIAL_USE"]


def hub(settings: HubSettings, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "hub", *args], cwd=REPO, env=settings_env(settings),
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode == 0) == ok, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return done


def test_the_register_is_browsed_with_readable_dates_and_clearance_applied(hub_settings, codec) -> None:
    asyncio.run(provision(hub_settings, all_topics()))
    now_ms = int(time.time() * 1000)
    states = [
        {**REGISTER_RECORD, "record_id": "KZ-75-WANTED_PERSON-00000001", "enrolled_at": now_ms},
        {**REGISTER_RECORD, "record_id": "KZ-75-WANTED_PERSON-00000002", "confidentiality": "SECRET",
         "document": {**PERSON, "surname": "Жұмабекова"}},
        {**REGISTER_RECORD, "record_id": "KZ-75-STOLEN_VEHICLE-00000003", "record_type": "STOLEN_VEHICLE",
         "object_kind": "THING", "confidentiality": "OPEN", "status": "REMOVED", "document": THING},
    ]
    asyncio.run(publish(hub_settings, REGISTER.name(hub_settings),
                        [(s["record_id"], codec.encode("RegisterRecord", s)) for s in states]))

    shown = hub(hub_settings, "register", "show", "KZ-75-WANTED_PERSON-00000001", *READER, "--lang", "ru").stdout
    assert "дата рождения: 1985-03-12" in shown and f"ИИН: {PERSON['iin']}" in shown, shown
    as_json = json.loads(hub(hub_settings, "register", "show", "KZ-75-WANTED_PERSON-00000001", *READER,
                             "--json").stdout)
    assert as_json["document"]["birth_date"] == "1985-03-12" and as_json["enrolled_at"].endswith("Z")
    secret = hub(hub_settings, "register", "show", "KZ-75-WANTED_PERSON-00000002", *READER, "--lang", "en").stdout
    assert "restricted" in secret and "Жұмабекова" not in secret and "KZ-75-CP" in secret, secret
    # a unit's own clearance caps what its officer asks for (KZ-75-CP may read SECRET, a district unit may not)
    assert "Жұмабекова" in hub(hub_settings, "register", "show", "KZ-75-WANTED_PERSON-00000002", "--unit",
                                "KZ-75-CP", "--clearance", "SECRET").stdout
    capped = hub(hub_settings, "register", "show", "KZ-75-WANTED_PERSON-00000002", "--unit", "KZ-75-LP",
                 "--clearance", "SECRET", "--json").stdout
    assert json.loads(capped) == {"record_id": "RESTRICTED", "confidentiality": "SECRET", "contact_unit": "KZ-75-CP"}
    missing = hub(hub_settings, "register", "show", "KZ-75-WANTED_PERSON-09999999", *READER, ok=False)
    assert "not on the central register" in missing.stderr

    found = hub(hub_settings, "register", "find", "--surname", "сейтқалиев", "--birth-date", "12.03.1985",
                *READER, "--json").stdout.splitlines()
    assert [json.loads(line)["record_id"] for line in found] == ["KZ-75-WANTED_PERSON-00000001"]
    removed = hub(hub_settings, "register", "find", "--status", "REMOVED", *READER, "--json").stdout.splitlines()
    assert [json.loads(line)["record_id"] for line in removed] == ["KZ-75-STOLEN_VEHICLE-00000003"]
    people = [json.loads(line) for line in hub(hub_settings, "register", "find", "--type", "WANTED_PERSON",
                                                *READER, "--json").stdout.splitlines()]
    assert sorted(p["record_id"] for p in people) == ["KZ-75-WANTED_PERSON-00000001", "RESTRICTED"]


def test_rejections_and_notifications_are_listed_with_their_time(hub_settings, codec) -> None:
    from hub.domain.reasons import refuse
    from hub.services.rejections import Source, rejection_notice, rejection_value

    asyncio.run(provision(hub_settings, all_topics()))
    now_ms = int(time.time() * 1000)
    refusal = refuse("UNKNOWN_UNIT", "value", "unit", value="KZ-75-NOPE")
    event = {**EVENT, "unit": "KZ-75-NOPE"}
    rejection = rejection_value(refusal, Source("hub.events.kz-75", 0, 7), b"original", event, now_ms)
    notice = {**rejection_notice(rejection), "recipient_unit": "KZ-75-CP"}
    asyncio.run(publish(hub_settings, REJECTED.name(hub_settings), [("KZ-75-NOPE", codec.encode("Rejection",
                                                                                                 rejection))]))
    asyncio.run(publish(hub_settings, NOTIFICATIONS.name(hub_settings, "KZ-75"),
                        [("KZ-75-CP", codec.encode("Notification", notice))]))

    listed = hub(hub_settings, "rejected", "--since-h", "1", "--lang", "kk").stdout
    assert "[UNKNOWN_UNIT] Бөлімше белгісіз: KZ-75-NOPE." in listed and "Z " in listed, listed
    [line] = hub(hub_settings, "rejected", "--region", "KZ-75", "--json").stdout.splitlines()
    assert json.loads(line)["rejected_at"].endswith("Z") and json.loads(line)["reason_code"] == "UNKNOWN_UNIT"
    assert hub(hub_settings, "rejected", "--region", "KZ-71").stdout == ""
    notices = hub(hub_settings, "notifications", "--unit", "KZ-75-CP", "--lang", "ru").stdout
    assert "EVENT_REJECTED" in notices and notices[:2] == "20" and "Событие отклонено" in notices, notices
