"""Ships the Avro schemas with the package, as data files under share/records-hub (the rest is in
pyproject.toml): an installed client finds them there (hub/settings.py)."""

from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).parent


def schema_files() -> list[tuple[str, list[str]]]:
    """Return setuptools' data_files for every file under schemas/, folder by folder."""
    folders: dict[str, list[str]] = {}
    for path in sorted((ROOT / "schemas").rglob("*")):
        if path.is_file():
            target = str(Path("share") / "records-hub" / path.parent.relative_to(ROOT))
            folders.setdefault(target, []).append(str(path.relative_to(ROOT)))
    return sorted(folders.items())


setup(data_files=schema_files())
