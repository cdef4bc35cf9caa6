"""The matcher benchmark's own arithmetic (no broker)."""

from hub.bench.matcher import cpu_ms_per_check


def test_cpu_per_check_is_the_cpu_time_over_the_checks_offered():
    assert cpu_ms_per_check(3.0, 1_000.0, 10.0) == 0.3  # 3 s of CPU over 10,000 checks
    assert cpu_ms_per_check(0.0, 2_000.0, 30.0) == 0.0
