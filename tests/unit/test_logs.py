"""Service logs: aiokafka's retriable errors become warnings, every other error stays an error."""

from __future__ import annotations

import logging

from hub.logs import RepeatsCollapsed, RetriableAsWarning, retriable_error_names


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


def _unreachable(node: int) -> logging.LogRecord:
    return logging.LogRecord("aiokafka.client", logging.ERROR, __file__, 1, "Unable connect to node with id %s: %s",
                             (node, ConnectionRefusedError(111, "Connection refused")), None)


def test_an_unreachable_broker_is_a_warning_whose_repeats_are_collapsed() -> None:
    now = [0.0]
    noise, repeats = RetriableAsWarning(retriable_error_names()), RepeatsCollapsed(30.0, lambda: now[0])
    shown = []
    for at_s in (0.0, 0.1, 0.2, 29.9, 30.0, 30.1):
        now[0] = at_s
        for node in (1, 2):
            record = _unreachable(node)
            if noise.filter(record) and repeats.filter(record):
                shown.append((at_s, node, record.levelname, record.getMessage()))
    assert [(at_s, node, level) for at_s, node, level, _ in shown] == [
        (0.0, 1, "WARNING"), (0.0, 2, "WARNING"), (30.0, 1, "WARNING"), (30.0, 2, "WARNING")]
    assert shown[2][3].startswith("Unable connect to node with id 1: [Errno 111] Connection refused (3 more like it")


def test_errors_are_never_collapsed() -> None:
    repeats = RepeatsCollapsed(30.0, lambda: 0.0)
    records = [_record("Unexpected error in fetcher") for _ in range(3)]
    assert all(repeats.filter(record) for record in records)
