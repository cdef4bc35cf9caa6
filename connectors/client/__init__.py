"""The Python client regional systems publish with: typed events, checks before sending, confirmed delivery."""

from connectors.client.events import (
           Correction,
           Enrolment,
           RegionalEvent,
           Removal,
           from_event,
           stable_event_id,
)
from connectors.client.pool import WorkerPool
from connectors.client.prepare import Prepared, Preparer
from connectors.client.publisher import Delivery, RegionalClient
from connectors.client.versions import MemoryVersions, SqliteVersions, VersionBook

__all__ = ["Correction", "Delivery", "Enrolment", "MemoryVersions", "Prepared", "Preparer", "RegionalClient",
           "RegionalEvent", "Removal", "SqliteVersions", "VersionBook", "WorkerPool", "from_event", "stable_event_id"]
