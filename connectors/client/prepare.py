"""The CPU part of publishing: an event value checked by the hub's rules, encoded, and given its partition."""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple

from hub.codec import AvroCodec
from hub.domain.catalog import Catalog
from hub.domain.reasons import Refusal, refuse
from hub.domain.validation import EventRules, hinted
from hub.errors import EncodeError, InvalidEventError
from hub.kafka.partitioning import partition_for, partitions_for

VALUE_DEFAULTS = {"valid_until": None, "source_sequence": 0, "document": None, "note": None}  # optional fields


class Prepared(NamedTuple):
    """A checked event: what names it, its single-object bytes and its partition (a tuple: quick to make and pickle)."""

    event_id: str
    record_id: str
    action: str
    version: int
    encoded: bytes
    partition: int

    @property
    def live(self) -> bool:
        """Tell whether the record is live after this event."""
        return self.action != "REMOVE"


def invalid(refusal: Refusal, position: int | None = None) -> InvalidEventError:
    """Return the client error for a refusal, with the hub's sentences."""
    return InvalidEventError(refusal.code, refusal.sentences(), refusal.field, position, refusal.detail)


class Preparer:
    """Checks RecordEvent values as the hub would and encodes them; no I/O, so it also runs in worker processes."""

    def __init__(self, region: str, codec: AvroCodec, catalog: Catalog, partitions: int):
        """Prepare events of `region` for a topic of `partitions` partitions."""
        self.region, self.codec, self.catalog, self.partitions = region, codec, catalog, max(partitions, 1)
        self.rules = EventRules(catalog)

    def prepare(self, value: dict[str, Any], now_ms: int, position: int | None = None) -> Prepared | InvalidEventError:
        """Return the prepared event, or the error the hub's rules (or the schema) give it."""
        result = self._check_and_encode(value, now_ms, position)
        if isinstance(result, Prepared):
            return result._replace(partition=partition_for(result.record_id.encode(), self.partitions))
        return result

    def prepare_many(self, items: Iterable[tuple[int, dict[str, Any] | InvalidEventError]],
                     now_ms: int) -> list[Prepared | InvalidEventError]:
        """Return each (position, value) prepared as prepare() does (errors pass through), the partitions
        computed for all at once."""
        results = [value if isinstance(value, InvalidEventError) else self._check_and_encode(value, now_ms, position)
                   for position, value in items]
        ready = [index for index, result in enumerate(results) if isinstance(result, Prepared)]
        keys = [results[index].record_id.encode() for index in ready]  # type: ignore[union-attr]
        for index, partition in zip(ready, partitions_for(keys, self.partitions)):
            results[index] = results[index]._replace(partition=partition)  # type: ignore[union-attr]
        return results

    def _check_and_encode(self, value: dict[str, Any], now_ms: int,
                          position: int | None) -> Prepared | InvalidEventError:
        try:
            refusal = self.rules.check(value, self.region, now_ms)
            if refusal is not None:
                return invalid(refusal, position)
            encoded = self.codec.encode("RecordEvent", hinted(value))
        except EncodeError as exc:  # a value of the wrong type
            return invalid(refuse("INVALID_FIELD", "wrong_type", exc.field or "message"), position)
        except (TypeError, AttributeError):  # a value of the wrong shape, before the writer
            return invalid(refuse("INVALID_FIELD", "wrong_type", "message"), position)
        return Prepared(value["event_id"], value["record_id"], value["action"], value["version"], encoded, -1)
