"""A check's latency on the real broker counts from when the broker took the request, whatever the requester
wrote in it: a requester whose requested_at and producer timestamp are a year old does not skew the matcher's
latency histogram."""

from __future__ import annotations

import asyncio
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from hub.cli.checks import request_of
from hub.kafka.admin import admin_client, provision, topic_config
from hub.kafka.local_broker import free_port
from hub.kafka.producer import make_producer
from hub.kafka.topics import CHECK_REQUESTS, CHECK_RESULTS, all_topics
from hub.services.refdata import load_reference_data
from tests.integration.helpers import Worker, decode_all, read_topic
from tests.samples import CHECK_BASE

YEAR_MS = 365 * 24 * 3600 * 1000
REQUESTER = {"unit": CHECK_BASE["requester_unit"], "officer": CHECK_BASE["officer"], "clearance": "OFFICIAL_USE",
             "purpose": CHECK_BASE["purpose"], "legal_ground": CHECK_BASE["legal_ground"]}


def latency_samples(port: int) -> dict[str, float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return {sample.name: sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.name.startswith("hub_check_latency_seconds_")
            and not sample.name.endswith("_bucket")}


async def send_dated(settings, codec, request: dict, timestamp_ms: int) -> None:
    producer = make_producer(settings)
    await producer.start()
    try:
        await producer.send_and_wait(CHECK_REQUESTS.name(settings, "KZ-71"), codec.encode("CheckRequest", request),
                                     key=request["check_id"].encode(), timestamp_ms=timestamp_ms)
    finally:
        await producer.stop()


async def timestamp_type(settings) -> str:
    admin = admin_client(settings)
    await admin.start()
    try:
        name = CHECK_REQUESTS.name(settings, "KZ-71")
        return (await topic_config(admin, name, ["message.timestamp.type"]))["message.timestamp.type"]
    finally:
        await admin.close()


def test_a_check_dated_a_year_ago_is_timed_from_when_the_broker_took_it(hub_settings, codec, tmp_path: Path):
    asyncio.run(provision(hub_settings, all_topics()))
    asyncio.run(load_reference_data(hub_settings, hub_settings.refdata_dir))
    assert asyncio.run(timestamp_type(hub_settings)) == "LogAppendTime"
    port = free_port()
    settings = hub_settings.model_copy(update={"metrics_port": port})
    worker = Worker(settings, tmp_path / "matcher.log", service="matcher")
    try:
        year_ago_ms = int(time.time() * 1000) - YEAR_MS
        request = {**request_of("kz.mvd.records.VehicleSubject", {"vin": None, "plate": "777 ZZZ 01"}, REQUESTER),
                   "requested_at": year_ago_ms}
        sent_s = time.time()
        asyncio.run(send_dated(settings, codec, request, year_ago_ms))
        results = decode_all(codec, asyncio.run(read_topic(settings, CHECK_RESULTS.name(settings, "KZ-71"), 1,
                                                           timeout_s=120, quiet_s=0)), "CheckResult")
        waited_s = time.time() - sent_s
        assert [r["check_id"] for r in results] == [request["check_id"]], (tmp_path / "matcher.log").read_text()[-3000:]
        assert results[0]["outcome"] == "NO_HIT", results[0]  # answered, not refused
        samples = latency_samples(port)
        assert samples["hub_check_latency_seconds_count"] == 1
        # At most the time from sending to reading the answer (broker and matcher share this machine's clock),
        # not the year the requester claims.
        assert 0 <= samples["hub_check_latency_seconds_sum"] <= waited_s + 0.1, (samples, waited_s)
    finally:
        worker.stop()
