"""Recent checks, findable by a newly enrolled record that would have matched them (delayed hits; pure)."""

from __future__ import annotations

from itertools import islice, takewhile
from typing import Any

from hub.domain.matching.addresses import address_key
from hub.domain.matching.blocks import person_blocks, query_block_ids
from hub.domain.matching.entries import exact_key
from hub.domain.matching.index import Match
from hub.domain.matching.keys import document_keys, subject_keys
from hub.domain.matching.multimap import add_member, discard_member, members_of
from hub.domain.matching.persons import PersonFacts, match_person, weigh_address

DAY_MS = 24 * 3600 * 1000
# What a delayed hit is told from (hub.domain.checks.delayed_hit): the rest of a request is not kept, since a
# service keeps the checks of days.
KEPT_FIELDS = ("check_id", "requester_unit", "clearance", "requested_at")


class RecentChecks:
    """The check requests of the last `keep_days`, indexed like records so a new record finds them."""

    def __init__(self, keep_days: int):
        """Keep checks for keep_days (the longest delayed-hit window of any record type)."""
        self.keep_ms = keep_days * DAY_MS
        self._requests: dict[str, dict[str, Any]] = {}  # in the order they came
        # Exact keys as one string and blocks by their id, in a compact multimap of check ids (as the index).
        self._by_key: dict[str | int, str | tuple[str, ...] | set[str]] = {}

    def keep_for_days(self, keep_days: int) -> None:
        """Keep checks for keep_days from now on (those older are forgotten by the next prunes)."""
        self.keep_ms = keep_days * DAY_MS

    def __len__(self) -> int:
        """Return how many checks are kept."""
        return len(self._requests)

    def add(self, request: dict[str, Any], person: bool, facts: PersonFacts | None = None) -> None:
        """Keep a check (its subject's exact keys and, for a person, its name blocks in both orders;
        `facts` are the subject's, when the caller has them already)."""
        check_id = request["check_id"]
        kept = {field: request[field] for field in KEPT_FIELDS}
        kept["subject"] = {field: value for field, value in request["subject"].items() if value is not None}
        kept["_person"] = person
        self._requests[check_id] = kept
        for key in self._keys_of(request["subject"], person, facts):
            add_member(self._by_key, key, check_id)

    def oldest_requested_ms(self) -> int | None:
        """Return when the oldest kept check was made (None when none is kept)."""
        return min((request["requested_at"] for request in self._requests.values()), default=None)

    def prune(self, now_ms: int, limit: int | None = None) -> int:
        """Forget checks older than the window; return how many were forgotten. With a limit, forget at most
        that many of the oldest, looking no further than the first one still in the window."""
        cutoff = now_ms - self.keep_ms
        if limit is None:
            old = [cid for cid, request in self._requests.items() if request["requested_at"] < cutoff]
        else:
            aged = takewhile(lambda item: item[1]["requested_at"] < cutoff, self._requests.items())
            old = [cid for cid, _ in islice(aged, limit)]
        for check_id in old:
            request = self._requests.pop(check_id)
            for key in self._keys_of(request["subject"], request["_person"]):
                discard_member(self._by_key, key, check_id)
        return len(old)

    @staticmethod
    def _keys_of(subject: dict[str, Any], person: bool, facts: PersonFacts | None = None) -> list[str | int]:
        keys: list[str | int] = [exact_key(key) for key in subject_keys(subject)]
        if person:
            facts = facts or PersonFacts.of(subject)
            by_names, by_date = query_block_ids(facts)
            keys += by_names + by_date
        return keys

    def matched_by(self, state: dict[str, Any], window_days: int) -> list[tuple[dict[str, Any], Match]]:
        """Return the checks made at most window_days before the record's enrolment that it answers."""
        if window_days <= 0 or not state.get("document") or not self._requests:
            return []
        document = state["document"]
        keys = document_keys(document)
        facts = PersonFacts.of(document) if state["object_kind"] == "PERSON" else None
        probes: list = [exact_key(key) for key in keys]
        if facts is not None:
            names, born = person_blocks(facts)
            probes += list(names) + ([born] if born is not None else [])
        candidates = {check_id for probe in probes for check_id in members_of(self._by_key, probe)}
        found = []
        for check_id in sorted(candidates):
            request = self._requests[check_id]
            if not 0 <= state["enrolled_at"] - request["requested_at"] <= window_days * DAY_MS:
                continue
            match = self._match(request, keys, facts, state["record_id"], document.get("registered_address"))
            if match is not None:
                found.append((request, match))
        return found

    @staticmethod
    def _match(request: dict[str, Any], keys: list, facts: PersonFacts | None, record_id: str,
               address: str | None) -> Match | None:
        shared = set(subject_keys(request["subject"])) & set(keys)
        if shared:
            return Match(record_id, "HIT", 1.0, tuple(sorted(kind.lower() for kind, _ in shared)))
        if facts is None or not request["_person"]:
            return None
        query, subject = PersonFacts.of(request["subject"]), request["subject"]
        score = weigh_address(query, facts, match_person(query, facts), address_key(subject.get("registered_address")),
                              lambda: address_key(address))
        return None if score is None else Match(record_id, score.outcome, score.value, score.matched, score.evidence)
