"""The 20 regions of ISO 3166-2:KZ (17 regions and 3 cities of republican significance)."""

from __future__ import annotations

# code: (Kazakh, Russian, English)
REGIONS: dict[str, tuple[str, str, str]] = {
    "KZ-10": ("Абай облысы", "Абайская область", "Abai Region"),
    "KZ-11": ("Ақмола облысы", "Акмолинская область", "Akmola Region"),
    "KZ-15": ("Ақтөбе облысы", "Актюбинская область", "Aktobe Region"),
    "KZ-19": ("Алматы облысы", "Алматинская область", "Almaty Region"),
    "KZ-23": ("Атырау облысы", "Атырауская область", "Atyrau Region"),
    "KZ-27": ("Батыс Қазақстан облысы", "Западно-Казахстанская область", "West Kazakhstan Region"),
    "KZ-31": ("Жамбыл облысы", "Жамбылская область", "Jambyl Region"),
    "KZ-33": ("Жетісу облысы", "Область Жетісу", "Jetisu Region"),
    "KZ-35": ("Қарағанды облысы", "Карагандинская область", "Karaganda Region"),
    "KZ-39": ("Қостанай облысы", "Костанайская область", "Kostanay Region"),
    "KZ-43": ("Қызылорда облысы", "Кызылординская область", "Kyzylorda Region"),
    "KZ-47": ("Маңғыстау облысы", "Мангистауская область", "Mangystau Region"),
    "KZ-55": ("Павлодар облысы", "Павлодарская область", "Pavlodar Region"),
    "KZ-59": ("Солтүстік Қазақстан облысы", "Северо-Казахстанская область", "North Kazakhstan Region"),
    "KZ-61": ("Түркістан облысы", "Туркестанская область", "Turkistan Region"),
    "KZ-62": ("Ұлытау облысы", "Область Улытау", "Ulytau Region"),
    "KZ-63": ("Шығыс Қазақстан облысы", "Восточно-Казахстанская область", "East Kazakhstan Region"),
    "KZ-71": ("Астана", "Астана", "Astana"),
    "KZ-75": ("Алматы", "Алматы", "Almaty"),
    "KZ-79": ("Шымкент", "Шымкент", "Shymkent"),
}

REGION_CODES: tuple[str, ...] = tuple(REGIONS)
CENTRAL_SCOPE = "KZ"  # the scope of the central units of the Ministry, which act nationwide


def region_of_record(record_id: str) -> str | None:
    """Return the region code a record id begins with ('KZ-75-...'), or None."""
    prefix = record_id[:5]
    return prefix if prefix in REGIONS and record_id[5:6] == "-" else None


def scope_of_unit_code(unit: str) -> str:
    """Return the scope a unit code names: its region prefix ('KZ-75-CP' is KZ-75), else KZ (central units)."""
    return region_of_record(unit) or CENTRAL_SCOPE
