"""The matcher on the real broker: checks answered and notified to both sides, audited, delayed hits, restarts."""

from __future__ import annotations

import asyncio
import csv
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from hub.kafka.admin import provision
from hub.kafka.producer import publish
from hub.kafka.reader import read_to_end
from hub.kafka.topics import CHECK_AUDIT, NOTIFICATIONS, REGISTER, all_topics
from hub.services.refdata import load_reference_data
from hub.settings import HubSettings
from tests.integration.helpers import REPO, Worker, settings_env
from tests.samples import PERSON, REGISTER_RECORD, THING

REQUESTER = ["--unit", "KZ-71-CP", "--officer", "710042", "--purpose", "Проверка задержанного",
             "--legal-ground", "ст. 11 Закона РК об ОРД", "--json", "--timeout-s", "60"]


def register_state(record_id: str, **overrides) -> dict:
    return {**REGISTER_RECORD, "record_id": record_id, "enrolled_at": int(time.time() * 1000), **overrides}


def days(year: int, month: int, day: int) -> int:
    return (date(year, month, day) - date(1970, 1, 1)).days


def hub_check(settings: HubSettings, *args: str, clearance: str = "OFFICIAL_USE") -> dict:
    done = subprocess.run([sys.executable, "-m", "hub", "check", *args, *REQUESTER, "--clearance", clearance],
                          cwd=REPO, env=settings_env(settings), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def decoded(settings: HubSettings, codec, topic: str, schema: str) -> list[dict]:
    return [codec.decode(r.value, expect=schema).value for r in asyncio.run(read_to_end(settings, topic))]


def notices(settings: HubSettings, codec) -> list[dict]:
    """Return the notices to the requester's region (KZ-71) and the enrolling unit's (KZ-75), each on its own topic."""
    return [n for region in ("KZ-71", "KZ-75")
            for n in decoded(settings, codec, NOTIFICATIONS.name(settings, region), "Notification")]


def test_matcher_answers_checks_notifies_both_sides_and_survives_a_restart(hub_settings, codec, tmp_path: Path):
    asyncio.run(provision(hub_settings, all_topics()))
    asyncio.run(load_reference_data(hub_settings, hub_settings.refdata_dir))
    states = [
        register_state("KZ-75-WANTED_PERSON-00000001"),
        register_state("KZ-75-WANTED_PERSON-00000002", document={**PERSON, "surname": "Жұмабекова", "given_name": "Гүлнар",
                                                                 "iin": None, "sex": "FEMALE"},
                       confidentiality="SECRET"),
        register_state("KZ-75-WANTED_PERSON-00000003", document={**PERSON, "surname": "Ким", "iin": None},
                       status="REMOVED"),
        register_state("KZ-75-STOLEN_VEHICLE-00000004", record_type="STOLEN_VEHICLE", object_kind="THING",
                       confidentiality="OPEN", document=THING),
    ]
    register = REGISTER.name(hub_settings)
    asyncio.run(publish(hub_settings, register, [(s["record_id"], codec.encode("RegisterRecord", s)) for s in states]))
    worker = Worker(hub_settings, tmp_path / "matcher.log", service="matcher")
    try:
        person = hub_check(hub_settings, "--surname", "Seitkaliyev", "--given-name", "Alikhan",
                           "--patronymic", "Maratuly", "--birth-date", "1985-03-12")
        assert person["outcome"] == "HIT", (tmp_path / "matcher.log").read_text()[-3000:]
        assert person["hits"][0]["record_id"] == "KZ-75-WANTED_PERSON-00000001"
        assert person["hits"][0]["disclosure"] == "FULL" and person["hits"][0]["document"]["iin"] == PERSON["iin"]
        assert person["hits"][0]["document"]["birth_date"] == "1985-03-12"  # ISO dates and instants in JSON
        assert person["answered_at"].endswith("Z") and person["answered_at"][:2] == "20"
        vehicle = hub_check(hub_settings, "--plate", "123 АВС 02")  # Cyrillic look-alikes
        assert [h["record_id"] for h in vehicle["hits"]] == ["KZ-75-STOLEN_VEHICLE-00000004"]
        secret = hub_check(hub_settings, "--surname", "Zhumabekova", "--given-name", "Gulnar",
                           "--patronymic", "Maratuly", "--birth-date", "1985-03-12", clearance="OFFICIAL_USE")
        [hit] = secret["hits"]
        assert hit["disclosure"] == "RESTRICTED" and hit["document"] is None and hit["record_id"] == "RESTRICTED"
        removed = hub_check(hub_settings, "--surname", "Kim", "--given-name", "Alikhan", "--birth-date", "1985-03-12")
        assert "KZ-75-WANTED_PERSON-00000003" not in {h["record_id"] for h in removed["hits"]}  # never a hit

        early = hub_check(hub_settings, "--surname", "Нұрланов", "--given-name", "Данияр", "--patronymic", "Маратұлы",
                          "--birth-date", "1990-05-17")
        assert early["outcome"] == "NO_HIT"
        late = register_state("KZ-75-WANTED_PERSON-00000005", document={**PERSON, "surname": "Nurlanov", "iin": None,
                                                                         "given_name": "Daniyar", "birth_date": 7441})
        asyncio.run(publish(hub_settings, register, [(late["record_id"], codec.encode("RegisterRecord", late))]))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(n["kind"] == "DELAYED_HIT" for n in notices(hub_settings, codec)):
                break
            time.sleep(0.5)

        unanswered = hub_check(hub_settings, "--surname", "Омаров", "--given-name", "Ерлан", "--patronymic", "Маратұлы",
                               "--birth-date", "1991-02-03")
        assert unanswered["outcome"] == "NO_HIT"  # answered late, by the restarted matcher from the audit topic

        # The index's snapshot was written when it first caught up, before the late enrolment; a removal
        # follows too. The restarted matcher restores the snapshot and reads both from its offsets.
        snapshot = hub_settings.data_dir / "matcher" / f"{register}.index"
        deadline = time.monotonic() + 30
        while not snapshot.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert snapshot.exists(), (tmp_path / "matcher.log").read_text()[-3000:]
        removal = {**states[3], "version": 2, "status": "REMOVED"}
        asyncio.run(publish(hub_settings, register, [(removal["record_id"], codec.encode("RegisterRecord", removal))]))
        worker.stop()
        worker = Worker(hub_settings, tmp_path / "matcher.log", service="matcher")
        again = hub_check(hub_settings, "--iin", PERSON["iin"])
        assert [h["record_id"] for h in again["hits"]] == ["KZ-75-WANTED_PERSON-00000001"]
        assert "KZ-75-WANTED_PERSON-00000003" not in {h["record_id"] for h in hub_check(
            hub_settings, "--surname", "Kim", "--given-name", "Alikhan", "--birth-date", "1985-03-12")["hits"]}
        assert hub_check(hub_settings, "--plate", "123ABC02")["hits"] == []  # removed after the snapshot
        assert [h["record_id"] for h in hub_check(hub_settings, "--surname", "Nurlanov", "--given-name", "Daniyar",
                                                  "--patronymic", "Maratuly", "--birth-date", "1990-05-17")["hits"]] == [late["record_id"]]
        assert "match index restored from" in (tmp_path / "matcher.log").read_text()
        omarov = register_state("KZ-75-WANTED_PERSON-00000006", document={
            **PERSON, "surname": "Omarov", "given_name": "Yerlan", "iin": None, "birth_date": days(1991, 2, 3)})
        asyncio.run(publish(hub_settings, register, [(omarov["record_id"], codec.encode("RegisterRecord", omarov))]))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
                n["kind"] == "DELAYED_HIT" and n["check_id"] == unanswered["check_id"]
                for n in notices(hub_settings, codec)):
            time.sleep(0.5)
    finally:
        worker.stop()

    by_kind: dict[str, list[dict]] = {}
    unique = {n["notification_id"]: n for n in notices(hub_settings, codec)}  # replays after the restart share ids
    for notice in unique.values():
        by_kind.setdefault(notice["kind"], []).append(notice)
    assert {n["recipient_unit"] for n in by_kind["CHECK_RESULT"]} == {"KZ-71-CP"}
    checked = by_kind["RECORD_CHECKED"]
    assert {n["record_id"] for n in checked} >= {"KZ-75-WANTED_PERSON-00000001", "KZ-75-STOLEN_VEHICLE-00000004"}
    assert all(n["recipient_unit"] == "KZ-75-CP" and "710042" in n["text_ru"] for n in checked)
    assert [n["record_id"] for n in by_kind["RESTRICTED_RECORD_ASKED"]] == ["KZ-75-WANTED_PERSON-00000002"]
    delayed = by_kind["DELAYED_HIT"]  # the second from a check the restarted matcher read from the audit topic
    assert sorted(n["check_id"] for n in delayed) == sorted([early["check_id"], unanswered["check_id"]])
    assert {n["recipient_unit"] for n in delayed} == {"KZ-71-CP"}
    audit = decoded(hub_settings, codec, CHECK_AUDIT.name(hub_settings), "CheckAuditEntry")
    assert len({a["check_id"] for a in audit}) == 10 and {"HIT", "NO_HIT"} <= {a["outcome"] for a in audit}


def test_check_batch_answers_every_row_and_reports_bad_ones(hub_settings, codec, tmp_path: Path):
    asyncio.run(provision(hub_settings, all_topics()))
    asyncio.run(load_reference_data(hub_settings, hub_settings.refdata_dir))
    state = register_state("KZ-75-WANTED_PERSON-00000001")
    asyncio.run(publish(hub_settings, REGISTER.name(hub_settings), [(state["record_id"],
                                                                     codec.encode("RegisterRecord", state))]))
    requests = tmp_path / "requests.csv"
    requests.write_text("request_number,request_date,iin,surname,given_name,birth_date,vin\n"
                        f"71-12/1,2026-11-20,{PERSON['iin']},,,,\n"
                        "71-12/2,2026-11-20,,Ким,Сергей,1970-01-01,\n"
                        "71-12/3,2026-11-20,,Ким,,,JTNB11HK103456789\n", encoding="utf-8")
    worker = Worker(hub_settings, tmp_path / "matcher.log", service="matcher")
    try:
        done = subprocess.run([sys.executable, "-m", "hub", "check-batch", str(requests), "--output",
                               str(tmp_path / "results.csv"), *REQUESTER[:-3], "--timeout-s", "60"], cwd=REPO,
                              env=settings_env(hub_settings), capture_output=True, text=True, timeout=120)
    finally:
        worker.stop()
    assert done.returncode == 1, done.stderr[-2000:]  # a bad row makes the batch fail, after answering the rest
    rows = {int(r["row"]): r for r in csv.DictReader(open(tmp_path / "results.csv", encoding="utf-8"))}
    assert rows[1]["outcome"] == "HIT" and rows[1]["record_ids"] == state["record_id"]
    assert (rows[1]["request_number"], rows[1]["request_date"], rows[1]["contact_units"]) == (
        "71-12/1", "2026-11-20", "KZ-75-CP")
    assert float(rows[1]["best_score"]) > 0.9 and f"iin={PERSON['iin']}" in rows[1]["disclosed"]
    assert "birth_date=1985-03-12" in rows[1]["disclosed"]
    assert rows[2]["outcome"] == "NO_HIT"
    assert rows[3]["outcome"] == "" and "one subject" in rows[3]["error"]
    written = [n for n in notices(hub_settings, codec)
               if n["kind"] == "WRITTEN_ANSWER"]
    assert sorted(n["attributes"]["written_request_number"] for n in written) == ["71-12/1", "71-12/2"]
