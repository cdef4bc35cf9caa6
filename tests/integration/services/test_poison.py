"""Poison inputs on the real broker: a defective register record and out-of-range requests stop nothing."""

from __future__ import annotations

import asyncio
import time
import urllib.request
from pathlib import Path

from hub.cli.checks import ask
from hub.kafka.admin import provision
from hub.kafka.local_broker import free_port
from hub.kafka.producer import publish
from hub.kafka.topics import REGISTER, all_topics
from hub.services.refdata import load_reference_data
from tests.integration.helpers import Worker
from tests.samples import CHECK_BASE, PERSON, REGISTER_RECORD

BEFORE_YEAR_ONE = -800_000  # epoch days: the birth date that used to stop every start of the matcher


def person_request(check_id: str, **subject) -> dict:
    person = {"iin": None, "surname": "Seitkaliyev", "given_name": "Alikhan", "patronymic": "Maratuly",
              "birth_date": PERSON["birth_date"], "birth_year": None, "sex": None, "document_number": None,
              "registered_address": None, **subject}
    return {**CHECK_BASE, "check_id": check_id, "requester_unit": "KZ-75-CP", "clearance": "SECRET",
            "requested_at": int(time.time() * 1000), "subject": ("kz.mvd.records.PersonSubject", person)}


def metric(port: int, name: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name))


def test_a_defective_record_is_left_out_and_bad_requests_are_refused(hub_settings, codec, tmp_path: Path):
    settings = hub_settings.model_copy(update={"metrics_port": free_port()})
    asyncio.run(provision(settings, all_topics()))
    asyncio.run(load_reference_data(settings, settings.refdata_dir))
    now = int(time.time() * 1000)
    good = {**REGISTER_RECORD, "record_id": "KZ-75-WANTED_PERSON-00000001", "enrolled_at": now}
    poison = {**good, "record_id": "KZ-75-WANTED_PERSON-00000002",  # enrolled before the rules had ranges
              "document": {**PERSON, "iin": None, "surname": "Ким", "birth_date": BEFORE_YEAR_ONE}}
    asyncio.run(publish(settings, REGISTER.name(settings),
                        [(s["record_id"], codec.encode("RegisterRecord", s)) for s in (good, poison)]))
    worker = Worker(settings, tmp_path / "matcher.log", service="matcher")
    try:
        requests = [person_request("chk-good"), person_request("chk-ancient", birth_date=BEFORE_YEAR_ONE),
                    person_request("chk-long", surname="Ы" * 5_000)]
        answers = asyncio.run(ask(settings, codec, requests, timeout_s=120))
        log = (tmp_path / "matcher.log").read_text()
        assert answers["chk-good"]["outcome"] == "HIT", log[-3000:]
        assert [h["record_id"] for h in answers["chk-good"]["hits"]] == [good["record_id"]]
        for check_id, field in (("chk-ancient", ("date of birth", "дата рождения")), ("chk-long", ("surname",
                                                                                              "фамилия"))):
            refusal = answers[check_id]["refusal"]
            assert refusal is not None and refusal["reason"] == "INVALID_FIELD", answers[check_id]
            assert field[0] in refusal["text_en"] and field[1] in refusal["text_ru"] and refusal["text_kk"]
        assert "KZ-75-WANTED_PERSON-00000002 left out of the match index" in log
        assert metric(settings.metrics_port, "hub_match_index_left_out_total") == 1
        assert metric(settings.metrics_port, 'hub_checks_refused_total{reason="INVALID_FIELD"}') == 2
        assert worker.proc.poll() is None
    finally:
        worker.stop()
