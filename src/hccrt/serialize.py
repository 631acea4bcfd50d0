"""The JSON conventions every output shares: ``evaluation.json``, ``run.json``, ``--format json``.

This module sits at the bottom of the package (it imports nothing from hccrt), so the library,
the CLI and the web app write the same JSON without importing each other.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["dumps", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """Convert a result to plain JSON types.

    Parameters
    ----------
    value
        A pydantic model, dataclass, mapping, sequence, numpy array or scalar, enum, path, or a
        plain JSON value, nested in any combination.

    Returns
    -------
    Any
        The same data as dicts, lists, strings, numbers, booleans and ``None``. Non-finite floats
        become ``None`` (JSON has no NaN); the warning that explains them travels in the result's
        own ``warnings`` list.

    Examples
    --------
    >>> from pathlib import PurePosixPath
    >>> to_jsonable({"dose_gy": (50.0, float("nan")), "path": Path("a/b")})
    {'dose_gy': [50.0, None], 'path': 'a/b'}
    """
    # numpy and pydantic are looked up, not imported: a value can only be one of their types
    # when its library is already loaded, and `hccrt --help` should not pay for either.
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return to_jsonable(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.ndarray):
            return to_jsonable(value.tolist())
        if isinstance(value, numpy.generic):
            return to_jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, Path):
        return str(value)
    return value


def dumps(payload: Any) -> str:
    """Serialise a result as indented JSON.

    Parameters
    ----------
    payload
        Anything :func:`to_jsonable` accepts.

    Returns
    -------
    str
        Indented UTF-8 JSON (two spaces, non-ASCII kept, never ``NaN``).

    Examples
    --------
    >>> print(dumps({"volume_cc": 1.5, "structure": "Rückenmark"}))
    {
      "volume_cc": 1.5,
      "structure": "Rückenmark"
    }
    """
    return json.dumps(to_jsonable(payload), indent=2, ensure_ascii=False, allow_nan=False)
