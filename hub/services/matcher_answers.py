"""How the matcher answers one check request: intake, search, disclosure and the messages it sends."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError

from hub.domain.checks import CheckAnswer, answer_check, refuse_check
from hub.domain.intake import take_check
from hub.domain.matching.persons import PersonFacts
from hub.domain.reasons import refuse
from hub.domain.regions import CENTRAL_SCOPE
from hub.domain.validation import hinted
from hub.errors import CodecError
from hub.kafka.topics import CHECK_AUDIT, CHECK_REQUESTS, CHECK_RESULTS, NOTIFICATIONS, REJECTED
from hub.services.rejections import Source, refusal_of, rejection_value

log = logging.getLogger(__name__)

Output = tuple[str, bytes, bytes]  # topic, key, value
STORED_DOCUMENT = "kz.mvd.records.RegisterRecord.document"
LOG_APPEND_TIME = 1  # a record's timestamp_type when the broker stamped it


class AnswersChecks:
    """The matcher's answering of requests (mixed into Matcher, whose settings, codec, catalog, index, recent
    checks, sensor and clock it uses)."""

    def answer(self, record) -> list[Output]:
        """Answer one check request message (an unreadable one goes to the rejected topic); return the
        messages to send."""
        try:
            request = self.codec.decode(record.value or b"", expect="CheckRequest").value
        except CodecError as exc:
            source = Source(record.topic, record.partition, record.offset)
            value = rejection_value(refusal_of(exc), source, record.value or b"", None, self.clock_ms())
            return [self._output(REJECTED, record.topic, "Rejection", value)]
        scope = CHECK_REQUESTS.scope_of(self.settings, record.topic)
        try:
            answer = self._take_and_answer(request, scope, record.topic, TopicPartition(record.topic, record.partition),
                                           taken_at_ms(record))
        except Exception as exc:  # noqa: BLE001 - a defect in one request must not stop the matcher
            log.error("check %s from %s refused, it could not be answered: %r", request.get("check_id"),
                      record.topic, exc)
            refusal = refuse("OTHER", "internal", value=type(exc).__name__)
            answer = refuse_check(request, refusal, record.topic, self.clock_ms())
            self.sensor.on_check_refused(refusal.code)
        result = {**answer.result, "hits": [hinted(hit) for hit in answer.result["hits"]]}
        results_topic = CHECK_RESULTS.name(self.settings, scope or CENTRAL_SCOPE)
        outputs = [(results_topic, request["requester_unit"].encode(), self.codec.encode("CheckResult", result)),
                   self._output(CHECK_AUDIT, request["check_id"], "CheckAuditEntry", answer.audit)]
        return outputs + [self._notice(notice) for notice in answer.notifications]

    def _take_and_answer(self, request: dict[str, Any], scope: str | None, topic: str, owner: Any = None,
                         taken_ms: int | None = None) -> CheckAnswer:
        """Answer a request, or refuse it when its channel, unit or values do not allow it to be taken (owner:
        the request partition it came on, whose recent checks keep it; taken_ms: when the broker took it, the
        start of its latency, or None to count from its requested_at)."""
        intake = take_check(request, scope, self.catalog, self.clock_ms())
        if intake.refusal is not None:
            self.sensor.on_check_refused(intake.refusal.code)
            return refuse_check(request, intake.refusal, topic, self.clock_ms())
        answer = self._answer_taken(request, intake.clearance, topic, owner)
        started_ms = request["requested_at"] if taken_ms is None else taken_ms
        self.sensor.on_check(answer.result["outcome"], (self.clock_ms() - started_ms) / 1000)
        return answer

    def _answer_taken(self, request: dict[str, Any], clearance: str, source_topic: str, owner: Any) -> CheckAnswer:
        """Answer a request taken, disclosing up to the clearance applied (kept with it for delayed hits)."""
        person = is_person(request["subject"])
        facts = PersonFacts.of(request["subject"]) if person else None
        matches = self.index.search(request["subject"], person=person, query=facts)
        states = {m.record_id: self._answered_state(m.record_id) for m in matches}
        self.recent.add(owner, {**request, "clearance": clearance}, person=person, facts=facts)
        return answer_check(request, matches, states, self.clock_ms(), clearance, source_topic)

    def _notice(self, notice: dict[str, Any]) -> Output:
        """Address a notice to the notifications topic of its recipient's scope."""
        unit = notice["recipient_unit"]
        topic = NOTIFICATIONS.name(self.settings, self.catalog.unit_scope(unit))
        return topic, unit.encode(), self.codec.encode("Notification", notice)

    def _answered_state(self, record_id: str) -> dict[str, Any]:
        """Return a matched record's state with its document kept as the bytes it is stored as, which a hit
        copies as they are."""
        return self.codec.decode_encoded(self.index.payload_of(record_id), "RegisterRecord", STORED_DOCUMENT)

    def _output(self, topic_spec, key: str, schema: str, value: dict[str, Any]) -> Output:
        return topic_spec.name(self.settings), key.encode(), self.codec.encode(schema, value)


def taken_at_ms(record: Any) -> int | None:
    """Return when the broker appended a request (its LogAppendTime), or None when the timestamp is the
    producer's (a requests topic made before its timestamps were the broker's)."""
    return record.timestamp if record.timestamp_type == LOG_APPEND_TIME else None


def is_person(subject: dict[str, Any]) -> bool:
    """Tell whether a subject is a PersonSubject (the codec reads unions without their names)."""
    return "surname" in subject and "iin" in subject


class AnsweredRequests:
    """What the answering read and sent since its last commit: committed once every answer is acknowledged,
    in the loop now and then, and for revoked partitions before the group moves them (no answer twice)."""

    def __init__(self, consumer: AIOKafkaConsumer):
        """Track the answering of this consumer."""
        self.consumer = consumer
        self.pending: list[asyncio.Future] = []  # the sends of answers not committed yet
        self.read: dict[TopicPartition, int] = {}  # next offset of each partition, every request before it answered
        self.uncommitted = False  # something read since the last commit of every partition

    async def commit(self, partitions: Iterable[TopicPartition] | None = None) -> None:
        """Commit what was read (of some partitions) once every answer sent so far is acknowledged (at least
        once); a commit the group refuses after moving the partitions is left to their next owner."""
        pending, self.pending = self.pending, []
        if partitions is None:
            self.uncommitted = False
        offsets = dict(self.read) if partitions is None else {tp: self.read[tp] for tp in partitions if tp in self.read}
        await asyncio.gather(*pending)
        if partitions is not None:
            for tp in partitions:  # no longer this consumer's to commit
                self.read.pop(tp, None)
        if offsets:
            try:
                await self.consumer.commit(offsets)
            except (CommitFailedError, IllegalStateError) as exc:
                log.warning("answers of %d request partitions not committed, the group moved them (their next "
                            "owner answers them again, with the same check ids): %s", len(offsets), exc)
