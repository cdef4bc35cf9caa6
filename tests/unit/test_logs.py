"""Service logs: aiokafka's retriable errors become warnings, every other error stays an error."""

from __future__ import annotations

import logging

from hub.logs import RetriableAsWarning, retriable_error_names


def _record(message: str, *args) -> logging.LogRecord:
    return logging.LogRecord("aiokafka.consumer.group_coordinator", logging.ERROR, __file__, 1, message, args, None)


def test_a_retriable_error_is_logged_as_a_warning() -> None:
    noise = RetriableAsWarning(retriable_error_names())
    record = _record("Group Coordinator Request failed: %s", "[Error 15] GroupCoordinatorNotAvailableError")
    assert noise.filter(record) and record.levelname == "WARNING" and record.levelno == logging.WARNING


def test_any_other_error_stays_an_error() -> None:
    noise = RetriableAsWarning(retriable_error_names())
    for message in ("cannot read: TopicAuthorizationFailedError('hub.events.kz-10')", "Unexpected error in fetcher",
                    "both NodeNotReadyError and SaslAuthenticationFailedError"):
        record = _record(message)
        assert noise.filter(record) and record.levelname == "ERROR", message


def test_the_retriable_names_come_from_aiokafka() -> None:
    names = retriable_error_names()
    assert {"GroupCoordinatorNotAvailableError", "NotLeaderForPartitionError", "RequestTimedOutError"} <= names
    assert "TopicAuthorizationFailedError" not in names
