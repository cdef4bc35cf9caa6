"""The words of refusals in Kazakh, Russian and English: field names, actions, formats and phrases (pure).

A refusal names what it says (a phrase key) and its values; each language renders the whole sentence,
field names included, so an officer never reads a Python name or another language's words.
"""

from __future__ import annotations

import re
from typing import Any

LANGUAGES = ("kk", "ru", "en")

# The fields of every input message (events, cards, check requests, manifests), by Avro name.
FIELD_NAMES: dict[str, tuple[str, str, str]] = {
    "action": ("әрекет", "действие", "action"),
    "age_from": ("жасы (бастап)", "возраст от", "age from"),
    "age_to": ("жасы (дейін)", "возраст до", "age to"),
    "as_of_sequence": ("тізімнің реттік нөмірі", "порядковый номер перечня", "sequence number of the manifest"),
    "batch_id": ("топтама сәйкестендіргіші", "идентификатор пакета", "batch identifier"),
    "birth_date": ("туған күні", "дата рождения", "date of birth"),
    "birth_place": ("туған жері", "место рождения", "place of birth"),
    "birth_year": ("туған жылы", "год рождения", "year of birth"),
    "calibre": ("калибрі", "калибр", "calibre"),
    "channel": ("сұрау арнасы", "канал запроса", "request channel"),
    "check_id": ("тексеру нөмірі", "номер проверки", "check number"),
    "chunk_count": ("бөліктер саны", "число частей", "number of parts"),
    "chunk_index": ("бөлік нөмірі", "номер части", "part number"),
    "citizenship": ("азаматтығы", "гражданство", "citizenship"),
    "clearance": ("рұқсат деңгейі", "уровень допуска", "clearance"),
    "colour": ("түсі", "цвет", "colour"),
    "created_at": ("жасалған уақыты", "время создания", "time of creation"),
    "criminal_code_article": ("Қылмыстық кодекстің бабы", "статья Уголовного кодекса",
                              "article of the Criminal Code"),
    "damage_kzt": ("залал сомасы (теңге)", "сумма ущерба (тенге)", "damage (tenge)"),
    "described_on": ("сипатталған күні", "дата описания", "date of description"),
    "description": ("сипаттамасы", "описание", "description"),
    "document": ("есепке алу құжаты", "учётный документ", "accounting document"),
    "document_kind": ("құжат түрі", "вид документа", "kind of document"),
    "document_number": ("құжат нөмірі", "номер документа", "document number"),
    "entries": ("тізім жазбалары", "записи перечня", "entries of the manifest"),
    "event": ("оқиға", "событие", "event"),
    "event_id": ("оқиға сәйкестендіргіші", "идентификатор события", "event identifier"),
    "events": ("оқиғалар", "события", "events"),
    "features": ("белгілері", "приметы", "features"),
    "given_name": ("аты", "имя", "given name"),
    "ground": ("негіз", "основание", "ground"),
    "height_from_cm": ("бойы (бастап, см)", "рост от (см)", "height from (cm)"),
    "height_to_cm": ("бойы (дейін, см)", "рост до (см)", "height to (cm)"),
    "identity_documents": ("жеке басын куәландыратын құжаттар", "документы, удостоверяющие личность",
                           "identity documents"),
    "iin": ("ЖСН", "ИИН", "IIN"),
    "image_ref": ("сурет сілтемесі", "ссылка на изображение", "image reference"),
    "imei": ("IMEI нөмірі", "номер IMEI", "IMEI"),
    "issued_on": ("берілген күні", "дата выдачи", "date of issue"),
    "issuer": ("берген орган", "кем выдан", "issuer"),
    "kind": ("түрі", "вид", "kind"),
    "legal_ground": ("құқықтық негіз", "правовое основание", "legal ground"),
    "make": ("маркасы", "марка", "make"),
    "manifest_id": ("тізім сәйкестендіргіші", "идентификатор перечня", "manifest identifier"),
    "message": ("хабарлама", "сообщение", "message"),
    "model": ("моделі", "модель", "model"),
    "note": ("ескертпе", "примечание", "note"),
    "number": ("нөмірі", "номер", "number"),
    "occurred_at": ("оқиға уақыты", "время события", "time of the event"),
    "officer": ("қызметкер", "сотрудник", "officer"),
    "owner_name": ("иесінің аты-жөні", "ФИО владельца", "owner's name"),
    "patronymic": ("әкесінің аты", "отчество", "patronymic"),
    "photo_ref": ("фотосурет сілтемесі", "ссылка на фотографию", "photo reference"),
    "place": ("орны", "место", "place"),
    "plate": ("мемлекеттік нөмір белгісі", "государственный номерной знак", "licence plate"),
    "portrait_number": ("портрет нөмірі", "номер портрета", "portrait number"),
    "purpose": ("мақсаты", "цель", "purpose"),
    "record_id": ("жазба сәйкестендіргіші", "идентификатор записи", "record identifier"),
    "record_type": ("есеп түрі", "вид учёта", "record type"),
    "region": ("өңір", "регион", "region"),
    "registered_address": ("тіркелген мекенжайы", "адрес регистрации", "registered address"),
    "registration_number": ("тіркеу нөмірі", "регистрационный номер", "registration number"),
    "related_fact_number": ("байланысты факт нөмірі", "номер связанного факта", "related fact number"),
    "requested_at": ("сұрау уақыты", "время запроса", "time of the request"),
    "requester_unit": ("сұрау салған бөлімше", "запрашивающее подразделение", "requesting unit"),
    "serial": ("сериялық нөмірі", "серийный номер", "serial number"),
    "sex": ("жынысы", "пол", "sex"),
    "source_sequence": ("көздің реттік нөмірі", "порядковый номер источника", "source sequence number"),
    "special_marks": ("ерекше белгілері", "особые приметы", "special marks"),
    "subject": ("тексерілетін нысан", "объект проверки", "subject of the check"),
    "surname": ("тегі", "фамилия", "surname"),
    "thing_kind": ("зат түрі", "вид предмета", "kind of thing"),
    "unit": ("бөлімше", "подразделение", "unit"),
    "valid_until": ("есепте тұру мерзімі", "срок учёта", "term end"),
    "version": ("нұсқасы", "версия", "version"),
    "vin": ("VIN коды", "VIN-код", "VIN"),
    "written_request_date": ("жазбаша сұрау күні", "дата письменного запроса", "date of the written request"),
    "written_request_number": ("жазбаша сұрау нөмірі", "номер письменного запроса",
                               "number of the written request"),
    "year": ("жылы", "год", "year"),
}
# The fields of the register's records and of check results, as officers read them.
FIELD_NAMES.update({
    "object_kind": ("нысан түрі", "вид объекта", "kind of object"),
    "status": ("күйі", "состояние", "status"),
    "owner_unit": ("жауапты бөлімше", "ответственное подразделение", "responsible unit"),
    "enrolled_by_unit": ("есепке қойған бөлімше", "подразделение, поставившее на учёт", "enrolling unit"),
    "enrolment_initiator": ("есепке қою бастамашысы", "инициатор постановки на учёт", "enrolment initiator"),
    "confidentiality": ("құпиялылық деңгейі", "гриф", "confidentiality"),
    "enrolled_at": ("есепке қойылған уақыты", "время постановки на учёт", "enrolled at"),
    "updated_at": ("өзгертілген уақыты", "время изменения", "updated at"),
    "removed_at": ("есептен шығарылған уақыты", "время снятия с учёта", "removed at"),
    "purge_after": ("жойылатын уақыты", "удаляется после", "purged after"),
    "last_event_id": ("соңғы оқиға", "последнее событие", "last event"),
    "term_notice_sent_at": ("мерзім туралы хабарлама жіберілген", "уведомление о сроке отправлено",
                            "term notice sent at"),
    "level": ("сәйкестік деңгейі", "уровень совпадения", "match level"),
    "score": ("ұқсастық", "сходство", "score"),
    "matched_fields": ("сәйкес өрістер", "совпавшие поля", "matched fields"),
    "disclosure": ("ашылуы", "раскрытие", "disclosure"),
    "contact_unit": ("байланыс бөлімшесі", "подразделение для связи", "unit to contact"),
})
UNNAMED_FIELD = ("белгісіз өріс", "неизвестное поле", "unknown field")

ACTIONS: dict[str, tuple[str, str, str]] = {
    "ENROL": ("есепке қою", "постановка на учёт", "enrolment"),
    "CORRECT": ("түзету", "корректировка", "correction"),
    "REMOVE": ("есептен шығару", "снятие с учёта", "removal"),
}

# The formats a passport may ask of a field (RecordTypePassport.field_formats).
FORMATS: dict[str, tuple[str, str, str]] = {
    "IIN": ("жеке сәйкестендіру нөмірі", "индивидуальный идентификационный номер", "individual identification number"),
    "PAST_DATE": ("өткен күн", "прошедшая дата", "date in the past"),
    "VIN": ("VIN коды", "VIN-код", "vehicle identification number"),
    "KZ_PLATE": ("ҚР мемлекеттік нөмір белгісі", "государственный номерной знак РК", "Kazakh licence plate"),
    "IMEI": ("IMEI нөмірі", "номер IMEI", "IMEI number"),
    "DOCUMENT_NUMBER": ("құжат нөмірі", "номер документа", "document number"),
    "FIREARM_SERIAL": ("қарудың нөмірі", "номер оружия", "firearm serial number"),
    "ERDR_NUMBER": ("СДТБТ нөмірі", "номер ЕРДР", "ERDR number"),
}

# What a refusal says, by phrase key: (Kazakh, Russian, English) with {placeholders} for its values.
PHRASES: dict[str, tuple[str, str, str]] = {
    "value": ("{value}", "{value}", "{value}"),
    "field": ("«{field}»", "«{field}»", "{field}"),
    "fields": ("{fields}", "{fields}", "{fields}"),
    "not_avro": ("байттар «{schema}» схемасына сәйкес келмейді",
                 "байты не соответствуют схеме «{schema}»", "the bytes do not match the schema {schema}"),
    "not_single_object": ("хабарлама бір нысанды пішім белгісінен (C3 01) басталмайды",
                          "сообщение не начинается с метки формата одного объекта (C3 01)",
                          "the message does not begin with the Avro single-object marker (C3 01)"),
    "unknown_fingerprint": ("схема белгісі {value} тіркелмеген", "отпечаток схемы {value} не зарегистрирован",
                            "schema fingerprint {value} is not registered"),
    "not_an_event": ("«{schema}» хабарламасы оқиға емес", "сообщение «{schema}» не является событием",
                     "a {schema} message is not an event"),
    "wrong_type": ("«{field}» өрісінің мәні дұрыс типте емес", "значение поля «{field}» неверного типа",
                   "the value of {field} is of the wrong type"),
    "not_json": ("мәтін JSON ретінде оқылмады", "текст не читается как JSON", "the text cannot be read as JSON"),
    "not_object": ("JSON мәтіні нысан емес", "JSON-текст не является объектом", "the JSON text is not an object"),
    "bad_value": ("«{field}»: {value} мәні жарамсыз", "«{field}»: недопустимое значение {value}",
                  "{field}: {value} is not a valid value"),
    "bad_format": ("«{field}»: {value} — жарамды {format} емес", "«{field}»: {value} — недопустимый {format}",
                   "{field}: {value} is not a valid {format}"),
    "not_one_of": ("«{field}»: {value} мәні мыналардың ешқайсысы емес: {choices}",
                   "«{field}»: значение {value} не входит в список: {choices}",
                   "{field}: {value} is none of {choices}"),
    "not_a_date": ("«{field}»: {value} күн ретінде оқылмады ({pattern})",
                   "«{field}»: {value} не читается как дата ({pattern})",
                   "{field}: {value} cannot be read as a date ({pattern})"),
    "out_of_range": ("«{field}»: {value} мәні рұқсат етілген шектен тыс ({low} – {high})",
                     "«{field}»: значение {value} вне допустимых пределов ({low} – {high})",
                     "{field}: {value} is out of range ({low} to {high})"),
    "too_long": ("«{field}»: {count} таңба, ең көбі {limit} болуы мүмкін",
                 "«{field}»: {count} символов, допускается не более {limit}",
                 "{field}: {count} characters, at most {limit} are allowed"),
    "too_many": ("«{field}»: {count} элемент, ең көбі {limit} болуы мүмкін",
                 "«{field}»: {count} элементов, допускается не более {limit}",
                 "{field}: {count} items, at most {limit} are allowed"),
    "too_deep": ("«{field}» {limit} деңгейден терең салынған", "«{field}» вложено глубже {limit} уровней",
                 "{field} nests deeper than {limit} levels"),
    "no_region_prefix": ("{value} жазба сәйкестендіргіші өңір кодынан басталмайды",
                         "идентификатор записи {value} не начинается с кода региона",
                         "record identifier {value} does not begin with a region code"),
    "regions_of_event": ("топик {topic}, оқиға {event}, жазба {record}",
                         "топик {topic}, событие {event}, запись {record}",
                         "topic {topic}, event {event}, record {record}"),
    "record_not_of": ("{value} жазбасы {region} өңіріне жатпайды", "запись {value} не относится к региону {region}",
                      "record {value} is not of region {region}"),
    "unit_elsewhere": ("{unit} бөлімшесі {unit_region} өңіріне жатады, жазба {region} өңіріне",
                       "подразделение {unit} относится к региону {unit_region}, запись к региону {region}",
                       "unit {unit} belongs to {unit_region}, the record to {region}"),
    "unit_may_not": ("{unit}: {record_type} бойынша «{action}» рұқсат етілмеген; паспорт бойынша: {kinds}",
                     "{unit}: «{action}» по виду учёта {record_type} не разрешено; по паспорту: {kinds}",
                     "{unit} may not make the {action} of {record_type}; the passport names {kinds}"),
    "ground_not_for": ("{ground} негізі {record_type} бойынша «{action}» үшін жарамсыз",
                       "основание {ground} недопустимо для действия «{action}» по виду учёта {record_type}",
                       "{ground} is not a ground for the {action} of {record_type}"),
    "unit_unknown": ("{unit} бөлімшесі анықтамалықта жоқ немесе жабылған",
                     "подразделения {unit} нет в справочнике или оно закрыто",
                     "unit {unit} is in no reference book or is closed"),
    "request_elsewhere": ("{unit} бөлімшесі {unit_region} өңіріне жатады, сұрау {scope} топигімен келді",
                          "подразделение {unit} относится к региону {unit_region}, запрос пришёл в топик {scope}",
                          "unit {unit} is of {unit_region}, the request came on the topic of {scope}"),
    "request_no_scope": ("{unit} сұрауы ешбір өңірге жатпайтын топикпен келді",
                         "запрос {unit} пришёл в топик, не относящийся ни к одному региону",
                         "the request of {unit} came on a topic of no region"),
    "manifest_elsewhere": ("{region} өңірінің тізімі {scope} топигімен келді",
                           "перечень региона {region} пришёл в топик {scope}",
                           "a manifest of {region} came on the topic of {scope}"),
    "wrong_card": ("{given} берілген, {required} қажет", "передан {given}, требуется {required}",
                   "{given} given, {required} required"),
    "version_expected": ("{given} нұсқасы берілген, {expected} күтілген",
                         "передана версия {given}, ожидалась {expected}",
                         "version {given} given, {expected} expected"),
    "version_unknown": ("{value} жазбасы бұл клиентке белгісіз: нұсқасын көрсетіңіз",
                        "запись {value} неизвестна клиенту: укажите её версию",
                        "record {value} is unknown to this client: give its version"),
    "term_ended": ("мерзімі {value} аяқталған", "срок истёк {value}", "the term ended on {value}"),
    "partition": ("{value} жазбасы {home} бөлігіне жатады, {partition} бөлігінен оқылды",
                  "запись {value} относится к партиции {home}, прочитана из партиции {partition}",
                  "record {value} belongs to partition {home}, it was read from partition {partition}"),
    "too_large": ("хабарлама тым үлкен: {value} байт, ең көбі {limit}; алғашқы {kept} байты сақталды",
                  "сообщение слишком велико: {value} байт, не более {limit}; сохранены первые {kept} байт",
                  "the message is too large: {value} bytes, at most {limit}; its first {kept} bytes are kept"),
    "internal": ("ішкі қате ({value}); операторға хабарлаңыз", "внутренняя ошибка ({value}); сообщите оператору",
                 "internal error ({value}); tell the operator"),
}

_PATH_PART = re.compile(r"\[\d+\]$")


def field_name(path: str | None, lang: str) -> str:
    """Return a field's name in a language from its path ('document.birth_date', 'subject.person[0].iin')."""
    name = _PATH_PART.sub("", (path or "message").rsplit(".", 1)[-1])
    return FIELD_NAMES.get(name, UNNAMED_FIELD)[LANGUAGES.index(lang)]


def render(says: str, values: dict[str, Any], field: str | None, lang: str) -> str:
    """Return what a refusal says in one language, its field, actions, formats and field lists translated."""
    index = LANGUAGES.index(lang)
    words = {key: str(value) for key, value in values.items()}
    words["field"] = field_name(values.get("field", field), lang)
    if "fields" in values:
        words["fields"] = ", ".join(f"«{field_name(f, lang)}»" if lang != "en" else field_name(f, lang)
                                    for f in values["fields"])
    if "action" in values:
        words["action"] = ACTIONS.get(str(values["action"]), (str(values["action"]),) * 3)[index]
    if "format" in values:
        words["format"] = FORMATS.get(str(values["format"]), (str(values["format"]),) * 3)[index]
    return PHRASES[says][index].format(**words)
