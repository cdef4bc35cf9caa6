"""Reasons for refusing an input: a fixed list of codes, each with a sentence in three languages."""

from __future__ import annotations

from dataclasses import dataclass

# code: (Kazakh, Russian, English); {detail} is filled with the specifics.
TEXTS: dict[str, tuple[str, str, str]] = {
    "UNDECODABLE": ("Хабарлама Avro форматында оқылмады: {detail}.",
                    "Сообщение не читается как Avro: {detail}.",
                    "The message cannot be read as Avro: {detail}."),
    "UNKNOWN_SCHEMA": ("Хабарламаның схемасы белгісіз: {detail}.",
                       "Схема сообщения неизвестна: {detail}.",
                       "The message's schema is unknown: {detail}."),
    "UNKNOWN_TYPE": ("Есеп түрі белгісіз: {detail}.", "Неизвестный вид учёта: {detail}.",
                     "Unknown record type: {detail}."),
    "INACTIVE_TYPE": ("Есеп түрі белсенді емес: {detail}.", "Вид учёта не действует: {detail}.",
                      "The record type is not active: {detail}."),
    "REGIONAL_ONLY_TYPE": ("Бұл есеп тек өңірлік деңгейде жүргізіледі: {detail}.",
                           "Этот учёт ведётся только на региональном уровне: {detail}.",
                           "This record type is kept at the regional level only: {detail}."),
    "REGION_MISMATCH": ("Өңірлер сәйкес келмейді: {detail}.", "Регионы не совпадают: {detail}.",
                        "The regions do not agree: {detail}."),
    "UNKNOWN_UNIT": ("Бөлімше белгісіз: {detail}.", "Неизвестное подразделение: {detail}.",
                     "Unknown unit: {detail}."),
    "UNIT_NOT_AUTHORISED": ("Бөлімшенің бұл әрекетке өкілеттігі жоқ: {detail}.",
                            "Подразделение не уполномочено на это действие: {detail}.",
                            "The unit is not authorised for this action: {detail}."),
    "INVALID_GROUND": ("Негіз бұл әрекет үшін жарамсыз: {detail}.",
                       "Основание недопустимо для этого действия: {detail}.",
                       "The ground is not valid for this action: {detail}."),
    "MISSING_FIELD": ("Міндетті өріс толтырылмаған: {detail}.", "Не заполнено обязательное поле: {detail}.",
                      "A required field is missing: {detail}."),
    "INVALID_FIELD": ("Өріс қате толтырылған: {detail}.", "Поле заполнено неверно: {detail}.",
                      "A field is malformed: {detail}."),
    "WRONG_DOCUMENT_KIND": ("Есепке алу құжатының түрі сәйкес емес: {detail}.",
                            "Вид учётного документа не соответствует: {detail}.",
                            "The accounting document is of the wrong kind: {detail}."),
    "VERSION_GAP": ("Жазба нұсқасы күтілгендей емес: {detail}.", "Версия записи не та, что ожидалась: {detail}.",
                    "The record version is not the expected one: {detail}."),
    "NOT_LIVE": ("Жазба есепте тұрған жоқ: {detail}.", "Запись не состоит на учёте: {detail}.",
                 "The record is not live on the register: {detail}."),
    "ALREADY_ENROLLED": ("Жазба есепке қойылған: {detail}.", "Запись уже поставлена на учёт: {detail}.",
                         "The record is already enrolled: {detail}."),
    "EXPIRED_TERM": ("Есепке қою мерзімі өтіп кеткен: {detail}.", "Срок постановки на учёт уже истёк: {detail}.",
                     "The enrolment's term has already ended: {detail}."),
    "MISPARTITIONED": ("Пакеттегі оқиға басқа бөлікке тиесілі: {detail}.",
                       "Событие пакета относится к другой партиции: {detail}.",
                       "An event of a batch belongs to another partition: {detail}."),
    "OTHER": ("Оқиғаны өңдеу мүмкін болмады: {detail}.", "Событие не удалось обработать: {detail}.",
              "The event could not be processed: {detail}."),
}
REASON_CODES: tuple[str, ...] = tuple(TEXTS)


@dataclass(frozen=True)
class Refusal:
    """Why an input is refused: a reason code, the field at fault, and the specifics."""

    code: str
    detail: str
    field: str | None = None

    def __post_init__(self) -> None:
        """Allow only the fixed list of codes."""
        if self.code not in TEXTS:
            raise ValueError(f"unknown reason code {self.code}")

    def sentences(self) -> dict[str, str]:
        """Return the reason in Kazakh, Russian and English."""
        kk, ru, en = (t.format(detail=self.detail) for t in TEXTS[self.code])
        return {"kk": kk, "ru": ru, "en": en}
