"""The stall watch: a partition with records waiting and no progress for the limit is called stalled."""

from __future__ import annotations

from hub.services.stall_watch import PartitionProgress, StallWatch


def test_a_partition_standing_still_with_records_waiting_is_stalled_at_the_limit() -> None:
    watch = StallWatch(limit_s=30)
    stuck = {"p": PartitionProgress(processed=110, committed=110, end=125)}
    assert watch.observe(0, stuck) == ([], [])
    assert watch.observe(7.4, stuck) == ([], [])
    assert watch.observe(7.5, stuck) == (["p"], [])  # read again from the commit, once
    assert watch.observe(29.9, stuck) == ([], [])
    assert watch.observe(30, stuck) == ([], ["p"])


def test_progress_of_processing_or_of_commits_starts_the_count_again() -> None:
    watch = StallWatch(limit_s=30)
    watch.observe(0, {"p": PartitionProgress(110, 100, 125)})
    watch.observe(20, {"p": PartitionProgress(111, 100, 125)})  # processed one more
    assert watch.observe(40, {"p": PartitionProgress(111, 100, 125)})[1] == []
    watch.observe(45, {"p": PartitionProgress(111, 111, 125)})  # committed
    assert watch.observe(70, {"p": PartitionProgress(111, 111, 125)})[1] == []
    assert watch.observe(75, {"p": PartitionProgress(111, 111, 125)})[1] == ["p"]


def test_each_standstill_is_read_again_once() -> None:
    watch = StallWatch(limit_s=100, rewind_after_s=10)
    rewinds = [watch.observe(t, {"p": PartitionProgress(5, 5, 9)})[0] for t in (0, 10, 20, 30)]
    assert rewinds == [[], ["p"], [], []]
    watch.observe(31, {"p": PartitionProgress(6, 5, 9)})  # it moved, then stood still again
    assert [watch.observe(t, {"p": PartitionProgress(6, 5, 9)})[0] for t in (40, 41, 42)] == [[], ["p"], []]


def test_a_partition_with_nothing_past_its_commit_is_never_stalled() -> None:
    watch = StallWatch(limit_s=1)
    idle = {"p": PartitionProgress(125, 125, 125)}
    assert [watch.observe(t, idle) for t in (0, 10, 100)] == [([], [])] * 3


def test_reset_excuse_and_a_partition_moved_away_forget_the_time_stood_still() -> None:
    watch = StallWatch(limit_s=10)
    stuck = {"p": PartitionProgress(5, 5, 9), "q": PartitionProgress(1, 1, 2)}
    watch.observe(0, stuck)
    watch.reset()
    assert watch.observe(10, stuck)[1] == []
    watch.excuse("p", 15)  # what waited on p was only transaction markers
    assert watch.observe(20, stuck)[1] == ["q"]
    watch.observe(21, {"q": stuck["q"]})  # p moved to another worker
    assert watch.observe(40, stuck)[1] == ["q"]
