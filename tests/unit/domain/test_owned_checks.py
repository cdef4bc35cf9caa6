"""Recent checks kept by the request partition that owns them, and the id of a delayed hit (no broker)."""

from __future__ import annotations

from hub.domain.checks import delayed_hit
from hub.domain.matching.index import Match
from hub.domain.matching.owned import OwnedChecks
from hub.domain.matching.recent import DAY_MS
from tests.samples import CHECK_REQUEST, PERSON, REGISTER_RECORD

SOON = {**REGISTER_RECORD, "enrolled_at": CHECK_REQUEST["requested_at"] + DAY_MS}


def test_a_partitions_checks_leave_with_it_and_only_its_own() -> None:
    owned = OwnedChecks(keep_days=6)
    owned.add(("requests.kz-71", 0), CHECK_REQUEST, person=True)
    owned.add(("requests.kz-75", 0), {**CHECK_REQUEST, "check_id": "chk-75"}, person=True)
    found = sorted((owner[0], request["check_id"]) for owner, request, _ in owned.matched_by(SOON, 5))
    assert found == [("requests.kz-71", CHECK_REQUEST["check_id"]), ("requests.kz-75", "chk-75")]
    assert [r["check_id"] for r, _ in owned.matched_by_owner(("requests.kz-75", 0), SOON, 5)] == ["chk-75"]
    assert owned.drop(("requests.kz-71", 0)) == 1 and not owned.owns(("requests.kz-71", 0))
    assert [owner for owner, _, _ in owned.matched_by(SOON, 5)] == [("requests.kz-75", 0)]
    assert owned.drop(("requests.kz-71", 0)) == 0 and len(owned) == 1


def test_taking_a_partition_keeps_what_was_answered_from_it_meanwhile() -> None:
    owned = OwnedChecks(keep_days=6)
    owned.add(("requests.kz-71", 0), CHECK_REQUEST, person=True)  # answered before the audit was read
    owned.take(("requests.kz-71", 0))
    owned.take(("requests.kz-11", 0))  # a partition with no check yet
    assert len(owned) == 1 and sorted(owned.owners()) == [("requests.kz-11", 0), ("requests.kz-71", 0)]
    assert owned.prune(CHECK_REQUEST["requested_at"] + 8 * DAY_MS) == 1 and len(owned) == 0


def test_a_delayed_hit_has_one_id_per_check_and_record_and_a_restricted_one_hides_the_record() -> None:
    secret = {**SOON, "confidentiality": "TOP_SECRET"}
    other = {**secret, "record_id": "KZ-75-WANTED_PERSON-00000999", "document": {**PERSON}}
    request = {**CHECK_REQUEST, "clearance": "OFFICIAL_USE"}
    first = delayed_hit(request, secret, Match(secret["record_id"], "HIT", 1.0, ("iin",)), 0)
    second = delayed_hit(request, other, Match(other["record_id"], "HIT", 1.0, ("iin",)), 0)
    again = delayed_hit(request, secret, Match(secret["record_id"], "HIT", 1.0, ("iin",)), 5)
    assert first["notification_id"] != second["notification_id"] and first["notification_id"] == again["notification_id"]
    assert secret["record_id"] not in first["notification_id"] and first["record_id"] is None
    assert secret["record_id"] not in first["text_en"]


def test_a_matcher_workers_transactional_id_is_stable_and_its_own(tmp_path) -> None:
    from hub.services.matcher import delayed_hits_transactional_id
    from hub.settings import HubSettings

    first = HubSettings(data_dir=tmp_path / "matcher-1", app_id="records-hub")
    again = delayed_hits_transactional_id(HubSettings(data_dir=tmp_path / "matcher-1", app_id="records-hub"))
    assert delayed_hits_transactional_id(first) == again  # a restart fences the worker's predecessor
    assert delayed_hits_transactional_id(HubSettings(data_dir=tmp_path / "matcher-2", app_id="records-hub")) != again
    assert again.startswith("records-hub-matcher-")  # the prefix the ACL plan grants


def test_a_partition_tells_when_its_oldest_check_was_made_so_a_takeover_reads_the_register_from_there() -> None:
    owned = OwnedChecks(keep_days=6)
    owned.take(("requests.kz-11", 0))
    later = {**CHECK_REQUEST, "check_id": "chk-later", "requested_at": CHECK_REQUEST["requested_at"] + 5_000}
    owned.add(("requests.kz-71", 0), later, person=True)
    owned.add(("requests.kz-71", 0), CHECK_REQUEST, person=True)  # answered late, made earlier
    assert owned.oldest_requested_ms(("requests.kz-71", 0)) == CHECK_REQUEST["requested_at"]
    assert owned.oldest_requested_ms(("requests.kz-11", 0)) is None  # nothing to answer late
    assert owned.oldest_requested_ms(("requests.kz-19", 0)) is None
