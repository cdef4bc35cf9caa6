"""The Python client regional systems publish with: typed events, checks before sending, confirmed delivery."""

from connectors.client.events import Correction, Enrolment, RegionalEvent, Removal, from_event, stable_event_id
from connectors.client.publisher import Delivery, Prepared, RegionalClient
from connectors.client.versions import MemoryVersions, SqliteVersions, VersionBook

__all__ = ["Correction", "Delivery", "Enrolment", "MemoryVersions", "Prepared", "RegionalClient", "RegionalEvent",
           "Removal", "SqliteVersions", "VersionBook", "from_event", "stable_event_id"]
