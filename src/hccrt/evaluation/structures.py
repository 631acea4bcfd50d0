"""Find the structures a protocol names (TG-263) in a plan, deriving them when needed.

* A structure is found through :func:`hccrt.dvh.names.tg263_name` (TG-263 names and aliases).
* **Liver-GTV** (normal liver) is used as contoured when the plan has it ("Liver-GTV",
  "Normal Liver", "liver_minus_gtv", ...). Otherwise it is derived as Liver minus *all* GTVs:
  every GTV is rasterised on the liver's own sample pixels and removed with
  ``occ = clip(occ_liver - max_g occ_gtv_g, 0, 1)`` (a boolean difference on fractional occupancy
  masks; a GTV partly outside the liver removes only its part inside). Without a GTV the whole
  liver is used and a warning says so.
* **Kidneys** is the union of Kidney_L and Kidney_R when no combined structure exists (the two
  are disjoint, so their DVHs add).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy.typing as npt

from hccrt.dvh.engine import compute_dvh, union_dvh
from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.dvh.names import find_structure, gtv_like, targets_of_kind
from hccrt.dvh.sampling import DvhSettings
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid


@dataclass(frozen=True)
class ResolvedStructure:
    """A protocol structure found (or derived) in the plan, with its DVH.

    Parameters
    ----------
    standard_name
        TG-263 name the protocol asked for.
    plan_names
        Plan structures used.
    how
        ``"as contoured"`` or how it was derived.
    dvh
        Its DVH in the plan dose.
    """

    standard_name: str
    plan_names: tuple[str, ...]
    how: str
    dvh: DoseVolumeHistogram


def locate(standard_name: str, names: Sequence[str]) -> tuple[tuple[str, ...], str] | None:
    """The plan structures that make up the protocol structure ``standard_name``, and how.

    Parameters
    ----------
    standard_name
        TG-263 name the protocol asks for (``Liver-GTV`` and ``Kidneys`` may be derived).
    names
        Names of the plan structures that have contours.

    Returns
    -------
    tuple or None
        ``(plan_names, how)``; ``None`` when the plan does not have the structure.
    """
    found = find_structure(standard_name, names)
    if found is not None:
        return (found,), "as contoured"
    if standard_name == "Liver-GTV":
        liver = find_structure("Liver", names)
        if liver is None:
            return None
        gtvs = gtv_like(names)
        if not gtvs:
            return (liver,), "whole liver (no GTV contoured)"
        how = (
            f"derived: {liver} minus {', '.join(gtvs)} (fractional occupancy, "
            "occ = clip(occ_liver - max occ_GTV, 0, 1))"
        )
        return (liver, *gtvs), how
    if standard_name == "Kidneys":
        present = [p for p in (find_structure(s, names) for s in ("Kidney_L", "Kidney_R")) if p]
        if not present:
            return None
        if len(present) == 1:
            return (present[0],), f"only {present[0]} is contoured (the other kidney is missing)"
        return tuple(present), "union of " + " and ".join(present)
    if standard_name == "PTV":
        targets = targets_of_kind("PTV", names)
        return ((targets[0],), "as contoured") if targets else None
    return None


class StructureResolver:
    """Computes (and caches) the DVHs of protocol structures in one plan dose."""

    def __init__(
        self,
        structures: Sequence[StructureContours],
        dose_gy: npt.ArrayLike,
        dose_grid: Grid,
        settings: DvhSettings | None = None,
    ) -> None:
        self._structures = {s.name: s for s in structures if not s.is_empty}
        self._empty = [s.name for s in structures if s.is_empty]
        self._dose = dose_gy
        self._grid = dose_grid
        self._settings = settings
        self._cache: dict[str, ResolvedStructure | None] = {}
        self.warnings: list[str] = [
            f"structure '{name}' has no closed contour (empty or point-only ROI); skipped"
            for name in self._empty
        ]

    @property
    def names(self) -> list[str]:
        """Plan structures with contours."""
        return list(self._structures)

    def _dvh(
        self, name: str, subtract: Sequence[str] = (), label: str | None = None
    ) -> DoseVolumeHistogram:
        return compute_dvh(
            self._structures[name],
            self._dose,
            self._grid,
            subtract=[self._structures[s] for s in subtract],
            name=label,
            settings=self._settings,
        )

    def plan_structure(self, name: str) -> ResolvedStructure:
        """DVH of a plan structure by its own name."""
        key = f"plan:{name}"
        if key not in self._cache:
            self._cache[key] = ResolvedStructure(name, (name,), "as contoured", self._dvh(name))
        result = self._cache[key]
        assert result is not None
        return result

    def resolve(self, standard_name: str) -> ResolvedStructure | None:
        """The protocol structure ``standard_name`` in this plan, or ``None`` if absent."""
        if standard_name in self._cache:
            return self._cache[standard_name]
        result = self._find(standard_name)
        self._cache[standard_name] = result
        return result

    def _find(self, standard_name: str) -> ResolvedStructure | None:
        if standard_name == "PTV" and find_structure("PTV", self.names) is None:
            targets = self.targets("PTV")
            return targets[0] if targets else None
        located = locate(standard_name, self.names)
        if located is None:
            return None
        plan_names, how = located
        if how == "as contoured":
            dvh = self.plan_structure(plan_names[0]).dvh
        elif standard_name == "Liver-GTV" and len(plan_names) == 1:
            self.warnings.append(
                "Liver-GTV: no GTV found in the structure set; the whole liver is used as normal "
                "liver (the mean normal-liver dose is then overestimated for the tumour part)"
            )
            dvh = self.plan_structure(plan_names[0]).dvh
        elif standard_name == "Liver-GTV":
            dvh = self._dvh(plan_names[0], plan_names[1:], label="Liver-GTV")
        else:  # Kidneys from its sides
            if len(plan_names) == 1:
                self.warnings.append(f"Kidneys: {how}")
            dvh = union_dvh("Kidneys", [self.plan_structure(p).dvh for p in plan_names])
        return ResolvedStructure(standard_name, plan_names, how, dvh)

    def targets(self, kind: str) -> list[ResolvedStructure]:
        """Every plan target of ``kind`` (``"PTV"``, ``"GTV"``...)."""
        return [self.plan_structure(name) for name in targets_of_kind(kind, self.names)]
