"""Check digits and formats of identifiers."""

from __future__ import annotations

from hypothesis import given, strategies as st

from hub.domain.identifiers import (
    fold_lookalikes, iin_is_valid, imei_is_valid, luhn_ok, plate_is_valid, vin_check_digit_ok,
    vin_is_well_formed, with_iin_check_digit,
)


def test_known_iin_check_digits() -> None:
    assert iin_is_valid("900101300015") is (with_iin_check_digit("90010130001") == "900101300015")
    iin = with_iin_check_digit("85031240123")
    assert iin is None or iin_is_valid(iin)


@given(st.text("0123456789", min_size=11, max_size=11))
def test_generated_iins_are_valid_and_one_changed_digit_is_caught(first11: str) -> None:
    iin = with_iin_check_digit(first11)
    if iin is None:
        return
    assert iin_is_valid(iin)
    wrong = iin[:11] + str((int(iin[11]) + 1) % 10)
    assert not iin_is_valid(wrong)


def test_iin_format() -> None:
    assert not iin_is_valid("12345")
    assert not iin_is_valid("12345678901a")


def test_vin() -> None:
    assert vin_is_well_formed("1M8GDM9AXKP042788")
    assert vin_check_digit_ok("1M8GDM9AXKP042788")  # the classic example, check digit X
    assert not vin_is_well_formed("1M8GDM9AXKP04278O")  # O is not allowed
    assert not vin_check_digit_ok("1M8GDM9A1KP042788")


def test_imei_forms() -> None:
    assert luhn_ok("490154203237518")
    assert imei_is_valid("490154203237518")
    assert not imei_is_valid("490154203237519")
    assert imei_is_valid("49015420323751") and imei_is_valid("4901542032375186")
    assert not imei_is_valid("49015420323751x")


def test_plates_in_both_formats_with_cyrillic_lookalikes() -> None:
    assert plate_is_valid("123 ABC 02") and plate_is_valid("123АВС02")
    assert plate_is_valid("A123BCD")
    assert not plate_is_valid("12AB")
    assert fold_lookalikes("Н123ВС") == "H123BC"
