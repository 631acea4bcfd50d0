"""The committed generated docs match what ``scripts/gen_docs.py`` produces from the code."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()


@pytest.mark.parametrize("name", sorted(GENERATOR.generated_files()))
def test_generated_docs_are_fresh(name: str) -> None:
    committed = (ROOT / "docs" / name).read_text(encoding="utf-8")
    assert committed == GENERATOR.generated_files()[name], (
        f"docs/{name} is stale: run .venv/bin/python scripts/gen_docs.py"
    )


@pytest.mark.parametrize("name", sorted(GENERATOR.package_files()))
def test_packaged_schemas_are_fresh(name: str) -> None:
    from hccrt.schemas import schema_text

    assert schema_text(name.removesuffix("-schema.json")) == GENERATOR.generated_files()[name], (
        f"src/hccrt/schemas/{name} is stale: run .venv/bin/python scripts/gen_docs.py"
    )


def test_an_unknown_schema_names_the_known_ones() -> None:
    from hccrt.errors import InputError
    from hccrt.schemas import schema_text

    with pytest.raises(InputError, match=r"schema=patients: not a packaged schema; use one of"):
        schema_text("patients")


def test_the_generator_writes_into_the_folder_it_is_given(tmp_path: Path) -> None:
    GENERATOR.main([str(tmp_path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(GENERATOR.generated_files())
