"""The fault test's own model of the rules and its inputs: written apart from the hub's rules (it imports no
check_event or apply_event), so that a wrong rule in the product fails the test."""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from hub.domain.simulate import interleave, random_iin, simulators
from tests.samples import PERSON

NOISE_REGIONS = ("KZ-75", "KZ-71", "KZ-11", "KZ-79")
SYLLABLES = ("ба", "ке", "ло", "му", "ни", "ра", "се", "ту", "жа", "қо")
REQUESTER, LOW_REQUESTER = "KZ-71-CP", "KZ-71-LP"  # clearance SECRET / OFFICIAL_USE in the units book
WANTED_BY, CONVICTED_BY = "KZ-75-CP", "KZ-75-REC"


def _word(n: int) -> str:
    word = "".join(SYLLABLES[int(digit)] for digit in f"{n:04d}")
    return word[0].upper() + word[1:]


def surname_of(n: int) -> str:
    """Return a surname of the test's own (no simulated person bears it): syllables spelling n."""
    return _word(n) + "ов"


def given_name_of(n: int) -> str:
    """Return a given name of the test's own, as rare as its surname (a register of namesakes would make
    every check by name a possible hit at best)."""
    return _word(n)[::-1].capitalize() + "жан"


def patronymic_of(n: int) -> str:
    """Return a patronymic of the test's own."""
    return _word(n * 7 % 10_000) + "ұлы"


@dataclass
class Target:
    """A person of the test, enrolled by the test as one single-event message."""

    record_id: str
    record_type: str
    unit: str
    ground: str
    document: dict[str, Any]

    def enrolment(self, now_ms: int) -> dict[str, Any]:
        """Return the RecordEvent that enrols this person."""
        return {"event_id": str(uuid.uuid4()), "record_id": self.record_id, "record_type": self.record_type,
                "region": "KZ-75", "action": "ENROL", "version": 1, "unit": self.unit, "officer": "750001",
                "ground": self.ground, "occurred_at": now_ms, "valid_until": None, "source_sequence": 1,
                "document": self.document, "note": None}


@dataclass
class Check:
    """A check the test sends, and what the rules say its answer is."""

    check_id: str
    requester: str
    subject: dict[str, Any]
    kind: str  # HIT, RESTRICTED, POSSIBLE, DELAYED or STRANGER
    target: Target | None


@dataclass
class Plan:
    """Everything the test sends: the stream of events (invalid ones marked), the targets and the checks."""

    events: list[dict[str, Any]]
    invalid_ids: set[str]
    settled: list[Target]  # enrolled before the checks
    delayed: list[Target]  # enrolled after the checks that ask for them are answered
    checks: list[Check] = field(default_factory=list)


def person_document(rng: random.Random, n: int, taken: set[str]) -> dict[str, Any]:
    """Return a person card of the test's own, whose IIN no simulated person has."""
    born = 3000 + 7 * n
    iin = random_iin(rng, born, False)
    while iin in taken:
        iin = random_iin(rng, born, False)
    taken.add(iin)
    return {**PERSON, "iin": iin, "surname": surname_of(n), "given_name": given_name_of(n),
            "patronymic": patronymic_of(n),
            "birth_date": born, "sex": "MALE", "identity_documents": [], "photo_ref": None}


def plan(seed: int, events: int, hits: int, restricted: int, possible: int, delayed: int,
         strangers: int) -> Plan:
    """Return the seeded inputs: `events` simulated events with 1% invalid ones, and checks of each kind."""
    rng = random.Random(seed)
    stream = interleave(simulators(seed, NOISE_REGIONS), rng, int(time.time() * 1000))
    out, invalid = [], set()
    while len(out) < events:
        event = next(stream)
        if rng.random() < 0.01:  # beside it, one the rules refuse: no such record, or a ground of another type
            bad = ({**event, "event_id": str(uuid.uuid4()), "record_id": f"{event['region']}-WANTED_PERSON-9{len(out):07d}",
                      "record_type": "WANTED_PERSON", "action": "CORRECT", "version": 2, "unit": f"{event['region']}-CP",
                      "ground": "DATA_CLARIFIED", "document": {**PERSON}} if rng.random() < 0.5 else
                     {**event, "event_id": str(uuid.uuid4()), "record_id": f"{event['region']}-WANTED_PERSON-8{len(out):07d}",
                      "record_type": "WANTED_PERSON", "action": "ENROL", "version": 1, "unit": f"{event['region']}-CP",
                      "ground": "THING_FOUND", "document": {**PERSON}})
            invalid.add(bad["event_id"])
            out.append(bad)
        out.append(event)
    taken = {e["document"]["iin"] for e in out if isinstance(e.get("document"), dict) and e["document"].get("iin")}
    wanted = [Target(f"KZ-75-WANTED_PERSON-7{n:07d}", "WANTED_PERSON", WANTED_BY, "WANTED_HIDING_FROM_INVESTIGATION",
                     person_document(rng, n, taken)) for n in range(250)]
    convicted = [Target(f"KZ-75-CONVICTED_PERSON-7{n:07d}", "CONVICTED_PERSON", CONVICTED_BY, "CONVICTION_IN_FORCE",
                        person_document(rng, 1000 + n, taken)) for n in range(100)]
    later = [Target(f"KZ-75-WANTED_PERSON-6{n:07d}", "WANTED_PERSON", WANTED_BY, "WANTED_HIDING_FROM_INVESTIGATION",
                    person_document(rng, 2000 + n, taken)) for n in range(max(1, delayed // 2))]
    result = Plan(out, invalid, wanted + convicted, later)
    by_iin = lambda target: {"iin": target.document["iin"]}  # noqa: E731
    for n in range(hits):
        result.checks.append(Check(f"chk-hit-{n}", REQUESTER, by_iin(wanted[n % len(wanted)]), "HIT", wanted[n % len(wanted)]))
    for n in range(restricted):
        target = convicted[n % len(convicted)]
        result.checks.append(Check(f"chk-restricted-{n}", LOW_REQUESTER, by_iin(target), "RESTRICTED", target))
    for n in range(possible):
        target = wanted[n % len(wanted)]
        document = target.document
        result.checks.append(Check(f"chk-possible-{n}", REQUESTER, {
            "surname": document["surname"][:-2] + "ев", "given_name": document["given_name"],  # -ов / -ев
            "birth_date": document["birth_date"]}, "POSSIBLE", target))
    for n in range(delayed):
        target = later[n % len(later)]
        result.checks.append(Check(f"chk-delayed-{n}", REQUESTER, by_iin(target), "DELAYED", target))
    for n in range(strangers):
        stranger = person_document(rng, 5000 + n, taken)
        result.checks.append(Check(f"chk-stranger-{n}", REQUESTER, {"iin": stranger["iin"]}, "STRANGER", None))
    rng.shuffle(result.checks)
    return result


def expected_register(events: list[dict[str, Any]], invalid_ids: set[str]) -> dict[str, tuple[int, str, dict | None]]:
    """Return each record's (version, status, document) after the valid events, applied in send order."""
    model: dict[str, tuple[int, str, dict | None]] = {}
    for event in events:
        if event["event_id"] in invalid_ids:
            continue
        record_id, version = event["record_id"], event["version"]
        if event["action"] == "ENROL":
            model[record_id] = (1, "LIVE", event["document"])
        elif event["action"] == "CORRECT":
            model[record_id] = (version, "LIVE", event["document"])
        else:
            model[record_id] = (version, "REMOVED", None)
    return model


def expected_notices(check: Check, answer: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Return the (kind, check id, recipient) of the notifications a check's answer must bring: the requester
    always; each matched record's enrolling unit (told that a restricted record was asked for when the
    requester may not see it); the requester again when a record enrolled later answers it."""
    found = {("CHECK_RESULT", check.check_id, check.requester)}
    if check.kind == "HIT":
        found.add(("RECORD_CHECKED", check.check_id, WANTED_BY))
    elif check.kind == "RESTRICTED":
        found.add(("RESTRICTED_RECORD_ASKED", check.check_id, CONVICTED_BY))
    elif check.kind == "POSSIBLE":
        found |= {("RECORD_CHECKED", check.check_id, hit["contact_unit"]) for hit in answer["hits"]}
    elif check.kind == "DELAYED":
        found.add(("DELAYED_HIT", check.check_id, check.requester))
    return found
