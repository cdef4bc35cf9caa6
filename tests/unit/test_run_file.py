"""The run file of ./deploy/up: read by every command when no HUB_KAFKA_* variable is given (no broker)."""

from __future__ import annotations

from pathlib import Path

from hub.settings import HubSettings


def write(path: Path) -> Path:
    path.write_text("HUB_KAFKA_CLIENT_PROPERTIES=/run/broker/admin.properties\nHUB_CREDENTIALS_DIR=/run/credentials\n"
                    "# a comment\nNOT_OURS=1\n", encoding="utf-8")
    return path


def test_a_command_with_no_connection_given_uses_the_run_file(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUB_RUN_FILE", str(write(tmp_path / "hub.env")))
    settings = HubSettings()
    assert settings.kafka_client_properties == Path("/run/broker/admin.properties")
    assert settings.credentials_dir == Path("/run/credentials")
    assert settings.as_env()["HUB_KAFKA_CLIENT_PROPERTIES"] == "/run/broker/admin.properties"  # children too


def test_any_hub_kafka_variable_wins_over_the_whole_run_file(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUB_RUN_FILE", str(write(tmp_path / "hub.env")))
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP_SERVERS", "kafka-1.mvd.kz:9093")
    settings = HubSettings()
    assert settings.kafka_bootstrap_servers == "kafka-1.mvd.kz:9093" and settings.kafka_client_properties is None


def test_no_run_file_leaves_the_defaults(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUB_RUN_FILE", str(tmp_path / "absent.env"))
    assert HubSettings().kafka_client_properties is None


def test_a_connection_given_as_arguments_takes_nothing_from_the_run_file(monkeypatch, tmp_path: Path) -> None:
    run_file = tmp_path / "hub.env"
    run_file.write_text("HUB_KAFKA_CLIENT_PROPERTIES=/run/broker/admin.properties\nHUB_REPLICATION_FACTOR=3\n",
                        encoding="utf-8")
    monkeypatch.setenv("HUB_RUN_FILE", str(run_file))
    settings = HubSettings(kafka_client_properties=tmp_path / "bench.properties")  # a benchmark's own broker
    assert settings.replication_factor == 1 and settings.kafka_client_properties == tmp_path / "bench.properties"
