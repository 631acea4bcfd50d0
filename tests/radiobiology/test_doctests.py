"""Run the worked examples in the radiobiology docstrings."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "lq",
    "repair",
    "schemes",
    "comparison",
    "summary",
    "voxel",
    "ntcp",
    "liver_tolerance",
    "dose_bands",
    "dvh_input",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"hccrt.radiobiology.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
