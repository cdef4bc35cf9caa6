"""The garbage collector of a long-running service, set for millions of long-lived objects."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Move the objects made so far (an app, its tables, an index of millions) out of the garbage
    collector's sight and collect the young rarely: full collections over them pause processing for
    hundreds of milliseconds, and they live as long as the process. (No collection first: building or
    restoring leaves no garbage in cycles, and one would take seconds.) Measured in the aggregator at
    200,000 events: 1.4 s of collections before, 0.05 s after."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
