"""Check digits and formats of Kazakh identifiers: IIN, VIN, IMEI, plates, document and case numbers."""

from __future__ import annotations

import re
from functools import lru_cache
from operator import mul

_IIN_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_IIN_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# The weighted sums are taken over the digits' ASCII codes: these take the codes' share (48 each) off again.
_ASCII_ZERO_1, _ASCII_ZERO_2 = 48 * sum(_IIN_WEIGHTS_1), 48 * sum(_IIN_WEIGHTS_2)


def _is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()  # str.isdigit alone also takes '²' and other scripts' digits


def _iin_check(codes: bytes) -> int:
    """Return the two-pass mod-11 check of an IIN's first 11 digits (ASCII codes; any after are not weighed):
    10 when no check digit exists for them."""
    check = (sum(map(mul, codes, _IIN_WEIGHTS_1)) - _ASCII_ZERO_1) % 11
    if check == 10:
        check = (sum(map(mul, codes, _IIN_WEIGHTS_2)) - _ASCII_ZERO_2) % 11
    return check


def iin_check_digit(first11: str) -> int | None:
    """Return the IIN check digit of 11 digits (two passes of mod 11), or None if there is none."""
    if len(first11) != 11 or not _is_ascii_digits(first11):
        raise ValueError(f"an IIN's check digit is taken of 11 digits, not {first11!r}")
    check = _iin_check(first11.encode())
    return None if check == 10 else check


@lru_cache(maxsize=64)  # a person's IIN is checked for its facts and for its keys in turn
def iin_is_valid(iin: str) -> bool:
    """Tell whether a string is 12 digits whose last one is the IIN check digit."""
    if len(iin) != 12 or not _is_ascii_digits(iin):
        return False
    codes = iin.encode()
    return _iin_check(codes) == codes[11] - 48  # a check of 10 (none exists) never equals a digit


def with_iin_check_digit(first11: str) -> str | None:
    """Return the full IIN for 11 digits, or None when no check digit exists for them."""
    digit = iin_check_digit(first11)
    return None if digit is None else first11 + str(digit)


_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))),
               **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9,
               **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def vin_is_well_formed(vin: str) -> bool:
    """Tell whether a VIN has 17 characters of the ISO 3779 alphabet (no I, O, Q)."""
    return bool(_VIN_RE.match(vin))


def vin_check_digit_ok(vin: str) -> bool:
    """Tell whether the 9th character is the North American check digit (a warning only)."""
    if not vin_is_well_formed(vin):
        return False
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS)) % 11
    return vin[8] == ("X" if total == 10 else str(total))


def luhn_ok(digits: str) -> bool:
    """Tell whether a digit string passes the Luhn check."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def imei_is_valid(imei: str) -> bool:
    """Tell whether an IMEI is valid: 14 digits, 15 with a Luhn digit, or a 16-digit IMEISV."""
    if not _is_ascii_digits(imei):
        return False
    if len(imei) == 15:
        return luhn_ok(imei)
    return len(imei) in (14, 16)


def imei_core(imei: str) -> str:
    """Return the 14 digits that identify a device, from any of the three forms."""
    return imei[:14]


# 2012 format: 3 digits, 2-3 letters, 2-digit region (123ABC02); 1993: letter region first (A123BCD).
_PLATE_2012 = re.compile(r"^[0-9]{3}[A-Z]{2,3}[0-9]{2}$")
_PLATE_1993 = re.compile(r"^[A-Z][0-9]{3}[A-Z]{2,3}$")


def normalise_plate(plate: str) -> str:
    """Return a plate without spaces, in upper-case Latin letters."""
    return fold_lookalikes(plate.replace(" ", "").replace("-", "").upper())


def plate_is_valid(plate: str) -> bool:
    """Tell whether a plate has the 2012 or the 1993 Kazakh format."""
    p = normalise_plate(plate)
    return bool(_PLATE_2012.match(p) or _PLATE_1993.match(p))


_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХІ", "ABEKMHOPCTYXI")


def fold_lookalikes(text: str) -> str:
    """Replace Cyrillic capitals that look like Latin ones with the Latin letters."""
    return text.upper().translate(_LOOKALIKES)


def normalise_document_number(number: str) -> str:
    """Return a document number without spaces or dashes, look-alike letters folded to Latin."""
    return fold_lookalikes(re.sub(r"[\s-]", "", number))


_DOCUMENT_RE = re.compile(r"^[A-Z0-9]{6,12}$")
_SERIAL_RE = re.compile(r"^[A-Z0-9][A-Z0-9/-]{2,19}$")
_ERDR_RE = re.compile(r"^[0-9]{15}$")


def document_number_is_valid(number: str) -> bool:
    """Tell whether a document number has 6 to 12 letters and digits."""
    return bool(_DOCUMENT_RE.match(normalise_document_number(number)))


def firearm_serial_is_valid(serial: str) -> bool:
    """Tell whether a firearm serial is 3 to 20 letters, digits, dashes or slashes."""
    return bool(_SERIAL_RE.match(fold_lookalikes(serial.strip())))


def erdr_number_is_valid(number: str) -> bool:
    """Tell whether a Unified Register of Pre-trial Investigations number has 15 digits."""
    return bool(_ERDR_RE.match(number))
