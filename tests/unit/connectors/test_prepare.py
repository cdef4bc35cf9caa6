"""Preparing events apart from sending: outbox rows and card-file rows, in this process and in worker processes."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from connectors.client import Prepared, RegionalClient, WorkerPool, stable_event_id
from connectors.client.pool import WorkContext, split
from connectors.importer.csvfile import CsvFormat, open_card_file, raw_records
from connectors.importer.mapping import Mapping
from connectors.importer.rows import CardFile, prepare_card_rows
from connectors.outbox.rows import outbox_value, prepare_outbox_rows
from hub.errors import InvalidEventError
from hub.kafka.partitioning import partition_for
from hub.settings import REPO_ROOT, HubSettings
from tests.samples import EVENT, NOW_MS

ROW_EVENT = {k: v for k, v in EVENT.items() if k not in ("event_id", "region")}
MAPPING = Mapping.load(REPO_ROOT / "tests" / "data" / "import" / "rozysk_kz75.yaml")
HEADER = ["№ карточки", "Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "ИИН", "Удостоверение личности №",
          "Дата постановки", "Основание", "Подразделение", "Сотрудник", "Особые приметы"]
CELLS = ["202600001", "Ким", "Сауле", "", "03.12.1982", "Ж", "", "", "23.07.2026 11:00", "Побег из-под стражи",
         "УКП ДП г. Алматы", "755035", "шрам"]
SEMICOLONS = CsvFormat(delimiter=";")


def record(cells: list[str]) -> str:
    return ";".join(cells) + "\r\n"


def outbox_rows(count: int) -> list[tuple[int, str]]:
    return [(n, json.dumps({**ROW_EVENT, "record_id": f"KZ-75-WANTED_PERSON-{n:08d}"}, ensure_ascii=False))
            for n in range(1, count + 1)]


@pytest.mark.parametrize("text, reason, field", [
    ("{not json", "INVALID_FIELD", "event"),
    ("[1, 2]", "INVALID_FIELD", "event"),
    (json.dumps({k: v for k, v in ROW_EVENT.items() if k != "version"}), "MISSING_FIELD", "version"),
])
def test_outbox_rows_that_are_no_events_are_refused_with_reason_and_field(text, reason, field):
    error = outbox_value(7, text, "KZ-75", "db")
    assert isinstance(error, InvalidEventError) and (error.reason, error.field, error.position) == (reason, field, 7)


def test_an_outbox_row_without_event_id_gets_one_derived_from_database_and_row():
    value = outbox_value(7, json.dumps(ROW_EVENT), "KZ-75", "db")
    assert value["event_id"] == stable_event_id("outbox", "db", 7) and value["region"] == "KZ-75"
    given = outbox_value(7, json.dumps({**ROW_EVENT, "event_id": "mine-0001"}), "KZ-75", "db")
    assert given["event_id"] == "mine-0001"


def test_prepared_outbox_rows_carry_their_partition_and_refusals(codec, catalog):
    rows = outbox_rows(3) + [(4, json.dumps({**ROW_EVENT, "unit": "KZ-71-CP"}))]
    results = prepare_outbox_rows(rows, WorkContext(codec, catalog), "KZ-75", 6, NOW_MS + 1000, "db")
    assert [type(r).__name__ for r in results] == ["Prepared"] * 3 + ["InvalidEventError"]
    assert results[0].partition == partition_for(b"KZ-75-WANTED_PERSON-00000001", 6)
    assert results[3].reason == "REGION_MISMATCH" and results[3].position == 4


def test_card_rows_name_the_row_number_of_each_refusal(codec, catalog):
    card_file = CardFile(HEADER, SEMICOLONS, "digest", MAPPING, "WANTED_PERSON")
    bad_date = CELLS[:4] + ["31.02.1982"] + CELLS[5:]
    results = prepare_card_rows([(1, record(CELLS)), (2, record(bad_date))], WorkContext(codec, catalog), "KZ-75",
                                6, NOW_MS + 1000, card_file)
    assert isinstance(results[0], Prepared) and results[0].record_id == "KZ-75-WANTED_PERSON-202600001"
    assert isinstance(results[1], InvalidEventError) and results[1].position == 2
    assert results[1].field == "document.birth_date"


def test_admit_refuses_a_second_enrolment_of_a_record_at_its_position(codec, catalog):
    client = RegionalClient(HubSettings(), "KZ-75", codec, catalog, clock_ms=lambda: NOW_MS + 1000)
    rows = outbox_rows(2) + [(3, outbox_rows(1)[0][1])]
    prepared = prepare_outbox_rows(rows, WorkContext(codec, catalog), "KZ-75", 6, NOW_MS + 1000, "db")
    admitted = client.admit(prepared, [10, 20, 30])
    assert isinstance(admitted[1], Prepared)
    assert isinstance(admitted[2], InvalidEventError) and (admitted[2].reason, admitted[2].position) == (
        "ALREADY_ENROLLED", 30)


def test_split_keeps_order_and_every_item():
    assert split(list(range(7)), 3) == [[0, 1, 2], [3, 4, 5], [6]] and split([], 2) == []


def test_worker_processes_prepare_what_this_process_does_and_follow_catalog_changes(codec, catalog, settings):
    rows = outbox_rows(40)

    async def run() -> tuple[list, list, list]:
        pool = WorkerPool(codec, (settings.schemas_dir, settings.released_schemas_dir), 2)
        try:
            await pool.start()
            here = prepare_outbox_rows(rows, WorkContext(codec, catalog), "KZ-75", 6, NOW_MS + 1000, "db")
            there = await pool.run(prepare_outbox_rows, rows, catalog, "KZ-75", 6, NOW_MS + 1000, "db")
            unit = catalog.entries[("UNIT", "KZ-75-CP")]
            catalog.put_entry({**unit, "version": unit["version"] + 1, "active": False})
            after = await pool.run(prepare_outbox_rows, rows, catalog, "KZ-75", 6, NOW_MS + 1000, "db")
            return here, there, after
        finally:
            pool.close()
    here, there, after = asyncio.run(run())
    assert there == here and all(isinstance(r, Prepared) for r in there)
    assert {r.reason for r in after} == {"UNKNOWN_UNIT"}  # every worker saw the unit closed


def test_workers_die_with_a_connector_killed_by_sigkill(tmp_path):
    script = tmp_path / "connector.py"
    script.write_text(
        "import asyncio, sys, time\n"
        "from connectors.client import WorkerPool\n"
        "from hub.settings import HubSettings\n"
        "async def main():\n"
        "    s = HubSettings.model_construct()\n"
        "    pool = WorkerPool(None, (s.schemas_dir, s.released_schemas_dir), 2)\n"
        "    await pool.start()\n"
        "    print(' '.join(str(p) for p in pool._executor._processes), flush=True)\n"
        "    time.sleep(60)\n"
        "if __name__ == '__main__':\n"
        "    asyncio.run(main())\n")
    connector = subprocess.Popen([sys.executable, str(script)], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in connector.stdout.readline().split()]
    assert len(workers) == 2
    connector.kill()
    connector.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_a_record_whose_quoted_cell_holds_line_breaks_stays_one_record():
    lines = ['1;"шрам,\r\n', 'татуировка ""Барс""\r\n', '";x\r\n', "\r\n", "2;y;z\r\n"]
    records = list(raw_records(lines))
    assert records == ['1;"шрам,\r\nтатуировка ""Барс""\r\n";x\r\n', "2;y;z\r\n"]
    assert list(SEMICOLONS.parse(records)) == [["1", 'шрам,\r\nтатуировка "Барс"\r\n', "x"], ["2", "y", "z"]]


def test_card_files_are_read_with_their_dialect_and_header(tmp_path):
    source = tmp_path / "cards.csv"
    source.write_text("\ufeff" + record(HEADER) + record(CELLS) + "\r\n" + record(CELLS), encoding="utf-8")
    header, fmt, records = open_card_file(source)
    assert header == HEADER and fmt.delimiter == ";" and len(list(records)) == 2
