"""`hub import` on the real broker: valid rows sent once, bad rows rejected with row numbers, resumable."""

from __future__ import annotations

import asyncio
import csv
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from connectors.client import RegionalClient
from connectors.importer.checkpoint import Checkpoint
from connectors.importer.mapping import Mapping
from connectors.importer.run import ImportJob, import_file
from hub.codec import AvroCodec
from hub.kafka.reader import read_to_end
from hub.kafka.topics import regional_events_topic
from hub.settings import HubSettings
from tests.integration.helpers import REPO, settings_env

SAMPLES = REPO / "tests" / "data" / "import"
ROZYSK_REJECTS = {7: "INVALID_FIELD", 12: "MISSING_FIELD", 18: "INVALID_FIELD", 23: "INVALID_FIELD",
                  27: "ALREADY_ENROLLED", 29: "INVALID_FIELD"}


def events_on_topic(settings: HubSettings, codec: AvroCodec, region: str) -> list[dict]:
    """Return every event on a region's topic, batches unpacked, in offset order per partition."""
    found = []
    for record in asyncio.run(read_to_end(settings, regional_events_topic(region).name(settings))):
        value = codec.decode(record.value).value
        found.extend(value.get("events", [value]))
    return found


def hub_import(settings: HubSettings, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hub", "import", *args], cwd=REPO, env=settings_env(settings),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_import_sends_valid_rows_once_and_rejects_bad_ones_with_row_numbers(provisioned, codec, tmp_path):
    source = tmp_path / "rozysk_kz75.csv"
    source.write_bytes((SAMPLES / "rozysk_kz75.csv").read_bytes())
    args = [str(source), "--type", "WANTED_PERSON", "--region", "KZ-75", "--mapping",
            str(SAMPLES / "rozysk_kz75.yaml"), "--chunk-rows", "7", "--json"]
    settings = provisioned.model_copy(update={"run_file": tmp_path / "run" / "hub.env"})
    out, err = hub_import(settings, *args).communicate(timeout=120)
    summary = json.loads(out.strip().splitlines()[-1])
    assert (summary["read"], summary["sent"], summary["rejected"]) == (30, 24, 6), err
    assert [p.name for p in tmp_path.iterdir() if p.name != "run"] == [source.name]  # nothing beside the file
    state = tmp_path / "run" / "import" / "kz-75-rozysk_kz75"  # the run folder's, by default
    with open(state / "rozysk_kz75.rejects.csv", encoding="utf-8") as rejects:
        rows = list(csv.DictReader(rejects))
    assert {int(r["row"]): r["reason"] for r in rows} == ROZYSK_REJECTS
    assert all(r["message_kk"] and r["message_ru"] and r["message_en"] for r in rows)
    assert rows[0]["Фамилия"]  # the original row follows the reason
    events = events_on_topic(provisioned, codec, "KZ-75")
    assert len(events) == 24 == len({e["event_id"] for e in events})
    assert {e["source_sequence"] for e in events} == set(range(1, 31)) - set(ROZYSK_REJECTS)

    again, _ = hub_import(settings, *args).communicate(timeout=120)  # done already: nothing is sent again
    assert json.loads(again.strip().splitlines()[-1])["sent"] == 24
    assert len(events_on_topic(provisioned, codec, "KZ-75")) == 24


def test_a_chunk_acknowledged_but_not_recorded_is_not_sent_again(provisioned, codec, tmp_path, monkeypatch):
    source = tmp_path / "ugon_kz71.csv"
    source.write_bytes((SAMPLES / "ugon_kz71.csv").read_bytes())
    job = ImportJob(source, Mapping.load(SAMPLES / "ugon_kz71.yaml"), "STOLEN_VEHICLE", "KZ-71",
                    tmp_path / "rejects.csv", tmp_path / "state", chunk_rows=5)
    saves = {"n": 0}
    real_save = Checkpoint.save

    def crash_on_third_save(self, path):
        saves["n"] += 1
        if saves["n"] == 3:
            raise KeyboardInterrupt("the importer dies after its third chunk was acknowledged")
        real_save(self, path)

    async def run() -> object:
        client = await RegionalClient.connect(provisioned, "KZ-71")
        try:
            return await import_file(client, job, codec)
        finally:
            await client.stop()

    monkeypatch.setattr(Checkpoint, "save", crash_on_third_save)
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(run())
    sent_before = len(events_on_topic(provisioned, codec, "KZ-71"))
    assert sent_before > 5 * 2 - 2  # the third chunk reached the broker
    monkeypatch.setattr(Checkpoint, "save", real_save)
    summary = asyncio.run(run())
    events = events_on_topic(provisioned, codec, "KZ-71")
    assert len(events) == 21 == len({e["event_id"] for e in events})  # 25 rows, 4 bad
    assert summary.resumed_at_row == 10 and summary.skipped == sent_before - 8
    with open(job.rejects, encoding="utf-8") as rejects:
        assert sorted(int(r["row"]) for r in csv.DictReader(rejects)) == [5, 10, 15, 20]


def big_card_file(path: Path, rows: int) -> int:
    """Write `rows` rows built from the sample file with card numbers of their own; return how many are valid."""
    with open(SAMPLES / "rozysk_kz75.csv", encoding="utf-8") as sample:
        template = list(csv.DictReader(sample, delimiter=";"))
    good = [row for number, row in enumerate(template, 1) if number not in ROZYSK_REJECTS and number != 3]
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(template[0]), delimiter=";")
        writer.writeheader()
        for n in range(rows):
            writer.writerow({**good[n % len(good)], "№ карточки": f"9{n:08d}"})
    return rows


def test_import_killed_at_random_moments_sends_every_row_exactly_once(provisioned, codec, tmp_path):
    source = tmp_path / "big.csv"
    total = big_card_file(source, 20_000)
    args = [str(source), "--type", "WANTED_PERSON", "--region", "KZ-75", "--mapping",
            str(SAMPLES / "rozysk_kz75.yaml"), "--chunk-rows", "500", "--json", "--state-dir", str(tmp_path / "state")]
    rng, kills = random.Random(7), 0
    checkpoint = tmp_path / "state" / "big.csv.checkpoint.json"
    for _ in range(3):
        proc = hub_import(provisioned, *args)
        deadline = time.monotonic() + 60
        while not checkpoint.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.5))
        if proc.poll() is None:
            proc.kill()
            kills += 1
        proc.communicate()
    out, err = hub_import(provisioned, *args).communicate(timeout=300)
    summary = json.loads(out.strip().splitlines()[-1])
    events = events_on_topic(provisioned, codec, "KZ-75")
    assert kills >= 1, "no run was interrupted"
    assert summary["read"] == total and summary["rejected"] == 0, err
    assert len(events) == total == len({e["event_id"] for e in events})
    assert summary["sent"] + summary["skipped"] == total
