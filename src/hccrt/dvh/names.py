"""Structure names: map the names found in a plan to AAPM TG-263 standard names.

The name table (``data/tg263_names.json``) is generated from the TG-263 worksheet (2017-08-15)
by ``scripts/make_tg263_names.py`` and carries the aliases met in liver plans ("Normal Liver",
"liver_minus_gtv", "Liver-GTV", ...). Matching ignores case, spaces, ``_`` and ``-`` position
differences only through the alias table; a name that is neither a TG-263 name nor an alias
stays unmapped (``None``) instead of being guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

_TARGET = re.compile(r"^(?P<kind>GTV|CTV|ITV|PTV|IGTV)(?P<rest>.*)$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str]]:
    text = resources.files("hccrt.dvh").joinpath("data/tg263_names.json").read_text("utf-8")
    data = json.loads(text)
    by_key = {_key(name): name for name in data["names"]}
    aliases = {_key(alias): name for name, items in data["aliases"].items() for alias in items}
    return by_key, aliases


def _key(name: str) -> str:
    return re.sub(r"[\s_]+", "", name.strip().lower())


def tg263_name(name: str) -> str | None:
    """The TG-263 name of a plan structure name, or ``None`` when it is not recognised.

    Targets keep their suffix in TG-263 style (``"ptv 1"`` -> ``"PTV1"``, ``"gtv_liver"`` ->
    ``"GTV_liver"``).

    Examples
    --------
    >>> tg263_name("Normal Liver"), tg263_name("spinal cord"), tg263_name("Kidney_L")
    ('Liver-GTV', 'SpinalCord', 'Kidney_L')
    """
    by_key, aliases = _table()
    key = _key(name)
    if key in aliases:
        return aliases[key]
    if key in by_key:
        return by_key[key]
    target = _TARGET.match(name.strip())
    if target:
        rest = re.sub(r"\s+", "", target.group("rest"))
        return target.group("kind").upper() + rest
    return None


def is_target(name: str) -> bool:
    """True for GTV/CTV/ITV/PTV names."""
    return bool(_TARGET.match(name.strip())) and not name.strip().lower().startswith("ptv_prv")


def find_structure(standard_name: str, available: Iterable[str]) -> str | None:
    """The plan structure whose TG-263 name is ``standard_name`` (first match), else ``None``."""
    wanted = _key(standard_name)
    for name in available:
        mapped = tg263_name(name)
        if mapped is not None and _key(mapped) == wanted:
            return name
    return None


def targets_of_kind(kind: str, available: Iterable[str]) -> list[str]:
    """Plan structures that are targets of ``kind`` (``"GTV"``, ``"PTV"``, ...)."""
    result = []
    for name in available:
        match = _TARGET.match(name.strip())
        if match and match.group("kind").upper() == kind.upper():
            result.append(name)
    return result


def gtv_like(available: Iterable[str]) -> list[str]:
    """Plan structures that are gross tumour volumes: ``GTV``, ``GTV_*`` (``GTV_PVTT``,
    ``GTV_2``, ``GTVp``...) and ``IGTV`` (TG-263 target naming).

    The normal liver is the liver minus all of them, and every one must lie in the planned target.

    Examples
    --------
    >>> gtv_like(["GTV", "GTV_PVTT", "IGTV", "PTV", "Liver"])
    ['GTV', 'GTV_PVTT', 'IGTV']
    """
    kinds = ("GTV", "IGTV")
    return [
        n for n in available if (m := _TARGET.match(n.strip())) and m.group("kind").upper() in kinds
    ]
