"""Publishing passports and reference books to their compacted topics."""

from __future__ import annotations

from pathlib import Path

from hub.codec import AvroCodec, SchemaRegistry
from hub.kafka.producer import publish
from hub.kafka.topics import PASSPORTS, REFERENCE_BOOKS
from hub.refdata.load import book_key, starter_books, starter_passports
from hub.settings import HubSettings


def codec_for(settings: HubSettings) -> AvroCodec:
    """Return the codec of the settings' schema folders."""
    return AvroCodec(SchemaRegistry.from_dirs(settings.schemas_dir, settings.released_schemas_dir))


async def publish_passports(settings: HubSettings, codec: AvroCodec, passports: list[dict]) -> int:
    """Publish passport values keyed by their code."""
    messages = [(p["code"], codec.encode("RecordTypePassport", p)) for p in passports]
    return await publish(settings, PASSPORTS.name(settings), messages)


async def publish_books(settings: HubSettings, codec: AvroCodec, entries: list[dict]) -> int:
    """Publish reference-book entries keyed by 'BOOK/CODE'."""
    messages = [(book_key(e), codec.encode("ReferenceEntry", e)) for e in entries]
    return await publish(settings, REFERENCE_BOOKS.name(settings), messages)


async def load_reference_data(settings: HubSettings, refdata_dir: Path) -> dict[str, int]:
    """Publish the starter passports and reference books of a folder; return the counts."""
    codec = codec_for(settings)
    passports = await publish_passports(settings, codec, starter_passports(refdata_dir))
    books = await publish_books(settings, codec, starter_books(refdata_dir))
    return {"passports": passports, "reference_entries": books}
