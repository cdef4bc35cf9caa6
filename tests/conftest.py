"""Shared fixtures: settings and the codec of the repository's schemas."""

from __future__ import annotations

import pytest

from hub.codec import AvroCodec, SchemaRegistry
from hub.domain.catalog import Catalog
from hub.refdata.load import starter_catalog
from hub.settings import HubSettings


@pytest.fixture(autouse=True)
def no_run_file(monkeypatch, tmp_path) -> None:
    """Keep a developer's `./deploy/up` run file (.hub-run/hub.env) out of every test's settings."""
    monkeypatch.setenv("HUB_RUN_FILE", str(tmp_path / "no-run-file.env"))


@pytest.fixture(scope="session")
def settings() -> HubSettings:
    """Return default settings (schema and data folders of the repository)."""
    return HubSettings.model_construct()


@pytest.fixture(scope="session")
def registry(settings: HubSettings) -> SchemaRegistry:
    """Return the registry of the current and released schemas."""
    return SchemaRegistry.from_dirs(settings.schemas_dir, settings.released_schemas_dir)


@pytest.fixture(scope="session")
def codec(registry: SchemaRegistry) -> AvroCodec:
    """Return the codec of the repository's schemas."""
    return AvroCodec(registry)


@pytest.fixture()
def catalog(settings: HubSettings) -> Catalog:
    """Return a catalog of the starter passports and reference books (a fresh one per test)."""
    return starter_catalog(settings.refdata_dir)
