"""One home for structure colours in figures: the dose slices, the DVH plot (and the web DVH).

A structure keeps the RTSTRUCT's ROI Display Color when it has one that no structure drawn
before it already uses; otherwise it takes its fixed colour by name (targets and the common
organs at risk), else a colour from a fixed palette chosen by a stable hash of the name. The
targets are placed first in the order GTV, ITV, CTV, PTV, so a GTV and a PTV that an RTSTRUCT
gives the same red come out distinct: the GTV keeps the red and the PTV takes its own colour.

:func:`structure_colours` (names) and :func:`evaluation_colours` (an evaluation) are what the web
DVH can call to colour its curves as the report does (``{"name": ..., "color": "#rrggbb"}``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from typing import Any

RGB = tuple[int, int, int]

#: Fixed colours by upper-case name prefix, checked in this order (targets first).
NAMED_COLOURS: tuple[tuple[str, RGB], ...] = (
    ("GTV", (220, 20, 60)),  # crimson
    ("ITV", (255, 140, 0)),  # dark orange
    ("CTV", (255, 215, 0)),  # gold
    ("PTV", (30, 144, 255)),  # dodger blue
    ("LIVER-GTV", (139, 69, 19)),  # normal liver: saddle brown
    ("LIVER-PTV", (160, 82, 45)),
    ("LIVER", (205, 133, 63)),  # peru
    ("STOMACH", (50, 205, 50)),  # lime green
    ("DUODENUM", (0, 139, 139)),  # dark cyan
    ("BOWEL", (186, 85, 211)),  # orchid
    ("COLON", (148, 0, 211)),
    ("KIDNEY", (255, 105, 180)),  # hot pink
    ("SPINALCORD", (255, 255, 0)),
    ("CORD", (255, 255, 0)),
    ("ESOPHAGUS", (0, 191, 255)),
    ("HEART", (178, 34, 34)),
    ("LUNG", (135, 206, 235)),
    ("BODY", (144, 238, 144)),
    ("EXTERNAL", (144, 238, 144)),
)

#: Palette for other names (the tab10 colours without red, so red stays the GTV's).
PALETTE: tuple[RGB, ...] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (148, 103, 189), (140, 86, 75),
    (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207), (0, 0, 128),
)  # fmt: skip

_TARGET_ORDER = ("GTV", "ITV", "CTV", "PTV")
_MIN_DISTANCE = 60.0
"""Colours closer than this (Euclidean, RGB 0-255) count as the same colour."""


def _near(colour: RGB, used: set[RGB]) -> bool:
    return any(sum((a - b) ** 2 for a, b in zip(colour, u, strict=True)) < _MIN_DISTANCE**2
               for u in used)  # fmt: skip


def hex_colour(rgb: RGB) -> str:
    """``#rrggbb`` of an RGB triplet (0-255)."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def default_colour(name: str) -> RGB:
    """The fixed colour of a structure name: by prefix, else by a stable hash into the palette."""
    key = name.upper().replace(" ", "").replace("_", "")
    for prefix, rgb in NAMED_COLOURS:
        if key.startswith(prefix.replace("_", "")):
            return rgb
    return PALETTE[zlib.crc32(key.encode("utf-8")) % len(PALETTE)]


def _rank(name: str) -> tuple[int, str]:
    upper = name.upper()
    for number, prefix in enumerate(_TARGET_ORDER):
        if upper.startswith(prefix):
            return number, upper
    return len(_TARGET_ORDER), upper


def structure_colours(
    names: Iterable[str], roi_colours: Mapping[str, RGB | None] | None = None
) -> dict[str, str]:
    """Distinct, stable ``#rrggbb`` colours for structure names.

    Parameters
    ----------
    names
        Structure names to colour (plan or protocol names).
    roi_colours
        The RTSTRUCT ROI Display Color of the names that have one (``None`` or absent: none).

    Returns
    -------
    dict
        Name to ``#rrggbb``. No two names share a colour, nor two colours closer than 60 RGB
        units, while the fixed colours allow it.
    """
    given = dict(roi_colours or {})
    used: set[RGB] = set()
    result: dict[str, str] = {}
    for name in sorted(dict.fromkeys(names), key=_rank):
        candidates = [c for c in (given.get(name), default_colour(name)) if c is not None]
        candidates += [c for c in PALETTE if c not in candidates]
        chosen = next((c for c in candidates if not _near(c, used)), candidates[0])
        used.add(chosen)
        result[name] = hex_colour(chosen)
    return result


def evaluation_colours(evaluation: Any, names: Iterable[str] = ()) -> dict[str, str]:
    """Colours of an evaluation's structures, as in its report (dose slices and DVH plot).

    Parameters
    ----------
    evaluation
        A :class:`hccrt.evaluation.Evaluation` (its ``plan_structures`` give the ROI colours).
    names
        More names to colour (e.g. the DVH's protocol names).

    Returns
    -------
    dict
        Plan and protocol names to ``#rrggbb``; a protocol structure used as contoured takes
        the colour of its plan structure.
    """
    roi = {s.name: s.color_rgb for s in evaluation.plan_structures}
    summaries = list(evaluation.structures)
    wanted = [*roi, *(s.name for s in summaries), *names]
    colours = structure_colours(wanted, roi)
    for summary in summaries:
        if summary.derivation == "as contoured" and len(summary.plan_names) == 1:
            colours[summary.name] = colours.get(summary.plan_names[0], colours[summary.name])
    return colours
