"""Recent checks by the request partition that owns them, so each delayed hit is found by one matcher (pure)."""

from __future__ import annotations

from typing import Any, Hashable, Iterator

from hub.domain.matching.index import Match
from hub.domain.matching.persons import PersonFacts
from hub.domain.matching.recent import RecentChecks


class OwnedChecks:
    """The recent checks of the request partitions one matcher owns: each partition's kept apart, so that
    a partition's checks leave with it when the group moves it, and arrive whole with the next owner."""

    def __init__(self, keep_days: int):
        """Keep each partition's checks for keep_days."""
        self.keep_days = keep_days
        self._by_owner: dict[Hashable, RecentChecks] = {}

    def __len__(self) -> int:
        """Return how many checks are kept over all owned partitions."""
        return sum(len(checks) for checks in self._by_owner.values())

    def owners(self) -> list[Hashable]:
        """Return the partitions whose checks are kept."""
        return list(self._by_owner)

    def owns(self, owner: Hashable) -> bool:
        """Tell whether a partition's checks are kept here."""
        return owner in self._by_owner

    def take(self, owner: Hashable) -> None:
        """Own a partition (its checks are added as they are loaded or answered)."""
        self._by_owner.setdefault(owner, self.new_checks())

    def drop(self, owner: Hashable) -> int:
        """Forget a partition's checks (it moved to another matcher); return how many were kept."""
        checks = self._by_owner.pop(owner, None)
        return 0 if checks is None else len(checks)

    def oldest_requested_ms(self, owner: Hashable) -> int | None:
        """Return when the oldest check kept for a partition was made (None when it keeps none)."""
        checks = self._by_owner.get(owner)
        return None if checks is None else checks.oldest_requested_ms()

    def new_checks(self) -> RecentChecks:
        """Return an empty RecentChecks with this window."""
        return RecentChecks(self.keep_days)

    def add(self, owner: Hashable, request: dict[str, Any], person: bool, facts: PersonFacts | None = None) -> None:
        """Keep a check answered from an owned partition (a partition not owned yet starts empty)."""
        checks = self._by_owner.get(owner)
        if checks is None:
            checks = self._by_owner[owner] = self.new_checks()
        checks.add(request, person, facts)

    def keep_for_days(self, keep_days: int) -> None:
        """Keep checks for keep_days from now on."""
        self.keep_days = keep_days
        for checks in self._by_owner.values():
            checks.keep_for_days(keep_days)

    def prune(self, now_ms: int, limit: int | None = None) -> int:
        """Forget checks older than the window in every partition; return how many."""
        return sum(checks.prune(now_ms, limit) for checks in self._by_owner.values())

    def matched_by_owner(self, owner: Hashable, state: dict[str, Any],
                         window_days: int) -> list[tuple[dict[str, Any], Match]]:
        """Return the checks of one owned partition that a newly enrolled record answers late."""
        checks = self._by_owner.get(owner)
        return [] if checks is None else checks.matched_by(state, window_days)

    def matched_by(self, state: dict[str, Any], window_days: int) -> Iterator[tuple[Hashable, dict[str, Any], Match]]:
        """Yield (owner, check, match) for each owned check a newly enrolled record answers late."""
        for owner, checks in list(self._by_owner.items()):
            for request, match in checks.matched_by(state, window_days):
                yield owner, request, match
