"""The workflow verbs of ``import hccrt``: read, assess, plan, evaluate, report, radiobiology.

Each verb is a thin, documented entry point to one library function, imported when the verb is
first called, so ``import hccrt`` loads no numerical library. The library modules stay the
reference for every option; the verbs name the steps a physicist takes in a notebook.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy.typing as npt

    from hccrt.clinical.assess import Assessment
    from hccrt.clinical.patient import PatientRecord
    from hccrt.core import Image
    from hccrt.dicom.case import CaseInventory
    from hccrt.dvh.histogram import DoseVolumeHistogram
    from hccrt.evaluation.evaluate import Evaluation
    from hccrt.evaluation.technique import PlanFacts
    from hccrt.geometry.contours import StructureContours
    from hccrt.geometry.grid import Grid
    from hccrt.geometry.margin_spec import Margins
    from hccrt.pipeline.results import RunResult

__all__ = [
    "assess",
    "bed",
    "compute_dvh",
    "eqd2",
    "evaluate_plan",
    "expand",
    "plan",
    "read_case",
    "read_patient",
    "run_case",
    "write_report",
]


def read_case(case_dir: str | Path) -> CaseInventory:
    """Inventory a case folder: which CT, RTSTRUCT, RTPLAN, RTDOSE and patient record it holds.

    Parameters
    ----------
    case_dir
        Folder with DICOM files (any names, sub-folders allowed) and optionally
        ``patient.json``.

    Returns
    -------
    CaseInventory
        The files found with their headers, checked for one patient and consistent Frames of
        Reference (:func:`hccrt.dicom.case.inventory_case`).
    """
    from hccrt.dicom.case import inventory_case

    return inventory_case(Path(case_dir))


def read_patient(path: str | Path) -> PatientRecord:
    """Read and validate a patient record (``patient.json``, schema in docs/).

    Parameters
    ----------
    path
        The JSON file. Units are in the field names (``bilirubin_mg_dl`` or
        ``bilirubin_umol_l``).

    Returns
    -------
    PatientRecord
        The validated, immutable record; an invalid value raises
        :class:`hccrt.errors.InputError` naming the field and the fix.

    Examples
    --------
    >>> record = read_patient("examples/patients/single_hcc_child_a.json")
    >>> record.patient_id
    'EX-001'
    """
    from hccrt.clinical.patient import load_patient

    return load_patient(path)


def assess(patient: PatientRecord, **options: Any) -> Assessment:
    """Assess a patient against the seed rules: scores, staging, options and the RT outline.

    Parameters
    ----------
    patient
        A record from :func:`read_patient`.
    **options
        ``settings``: overrides of the labelled non-seed defaults
        (:class:`hccrt.clinical.settings.ClinicalSettings`).

    Returns
    -------
    Assessment
        Child-Pugh, ALBI, MELD, BCLC/CNLC, rated local therapies and the radiotherapy plan
        outline, each item with its reasons, rule ids and sources
        (:func:`hccrt.clinical.assess.assess`).

    Examples
    --------
    >>> result = assess(read_patient("examples/patients/single_hcc_child_a.json"))
    >>> cp = result.liver_function.child_pugh
    >>> (cp.class_, cp.score)
    ('A', 5)
    """
    from hccrt.clinical.assess import assess as assess_patient

    return assess_patient(patient, **options)


def compute_dvh(
    structure: StructureContours, dose_gy: npt.ArrayLike, dose_grid: Grid, **options: Any
) -> DoseVolumeHistogram:
    """DVH of one structure in a dose distribution.

    Parameters
    ----------
    structure
        Planar contours in LPS mm (e.g. ``read_rtstruct(path).get("PTV")``).
    dose_gy
        Dose in Gy on ``dose_grid``, indexed ``[slice, row, column]``.
    dose_grid
        The dose grid; its Frame of Reference must be the structure's.
    **options
        ``subtract``, ``name``, ``settings`` and ``occupancy`` of
        :func:`hccrt.dvh.compute_dvh`.

    Returns
    -------
    DoseVolumeHistogram
        Volume (cc), Dmin/Dmean/Dmax (Gy) and the cumulative curve, with its method and
        warnings.
    """
    from hccrt.dvh import compute_dvh as dvh

    return dvh(structure, dose_gy, dose_grid, **options)


def evaluate_plan(
    structures: list[StructureContours] | tuple[StructureContours, ...],
    dose_gy: npt.ArrayLike,
    dose_grid: Grid,
    plan: PlanFacts,
    **options: Any,
) -> Evaluation:
    """Evaluate a plan dose against an HCC protocol: constraints, NTCP and a verdict.

    Parameters
    ----------
    structures
        The plan's structures (contours in LPS mm).
    dose_gy
        Dose in Gy on ``dose_grid``.
    dose_grid
        The dose grid.
    plan
        Fractions, prescription and technique (:class:`hccrt.evaluation.technique.PlanFacts`).
    **options
        ``protocol``, ``child_pugh_class``, ``patient``, ``settings`` and the other keywords
        of :func:`hccrt.evaluation.evaluate.evaluate_plan`.

    Returns
    -------
    Evaluation
        Every constraint with its value, limit, source and status, the NTCP and the verdict;
        ``to_json()`` gives ``evaluation.json``.
    """
    from hccrt.evaluation.evaluate import evaluate_plan as evaluate

    return evaluate(structures, dose_gy, dose_grid, plan, **options)


def plan(
    case_dir: str | Path,
    out_dir: str | Path,
    prescription_gy: float,
    fractions: int,
    **options: Any,
) -> dict[str, Any]:
    """Plan a case folder: 3DCRT first, IMRT when the dosimetric requirements are not met.

    Parameters
    ----------
    case_dir
        Folder with the CT series, an RTSTRUCT and ``patient.json``.
    out_dir
        Where the RTPLAN, RTDOSE, ``plan.json`` and the evaluation are written.
    prescription_gy
        Prescribed total dose (Gy).
    fractions
        Number of fractions.
    **options
        ``technique``, ``child_pugh_class``, ``target``, ``gantry_deg``, ``dose_spacing_mm``,
        ``normal_liver_mean_gy`` and ``progress`` of the planning workflow.

    Returns
    -------
    dict
        The ``plan.json`` payload: technique chosen and why, beams, monitor units and the
        written files.
    """
    from hccrt.pipeline import plan_case_dir

    return plan_case_dir(Path(case_dir), Path(out_dir), prescription_gy, fractions, **options)


def run_case(case_dir: str | Path, out_dir: str | Path, **options: Any) -> RunResult:
    """Run every available stage on a case folder (``hccrt run``).

    Parameters
    ----------
    case_dir
        Folder with ``patient.json`` and any DICOM files.
    out_dir
        Results folder (``run.json``, ``summary.txt``, the evaluation and report).
    **options
        ``force`` and ``options`` (:class:`hccrt.pipeline.RunOptions`).

    Returns
    -------
    RunResult
        What each stage did, with the paths it wrote.
    """
    from hccrt.pipeline.main import run_case as run

    return run(Path(case_dir), Path(out_dir), **options)


def write_report(
    evaluation: Evaluation, out_dir: str | Path, ct: Image | None = None
) -> dict[str, Path]:
    """Write ``evaluation.json``, ``report.html`` and ``report.pdf`` for an evaluation.

    Parameters
    ----------
    evaluation
        A result of :func:`evaluate_plan`.
    out_dir
        Output folder (created if needed).
    ct
        Optional CT image (:class:`hccrt.core.Image`, as :func:`read_case` readers return it)
        for the dose figures.

    Returns
    -------
    dict
        The written files by kind (``"json"``, ``"html"``, ``"pdf"``, figures).
    """
    from hccrt.report.writer import write_report as write

    return write(evaluation, out_dir, ct)


def bed(dose_per_fraction_gy: float, fractions: int, alpha_beta_gy: float) -> float:
    """Biologically effective dose (Gy) of equal fractions, linear-quadratic model.

    Parameters
    ----------
    dose_per_fraction_gy
        Physical dose per fraction (Gy).
    fractions
        Number of fractions (>= 1).
    alpha_beta_gy
        α/β of the tissue (Gy): HCC 10 or 15, normal liver 2-3.

    Returns
    -------
    float
        BED = n·d·(1 + d/(α/β)) in Gy (Fowler 1989; no time factor).

    Examples
    --------
    >>> bed(5.0, 10, 10.0)
    75.0
    """
    from hccrt.radiobiology import bed_lq

    return bed_lq(dose_per_fraction_gy, fractions, alpha_beta_gy)


def eqd2(dose_per_fraction_gy: float, fractions: int, alpha_beta_gy: float) -> float:
    """Equivalent dose in 2 Gy fractions (Gy), linear-quadratic model.

    Parameters
    ----------
    dose_per_fraction_gy
        Physical dose per fraction (Gy).
    fractions
        Number of fractions (>= 1).
    alpha_beta_gy
        α/β of the tissue (Gy).

    Returns
    -------
    float
        EQD2 = n·d·(d + α/β)/(2 + α/β) in Gy.

    Examples
    --------
    >>> eqd2(5.0, 10, 10.0)
    62.5
    """
    from hccrt.radiobiology import eqd2_lq

    return eqd2_lq(dose_per_fraction_gy, fractions, alpha_beta_gy)


def expand(
    mask: npt.ArrayLike, grid: Grid, margin_mm: Margins | float, **options: Any
) -> npt.NDArray[Any]:
    """Expand a binary mask by an exact margin in mm (e.g. GTV to CTV inside the liver).

    Parameters
    ----------
    mask
        Boolean voxel mask on ``grid``.
    grid
        The voxel grid (spacing in mm).
    margin_mm
        One isotropic margin in mm, or per-direction
        :class:`hccrt.geometry.margin_spec.Margins`.
    **options
        ``contract`` (shrink instead), ``within`` (keep inside this mask) and ``subtract``
        (remove this mask) of :func:`hccrt.geometry.margins.apply_margin`.

    Returns
    -------
    numpy.ndarray
        The new boolean mask on ``grid``; the input is not modified.
    """
    from hccrt.geometry.margins import apply_margin

    return apply_margin(mask, grid, margin_mm, **options)
