"""Reasons for refusing an input: a fixed list of codes, each with a sentence in three languages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.domain.wording import LANGUAGES, PHRASES, render

# code: the headline in (Kazakh, Russian, English); what the refusal says follows it (hub.domain.wording).
TEXTS: dict[str, tuple[str, str, str]] = {
    "UNDECODABLE": ("Хабарламаның екілік пішімі оқылмады",
                    "Двоичный формат сообщения не читается",
                    "The message cannot be read as Avro"),
    "UNKNOWN_SCHEMA": ("Хабарламаның схемасы белгісіз",
                       "Схема сообщения неизвестна",
                       "The message's schema is unknown"),
    "UNKNOWN_TYPE": ("Есеп түрі белгісіз", "Неизвестный вид учёта",
                     "Unknown record type"),
    "INACTIVE_TYPE": ("Есеп түрі белсенді емес", "Вид учёта не действует",
                      "The record type is not active"),
    "REGIONAL_ONLY_TYPE": ("Бұл есеп тек өңірлік деңгейде жүргізіледі",
                           "Этот учёт ведётся только на региональном уровне",
                           "This record type is kept at the regional level only"),
    "REGION_MISMATCH": ("Өңірлер сәйкес келмейді", "Регионы не совпадают",
                        "The regions do not agree"),
    "UNKNOWN_UNIT": ("Бөлімше белгісіз", "Неизвестное подразделение",
                     "Unknown unit"),
    "UNIT_NOT_AUTHORISED": ("Бөлімшенің бұл әрекетке өкілеттігі жоқ",
                            "Подразделение не уполномочено на это действие",
                            "The unit is not authorised for this action"),
    "INVALID_GROUND": ("Негіз бұл әрекет үшін жарамсыз",
                       "Основание недопустимо для этого действия",
                       "The ground is not valid for this action"),
    "MISSING_FIELD": ("Міндетті өріс толтырылмаған", "Не заполнено обязательное поле",
                      "A required field is missing"),
    "INVALID_FIELD": ("Өріс қате толтырылған", "Поле заполнено неверно",
                      "A field is malformed"),
    "WRONG_DOCUMENT_KIND": ("Есепке алу құжатының түрі сәйкес емес",
                            "Вид учётного документа не соответствует",
                            "The accounting document is of the wrong kind"),
    "VERSION_GAP": ("Жазба нұсқасы күтілгендей емес", "Версия записи не та, что ожидалась",
                    "The record version is not the expected one"),
    "NOT_LIVE": ("Жазба есепте тұрған жоқ", "Запись не состоит на учёте",
                 "The record is not live on the register"),
    "ALREADY_ENROLLED": ("Жазба есепке қойылған", "Запись уже поставлена на учёт",
                         "The record is already enrolled"),
    "EXPIRED_TERM": ("Есепке қою мерзімі өтіп кеткен", "Срок постановки на учёт уже истёк",
                     "The enrolment's term has already ended"),
    "MISPARTITIONED": ("Пакеттегі оқиға басқа бөлікке тиесілі",
                       "Событие пакета относится к другой партиции",
                       "An event of a batch belongs to another partition"),
    "OTHER": ("Кіріс хабарламаны өңдеу мүмкін болмады", "Входящее сообщение не удалось обработать",
              "The input could not be processed"),
}
REASON_CODES: tuple[str, ...] = tuple(TEXTS)


@dataclass(frozen=True)
class Refusal:
    """Why an input is refused: a reason code, the field at fault, and what it says with its values."""

    code: str
    says: str = "value"
    field: str | None = None
    values: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        """Allow only the fixed lists of codes and phrases."""
        if self.code not in TEXTS:
            raise ValueError(f"unknown reason code {self.code}")
        if self.says not in PHRASES:
            raise ValueError(f"unknown phrase {self.says}")

    @property
    def detail(self) -> str:
        """Return the specifics in English (for logs and client errors)."""
        return render(self.says, dict(self.values), self.field, "en")

    def sentences(self) -> dict[str, str]:
        """Return the reason in Kazakh, Russian and English, each wholly in its language."""
        values = dict(self.values)
        return {lang: f"{TEXTS[self.code][n]}: {render(self.says, values, self.field, lang)}."
                for n, lang in enumerate(LANGUAGES)}


def refuse(code: str, says: str = "value", field: str | None = None, **values: Any) -> Refusal:
    """Return a refusal with its reason code, phrase key, field at fault and the phrase's values."""
    return Refusal(code, says, field, tuple(values.items()))
