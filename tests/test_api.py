"""The public API of ``import hccrt``: the verbs, their laziness, docstrings and doctests."""

from __future__ import annotations

import doctest
import importlib
import inspect
from pathlib import Path

import pytest

import hccrt

ROOT = Path(__file__).resolve().parents[1]
DOCTESTED = ("hccrt", "hccrt._api", "hccrt.serialize", "hccrt._threads")


@pytest.mark.parametrize("module", DOCTESTED)
def test_doctests(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the examples read files under examples/
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_every_verb_resolves_and_is_listed() -> None:
    for name in hccrt.__all__:
        assert callable(getattr(hccrt, name)) or name == "__version__"
    assert set(hccrt.__all__) <= set(dir(hccrt))
    with pytest.raises(AttributeError, match="no attribute 'evaluate_plans'"):
        _ = hccrt.evaluate_plans  # type: ignore[attr-defined]


def test_the_version_comes_from_the_package_metadata() -> None:
    from importlib.metadata import version

    assert hccrt.__version__ == version("hccrt")


@pytest.mark.parametrize("name", [n for n in hccrt.__all__ if n not in {"__version__"}])
def test_each_verb_documents_its_parameters_and_result(name: str) -> None:
    from numpydoc.docscrape import ClassDoc, FunctionDoc

    target = getattr(hccrt, name)
    if inspect.isclass(target):
        doc = ClassDoc(target)
        assert doc["Parameters"]
        return
    doc = FunctionDoc(target)
    documented = {p.name.lstrip("*") for p in doc["Parameters"]}
    assert documented == set(inspect.signature(target).parameters)
    assert doc["Returns"]


@pytest.mark.parametrize(
    "package",
    sorted(
        p.parent.name
        for p in (ROOT / "src" / "hccrt").glob("*/__init__.py")
        if "__all__" in p.read_text()
    ),
)
def test_each_package_exports_what_its_all_names(package: str) -> None:
    module = importlib.import_module(f"hccrt.{package}")
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []
    assert module.__all__
