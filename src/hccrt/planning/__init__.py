"""Treatment planning: 6 MV pencil-beam dose engine, beams, 3DCRT, constrained IMRT, sequencing.

A pure engine: it works on grids, masks, core types and numpy arrays, and imports none of
evaluation, report, dicom or pipeline (``tests/test_layers.py``). See ``docs/planning.md`` for the
physics, the data sources and the "3DCRT first" rule of seed 000.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from hccrt.planning._plan_record import plan_record

__all__ = ["Technique", "plan_record"]

Technique = Literal["auto", "3dcrt", "imrt", "vmat"]
"""How to plan: 3DCRT first and IMRT only if it fails (``auto``; VMAT is not tried by ``auto``
yet), or one technique (``vmat``: arcs, :mod:`hccrt.planning.vmat`) (the one
vocabulary of ``hccrt plan --technique``, ``hccrt run --technique`` and ``RunOptions``)."""


def __getattr__(name: str) -> Any:
    if name == "plan_record":  # imported on first use: the engine modules are not light
        from hccrt.planning._plan_record import plan_record

        return plan_record
    raise AttributeError(f"module 'hccrt.planning' has no attribute {name!r}")
