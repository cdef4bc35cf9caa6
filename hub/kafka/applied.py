"""Tells when the aggregator has applied every event before some end offsets of the events topics.

Events reach the aggregator in two hops: the regrouping stage's group commits an events partition
once the runs carrying its records are written to the regrouped topic, and the aggregator's group
commits a regrouped partition once those runs are applied. A mark remembers the events' end offsets
and, once the first hop has passed them, the regrouped topic's end offsets then: the aggregator has
applied the marked events when its group has committed past those.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import TopicPartition

from hub.kafka.group_offsets import GroupStartOffsets
from hub.kafka.topics import REGROUPED, regroup_group
from hub.settings import HubSettings


@dataclass
class Mark:
    """End offsets of some events partitions, and of the regrouped topic once they were carried past."""

    ends: dict[TopicPartition, int]
    carried: dict[TopicPartition, int] | None = None


class AppliedEvents:
    """Asks the broker how far the regrouping stage and the aggregator have got."""

    def __init__(self, settings: HubSettings) -> None:
        """Follow the groups of the settings' aggregator."""
        self.regrouped = REGROUPED.name(settings)
        self._carrier = GroupStartOffsets(settings, regroup_group(settings), [])
        self._aggregator = GroupStartOffsets(settings, settings.app_id, [])

    async def mark(self, *topics: str) -> Mark:
        """Return a mark at the current end offsets (the last stable ones) of some events topics."""
        ends: dict[TopicPartition, int] = {}
        for topic in topics:
            ends.update(await self._carrier.end_offsets(topic))
        return Mark(ends)

    async def applied(self, mark: Mark) -> bool:
        """Tell whether every event before the mark is applied (raises BrokerError when the broker cannot say)."""
        if mark.carried is None:
            if not await self._carrier.caught_up(mark.ends):
                return False
            mark.carried = await self._aggregator.end_offsets(self.regrouped)
        return await self._aggregator.caught_up(mark.carried)

    async def close(self) -> None:
        """Close the clients."""
        await self._carrier.close()
        await self._aggregator.close()
