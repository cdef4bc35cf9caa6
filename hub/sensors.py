"""Sensor hooks the services call; adapters (Prometheus) implement them, so domain code stays pure."""

from __future__ import annotations


class Sensor:
    """Hooks for everything the hub counts; this base does nothing."""

    def on_event(self, region: str, action: str, outcome: str) -> None:
        """An event was handled: outcome is applied, rejected or duplicate."""

    def on_rejection(self, reason: str) -> None:
        """An input was refused with a reason code."""

    def on_applied_latency(self, seconds: float) -> None:
        """Time from an event's occurrence to its application, in seconds."""

    def on_register_change(self, record_type: str, old_status: str | None, new_status: str | None) -> None:
        """A record moved between statuses (None: absent from the register)."""

    def on_register_size(self, counts: dict[tuple[str, str], int]) -> None:
        """The register was counted anew (after recovery): records by (type, status)."""

    def on_lag(self, topic: str, partition: int, lag: int) -> None:
        """Consumer lag of one partition, in messages."""

    def on_batch(self, size: int) -> None:
        """A batch of events was processed."""

    def on_check(self, outcome: str, seconds: float) -> None:
        """A check was answered (HIT, POSSIBLE_HIT, NO_HIT), this long after it was requested."""

    def on_check_refused(self, reason: str) -> None:
        """A check was refused (its unit unknown, closed, or not of the topic's region), with this reason code."""

    def on_index_size(self, records: int) -> None:
        """The match index holds this many live records."""

    def on_index_left_out(self, records: int) -> None:
        """This many register records could not be indexed (a defect in the record): they are left out."""

    def on_index_ready(self, seconds: float) -> None:
        """The match index caught up with the register this long after the matcher began building or restoring it."""


NULL_SENSOR = Sensor()
