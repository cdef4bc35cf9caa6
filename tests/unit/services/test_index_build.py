"""One defective register record is left out of the match index, never stopping it (no broker)."""

from __future__ import annotations

from collections import namedtuple

from hub.domain.matching.entries import Batcher
from hub.services.index_build import batches_of, read_message
from tests.samples import PERSON, REGISTER_RECORD

Message = namedtuple("Message", "key value")
BEFORE_YEAR_ONE = -800_000  # epoch days: a date no calendar of Python's holds


def message(codec, record_id: str, **document) -> Message:
    state = {**REGISTER_RECORD, "record_id": record_id, "document": {**PERSON, **document}}
    return Message(record_id.encode(), codec.encode("RegisterRecord", state))


def test_a_record_that_cannot_be_indexed_is_left_out_and_named(codec, caplog) -> None:
    view = lambda raw: codec.decode(raw, expect="RegisterRecord").value  # noqa: E731
    read = read_message(message(codec, "KZ-75-WANTED_PERSON-00000009", birth_date=BEFORE_YEAR_ONE), view)
    assert read.left_out and read.entry is None and read.record_id == "KZ-75-WANTED_PERSON-00000009"
    assert "KZ-75-WANTED_PERSON-00000009" in caplog.text


def test_a_batch_keeps_the_good_records_around_a_defective_one(codec) -> None:
    view = lambda raw: codec.decode(raw, expect="RegisterRecord").value  # noqa: E731
    records = [message(codec, "KZ-75-WANTED_PERSON-00000001"),
               message(codec, "KZ-75-WANTED_PERSON-00000002", birth_date=BEFORE_YEAR_ONE),
               message(codec, "KZ-75-WANTED_PERSON-00000003")]
    batcher = Batcher(100)
    [batch] = batches_of(records, view, batcher) + [batcher.take()]
    assert batch.record_ids == ["KZ-75-WANTED_PERSON-00000001", "KZ-75-WANTED_PERSON-00000003"]
    assert batch.left_out == ["KZ-75-WANTED_PERSON-00000002"] and batch.removed == batch.left_out
