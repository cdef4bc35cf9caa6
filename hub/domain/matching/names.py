"""Name keys that make Kazakh Cyrillic, Russian Cyrillic and Latin spellings of one name meet (pure).

Every spelling is reduced to a skeleton in plain Latin letters: Cyrillic is transliterated,
the Latin alphabets in use (ICAO 9303 as in passports, GOST 7.79, the 2021 Kazakh Latin
alphabet, older passport spellings) are folded onto one another, sounds they write
differently are merged (zh/j/dzh, kh/h/x, ia/ya, iu/yu, y/i), doubled letters collapse, and
gender endings (-ov/-ova, -uly/-kyzy, -ovich/-ovna...) are cut to their stem.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

CYRILLIC = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "қ": "k", "л": "l", "м": "m", "н": "n", "ң": "n", "о": "o",
    "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh",
    "һ": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e",
    "ю": "iu", "я": "ia",
}
LATIN = {"ä": "a", "ö": "o", "ü": "u", "ū": "u", "ğ": "g", "ş": "sh", "ç": "ch", "ñ": "n", "ı": "i", "ı̇": "i",
         "q": "k", "w": "v", "x": "kh"}
# Applied in order to the Latin spelling: longer sounds before the letters they contain.
SOUNDS = (("shch", "sh"), ("shh", "sh"), ("sch", "sh"), ("cz", "ts"), ("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"),
          ("ya", "ia"), ("yu", "iu"), ("yo", "e"), ("ye", "e"), ("ie", "e"), ("iy", "i"), ("ii", "i"),
          ("y", "i"), ("ph", "f"), ("tz", "ts"))
SURNAME_ENDINGS = ("ovna", "evna", "ovich", "evich", "ichna", "ich", "skaia", "skii", "skoi", "tskaia", "tskii",
                   "ova", "eva", "ina", "ov", "ev", "in", "uli", "kizi", "giz")
_LONE_C = re.compile(r"c(?!h)")
_SHORT_I = re.compile(r"([aeiouy])j(?=[^aeiouy]|$)")
_SPLIT = re.compile(r"[\s\-‐‑–—.,]+")  # apostrophes and backticks are GOST 7.79 marks inside a name


def skeleton(name: str) -> str:
    """Return the plain-Latin phonetic skeleton of a name, whatever alphabet it is written in."""
    text = unicodedata.normalize("NFC", name.strip().lower())
    text = "".join(CYRILLIC.get(ch, ch) for ch in text)
    text = "".join(LATIN.get(ch, ch) for ch in text)
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if ch.isascii() and ch.isalpha())
    text = _SHORT_I.sub(r"\1i", text)  # GOST's j for й: after a vowel, before a consonant or the end
    for written, sound in SOUNDS:
        text = text.replace(written, sound)
    text = _LONE_C.sub("ts", text)
    return re.sub(r"(.)\1+", r"\1", text)


def stem(key: str) -> str:
    """Return a skeleton without its gender or patronymic ending (at least three letters kept)."""
    for ending in SURNAME_ENDINGS:
        if key.endswith(ending) and len(key) - len(ending) >= 3:
            return key[: -len(ending)]
    return key


@lru_cache(maxsize=262_144)  # names repeat: a register of millions holds tens of thousands of distinct ones
def name_keys(name: str | None) -> tuple[str, ...]:
    """Return the stems of each part of a name ('Иванова-Сейткали' has two), longest first."""
    if not name:
        return ()
    parts = [part for part in _SPLIT.split(name) if part.strip()]
    keys = {stem(skeleton(part)) for part in parts}
    return tuple(sorted((k for k in keys if k), key=len, reverse=True))


def block_key(name: str | None) -> str | None:
    """Return a short key of a name's first part for blocking candidates (its first three letters)."""
    keys = name_keys(name)
    return keys[0][:3] if keys else None
