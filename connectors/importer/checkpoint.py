"""Where an import stands: rows done and counts, written atomically after each acknowledged chunk."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Checkpoint:
    """How far an import of one file has got, and from which offsets its next events can be found."""

    source: str
    rows_done: int = 0
    read: int = 0
    sent: int = 0
    rejected: int = 0
    skipped: int = 0
    next_offsets: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, source: str) -> "Checkpoint | None":
        """Return the checkpoint of this source, or None (no file, or one of another file's content)."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return cls(**raw) if raw.get("source") == source else None

    def save(self, path: Path) -> None:
        """Write the checkpoint so that a crash leaves the old one or the new one, never half."""
        temporary = path.with_suffix(path.suffix + ".tmp")
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(asdict(self), out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)


def file_digest(path: Path) -> str:
    """Return the SHA-256 of a file's content: the identity of an import's source."""
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
