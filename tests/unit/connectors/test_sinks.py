"""Sinks' pure parts: webhook signatures, letters in three languages, SQL rows, subscription files."""

from __future__ import annotations

import pytest

from connectors.sinks.email import letter, load_addresses
from connectors.sinks.postgres import UPSERT, row_of
from connectors.sinks.webhook import load_subscriptions, notification_json, sign, verify
from hub.errors import ConfigurationError
from tests.samples import NOTIFICATION, REGISTER_RECORD


def test_signatures_verify_only_with_the_secret_the_body_and_a_fresh_timestamp():
    body = notification_json(NOTIFICATION)
    header = sign(b"s3cret", "1795000000", body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify(b"s3cret", "1795000000", body, header, now_s=1795000100)
    assert not verify(b"other", "1795000000", body, header, now_s=1795000100)
    assert not verify(b"s3cret", "1795000000", body + b" ", header, now_s=1795000100)
    assert not verify(b"s3cret", "1795000001", body, header, now_s=1795000100)
    assert not verify(b"s3cret", "1795000000", body, header, now_s=1795009999)  # replayed later


def test_the_webhook_body_keeps_kazakh_and_russian_as_utf8():
    body = notification_json(NOTIFICATION)
    assert NOTIFICATION["title_kk"].encode("utf-8") in body and b"\\u" not in body


def test_a_letter_carries_all_three_languages_and_a_stable_message_id():
    message = letter(NOTIFICATION, "hub@mvd.kz", ["a@police.kz", "b@police.kz"])
    text = message.get_content()
    for key in ("title_kk", "title_ru", "title_en", "text_kk", "text_ru", "text_en"):
        assert NOTIFICATION[key] in text
    assert message["Message-ID"] == f"<{NOTIFICATION['notification_id']}@records-hub.mvd.kz>"
    assert message["To"] == "a@police.kz, b@police.kz" and "officer: 710042" in text


def test_subscription_files_are_checked(tmp_path, monkeypatch):
    path = tmp_path / "webhooks.yaml"
    path.write_text("KZ-75-CP: {url: 'https://duty.kz75/hub', secret_env: KZ75_SECRET}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="secret"):
        load_subscriptions(path)
    monkeypatch.setenv("KZ75_SECRET", "abc")
    assert load_subscriptions(path)["KZ-75-CP"].secret == b"abc"
    path.write_text("KZ-75-CP: {secret_env: KZ75_SECRET}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="url"):
        load_subscriptions(path)
    mails = tmp_path / "mails.yaml"
    mails.write_text("KZ-75-CP: duty@police.kz\nKZ-71-CP: [a@police.kz, nobody]\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="KZ-71-CP"):
        load_addresses(mails)


def test_register_rows_upsert_only_forward():
    class Record:
        partition, offset = 3, 41
    row = row_of(REGISTER_RECORD, Record())
    assert row["source_offset"] == 41 and row["record_id"] == REGISTER_RECORD["record_id"]
    assert isinstance(row["document"], str) and "Сейтқалиев" in row["document"]
    assert "excluded.version > central_register.version" in UPSERT
