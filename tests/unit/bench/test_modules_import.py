"""Every benchmark module imports: a benchmark broken by a refactoring fails here, not on its next run."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import hub.bench


@pytest.mark.parametrize("name", sorted(m.name for m in pkgutil.iter_modules(hub.bench.__path__)))
def test_the_benchmark_module_imports(name):
    importlib.import_module(f"hub.bench.{name}")
