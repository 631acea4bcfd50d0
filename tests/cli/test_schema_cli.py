"""``hccrt schema``: the packaged schemas, the same text as docs/*-schema.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import invoke

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", ["patient", "followup", "course"])
def test_the_schema_is_the_documented_one(name: str) -> None:
    result = invoke(["schema", name])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (DOCS / f"{name}-schema.json").read_text(encoding="utf-8")
    assert json.loads(result.stdout)["type"] == "object"


def test_an_unknown_schema_is_a_usage_error() -> None:
    result = invoke(["schema", "patients"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: NAME=patients: must be one of patient, followup, course; see hccrt schema --help\n"
    )
