"""Independent dose of a planning system's RTPLAN on its CT (``hccrt dose``), as a secondary check.

Two stages, so that every input is checked before anything long runs and nothing is written on
error:

1. :func:`~hccrt.dose.check_inputs.load_dose_check_inputs` reads and checks the plan, the CT
   and the optional RTSTRUCT and reference RTDOSE: one Frame of Reference for all, a CT with its
   HU rescale and more than one slice, axis-aligned, holding every isocentre, a reference RTDOSE
   in Gy for this plan. All problems found are refused together in one message.
2. :func:`run_dose_check` selects a beam model for every beam (a beam whose machine and energy
   have none is refused by name), builds the fluences (:mod:`hccrt.dose._delivery`), calls the
   dose engine, scales the per-fraction dose by the fractions, compares it with the reference
   (gamma, DVH differences) and writes the RTDOSE and the report.

The engine and the model library are passed in (:class:`DoseEngine`, :class:`ModelLibrary`):
the collapsed-cone engine of :mod:`hccrt.dose` in the CLI.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from hccrt.core import Dose, Image
from hccrt.core.plan import Beam, Plan
from hccrt.dicom.rtdose_writer import write_rtdose
from hccrt.dicom.rtplan_writer import PatientReference
from hccrt.dose._delivery import beam_fluences, delivery_kind
from hccrt.dose.check_compare import DvhDifference, GammaResult, dvh_differences, gamma_results
from hccrt.dose.check_inputs import DoseCheckInputs, dose_grid_for, load_dose_check_inputs
from hccrt.dose.fluence import BeamFluence, CollimatorParameters
from hccrt.errors import InputError
from hccrt.geometry.grid import Grid, require_same_frame
from hccrt.planning.hu_density import HuDensityTable

__all__ = [
    "BeamRow",
    "DoseCheckInputs",
    "DoseCheckResult",
    "DoseEngine",
    "ModelLibrary",
    "collapsed_cone",
    "dose_grid_for",
    "load_dose_check_inputs",
    "plan_dose",
    "run_dose_check",
]

Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``."""


class BeamModelLike(Protocol):
    """What the check needs of a beam model: its collimator parameters and its source."""

    @property
    def collimator(self) -> CollimatorParameters:
        """MLC/jaw transmission, DLG, tongue and groove."""
        ...

    @property
    def source(self) -> str:
        """Where the model's data come from."""
        ...


class ModelLibrary(Protocol):
    """Beam models by machine and energy; ``select`` raises ``InputError`` when none fits."""

    def select(self, machine: str, energy: str) -> BeamModelLike:
        """The model of one beam."""
        ...


class DoseEngine(Protocol):
    """The final-dose engine: fluences and CT density to dose (Gy) on a grid."""

    def __call__(
        self,
        fluences: Sequence[BeamFluence],
        density: npt.NDArray[np.floating],
        density_grid: Grid,
        models: Any,
        dose_grid: Grid,
        progress: Progress | None = None,
    ) -> npt.NDArray[np.floating]:
        """Dose (Gy) of the given fluences on ``dose_grid``."""
        ...


@dataclass(frozen=True)
class BeamRow:
    """One beam as the report lists it."""

    number: int
    name: str
    machine: str
    energy: str
    delivery: str
    monitor_units: float
    control_points: int
    gantry_deg: float
    collimator_deg: float
    couch_deg: float
    directions: int
    model_source: str


@dataclass(frozen=True)
class DoseCheckResult:
    """What ``hccrt dose`` reports (JSON keys are these attribute names)."""

    rtdose: str
    plan_label: str
    plan_uid: str
    fractions: int
    prescription_gy: float | None
    total_mu_per_fraction: float
    beams: tuple[BeamRow, ...]
    dose_grid_mm: float
    dose_grid_shape: tuple[int, int, int]
    max_dose_gy: float
    reference_max_dose_gy: float | None
    gamma: tuple[GammaResult, ...]
    dvh: tuple[DvhDifference, ...]
    density_source: str
    notes: tuple[str, ...]
    timings_s: dict[str, float] = field(default_factory=dict)
    report_html: str = ""
    report_pdf: str = ""


def _models(plan: Plan, library: ModelLibrary) -> dict[int, BeamModelLike]:
    chosen: dict[int, BeamModelLike] = {}
    refused: list[str] = []
    for beam in plan.beams:
        try:
            chosen[beam.number] = library.select(beam.machine, beam.energy)
        except InputError as error:
            refused.append(
                f"beam {beam.number} {beam.name!r} ({beam.machine}, {beam.energy}, "
                f"{delivery_kind(beam)}): {error.rule}"
            )
    if refused:
        raise InputError(
            "energy",
            "no beam model for " + "; ".join(refused),
            None,
            "load a commissioned model of that machine and energy with --beam-model",
        )
    return chosen


def run_dose_check(
    inputs: DoseCheckInputs,
    library: ModelLibrary,
    engine: DoseEngine,
    out: str | Path,
    *,
    report_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> DoseCheckResult:
    """Compute the plan's dose with ``engine``, compare it, write the RTDOSE and the report.

    Parameters
    ----------
    inputs
        From :func:`load_dose_check_inputs`.
    library
        Beam models by machine and energy.
    engine
        The dose engine (per-fraction fluences in, Gy out).
    out
        RTDOSE file to write (physical dose, Gy, whole course, DoseSummationType PLAN).
    report_dir
        Where to write the secondary-check report (HTML and PDF); none when ``None``.
    progress
        Called with ``(step, done, total)`` during the dose calculation.

    Returns
    -------
    DoseCheckResult
    """
    from hccrt.dose.check_report import write_reports

    timings: dict[str, float] = {}
    start = time.perf_counter()
    plan = inputs.plan.plan
    models = _models(plan, library)
    dose_grid = inputs.dose_grid
    table = HuDensityTable()
    dose, directions = _course_dose(
        plan, table(inputs.ct.hu), inputs.ct.grid, dose_grid, library, engine, progress, timings
    )
    gamma: tuple[GammaResult, ...] = ()
    dvh: tuple[DvhDifference, ...] = ()
    if inputs.reference is not None:
        tick = time.perf_counter()
        gamma = gamma_results(inputs.reference, dose, dose_grid, progress)
        timings["gamma_s"] = time.perf_counter() - tick
        if inputs.structures is not None:
            tick = time.perf_counter()
            dvh = dvh_differences(inputs.structures, inputs.reference, dose, dose_grid)
            timings["dvh_s"] = time.perf_counter() - tick
    notes = [*inputs.notes, f"HU to electron density: {table.source}"]
    reference = PatientReference(
        patient_id=inputs.plan.patient_id or inputs.ct.patient_id,
        patient_name=inputs.plan.patient_name or inputs.ct.patient_name,
        study_instance_uid=inputs.plan.study_instance_uid or inputs.ct.study_instance_uid,
        frame_of_reference_uid=inputs.ct.grid.frame_of_reference_uid,
        structure_set_uid=plan.referenced_structure_set_uid or "",
    )
    write_rtdose(out, dose, dose_grid, reference, plan.sop_instance_uid, "hccrt secondary check")
    result = DoseCheckResult(
        rtdose=str(out),
        plan_label=plan.label or plan.name,
        plan_uid=plan.sop_instance_uid,
        fractions=plan.fractions,
        prescription_gy=plan.prescription_gy,
        total_mu_per_fraction=plan.total_monitor_units,
        beams=tuple(_row(b, directions[b.number], models[b.number]) for b in plan.beams),
        dose_grid_mm=float(dose_grid.spacing_mm[0]),
        dose_grid_shape=dose_grid.shape,
        max_dose_gy=float(dose.max()),
        reference_max_dose_gy=(
            None if inputs.reference is None else float(inputs.reference.dose_gy.max())
        ),
        gamma=gamma,
        dvh=dvh,
        density_source=table.source,
        notes=tuple(notes),
        timings_s=timings,
    )
    if report_dir is not None:
        html, pdf = write_reports(result, inputs, Path(report_dir))
        result = replace(result, report_html=str(html), report_pdf=str(pdf))
    timings["total_s"] = time.perf_counter() - start
    return result


def _course_dose(
    plan: Plan,
    density: npt.NDArray[np.floating],
    density_grid: Grid,
    dose_grid: Grid,
    library: ModelLibrary,
    engine: DoseEngine,
    progress: Progress | None,
    timings: dict[str, float],
) -> tuple[npt.NDArray[np.float64], dict[int, int]]:
    """Whole-course dose (Gy) of ``plan`` and the number of fluence directions per beam."""
    start = time.perf_counter()
    models = _models(plan, library)
    by_beam = {b.number: beam_fluences(b, models[b.number].collimator) for b in plan.beams}
    fluences = [f for beam_samples in by_beam.values() for f in beam_samples]
    timings["fluence_s"] = time.perf_counter() - start
    tick = time.perf_counter()
    per_fraction = engine(fluences, density, density_grid, library, dose_grid, progress)
    timings["dose_s"] = time.perf_counter() - tick
    dose = np.asarray(per_fraction, dtype=np.float64) * plan.fractions
    return dose, {number: len(samples) for number, samples in by_beam.items()}


def plan_dose(
    plan: Plan,
    ct: Image,
    dose_grid: Grid,
    *,
    model_files: Sequence[str | Path] = (),
    progress: Progress | None = None,
) -> tuple[Dose, dict[str, float]]:
    """The final (collapsed-cone) dose of a plan held in memory, as ``hccrt dose`` computes it.

    ``hccrt plan`` and ``hccrt run`` report this dose for the chosen plan (the pencil beam
    stays the optimiser's dose-influence model).

    Parameters
    ----------
    plan
        The plan (MU per fraction, fractions), in the CT's Frame of Reference.
    ct
        Planning CT (HU); the generic HU-to-density table converts it.
    dose_grid
        Output grid (same Frame of Reference as the CT).
    model_files
        Commissioned beam models; the shipped 6 MV model when empty.
    progress
        Called with ``(beam, done, total)``.

    Returns
    -------
    tuple
        The whole-course dose (Gy, dose to medium) and the timings (s).

    Raises
    ------
    InputError
        A beam whose machine and energy have no model, or a plan in another frame.
    """
    require_same_frame(
        plan.frame_of_reference_uid or ct.grid.frame_of_reference_uid,
        ct.grid.frame_of_reference_uid,
        "plan with CT",
    )
    library, engine = collapsed_cone(model_files)
    timings: dict[str, float] = {}
    dose, _ = _course_dose(
        plan, HuDensityTable()(ct.hu), ct.grid, dose_grid, library, engine, progress, timings
    )
    return Dose(
        dose_grid, dose.astype(np.float32), referenced_plan_uid=plan.sop_instance_uid or None
    ), timings


def _row(beam: Beam, directions: int, model: BeamModelLike) -> BeamRow:
    point = beam.control_points[0]
    return BeamRow(
        number=beam.number,
        name=beam.name,
        machine=beam.machine,
        energy=beam.energy,
        delivery=delivery_kind(beam),
        monitor_units=beam.monitor_units,
        control_points=len(beam.control_points),
        gantry_deg=point.gantry_deg,
        collimator_deg=point.collimator_deg,
        couch_deg=point.couch_deg,
        directions=directions,
        model_source=model.source,
    )


def collapsed_cone(model_files: Sequence[str | Path] = ()) -> tuple[ModelLibrary, DoseEngine]:
    """hccrt's collapsed-cone engine and its model library.

    Parameters
    ----------
    model_files
        Commissioned beam models (JSON, one machine and energy each); the shipped 6 MV model
        when empty.

    Returns
    -------
    tuple
        The library and the engine, for :func:`run_dose_check`.
    """
    from hccrt.dose._beam_model import BeamModel, BeamModelLibrary
    from hccrt.dose._engine import compute_dose

    if model_files:
        library = BeamModelLibrary([BeamModel.load(Path(p)) for p in model_files])
    else:
        library = BeamModelLibrary.default()
    return library, compute_dose
