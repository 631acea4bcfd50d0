"""Import pydicom without the HTTP stack it loads only to download its own test files.

``import pydicom`` runs ``pydicom.data.download``, which imports ``requests`` and ``tqdm`` when
they are installed (other packages of the environment bring them) to fetch pydicom's example
files from the internet, with a progress bar. hccrt never downloads those files, but the two
imports (``requests`` with ``urllib3``, ``charset_normalizer`` and ``idna``; ``tqdm`` with
``importlib.metadata``) were about a sixth of the import time of a short command such as
``hccrt dvh`` (measured in ``docs/validation/startup.md``).

Importing this module (``hccrt.dicom`` does it first) imports pydicom while the two names
raise ``ImportError``: ``pydicom.data.download`` then falls back to :mod:`urllib.request`, its
documented path without ``requests``, and no progress bar. Nothing else in pydicom imports them.
The block lasts only for this import: ``import requests`` works as usual afterwards, and when
pydicom (or either package) is already imported nothing is changed.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = ["SKIPPED"]

SKIPPED = ("requests", "tqdm")
"""Packages that ``pydicom.data.download`` imports only to fetch pydicom's example files."""


class _Skip(importlib.abc.MetaPathFinder):
    """A finder that makes the top-level packages in ``names`` raise ``ImportError``."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = frozenset(names)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] in self.names:
            raise ImportError(f"{fullname} is not imported with pydicom by hccrt", name=fullname)
        return None


def _import_pydicom() -> None:
    if "pydicom" in sys.modules:
        return
    names = [name for name in SKIPPED if name not in sys.modules]
    finder = _Skip(names)
    sys.meta_path.insert(0, finder)
    try:
        import pydicom  # noqa: F401  (the import is the point)
    finally:
        sys.meta_path.remove(finder)


_import_pydicom()
