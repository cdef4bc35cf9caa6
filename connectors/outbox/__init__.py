"""PostgreSQL outbox relay: a regional database's changes to the hub, in order, none lost."""

from connectors.outbox.relay import OutboxRelay, RelayStats, outbox_sql

__all__ = ["OutboxRelay", "RelayStats", "outbox_sql"]
