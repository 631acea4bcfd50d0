"""Default planning goals for conventionally or hypo-fractionated liver RT (seed 000).

The hard limit that decides between 3DCRT and IMRT is the seed's mean normal-liver dose
(normal liver = Liver minus GTV): 23 Gy for Child-Pugh A and 6 Gy for Child-Pugh B
(seed 000: "The tolerated dose (whole liver average dose) for liver is 23 Gy for Child-Pugh
class A patients and probably 6 Gy for Child-Pugh class B patients"). The organ-at-risk maxima
below are read from the conventional protocol (:func:`hccrt.core.protocol_limit`, the one
home of every limit) and are UNCONFIRMED planning defaults used only when the plan-evaluation
protocol gives no limit the planner can express for an organ; the protocol's mandatory
limits, converted to the plan's fractionation by the evaluation module, are turned into hard
constraints by :func:`constraints_from_protocol`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from hccrt.core import SourcedLimit, planning_defaults, protocol_limit
from hccrt.errors import ClinicalInputError, InputError
from hccrt.planning.objectives import DoseConstraint, EqdConversion

SEED_000 = "seed 000 (RT for HCC): whole-liver mean tolerance 23 Gy Child-Pugh A, 6 Gy Child-Pugh B"
NORMAL_LIVER = "Liver-GTV"

NORMAL_LIVER_MEAN_GY: Mapping[str, float] = {
    "A": protocol_limit("liver_mean_cp_a").limit,
    "B": protocol_limit("liver_mean_cp_b").limit,
}
"""Seed 000 mean normal-liver tolerance by Child-Pugh class (Gy), read from the protocol."""


CP_B_NOT_CONVERTED = (
    "applied as stated at every fractionation, SBRT included (not converted by EQD2): the seed's "
    "6 Gy comes from domestic hypofractionated data, and QUANTEC (Pan 2010) states Child-Pugh B "
    "mean < 6 Gy for 4-6 Gy fractions (UNCONFIRMED in clinical-facts 4.3), so it is not a 2 Gy "
    "per fraction limit that an LQ conversion could move to 3-5 fractions; a CP-B SBRT plan above "
    "it fails, and a physician's limit is given with --liver-mean-limit-gy (reported as override)"
)
"""Decision on the Child-Pugh B mean normal-liver limit in hypofractionated and SBRT courses."""


def _oar_defaults() -> tuple[tuple[str, str, float, str], ...]:
    """Organ defaults of the planner, read from the conventional protocol (the one home).

    Cord and duodenum use the protocol's own limits (near-maximum taken as the voxel maximum,
    the stated dose not converted); the kidneys' bilateral mean applies per kidney; stomach and
    small-bowel maxima are the protocol's labelled ``planning_defaults``.
    """
    extra = {d.structure: d for d in planning_defaults()}
    cord, duodenum = protocol_limit("cord_max"), protocol_limit("duodenum_max")
    kidneys = protocol_limit("kidneys_mean")

    def row(kind: str, limit: SourcedLimit, structure: str = "", note: str = "") -> tuple[
        str, str, float, str
    ]:  # fmt: skip
        source = f"{limit.protocol} {limit.id} ({limit.status}): {limit.source}{note}"
        return (structure or limit.structure, kind, limit.limit, source)

    default = "; as a planning default: UNCONFIRMED"
    per_kidney = "; bilateral mean applied per kidney: UNCONFIRMED"
    return (
        row("max", cord, note=default),
        row("max", extra["Stomach"]),
        row("max", duodenum, note=default),
        row("max", extra["Bowel_Small"]),
        row("mean", kidneys, "Kidney_L", per_kidney),
        row("mean", kidneys, "Kidney_R", per_kidney),
    )


OAR_DEFAULTS: tuple[tuple[str, str, float, str], ...] = _oar_defaults()
"""``(structure, kind, dose_gy, source)`` of the planner's organ defaults (from the protocol)."""


GENERAL_NORMAL_LIVER = protocol_limit("liver_mean_general")
"""The mean normal-liver limit when the Child-Pugh class is unknown (seed 000, 22 Gy)."""


def default_constraints(
    child_pugh_class: str | None, available: set[str], normal_liver_mean_gy: float | None = None
) -> tuple[DoseConstraint, ...]:
    """Hard constraints for the structures present: normal-liver mean plus OAR defaults.

    Parameters
    ----------
    child_pugh_class
        ``"A"`` or ``"B"`` (seed 000 gives no limit for class C: planning is refused); ``None``
        when unknown (no clinical record): the general limit :data:`GENERAL_NORMAL_LIVER`.
    available
        Structure names that exist (the normal liver must be among them).
    normal_liver_mean_gy
        Override of the seed's limit (reported as such).
    """
    cls = "" if child_pugh_class is None else child_pugh_class.strip().upper()
    if child_pugh_class is not None and cls not in NORMAL_LIVER_MEAN_GY:
        raise ClinicalInputError(
            "child_pugh_class",
            "seed 000 gives a normal-liver tolerance only for Child-Pugh A (23 Gy) and B (6 Gy)",
            child_pugh_class,
            "use A or B; class C is outside the seed's indications for liver RT",
        )
    if normal_liver_mean_gy is None and child_pugh_class is None:
        general = GENERAL_NORMAL_LIVER
        limit = general.limit
        source = f"{general.protocol} {general.id} ({general.status}): {general.source} "
        source += "(Child-Pugh class unknown)"
    elif normal_liver_mean_gy is None:
        limit, source = NORMAL_LIVER_MEAN_GY[cls], f"{SEED_000} (class {cls})"
        if cls == "B":
            source = f"{source}; {CP_B_NOT_CONVERTED}"
    else:
        limit, source = float(normal_liver_mean_gy), "user override of the seed 000 limit"
    constraints = [DoseConstraint(NORMAL_LIVER, "mean", limit, source=source)]
    for name, kind, dose, src in OAR_DEFAULTS:
        if name in available:
            constraints.append(DoseConstraint(name, kind, dose, source=src))  # type: ignore[arg-type]
    return tuple(constraints)


class ProtocolLimit(Protocol):
    """A protocol limit at the plan's fractionation, located in the plan's structures.

    :class:`hccrt.evaluation.ConvertedLimit` (and an evaluation's constraint results) have
    these attributes; planning reads them without depending on the evaluation package.
    """

    @property
    def id(self) -> str: ...
    @property
    def structure(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def comparator(self) -> str: ...
    @property
    def limit(self) -> float: ...
    @property
    def priority(self) -> str: ...
    @property
    def source_status(self) -> str: ...
    @property
    def structure_in_plan(self) -> tuple[str, ...]: ...
    @property
    def derivation(self) -> str: ...


_V_PERCENT = re.compile(r"^V(?P<dose>[\d.]+)Gy\[%\]$")
_V_CC = re.compile(r"^V(?P<dose>[\d.]+)Gy\[cc\]$")
_MAX_METRICS = ("D0.03cc[Gy]", "D0.035cc[Gy]", "Dmax[Gy]", "D0.1cc[Gy]")
_D_CC = re.compile(r"^D(?P<volume>[\d.]+)cc\[Gy\]$")
_D_PERCENT = re.compile(r"^D(?P<volume>[\d.]+)%\[Gy\]$")
_CV_CC = re.compile(r"^CV(?P<dose>[\d.]+)Gy\[cc\]$")


def constraints_from_protocol(
    results: Sequence[ProtocolLimit],
    masks: Mapping[str, npt.NDArray[np.bool_]],
    voxel_cc: float,
    protocol_id: str,
) -> tuple[tuple[DoseConstraint, ...], dict[str, npt.NDArray[np.bool_]]]:
    """Turn the plan-evaluation protocol's mandatory organ limits into hard constraints.

    Parameters
    ----------
    results
        Limits already converted to the plan's fractionation by the evaluation module
        (:func:`hccrt.evaluation.converted_limits`).
    masks
        Structure masks on the dose grid.
    voxel_cc
        Dose-grid voxel volume (for cc-type DVH limits).
    protocol_id
        Protocol identifier, quoted in each constraint's source.

    Returns
    -------
    constraints, extra_masks
        Constraints for metrics the optimiser can express (mean, near-maximum taken as the
        voxel maximum, V_x[%], V_x[cc], D_x cc and D_x % as "at most that volume above the
        limit", and critical volumes CV_x[cc] >= N as "at most (volume - N) cc at or above
        x"); unions of plan structures (e.g. ``Kidneys``) are
        returned as extra masks. Target limits and minimum-dose limits are left to evaluation.
    """
    constraints: list[DoseConstraint] = []
    extra: dict[str, npt.NDArray[np.bool_]] = {}
    for r in results:
        if r.priority != "mandatory" or r.structure in ("PTV", "CTV", "GTV"):
            continue
        spared = _CV_CC.match(r.metric)
        if r.comparator not in ("<", "<=") and not (spared and r.comparator in (">", ">=")):
            continue
        name = r.structure
        if name not in masks:
            parts = tuple(r.structure_in_plan)
            if not parts or not all(p in masks for p in parts) or "minus" in r.derivation:
                continue
            extra[name] = np.logical_or.reduce([masks[p] for p in parts])
        mask = masks[name] if name in masks else extra[name]
        source = f"protocol {protocol_id}: {r.id} ({r.source_status or 'status n/a'})"
        if r.metric == "Dmean[Gy]":
            constraints.append(DoseConstraint(name, "mean", float(r.limit), source=source))
        elif r.metric in _MAX_METRICS:
            constraints.append(DoseConstraint(name, "max", float(r.limit), source=source))
        elif match := _V_PERCENT.match(r.metric):
            constraints.append(
                DoseConstraint(name, "dvh", float(match["dose"]), float(r.limit), source)
            )
        elif match := _V_CC.match(r.metric):
            _add_cc(constraints, name, float(match["dose"]), float(r.limit), mask, voxel_cc, source)
        elif match := _D_CC.match(r.metric):
            # D_x cc <= L: at most x cc above L.
            _add_cc(
                constraints, name, float(r.limit), float(match["volume"]), mask, voxel_cc, source
            )
        elif match := _D_PERCENT.match(r.metric):
            volume_pct = float(match["volume"])
            if 0 < volume_pct < 100:
                constraints.append(DoseConstraint(name, "dvh", float(r.limit), volume_pct, source))
        elif spared:
            # Critical volume: at least N cc below D, i.e. at most (volume - N) cc at or above D.
            volume_cc = float(mask.sum()) * voxel_cc
            _add_cc(
                constraints, name, float(spared["dose"]), volume_cc - float(r.limit), mask,
                voxel_cc, f"{source}; critical volume >= {float(r.limit):g} cc spared",
            )  # fmt: skip
    return tuple(constraints), extra


def _add_cc(
    constraints: list[DoseConstraint],
    name: str,
    dose_gy: float,
    volume_cc: float,
    mask: npt.NDArray[np.bool_],
    voxel_cc: float,
    source: str,
) -> None:
    """Add ``V(dose_gy) <= volume_cc`` as a DVH constraint in % of the structure, when it is a
    real limit (between 0 and the structure volume; a critical volume larger than the organ
    cannot be planned and is left to the evaluation's verdict)."""
    total_cc = float(mask.sum()) * voxel_cc
    if total_cc > 0 and 0 < volume_cc < total_cc:
        constraints.append(
            DoseConstraint(name, "dvh", dose_gy, volume_cc / total_cc * 100.0, source)
        )


def merge_constraints(
    seed_and_defaults: Sequence[DoseConstraint], from_protocol: Sequence[DoseConstraint]
) -> tuple[DoseConstraint, ...]:
    """Seed normal-liver limit first, then the protocol's limits, then defaults for organs the
    protocol does not constrain (exact duplicates of the seed limit are dropped)."""
    seed = [c for c in seed_and_defaults if c.structure == NORMAL_LIVER]
    defaults = [c for c in seed_and_defaults if c.structure != NORMAL_LIVER]
    covered = {c.structure for c in from_protocol}
    if "Kidneys" in covered:  # the protocol's union of both kidneys replaces the per-side default
        covered |= {"Kidney_L", "Kidney_R"}
    protocol = [
        c
        for c in from_protocol
        if not any(c.structure == s.structure and c.kind == s.kind for s in seed)
    ]
    return (*seed, *protocol, *(c for c in defaults if c.structure not in covered))


LIVER_OBJECTIVE_SOURCE = (
    "hccrt planning objective on the normal liver (user-chosen level, not from the seeds)"
)


def liver_objectives(
    child_pugh_class: str | None,
    fractions: int,
    ntcp_max_pct: float | None = None,
    geud_max_gy: float | None = None,
    priority: float | None = 1.0,
    parameter_set: str | None = None,
) -> tuple[DoseConstraint, ...]:
    """gEUD and LKB-NTCP objectives on the normal liver (``Liver-GTV``).

    Parameters
    ----------
    child_pugh_class
        Chooses the LKB parameters when ``parameter_set`` is None
        (:func:`hccrt.radiobiology.default_ntcp_parameter_set`: Tai 2009 by class, the
        evaluation's default); None (no patient record): an objective needs ``parameter_set``.
    fractions
        Number of fractions: the dose is converted by LQ to the fit's dose per fraction.
    ntcp_max_pct, geud_max_gy
        NTCP(RILD) at most this (%), gEUD (the set's n, on the converted dose) at most this (Gy);
        None: no such objective.
    priority
        Weight of the soft objectives; None: hard constraints (mandatory).
    parameter_set
        Name of another LKB parameter set.
    """
    from hccrt.radiobiology import default_ntcp_parameter_set, get_ntcp_parameter_set

    if ntcp_max_pct is None and geud_max_gy is None:
        return ()
    if child_pugh_class is None and not parameter_set:
        raise InputError(
            "--liver-ntcp-objective/--liver-geud-objective",
            "needs the Child-Pugh class: the LKB parameters are chosen by it, and the case has "
            "no patient record",
            None,
            "add patient.json (or a FHIR bundle) to the case, or drop the objective",
        )
    params = (
        default_ntcp_parameter_set(child_pugh_class)
        if child_pugh_class is not None and not parameter_set
        else get_ntcp_parameter_set(str(parameter_set))
    )
    eqd = EqdConversion(fractions, params.alpha_beta_gy, params.reference_dose_per_fraction_gy)
    source = (
        f"{LIVER_OBJECTIVE_SOURCE}; LKB {params.label} (n {params.n:g}, m {params.m:g}, TD50 "
        f"{params.td50_gy:g} Gy; {params.status.value}): {params.source}; dose converted by LQ "
        f"to {params.reference_dose_per_fraction_gy:g} Gy fractions, alpha/beta "
        f"{params.alpha_beta_gy:g} Gy"
    )
    out = []
    if geud_max_gy is not None:
        out.append(
            DoseConstraint(
                NORMAL_LIVER, "geud", float(geud_max_gy), source=source, n=params.n, eqd=eqd,
                priority=priority,
            )
        )  # fmt: skip
    if ntcp_max_pct is not None:
        out.append(
            DoseConstraint.lkb_ntcp(
                NORMAL_LIVER, float(ntcp_max_pct), n=params.n, m=params.m,
                td50_gy=params.td50_gy, eqd=eqd, priority=priority, source=source,
            )
        )  # fmt: skip
    return tuple(out)
