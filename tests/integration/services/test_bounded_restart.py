"""A matcher's start reads only the audit of its delayed-hit window, however old the audit topic is (real broker)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

from hub.cli.checks import ask
from hub.kafka.admin import provision
from hub.kafka.producer import make_producer
from hub.kafka.topics import CHECK_AUDIT, CHECK_REQUESTS, all_topics
from hub.services.refdata import load_reference_data
from tests.integration.helpers import Worker
from tests.integration.services.test_poison import person_request
from tests.samples import AUDIT

DAY_MS = 24 * 3600 * 1000
OLD = 3_000  # audit entries of checks three years old
RECENT = 40  # and of checks made an hour ago


async def publish_audit(settings, codec, entries: list[tuple[dict, int]]) -> None:
    """Publish audit entries, each stamped with the time given (as the matcher stamped it when it answered)."""
    producer = make_producer(settings)
    await producer.start()
    try:
        for entry, stamped_ms in entries:
            await producer.send(CHECK_AUDIT.name(settings), codec.encode("CheckAuditEntry", entry),
                                key=entry["check_id"].encode(), timestamp_ms=stamped_ms)
        await producer.flush()
    finally:
        await producer.stop()


def audit_entry(check_id: str, at_ms: int) -> dict:
    subject = {"surname": "Омаров", "given_name": "Ерлан", "birth_date": 7703}
    return {**AUDIT, "check_id": check_id, "requested_at": at_ms, "answered_at": at_ms + 10, "outcome": "NO_HIT",
            "hit_record_ids": [], "subject_json": json.dumps(subject, ensure_ascii=False)}


def test_the_matcher_reads_only_the_audit_of_its_window(hub_settings, codec, tmp_path: Path):
    asyncio.run(provision(hub_settings, all_topics()))
    asyncio.run(load_reference_data(hub_settings, hub_settings.refdata_dir))
    now = int(time.time() * 1000)
    source = {"source_topic": CHECK_REQUESTS.name(hub_settings, "KZ-75")}  # the partition that keeps them
    old = [({**audit_entry(f"chk-old-{n}", now - 1_000 * DAY_MS), **source}, now - 1_000 * DAY_MS)
           for n in range(OLD)]
    recent = [({**audit_entry(f"chk-recent-{n}", now - 3_600_000), **source}, now - 3_600_000)
              for n in range(RECENT)]
    asyncio.run(publish_audit(hub_settings, codec, old + recent))
    worker = Worker(hub_settings, tmp_path / "matcher.log", service="matcher")
    try:
        answers = asyncio.run(ask(hub_settings, codec, [person_request("chk-now")], timeout_s=120))
        deadline = time.monotonic() + 120  # the request partitions' checks are taken over beside the answering
        while "audit entries read" not in (tmp_path / "matcher.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        worker.stop()
    log = (tmp_path / "matcher.log").read_text()
    assert "chk-now" in answers, log[-3000:]
    read, kept = map(int, re.search(r"recent checks: (\d+) audit entries read .* (\d+) kept", log).groups())
    # none of the 3,000 older than the window was read (the check just answered may be read too)
    assert RECENT <= read <= RECENT + 1 and kept == read, log[-3000:]
