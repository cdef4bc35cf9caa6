"""Benchmark of the connectors: outbox relay and importer vs raw aiokafka produce, webhook deliveries."""

from __future__ import annotations

import asyncio
import csv
import json
import ssl
import time
from pathlib import Path
from typing import Any

from hub.settings import HubSettings

PERSON = {"iin": None, "surname": "Сейткалиева", "given_name": "Айгерим", "patronymic": "Маратовна",
          "birth_date": 5549, "birth_year": None, "sex": "FEMALE", "citizenship": "KAZ", "birth_place": None,
          "identity_documents": [], "registered_address": None, "special_marks": "шрам / тыртық", "photo_ref": None}


def outbox_event(n: int, now_ms: int) -> dict[str, Any]:
    """Return the outbox JSON of the n-th enrolment."""
    return {"record_id": f"KZ-75-WANTED_PERSON-{n:09d}", "record_type": "WANTED_PERSON", "action": "ENROL",
            "version": 1, "unit": "KZ-75-CP", "officer": "750123", "ground": "WANTED_HIDING_FROM_INVESTIGATION",
            "occurred_at": now_ms, "document": PERSON}


async def raw_produce_per_s(settings: HubSettings, codec, events: list[dict]) -> float:
    """Return events per second aiokafka alone sends (already encoded, one per message, acknowledged)."""
    from hub.kafka.producer import make_producer
    from hub.kafka.topics import EVENTS

    values = [(e["record_id"].encode(), codec.encode("RecordEvent", e)) for e in events]
    topic = EVENTS.name(settings, "KZ-75")
    producer = make_producer(settings, linger_ms=10)
    await producer.start()
    try:
        started = time.monotonic()
        futures = [await producer.send(topic, value, key=key) for key, value in values]
        await asyncio.gather(*futures)
        return len(values) / (time.monotonic() - started)
    finally:
        await producer.stop()


async def outbox_rows_per_s(settings: HubSettings, dsn: str, rows: int) -> float:
    """Fill an outbox with `rows` enrolments, then return rows per second the relay moves (to acknowledged and marked)."""
    import psycopg

    from connectors.client import RegionalClient
    from connectors.outbox import OutboxRelay, outbox_sql

    now_ms = int(time.time() * 1000)
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        await conn.execute(outbox_sql())
        async with conn.cursor() as cursor:
            async with cursor.copy("COPY hub_outbox (record_id, event) FROM STDIN") as copy:
                for n in range(rows):
                    event = outbox_event(n, now_ms)
                    await copy.write_row((event["record_id"], json.dumps(event, ensure_ascii=False)))
    client = await RegionalClient.connect(settings, "KZ-75", workers=settings.connector_workers)
    try:
        started = time.monotonic()
        stats = await OutboxRelay(dsn, client, batch_rows=5000).run(until_empty=True)
        assert stats.sent == rows, stats
        return rows / (time.monotonic() - started)
    finally:
        await client.stop()


def card_file(path: Path, rows: int) -> None:
    """Write a card file of `rows` wanted persons in the sample file's format."""
    header = ["№ карточки", "Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "ИИН", "Удостоверение личности №",
              "Дата постановки", "Основание", "Подразделение", "Сотрудник", "Особые приметы"]
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(header)
        for n in range(rows):
            writer.writerow([f"9{n:08d}", "Ахметов", "Ерлан", "Серикович", "12.03.1985", "М", "",
                             f"0{40000000 + n}", "23.07.2026 11:00", "Скрывается от следствия", "УКП ДП г. Алматы",
                             "755035", "шрам на левой щеке"])


async def import_rows_per_s(settings: HubSettings, work_dir: Path, rows: int) -> float:
    """Return rows per second `hub import` handles (read, checked, sent and acknowledged, checkpointed)."""
    from connectors.client import RegionalClient
    from connectors.importer.mapping import Mapping
    from connectors.importer.run import ImportJob, import_file
    from hub.settings import REPO_ROOT

    source = work_dir / "cards.csv"
    card_file(source, rows)
    mapping = Mapping.load(REPO_ROOT / "tests" / "data" / "import" / "rozysk_kz75.yaml")
    job = ImportJob(source, mapping, "WANTED_PERSON", "KZ-75", work_dir / "rejects.csv", work_dir / "state", 5000)
    client = await RegionalClient.connect(settings, "KZ-75", workers=settings.connector_workers)
    try:
        started = time.monotonic()
        summary = await import_file(client, job, client.codec)
        assert summary.sent == rows, summary
        return rows / (time.monotonic() - started)
    finally:
        await client.stop()


async def webhook_deliveries_per_s(settings: HubSettings, codec, work_dir: Path, count: int, units: int) -> float:
    """Publish `count` notifications to `units` units, then return deliveries per second the webhook sink
    makes to a local HTTPS receiver (in this process) that verifies nothing but counts."""
    from aiohttp import web

    from connectors.local_servers import self_signed_certificate
    from connectors.sensors import NULL_CONNECTOR_SENSOR
    from connectors.sinks.runtime import DeadLetters, run_sink
    from connectors.sinks.webhook import Subscription, WebhookSink
    from hub.kafka.local_broker import free_port
    from hub.kafka.producer import publish
    from hub.kafka.topics import NOTIFICATIONS

    unit_codes = [f"KZ-75-U{u:02d}" for u in range(units)]
    messages = [(unit_codes[n % units], codec.encode("Notification", {
        "notification_id": f"bench-{n}", "recipient_unit": unit_codes[n % units], "kind": "RECORD_CHECKED",
        "created_at": int(time.time() * 1000), "check_id": None, "record_id": None, "event_id": None,
        "title_kk": "Тексерілді", "title_ru": "Проверено", "title_en": "Checked", "text_kk": "Мәтін",
        "text_ru": "Текст", "text_en": "Text", "attributes": {}})) for n in range(count)]
    await publish(settings, NOTIFICATIONS.name(settings, "KZ-75"), messages)
    cert, key = self_signed_certificate(work_dir)
    received = 0

    async def receive(request: web.Request) -> web.Response:
        nonlocal received
        await request.read()
        received += 1
        return web.Response(status=204)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(str(cert), str(key))
    app = web.Application()
    app.router.add_post("/{unit}", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=server_tls).start()
    dead = DeadLetters(settings, codec, "webhook")
    sink = WebhookSink({u: Subscription(u, f"https://127.0.0.1:{port}/{u}", b"secret") for u in unit_codes}, codec,
                       dead, ssl_context=ssl.create_default_context(cafile=str(cert)))
    stop = asyncio.Event()
    started = time.monotonic()
    task = asyncio.create_task(run_sink(settings, [NOTIFICATIONS.name(settings, "KZ-75")], f"{settings.app_id}-webhook", sink,
                                        NULL_CONNECTOR_SENSOR, stop))
    while received < count and not task.done():
        await asyncio.sleep(0.05)
    elapsed = time.monotonic() - started
    stop.set()
    await task
    await sink.close()
    await dead.close()
    await runner.cleanup()
    return count / elapsed


def run(rows: int, deliveries: int, units: int, work_dir: Path, progress=print) -> dict[str, Any]:
    """Run the connectors benchmark against one broker and one local PostgreSQL and return its figures."""
    from connectors.local_servers import PostgresServer
    from hub.bench.aggregator import simulated_events
    from hub.bench.common import broker, drop_topics, fresh_settings
    from hub.services.refdata import codec_for

    work_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"rows": rows, "deliveries": deliveries}
    with broker(HubSettings()) as cluster:
        codec = codec_for(HubSettings())
        settings = fresh_settings(cluster.secure, "connectors", 6, work_dir)
        postgres = PostgresServer()
        dsn = postgres.start()
        try:
            progress(f"raw aiokafka: producing {rows} encoded events")
            events = [e for e in simulated_events(rows * 3, 5) if e["region"] == "KZ-75"] or []
            events = (events * (rows // max(len(events), 1) + 1))[:rows]
            result["raw_produce_per_s"] = round(asyncio.run(raw_produce_per_s(settings, codec, events)))
            progress(f"outbox relay: {rows} rows")
            result["outbox_rows_per_s"] = round(asyncio.run(outbox_rows_per_s(settings, dsn, rows)))
            progress(f"importer: {rows} rows")
            result["import_rows_per_s"] = round(asyncio.run(import_rows_per_s(settings, work_dir, rows)))
            progress(f"webhook: {deliveries} deliveries to {units} units")
            result["webhook_deliveries_per_s"] = round(asyncio.run(
                webhook_deliveries_per_s(settings, codec, work_dir, deliveries, units)))
        finally:
            postgres.stop()
            drop_topics(settings)
    result["outbox_vs_raw"] = round(result["outbox_rows_per_s"] / result["raw_produce_per_s"], 2)
    result["import_vs_raw"] = round(result["import_rows_per_s"] / result["raw_produce_per_s"], 2)
    return result
