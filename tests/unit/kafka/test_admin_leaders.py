"""Which described topics provisioning waits on, and which settings it keeps when it realigns one (no broker)."""

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


def test_only_a_topics_own_settings_are_sent_back_when_it_is_realigned():
    from hub.kafka.admin import _own_override

    def entry(source: int, value: str | None = "1", sensitive: bool = False) -> dict:
        return {"config_names": "max.message.bytes", "config_value": value, "config_source": source,
                "is_sensitive": sensitive, "read_only": False}

    assert _own_override(entry(1))  # DYNAMIC_TOPIC_CONFIG
    assert not _own_override(entry(4))  # STATIC_BROKER_CONFIG: the broker's, not the topic's
    assert not _own_override(entry(5))  # DEFAULT_CONFIG
    assert not _own_override(entry(1, value=None, sensitive=True))
    assert _own_override({"config_names": "x", "config_value": "1", "is_default": False, "is_sensitive": False})
    assert not _own_override({"config_names": "x", "config_value": "1", "is_default": True, "is_sensitive": False})
