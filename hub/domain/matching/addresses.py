"""Registered addresses as comparable keys across Kazakh, Russian and Latin spellings (pure).

An address is folded to plain Latin letters and digits as names are (names.py), and the words
that only say what kind of place a part is (street, avenue, house, flat, city, district in
Kazakh, Russian and English, and their abbreviations) are dropped, so "г. Алматы, ул. Абая,
д. 10" and "Almaty qalasy, Abai koshesi 10" meet. Two keys are compared as sets of words in
any order.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

from hub.domain.matching.names import CYRILLIC, LATIN

PLACE_WORDS = frozenset({
    # Russian
    "g", "gor", "gorod", "ul", "ulitsa", "pr", "pr-t", "prosp", "prospekt", "per", "pereulok", "bul", "bulvar",
    "pl", "ploshad", "sh", "shosse", "mkr", "mikroraion", "r-n", "raion", "obl", "oblast", "d", "dom", "kv",
    "kvartira", "korp", "korpus", "str", "stroenie", "pos", "poselok", "s", "selo", "aul",
    # Kazakh
    "kala", "kalasy", "koshe", "koshesi", "dangyly", "shagyn", "audany", "audan", "oblysy", "ui", "uy", "pater",
    "auyly", "kent",
    # English and FEBRL-like Latin
    "city", "street", "st", "road", "rd", "avenue", "ave", "av", "lane", "ln", "place", "crescent", "cres",
    "drive", "dr", "court", "ct", "circuit", "terrace", "way", "flat", "apt", "unit", "house",
})
_WORD = re.compile(r"[a-z0-9]+")
ADDRESS_AGREES = 0.95
ADDRESS_NEAR = 0.85


@lru_cache(maxsize=65_536)
def address_key(address: str | None) -> str | None:
    """Return an address's words in plain Latin, without the words naming kinds of places, or None."""
    if not address:
        return None
    text = unicodedata.normalize("NFC", address.strip().lower())
    text = "".join(LATIN.get(ch, CYRILLIC.get(ch, ch)) for ch in text)
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if ch.isascii())
    words = [word for word in _WORD.findall(text) if word not in PLACE_WORDS]
    return " ".join(words) or None


def address_similarity(left: str | None, right: str | None) -> float | None:
    """Return how alike two address keys are in [0, 1], their words in any order (None when one is missing)."""
    if not left or not right:
        return None
    return fuzz.token_sort_ratio(left, right) / 100
