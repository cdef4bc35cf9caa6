"""Which described topics provisioning waits on before writes (no broker)."""

from hub.kafka.admin import _leaderless


def _topic(error_code: int, leaders: list[int]) -> dict:
    return {"topic": "hub.register", "error_code": error_code,
            "partitions": [{"partition": n, "leader": leader} for n, leader in enumerate(leaders)]}


def test_a_topic_not_there_yet_or_with_a_partition_without_a_leader_is_waited_on():
    assert _leaderless(_topic(5, []))  # LEADER_NOT_AVAILABLE
    assert _leaderless(_topic(3, []))  # UNKNOWN_TOPIC_OR_PARTITION
    assert _leaderless(_topic(0, [1, -1, 1]))
    assert _leaderless(_topic(0, []))


def test_a_led_topic_or_one_an_acl_refuses_is_not_waited_on():
    assert not _leaderless(_topic(0, [1, 2, 3]))
    assert not _leaderless(_topic(29, []))  # TOPIC_AUTHORIZATION_FAILED: the writes will say it
