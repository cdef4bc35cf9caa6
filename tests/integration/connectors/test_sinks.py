"""Sinks against real servers and the real broker: HTTPS webhooks, SMTP with STARTTLS, PostgreSQL."""

from __future__ import annotations

import asyncio
import email
import json
import smtplib
import time
from email.policy import default as default_policy
from pathlib import Path

import psycopg
import pytest

from connectors.local_servers import self_signed_certificate
from connectors.metrics import PrometheusConnectorSensor
from connectors.sinks.email import EmailSink, letter
from connectors.sinks.email import SmtpServer as SmtpTarget
from connectors.sinks.postgres import PostgresSink
from connectors.sinks.runtime import DeadLetters, run_sink
from connectors.sinks.webhook import SIGNATURE_HEADER, Subscription, WebhookSink, verify
from hub.kafka.local_broker import free_port
from hub.kafka.producer import publish
from hub.kafka.reader import end_offsets_of, read_to_end
from hub.kafka.topics import DEAD_LETTERS, NOTIFICATIONS, REGISTER
from hub.settings import HubSettings
from tests.integration.servers import Receiver, SmtpServer, start_receiver
from tests.integration.services.test_reconciliation import committed_offsets
from tests.samples import NOTIFICATION, REGISTER_RECORD


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


def notifications(unit: str, count: int) -> list[tuple[str, dict]]:
    return [(unit, {**NOTIFICATION, "notification_id": f"n-{unit}-{n:03d}", "recipient_unit": unit,
                    "attributes": {"n": str(n)}}) for n in range(count)]


def publish_notifications(settings: HubSettings, codec, items: list[tuple[str, dict]], garbage_for: str) -> None:
    messages = [(unit, codec.encode("Notification", value)) for unit, value in items]
    messages.insert(3, (garbage_for, b"\x00 not a notification"))
    for scope in {unit[:5] for unit, _ in messages}:  # each region's notices on its own topic
        asyncio.run(publish(settings, NOTIFICATIONS.name(settings, scope), [m for m in messages if m[0][:5] == scope]))


async def run_until(settings: HubSettings, topics: list[str], sink, sensor, done, timeout_s: float = 120.0) -> None:
    """Run a sink until done() holds (checked every 0.2 s), then stop it gracefully."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_sink(settings, topics, f"{settings.app_id}-{sink.name}", sink, sensor, stop))
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline and not task.done():
        await asyncio.sleep(0.2)
    stop.set()
    await task
    assert done(), "the sink did not finish in time"


def dead_letters(settings: HubSettings, codec) -> list[dict]:
    return [codec.decode(r.value, expect="DeadLetter").value
            for r in asyncio.run(read_to_end(settings, DEAD_LETTERS.name(settings)))]


def test_webhook_delivers_signed_notifications_retries_and_dead_letters(provisioned, codec, certificate):
    cert, key = certificate
    secret = b"kz75-shared-secret"
    items = notifications("KZ-75-CP", 30) + notifications("KZ-71-CP", 5) + notifications("KZ-19-CP", 3)
    publish_notifications(provisioned, codec, items, garbage_for="KZ-75-CP")
    receiver = Receiver(scripted={"/kz75": [503, 503]}, always={"/kz71": 400})
    sensor = PrometheusConnectorSensor("webhook_sink")

    async def scenario():
        import ssl
        runner, port = await start_receiver(receiver, cert, key)
        subscriptions = {
            "KZ-75-CP": Subscription("KZ-75-CP", f"https://127.0.0.1:{port}/kz75", secret),
            "KZ-71-CP": Subscription("KZ-71-CP", f"https://127.0.0.1:{port}/kz71", secret),
            "KZ-19-CP": Subscription("KZ-19-CP", "https://127.0.0.1:9/closed", secret),
        }
        dead = DeadLetters(provisioned, codec, "webhook")
        sink = WebhookSink(subscriptions, codec, dead, max_attempts=4, backoff_s=0.05, breaker_open_s=0.2,
                           ssl_context=ssl.create_default_context(cafile=str(cert)), sensor=sensor)
        try:
            await run_until(provisioned, NOTIFICATIONS.names(provisioned), sink, sensor,
                            lambda: len(receiver.received) >= 30 and dead.sent >= 9)
        finally:
            await sink.close()
            await dead.close()
            await runner.cleanup()
    asyncio.run(scenario())

    got = receiver.received
    assert [r["json"]["notification_id"] for r in got] == [f"n-KZ-75-CP-{n:03d}" for n in range(30)]  # in order
    assert all(verify(secret, r["headers"]["X-Hub-Timestamp"], r["body"], r["headers"][SIGNATURE_HEADER]) for r in got)
    assert not verify(b"wrong", got[0]["headers"]["X-Hub-Timestamp"], got[0]["body"],
                      got[0]["headers"][SIGNATURE_HEADER])
    assert all(r["headers"]["Idempotency-Key"] == r["json"]["notification_id"] for r in got)
    assert got[0]["json"]["title_kk"] == NOTIFICATION["title_kk"]
    dead = dead_letters(provisioned, codec)
    reasons = sorted((d["key"], d["reason_code"], d["attempts"]) for d in dead)
    assert reasons == sorted([("KZ-71-CP", "REFUSED", 1)] * 5 + [("KZ-19-CP", "UNREACHABLE", 4)] * 3
                             + [("KZ-75-CP", "UNDECODABLE", 0)])
    assert all(d["original"] for d in dead)
    assert sensor.sent._value.get() == 30 and sensor.retried._value.get() == 30 * 2 + 3 * 3


def test_email_sink_sends_letters_over_starttls_in_three_languages(provisioned, codec, certificate, tmp_path):
    cert, key = certificate
    server = SmtpServer(tmp_path, cert, key)
    items = notifications("KZ-75-CP", 6) + notifications("KZ-71-CP", 2)
    publish_notifications(provisioned, codec, items, garbage_for="KZ-71-CP")
    sensor = PrometheusConnectorSensor("email_sink")

    async def scenario():
        dead = DeadLetters(provisioned, codec, "email")
        sink = EmailSink(SmtpTarget("127.0.0.1", server.port, ca_file=cert),
                         {"KZ-75-CP": ["duty.kz75@police.kz", "chief.kz75@police.kz"], "KZ-71-CP": ["kz71@police.kz"]},
                         codec, dead, backoff_s=0.05, sensor=sensor)
        try:
            await run_until(provisioned, NOTIFICATIONS.names(provisioned), sink, sensor,
                            lambda: len(server.messages()) >= 8 and dead.sent >= 1)
        finally:
            await dead.close()
    try:
        asyncio.run(scenario())
        letters = [email.message_from_bytes(m.as_bytes(), policy=default_policy) for m in server.messages()]
    finally:
        server.stop()
    assert sorted(m["Message-ID"] for m in letters) == sorted(f"<{v['notification_id']}@records-hub.mvd.kz>"
                                                            for _, v in items)
    first = next(m for m in letters if "KZ-75-CP-000" in m["Message-ID"])
    assert first["To"] == "duty.kz75@police.kz, chief.kz75@police.kz"
    text = first.get_content()
    assert NOTIFICATION["text_kk"] in text and NOTIFICATION["text_ru"] in text and NOTIFICATION["text_en"] in text
    assert first["Subject"] == f"{NOTIFICATION['title_kk']} / {NOTIFICATION['title_ru']}"
    assert [d["reason_code"] for d in dead_letters(provisioned, codec)] == ["UNDECODABLE"]


def test_email_sink_never_sends_in_the_clear(codec, tmp_path):
    from aiosmtpd.controller import Controller

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            return "250 kept"
    port = free_port()
    plain = Controller(Keep(), hostname="127.0.0.1", port=port)  # a server that offers no STARTTLS
    plain.start()
    try:
        sink = EmailSink(SmtpTarget("127.0.0.1", port), {}, codec, None)
        with pytest.raises(smtplib.SMTPNotSupportedError):
            sink._submit(letter(NOTIFICATION, "hub@mvd.kz", ["x@police.kz"]))
    finally:
        plain.stop()


def test_postgres_sink_keeps_a_sql_copy_of_the_register(provisioned, codec, postgres_dsn):
    rid, other = REGISTER_RECORD["record_id"], "KZ-75-WANTED_PERSON-00000999"
    v1 = REGISTER_RECORD
    v2 = {**v1, "version": 2, "document": {**v1["document"], "special_marks": "жаңа белгі"}}
    noticed = {**v2, "term_notice_sent_at": v2["updated_at"] + 5}
    messages = [(rid, codec.encode("RegisterRecord", v)) for v in (v1, v2, noticed)]
    messages += [(other, codec.encode("RegisterRecord", {**v1, "record_id": other})), (other, None),
                 ("KZ-75-BROKEN-1", b"garbage"), (rid, codec.encode("RegisterRecord", v1))]  # a stale replay last
    asyncio.run(publish(provisioned, REGISTER.name(provisioned), messages))
    sensor = PrometheusConnectorSensor("postgres_sink")

    async def scenario():
        dead = DeadLetters(provisioned, codec, "postgres")
        sink = PostgresSink(postgres_dsn, codec, dead, sensor)
        try:
            await run_until(provisioned, [REGISTER.name(provisioned)], sink, sensor,
                            lambda: sensor.sent._value.get() >= len(messages))
        finally:
            await sink.close()
            await dead.close()
    asyncio.run(scenario())
    with psycopg.connect(postgres_dsn) as conn:
        rows = conn.execute("SELECT record_id, version, document->>'special_marks', term_notice_sent_at IS NOT NULL,"
                            " status FROM central_register").fetchall()
    # the stale v1 came after v2 on the topic but has a lower version: the copy keeps v2
    # (a real compacted register never goes back; the check guards against replays)
    assert rows == [(rid, 2, "жаңа белгі", True, "LIVE")]
    assert [d["reason_code"] for d in dead_letters(provisioned, codec)] == ["UNDECODABLE"]


def test_a_sink_process_serves_metrics_and_stops_cleanly_on_sigterm(provisioned, codec, postgres_dsn, tmp_path):
    import signal
    import subprocess
    import sys
    import urllib.request

    from hub.kafka.admin import admin_client
    from tests.integration.helpers import REPO, settings_env

    records = [(f"KZ-75-WANTED_PERSON-{n:08d}", codec.encode("RegisterRecord", {
        **REGISTER_RECORD, "record_id": f"KZ-75-WANTED_PERSON-{n:08d}"})) for n in range(200)]
    asyncio.run(publish(provisioned, REGISTER.name(provisioned), records))
    port = free_port()
    env = {**settings_env(provisioned), "HUB_METRICS_PORT": str(port)}
    proc = subprocess.Popen([sys.executable, "-m", "hub", "sink", "postgres", "--dsn", postgres_dsn], cwd=REPO,
                            env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "sink.log", "wb"))
    try:
        deadline, copied = time.monotonic() + 60, 0
        while copied < 200 and time.monotonic() < deadline:
            time.sleep(0.3)
            try:
                with psycopg.connect(postgres_dsn) as conn:
                    copied = conn.execute("SELECT count(*) FROM central_register").fetchone()[0]
            except psycopg.Error:
                pass
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        ready = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5).read())
        assert ready == {"ready": True, "conditions": {"consumer_assigned": True, "alive": True}}, ready
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, (tmp_path / "sink.log").read_text()[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert copied == 200
    assert 'hub_connector_sent_total{connector="postgres_sink"} 200.0' in metrics

    async def committed() -> int:
        admin = admin_client(provisioned)
        await admin.start()
        try:
            found = await admin.list_consumer_group_offsets(f"{provisioned.app_id}-sink-postgres")
            return sum(meta.offset for tp, meta in found.items() if tp.topic == REGISTER.name(provisioned))
        finally:
            await admin.close()
    assert asyncio.run(committed()) == 200  # everything copied was committed before it stopped


def test_a_hanging_or_failing_receiver_holds_up_only_its_own_notices(provisioned, codec, certificate):
    cert, key = certificate
    healthy, stuck = ["KZ-75-OK1", "KZ-75-OK2"], ["KZ-75-HANG", "KZ-75-FAIL"]
    first = [item for n in range(20) for unit in healthy + stuck for item in notifications(unit, 20)[n:n + 1]]
    later = [(unit, {**value, "notification_id": value["notification_id"] + "-later"})
             for unit in healthy for unit, value in notifications(unit, 10)]
    receiver = Receiver(always={"/fail": 503}, hang={"/hang"})
    sensor = PrometheusConnectorSensor("webhook_sink")
    topic = NOTIFICATIONS.name(provisioned, "KZ-75")  # one partition: every unit's notices in one line
    publish_all = lambda items: asyncio.run(publish(provisioned, topic, [  # noqa: E731
        (unit, codec.encode("Notification", value)) for unit, value in items]))
    publish_all(first)
    timings: dict[str, float] = {}

    async def scenario():
        import ssl
        runner, port = await start_receiver(receiver, cert, key)
        subscriptions = {unit: Subscription(unit, f"https://127.0.0.1:{port}/{unit[6:].lower()}", b"s")
                         for unit in healthy + stuck}
        dead = DeadLetters(provisioned, codec, "webhook")
        sink = WebhookSink(subscriptions, codec, dead, max_attempts=3, backoff_s=0.1, timeout_s=1.0,
                           breaker_failures=2, breaker_open_s=1.0, max_hold_s=6.0,
                           ssl_context=ssl.create_default_context(cafile=str(cert)), sensor=sensor)
        stop = asyncio.Event()
        task = asyncio.create_task(run_sink(provisioned, [topic], f"{provisioned.app_id}-webhook", sink, sensor, stop))
        try:
            await wait_for(lambda: len(receiver.received) >= 40, 60)
            started = time.monotonic()
            await asyncio.to_thread(publish_all, later)  # while the stuck receivers' notices are still in hand
            await wait_for(lambda: len(receiver.received) >= 60, 60)
            timings["later_s"] = time.monotonic() - started
            await wait_for(lambda: dead.sent >= 40, 120)
        finally:
            stop.set()
            await task
            await sink.close()
            await dead.close()
            await runner.cleanup()
    asyncio.run(scenario())

    assert timings["later_s"] < 10, timings  # not behind the hanging receiver's minute of timeouts
    got = [r["json"]["notification_id"] for r in receiver.received]
    assert sorted(got) == sorted(v["notification_id"] for unit, v in first + later if unit in healthy)
    for unit in healthy:  # each unit's in order
        mine = [n for n in got if unit in n]
        assert mine == [v["notification_id"] for u, v in first + later if u == unit]
    letters = dead_letters(provisioned, codec)
    assert sorted(d["key"] for d in letters) == sorted(stuck * 20)  # none lost: every other one dead-lettered
    assert {d["reason_code"] for d in letters} == {"UNREACHABLE"}
    assert any("circuit is open" in d["error"] for d in letters if d["key"] == "KZ-75-HANG")
    ends = asyncio.run(end_offsets_of(provisioned, topic))
    assert committed_offsets(provisioned, f"{provisioned.app_id}-webhook", topic) == ends  # all finished


async def wait_for(done, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "not done in time"
        await asyncio.sleep(0.1)
