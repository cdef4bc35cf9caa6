"""How clients connect: settings and properties files into TLS + SCRAM options; the local CA (no broker)."""

from __future__ import annotations

import datetime as dt
import hmac
import ssl
from pathlib import Path

import pytest
from pydantic import SecretStr

from hub.errors import ConfigurationError
from hub.kafka.access import salted_password
from hub.kafka.connection import (
    Connection,
    aiokafka_options,
    client_properties_text,
    connection_of,
    read_client_properties,
)
from hub.kafka.tls import ensure_tls
from hub.settings import HubSettings

PASSWORD = 'p@ss "quoted" \\ back=slash'


def properties_file(tmp_path: Path, cafile: Path | None = None) -> Path:
    path = tmp_path / "client.properties"
    connection = Connection("127.0.0.1:9093", "SASL_SSL", "SCRAM-SHA-512", "region-kz-75", PASSWORD, cafile)
    path.write_text(client_properties_text(connection))
    return path


def test_a_properties_file_round_trips_every_value_a_java_client_reads(tmp_path: Path):
    text = properties_file(tmp_path, tmp_path / "ca.pem").read_text()
    assert "security.protocol=SASL_SSL" in text and "sasl.mechanism=SCRAM-SHA-512" in text
    assert "org.apache.kafka.common.security.scram.ScramLoginModule required" in text
    assert f"ssl.truststore.location={(tmp_path / 'ca.pem').resolve()}" in text and "ssl.truststore.type=PEM" in text
    values = read_client_properties(tmp_path / "client.properties")
    assert (values["username"], values["password"]) == ("region-kz-75", PASSWORD)


def test_settings_given_win_over_the_file_and_the_file_fills_the_rest(tmp_path: Path):
    path = properties_file(tmp_path)
    from_file = connection_of(HubSettings(kafka_client_properties=path))
    assert (from_file.bootstrap_servers, from_file.username, from_file.password) == (
        "127.0.0.1:9093", "region-kz-75", PASSWORD)
    secret = tmp_path / "password"
    secret.write_text("from-a-file\n")
    mixed = connection_of(HubSettings(kafka_client_properties=path, kafka_sasl_username="hub-matcher",
                                      kafka_sasl_password_file=secret))
    assert (mixed.username, mixed.password, mixed.security_protocol) == ("hub-matcher", "from-a-file", "SASL_SSL")


def test_sasl_without_a_credential_is_a_clear_error_that_names_no_secret():
    with pytest.raises(ConfigurationError, match="no credential"):
        connection_of(HubSettings(kafka_sasl_username="region-kz-75"))
    settings = HubSettings(kafka_sasl_username="u", kafka_sasl_password=SecretStr("hidden-value"))
    assert "hidden-value" not in repr(settings) and "hidden-value" not in repr(connection_of(settings))


def test_aiokafka_options_verify_the_brokers_certificate_and_name(tmp_path: Path):
    files = ensure_tls(tmp_path / "tls")
    options = aiokafka_options(connection_of(HubSettings(kafka_client_properties=properties_file(tmp_path, files.ca))))
    context = options["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert options["sasl_mechanism"] == "SCRAM-SHA-512" and options["sasl_plain_username"] == "region-kz-75"


def test_the_local_ca_and_node_certificate_are_private_reused_and_renewed_before_they_expire(tmp_path: Path):
    from cryptography import x509

    folder = tmp_path / "tls"
    files = ensure_tls(folder)
    for path in folder.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path
    ca, node = files.ca.read_bytes(), files.node.read_bytes()
    assert ensure_tls(folder).node.read_bytes() == node  # reused
    cert = x509.load_pem_x509_certificates(node)[0]
    assert cert.subject.rfc4514_string() == "CN=kafka-node"
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    late = cert.not_valid_after_utc - dt.timedelta(days=10)
    renewed = ensure_tls(folder, now=late)
    assert renewed.node.read_bytes() != node
    new_ca = x509.load_pem_x509_certificate(renewed.ca.read_bytes())
    assert x509.load_pem_x509_certificates(renewed.node.read_bytes())[0].issuer == new_ca.subject
    assert renewed.ca.read_bytes() != ca  # the CA, issued with the node, lapses with it and is renewed too


def rfc5802_hi(password: bytes, salt: bytes, iterations: int, digest: str) -> bytes:
    """Hi() as RFC 5802 spells it: U1 = HMAC(p, salt + INT(1)), Ui = HMAC(p, Ui-1), Hi = U1 xor ... xor Ui."""
    u = hmac.new(password, salt + b"\x00\x00\x00\x01", digest).digest()
    result = int.from_bytes(u, "big")
    for _ in range(iterations - 1):
        u = hmac.new(password, u, digest).digest()
        result ^= int.from_bytes(u, "big")
    return result.to_bytes(len(u), "big")


def test_the_broker_gets_rfc_5802s_salted_password_never_the_password():
    salt = bytes.fromhex("5b6d99684e0e7c3a0fbb1f3d8cfeb2a4")
    salted = salted_password("pencil", salt, 4096, "SCRAM-SHA-512")
    assert salted == rfc5802_hi(b"pencil", salt, 4096, "sha512") and b"pencil" not in salted
    assert salted_password("pencil", salt, 4096, "SCRAM-SHA-256") == rfc5802_hi(b"pencil", salt, 4096, "sha256")
