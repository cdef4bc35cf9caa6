"""How every service logs: one timestamped format, and aiokafka's retriable errors logged as the warnings they are."""

from __future__ import annotations

import logging
import re

FORMAT = "[%(asctime)s] [%(levelname)s] %(message)s"
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
            if named and named <= self.retriable:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def quiet_retriable_kafka_errors() -> None:
    """Install RetriableAsWarning on every aiokafka logger (each module logs under its own name)."""
    import aiokafka.consumer.group_coordinator  # noqa: F401 - the modules whose loggers are filtered
    import aiokafka.producer.sender  # noqa: F401

    noise = RetriableAsWarning(retriable_error_names())
    names = [name for name in logging.root.manager.loggerDict if name == "aiokafka" or name.startswith("aiokafka.")]
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RetriableAsWarning) for f in logger.filters):
            logger.addFilter(noise)
