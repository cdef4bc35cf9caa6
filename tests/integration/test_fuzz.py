"""Fuzzing at every door, on the real broker: 20,000 malformed inputs to a running aggregator and matcher."""

from __future__ import annotations

from pathlib import Path

from hub.bench.fuzz import run

INPUTS = 20_000


def test_no_malformed_input_is_applied_or_stops_a_service(kafka_admin_properties: Path, monkeypatch, tmp_path):
    monkeypatch.setenv("KAFKA_CLIENT_PROPERTIES", str(kafka_admin_properties))  # the suite's broker
    result = run(INPUTS, seed=20_261_206, work_dir=tmp_path, progress=lambda text: None, timeout_s=600)
    assert result["sent"] == INPUTS and result["crashes"] == 0, result
    assert result["applied_wrongly"] == 0, result
    attributable = sum(n for kind, n in result["sent_by_kind"].items()
                       if kind.split("_", 1)[1] in ("out_of_range", "oversized", "unknown_enum", "wrong_region",
                                                    "forged_unit"))
    assert result["rejected_with_reason"] >= attributable  # each of those refused, with reasons in 3 languages
    assert {"UNDECODABLE", "INVALID_FIELD", "REGION_MISMATCH", "UNKNOWN_UNIT"} <= set(result["reasons"])
