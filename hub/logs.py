"""How every service logs: one timestamped format, aiokafka's retriable errors logged as the warnings they are,
and runs of the same warning collapsed."""

from __future__ import annotations

import logging
import re
import time
from typing import Callable

FORMAT = "[%(asctime)s] [%(levelname)s] %(message)s"
# aiokafka's own messages of conditions its client retries by itself, named by no error class.
RETRIED_BY_CLIENT = frozenset({"Unable connect to node with id %s: %s"})
REPEAT_WINDOW_S = 30.0
MAX_REMEMBERED = 1_000
_ERROR_NAME = re.compile(r"\b([A-Z][A-Za-z]+(?:Error|Unavailable|Metadata|List|Available|Requests))\b")


def configure(level: str) -> None:
    """Log to stderr with a timestamp and level on every line (once per process)."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    quiet_retriable_kafka_errors()


def retriable_error_names() -> frozenset[str]:
    """Return the names of aiokafka's error classes marked retriable: the client tries again by itself."""
    import aiokafka.errors as errors

    return frozenset(name for name, cls in vars(errors).items()
                     if isinstance(cls, type) and issubclass(cls, Exception) and getattr(cls, "retriable", False))


class RetriableAsWarning(logging.Filter):
    """Lowers an aiokafka ERROR record that names only retriable errors (a coordinator not ready yet, a leader
    moving) to WARNING: the client retries, so an operator need not act; anything else stays an ERROR."""

    def __init__(self, retriable: frozenset[str]):
        """Lower records naming only these error classes."""
        super().__init__()
        self.retriable = retriable

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record; lower the level of the retriable ones."""
        if record.levelno == logging.ERROR:
            named = set(_ERROR_NAME.findall(record.getMessage()))
            if (named and named <= self.retriable) or record.msg in RETRIED_BY_CLIENT:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class RepeatsCollapsed(logging.Filter):
    """Shows the first of a run of the same warning (same message and first argument: a broker's id, say) in each
    window, and how many were hidden with the next one shown: a broker down for a minute made hundreds of lines."""

    def __init__(self, window_s: float = REPEAT_WINDOW_S, clock_s: Callable[[], float] = time.monotonic):
        """Collapse repeats within `window_s` seconds of the first shown."""
        super().__init__()
        self.window_s, self.clock_s = window_s, clock_s
        self._shown: dict[tuple, tuple[float, int]] = {}  # when the last shown was, and how many hidden since

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep errors and the first warning of each run; count the rest."""
        if record.levelno != logging.WARNING:
            return True
        key = (record.name, record.msg, record.args[0] if isinstance(record.args, tuple) and record.args else None)
        now_s = self.clock_s()
        shown_s, hidden = self._shown.get(key, (None, 0))
        if shown_s is not None and now_s - shown_s < self.window_s:
            self._shown[key] = (shown_s, hidden + 1)
            return False
        if len(self._shown) >= MAX_REMEMBERED:
            self._shown = {k: v for k, v in self._shown.items() if now_s - v[0] < self.window_s}
        self._shown[key] = (now_s, 0)
        if hidden:
            record.msg = f"{record.msg} ({hidden} more like it in the {self.window_s:.0f} s before, not shown)"
        return True


def quiet_retriable_kafka_errors() -> None:
    """Install RetriableAsWarning on every aiokafka logger (each module logs under its own name)."""
    import aiokafka.consumer.group_coordinator  # noqa: F401 - the modules whose loggers are filtered
    import aiokafka.producer.sender  # noqa: F401

    noise, repeats = RetriableAsWarning(retriable_error_names()), RepeatsCollapsed()
    names = [name for name in logging.root.manager.loggerDict if name == "aiokafka" or name.startswith("aiokafka.")]
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RetriableAsWarning) for f in logger.filters):
            logger.addFilter(noise)
            logger.addFilter(repeats)  # after the lowering: what became a warning is collapsed too
