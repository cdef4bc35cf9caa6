"""Two matchers in one group on the real broker: every delayed hit is sent once, by one of them, while a matcher
is killed (its request partitions taken over) and started again (a rebalance back).

How we know: every DELAYED_HIT message on the notifications topics is counted as it is (not deduplicated by
id): each (check, record) pair the test expects has exactly one message, and there is no other.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from hub.cli.checks import ask
from hub.kafka.admin import provision
from hub.kafka.producer import publish
from hub.kafka.reader import read_to_end
from hub.kafka.topics import NOTIFICATIONS, REGISTER, all_topics
from hub.services.refdata import load_reference_data
from tests.integration.helpers import Worker
from tests.samples import CHECK_BASE, PERSON, REGISTER_RECORD

UNITS = ("KZ-71-CP", "KZ-75-CP", "KZ-10-CP", "KZ-11-CP", "KZ-19-CP", "MVD-DKP")  # six request topics
SCOPES = ("KZ-71", "KZ-75", "KZ-10", "KZ-11", "KZ-19", "KZ")
SURNAMES = ("Абенов", "Бекетов", "Жаксылыков", "Искаков", "Кенжебаев", "Мухамедов", "Нургалиев", "Оспанов",
            "Рахимов", "Сатпаев", "Тулегенов", "Ермеков")


def subject_of(n: int) -> dict:
    """Return the n-th test person: a surname and a birth date of its own."""
    born = (date(1970, 1, 1) + timedelta(days=3000 + 97 * n) - date(1970, 1, 1)).days
    return {"iin": None, "surname": f"{SURNAMES[n % len(SURNAMES)]}", "given_name": f"Тест{chr(0x410 + n)}",
            "patronymic": None, "birth_date": born, "birth_year": None, "sex": None, "document_number": None,
            "registered_address": None}


def request_of(n: int, round_name: str) -> dict:
    return {**CHECK_BASE, "check_id": f"chk-{round_name}-{n}", "requester_unit": UNITS[n % len(UNITS)],
            "clearance": "SECRET", "requested_at": int(time.time() * 1000),
            "subject": ("kz.mvd.records.PersonSubject", subject_of(n))}


def record_for(n: int, copy: int, confidentiality: str = "OFFICIAL_USE") -> dict:
    subject = subject_of(n)
    document = {**PERSON, "iin": None, "surname": subject["surname"], "given_name": subject["given_name"],
                "birth_date": subject["birth_date"]}
    return {**REGISTER_RECORD, "record_id": f"KZ-75-WANTED_PERSON-{n:04d}{copy:04d}",
            "enrolled_at": int(time.time() * 1000), "confidentiality": confidentiality, "document": document}


def delayed_hits(settings, codec) -> Counter:
    """Count every DELAYED_HIT message by (check id, notification id), duplicates included."""
    found: Counter = Counter()
    for scope in SCOPES:
        for record in asyncio.run(read_to_end(settings, NOTIFICATIONS.name(settings, scope))):
            notice = codec.decode(record.value, expect="Notification").value
            if notice["kind"] == "DELAYED_HIT":
                found[(notice["check_id"], notice["notification_id"])] += 1
    return found


def wait_for_hits(settings, codec, expected: int, timeout_s: float = 120.0) -> Counter:
    deadline = time.monotonic() + timeout_s
    found = delayed_hits(settings, codec)
    while len(found) < expected and time.monotonic() < deadline:
        time.sleep(1)
        found = delayed_hits(settings, codec)
    time.sleep(3)  # anything sent twice arrives meanwhile
    return delayed_hits(settings, codec)


def enrol(settings, codec, records: list[dict]) -> None:
    asyncio.run(publish(settings, REGISTER.name(settings),
                        [(r["record_id"], codec.encode("RegisterRecord", r)) for r in records]))


def test_two_matchers_send_each_delayed_hit_once_through_a_kill_and_a_rebalance(hub_settings, codec, tmp_path: Path):
    asyncio.run(provision(hub_settings, all_topics()))
    asyncio.run(load_reference_data(hub_settings, hub_settings.refdata_dir))
    settings = [hub_settings.model_copy(update={"metrics_port": 0, "data_dir": tmp_path / f"data-{name}",
                                                "matcher_build_processes": 0}) for name in ("a", "b")]
    logs = [tmp_path / "matcher-a.log", tmp_path / "matcher-b.log"]
    matchers = [Worker(settings[0], logs[0], service="matcher"), Worker(settings[1], logs[1], service="matcher")]
    expected: set[str] = set()
    try:
        first = [request_of(n, "one") for n in range(12)]
        answers = asyncio.run(ask(hub_settings, codec, first, timeout_s=120))
        assert len(answers) == 12 and {a["outcome"] for a in answers.values()} == {"NO_HIT"}, \
            logs[0].read_text()[-2000:] + logs[1].read_text()[-2000:]
        deadline = time.monotonic() + 60
        while not all("taken over" in log.read_text() for log in logs) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert all("taken over" in log.read_text() for log in logs)  # the request topics are shared
        enrol(hub_settings, codec, [record_for(n, 1) for n in range(12)]
              + [record_for(0, 2, confidentiality="TOP_SECRET")])  # a restricted one: its own notice
        expected |= {f"chk-one-{n}" for n in range(12)}
        found = wait_for_hits(hub_settings, codec, 13)
        assert len(found) == 13 and set(found.values()) == {1}, found

        # A matcher dies; records enrolled before the other takes its partitions over are found on taking over.
        matchers[0].kill()
        enrol(hub_settings, codec, [record_for(n, 3) for n in range(12)])
        found = wait_for_hits(hub_settings, codec, 25)
        assert len(found) == 25 and set(found.values()) == {1}, found

        # New checks while one matcher serves, then the dead one comes back (a rebalance) before their records.
        second = [request_of(n, "two") for n in range(12)]
        assert len(asyncio.run(ask(hub_settings, codec, second, timeout_s=120))) == 12
        matchers[0] = Worker(settings[0], logs[0], service="matcher")
        deadline = time.monotonic() + 120
        while logs[0].read_text().count("taken over") < 2 and time.monotonic() < deadline:
            time.sleep(1)
        enrol(hub_settings, codec, [record_for(n, 4) for n in range(12)])
        found = wait_for_hits(hub_settings, codec, 25 + 24)  # record 4 answers both rounds' checks late
        pairs = Counter(check_id for check_id, _ in found)
        assert set(found.values()) == {1}, [k for k, v in found.items() if v > 1]
        assert all(pairs[f"chk-one-{n}"] == 3 + (n == 0) for n in range(12)), pairs
        assert all(pairs[f"chk-two-{n}"] == 1 for n in range(12)), pairs  # records 1 and 3 were hits at once
    finally:
        for matcher in matchers:
            matcher.stop()
