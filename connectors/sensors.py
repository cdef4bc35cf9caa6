"""Sensor hooks every connector calls (sent, failed, retried, refused, lag); no metrics library needed."""

from __future__ import annotations


class ConnectorSensor:
    """Hooks for what a connector counts; this base does nothing."""

    def on_sent(self, count: int) -> None:
        """Items the other side acknowledged (events, deliveries, rows)."""

    def on_failed(self, count: int) -> None:
        """Items given up on after every attempt."""

    def on_retried(self, count: int) -> None:
        """Items tried again after a failure."""

    def on_invalid(self, reason: str) -> None:
        """An item refused before sending, with its reason code."""

    def on_lag(self, items: int) -> None:
        """Items waiting to be sent (outbox rows, unread notifications)."""

    def on_assigned(self, partitions: int) -> None:
        """A consumer's poll came back holding this many partitions (its loop runs)."""


NULL_CONNECTOR_SENSOR = ConnectorSensor()
