"""Check digits and formats of identifiers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hub.domain.identifiers import (
    fold_lookalikes,
    iin_is_valid,
    imei_is_valid,
    luhn_ok,
    plate_is_valid,
    vin_check_digit_ok,
    vin_is_well_formed,
    with_iin_check_digit,
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


def test_iin_check_digit_by_hand() -> None:
    # 9·1 + 1·4 + 1·6 + 3·7 + 1·11 = 51 = 4·11 + 7
    assert with_iin_check_digit("90010130001") == "900101300017"
    # 1·1 + 1·10 = 11, 0 mod 11 at once; 5·1 + 5·2 = 15 = 11 + 4
    assert with_iin_check_digit("10000000010") == "100000000100"
    assert with_iin_check_digit("55000000000") == "550000000004"


@given(st.text("0123456789", min_size=11, max_size=11))
def test_iin_check_digit_is_the_two_pass_mod_11(first11: str) -> None:
    digits = [int(c) for c in first11]
    check = sum(d * w for d, w in zip(digits, range(1, 12))) % 11
    if check == 10:
        check = sum(d * w for d, w in zip(digits, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2))) % 11
    assert with_iin_check_digit(first11) == (None if check == 10 else first11 + str(check))


def test_iin_format() -> None:
    assert not iin_is_valid("12345")
    assert not iin_is_valid("12345678901a")
    assert not iin_is_valid("90010130001²")  # a digit to str.isdigit, not to int()
    assert not iin_is_valid("٩٠٠١٠١٣٠٠٠١٧")  # Arabic-Indic digits of a valid IIN


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
    assert not imei_is_valid("49015420323751²")  # refused, not a ValueError from the Luhn digits


def test_plates_in_both_formats_with_cyrillic_lookalikes() -> None:
    assert plate_is_valid("123 ABC 02") and plate_is_valid("123АВС02")
    assert plate_is_valid("A123BCD")
    assert not plate_is_valid("12AB")
    assert fold_lookalikes("Н123ВС") == "H123BC"
