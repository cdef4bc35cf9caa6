"""`hub check`, `hub check-batch` and `hub notifications`: checks against the register and a unit's notices."""

from __future__ import annotations

import asyncio
import csv
import json
import time
import uuid
from pathlib import Path
from typing import Any

import click

from hub.cli.inputs import known_unit, parse_day, parse_sex, parse_year, warn_if_odd_iin, writable_file
from hub.cli.show import disclosed_text, hit_lines
from hub.domain.limits import out_of_range
from hub.domain.moments import iso_day
from hub.kafka.connection import make_consumer
from hub.kafka.reader import READ_FETCH_MAX_WAIT_MS
from hub.settings import HubSettings

pass_settings = click.make_pass_decorator(HubSettings)
PERSON_FIELDS = ("iin", "surname", "given_name", "patronymic", "birth_date", "birth_year", "sex", "document_number",
                 "registered_address")
SUBJECT_FIELDS = PERSON_FIELDS + ("document_kind", "number", "vin", "plate", "serial", "make", "imei",
                                  "registration_number")
SUBJECTS = {  # schema: (its fields, those it cannot do without)
    "kz.mvd.records.DocumentSubject": (("document_kind", "number"), ("number",)),
    "kz.mvd.records.VehicleSubject": (("vin", "plate"), ()),
    "kz.mvd.records.FirearmSubject": (("serial", "make"), ("serial",)),
    "kz.mvd.records.PhoneSubject": (("imei",), ("imei",)),
    "kz.mvd.records.FactSubject": (("registration_number",), ("registration_number",)),
}


def requester_options(command):
    """Add the options that say who checks, with what clearance, why, and by which channel."""
    for option in reversed([
        click.option("--unit", envvar="HUB_CHECK_UNIT", required=True, help="Requesting unit [HUB_CHECK_UNIT]."),
        click.option("--officer", envvar="HUB_CHECK_OFFICER", required=True, help="Officer [HUB_CHECK_OFFICER]."),
        click.option("--clearance", type=click.Choice(["OPEN", "OFFICIAL_USE", "SECRET", "TOP_SECRET"]),
                     envvar="HUB_CHECK_CLEARANCE", default="OFFICIAL_USE", show_default=True,
                     help="The officer's clearance [HUB_CHECK_CLEARANCE]."),
        click.option("--purpose", required=True, help="Why the check is made."),
        click.option("--legal-ground", required=True, help="The legal ground of the check."),
        click.option("--timeout-s", default=30.0, show_default=True, help="How long to wait for answers."),
    ]):
        command = option(command)
    return command


def subject_of(values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return (schema, subject) from the given subject fields; raise click.UsageError if they fit none."""
    given = {k: v for k, v in values.items() if v not in (None, "")}
    if not given:
        raise click.UsageError("give at least one subject field (see --help)")
    if set(given) <= set(PERSON_FIELDS):
        subject = {k: given.get(k) for k in PERSON_FIELDS}
        if isinstance(subject["birth_date"], str):
            subject["birth_date"] = parse_day(subject["birth_date"], "birth date")
        if subject["birth_year"] is not None:
            subject["birth_year"] = parse_year(str(subject["birth_year"]))
        subject["sex"] = parse_sex(subject["sex"]) if subject["sex"] else None
        warn_if_odd_iin(subject["iin"])
        return "kz.mvd.records.PersonSubject", subject
    for schema, (fields, required) in SUBJECTS.items():
        if set(given) <= set(fields) and set(required) <= set(given):
            return schema, {k: given.get(k) for k in fields}
    raise click.UsageError(f"these fields do not make one subject: {', '.join(sorted(given))}")


def request_of(schema: str, subject: dict[str, Any], options: dict[str, Any], channel: str = "ONLINE",
               number: str | None = None, on: int | None = None) -> dict[str, Any]:
    """Return a CheckRequest value (the subject hinted with its schema for the Avro writer; a person's fields
    not given are empty)."""
    if schema == "kz.mvd.records.PersonSubject":
        subject = {**dict.fromkeys(PERSON_FIELDS), **subject}
    request = {"check_id": f"chk-{uuid.uuid4()}", "requester_unit": options["unit"], "officer": options["officer"],
            "clearance": options["clearance"], "purpose": options["purpose"], "legal_ground": options["legal_ground"],
            "channel": channel, "written_request_number": number, "written_request_date": on,
            "requested_at": int(time.time() * 1000), "subject": (schema, subject)}
    refusal = out_of_range(request, request["requested_at"])
    if refusal is not None:  # refused here as the matcher would refuse it
        raise click.UsageError(f"{refusal.code}: {refusal.sentences()['en']}")
    return request


async def ask(settings: HubSettings, codec, requests: list[dict[str, Any]], timeout_s: float,
              on_answer=lambda result: None) -> dict[str, dict[str, Any]]:
    """Send check requests and return their results by check id (those answered within timeout_s)."""

    from hub.domain.regions import scope_of_unit_code
    from hub.kafka.producer import make_producer
    from hub.kafka.reader import assign_from_start
    from hub.kafka.topics import CHECK_REQUESTS, CHECK_RESULTS

    scopes = sorted({scope_of_unit_code(r["requester_unit"]) for r in requests})
    consumer = make_consumer(settings, group_id=None, enable_auto_commit=False,
                             fetch_max_wait_ms=READ_FETCH_MAX_WAIT_MS)
    producer = make_producer(settings)
    try:
        await consumer.start()
        await producer.start()
        partitions = await assign_from_start(consumer, settings, [CHECK_RESULTS.name(settings, s) for s in scopes])
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)  # fix the start before asking
        wanted = {r["check_id"] for r in requests}
        for request in requests:
            topic = CHECK_REQUESTS.name(settings, scope_of_unit_code(request["requester_unit"]))
            await producer.send(topic, codec.encode("CheckRequest", request),
                                key=request["check_id"].encode())
        await producer.flush()
        answers: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout_s
        while wanted - set(answers) and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    result = codec.decode(record.value, expect="CheckResult").value
                    if result["check_id"] in wanted and result["check_id"] not in answers:
                        answers[result["check_id"]] = result
                        on_answer(result)
        return answers
    finally:
        await producer.stop()
        await consumer.stop()


def subject_options(command):
    """Add one option per subject field."""
    for name in reversed(SUBJECT_FIELDS):
        command = click.option(f"--{name.replace('_', '-')}", name, help=f"Subject field {name}"
                               + (" (YYYY-MM-DD)" if name == "birth_date" else "") + ".")(command)
    return command


@click.command("check")
@subject_options
@requester_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON line (ISO dates).")
@click.option("--lang", type=click.Choice(["kk", "ru", "en"]), default="ru", show_default=True,
              help="Language of the field names.")
@pass_settings
def check(settings: HubSettings, as_json: bool, lang: str, timeout_s: float, **values: Any) -> None:
    """Check one object against the central register and print the answer (waits for it)."""
    from hub.codec.readable import readable
    from hub.services.refdata import codec_for

    options = {k: values.pop(k) for k in ("unit", "officer", "clearance", "purpose", "legal_ground")}
    known_unit(settings.refdata_dir, options["unit"])
    request = request_of(*subject_of(values), options)
    codec = codec_for(settings)
    answers = asyncio.run(ask(settings, codec, [request], timeout_s))
    result = answers.get(request["check_id"])
    if result is None:
        raise click.ClickException(f"no answer to {request['check_id']} within {timeout_s} s")
    result = readable(codec.registry, "CheckResult", result)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    refusal = result.get("refusal")
    click.echo(f"{result['check_id']}: {result['outcome']}" + (
        f" [{refusal['reason']}] {refusal[f'text_{lang}']}" if refusal else ""))
    for hit in result["hits"]:
        click.echo("\n".join(hit_lines(hit, lang)))


@click.command("check-batch")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Results CSV.")
@requester_options
@pass_settings
def check_batch(settings: HubSettings, file: Path, output: Path, timeout_s: float, **options: Any) -> None:
    """Check every row of FILE (a written request: columns request_number, request_date and subject fields)."""
    from rich.progress import Progress

    from hub.codec.readable import readable
    from hub.services.refdata import codec_for

    known_unit(settings.refdata_dir, options["unit"])
    writable_file(output)
    rows, bad = [], []
    with open(file, encoding="utf-8-sig", newline="") as source:
        for number, row in enumerate(csv.DictReader(source), start=1):
            try:
                schema, subject = subject_of({k: row.get(k) for k in SUBJECT_FIELDS})
                on = parse_day(row["request_date"], "request date") if row.get("request_date") else None
                rows.append((number, request_of(schema, subject, options, "WRITTEN", row.get("request_number"), on)))
            except (click.UsageError, ValueError) as exc:
                bad.append((number, str(exc)))
    codec = codec_for(settings)
    with Progress() as progress:
        task = progress.add_task(f"checking {file.name}", total=len(rows))
        answers = asyncio.run(ask(settings, codec, [r for _, r in rows], timeout_s,
                                  on_answer=lambda result: progress.advance(task)))
    with open(output, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(BATCH_COLUMNS)
        for number, request in rows:
            result = answers.get(request["check_id"])
            writer.writerow(batch_row(number, request, result and readable(codec.registry, "CheckResult", result),
                                      timeout_s))
        for number, error in bad:
            writer.writerow([number] + [""] * (len(BATCH_COLUMNS) - 2) + [error])
    click.echo(f"{len(rows)} checked, {len(answers)} answered, {len(bad)} bad rows (see {output})")
    if bad or len(answers) < len(rows):
        raise SystemExit(1)


BATCH_COLUMNS = ("row", "request_number", "request_date", "check_id", "outcome", "best_score", "hits", "record_ids",
                 "contact_units", "disclosed", "error")


def batch_row(number: int, request: dict[str, Any], result: dict[str, Any] | None, timeout_s: float) -> list:
    """Return the CSV row of one written request: its number and date, the outcome, the best score, the
    records (RESTRICTED where not disclosed), the units to contact and the disclosed fields."""
    head = [number, request.get("written_request_number") or "", iso_day(request.get("written_request_date")),
            request["check_id"]]
    if result is None:
        return head + [""] * 6 + [f"no answer within {timeout_s} s"]
    hits = result["hits"]
    return head + [result["outcome"], f"{max((h['score'] for h in hits), default=0.0):.3f}", len(hits),
                   " ".join(h["record_id"] for h in hits), " ".join(sorted({h["contact_unit"] for h in hits})),
                   " | ".join(f"{h['record_id']}: {disclosed_text(h)}" for h in hits if h.get("document")),
                   (result.get("refusal") or {}).get("text_en") or ""]


@click.command("notifications")
@click.option("--unit", required=True, help="The unit whose notifications to show.")
@click.option("--follow", is_flag=True, help="Keep following new notifications.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON notification per line.")
@click.option("--lang", type=click.Choice(["kk", "ru", "en"]), default="ru", show_default=True)
@pass_settings
def notifications(settings: HubSettings, unit: str, follow: bool, as_json: bool, lang: str) -> None:
    """Show a unit's notifications (from the start of the topic's retention)."""
    known_unit(settings.refdata_dir, unit)
    asyncio.run(_follow_notifications(settings, unit, follow, as_json, lang))


async def _follow_notifications(settings: HubSettings, unit: str, follow: bool, as_json: bool, lang: str) -> None:

    from hub.codec.readable import readable
    from hub.domain.regions import scope_of_unit_code
    from hub.kafka.reader import assign_from_start, behind
    from hub.kafka.topics import NOTIFICATIONS
    from hub.services.refdata import codec_for

    codec = codec_for(settings)
    consumer = make_consumer(settings, group_id=None, enable_auto_commit=False,
                             fetch_max_wait_ms=READ_FETCH_MAX_WAIT_MS)
    try:
        await consumer.start()
        ends = await consumer.end_offsets(await assign_from_start(
            consumer, settings, [NOTIFICATIONS.name(settings, scope_of_unit_code(unit))]))
        seen: set[str] = set()
        while follow or await behind(consumer, ends):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    if record.key != unit.encode():
                        continue
                    notice = codec.decode(record.value, expect="Notification").value
                    if notice["notification_id"] in seen:
                        continue  # a replay
                    seen.add(notice["notification_id"])
                    notice = readable(codec.registry, "Notification", notice)
                    click.echo(json.dumps(notice, ensure_ascii=False) if as_json else
                               f"{notice['created_at']} {notice['kind']:24} {notice[f'title_{lang}']}: "
                               f"{notice[f'text_{lang}']}")
    finally:
        await consumer.stop()
