"""The lipiodol stage of the main job: measure the deposition after TACE and tell the assessment.

Seed 001 names "poor iodine oil deposition" among the reasons for radiotherapy alone. When the
record lists a conventional (lipiodol) TACE and does not state the deposition itself
(``poor_lipiodol_deposition`` is empty), ``hccrt run`` measures it on the planning CT with
:func:`hccrt.registration.lipiodol.find_lipiodol` (deposits >= 300 HU inside the Liver, the share
of the GTV they fill; threshold and the 50 % cut-off UNCONFIRMED) and passes the result to the
assessment, labelled as measured. A value the clinician entered is never replaced: a measurement
that disagrees with it is reported as a warning.
"""

from __future__ import annotations

import json

from hccrt.clinical.patient import PatientRecord, PriorTreatmentKind
from hccrt.dicom.case import CaseInventory
from hccrt.dvh.names import gtv_like
from hccrt.errors import InputError
from hccrt.pipeline.results import CaseImages, StageOutcome, Workspace

__all__ = ["lipiodol_stage"]

_SOURCE = (
    "seed 001: poor iodine oil deposition is a reason for radiotherapy alone; measured by hccrt "
    "(lipiodol >= threshold HU inside the Liver ROI; share of the GTV filled, poor below 50 %, "
    "UNCONFIRMED cut-off)"
)


def lipiodol_stage(
    inventory: CaseInventory,
    patient: PatientRecord,
    work: Workspace,
    images: CaseImages | None = None,
) -> PatientRecord:
    """Measure the lipiodol deposition on the planning CT after TACE (module docstring).

    Parameters
    ----------
    inventory
        The case's files.
    patient
        The patient record; returned unchanged unless the deposition was measured and the record
        left it empty.
    work
        The run's workspace (stage outcome, ``lipiodol.json``, warnings).
    images
        The case's CT and RTSTRUCT as the main job reads them once (read here when None).

    Returns
    -------
    PatientRecord
        The record the assessment uses. Without a TACE in the record there is nothing to measure
        and no stage is recorded.
    """
    if not any(t.kind is PriorTreatmentKind.tace for t in patient.prior_treatments):
        return patient  # no conventional (lipiodol) TACE: nothing to measure, no stage
    if not inventory.ct_files or inventory.rtstruct is None:
        detail = "no CT with an RTSTRUCT to measure the deposition on"
        work.stages.append(StageOutcome("lipiodol", "skipped", detail))
        return patient
    from hccrt.registration.lipiodol import find_lipiodol

    images = images or CaseImages(inventory)
    try:
        structures = images.structure_set
        gtvs = gtv_like(structures.names)
        if "Liver" not in structures.names or not gtvs:
            detail = "the RTSTRUCT needs a Liver and a GTV to measure the deposition"
            work.stages.append(StageOutcome("lipiodol", "skipped", detail))
            return patient
        gtv = "GTV" if "GTV" in gtvs else gtvs[0]
        others = [s for s in structures.structures if s.name not in ("Liver", "BODY")]
        report = find_lipiodol(
            images.ct, structures.get("Liver"), gtv=structures.get(gtv), others=others
        )
    except InputError as error:  # unreadable images: the record is used as it is
        work.stages.append(StageOutcome("lipiodol", "failed", str(error)))
        return patient
    outputs = (work.write_json("lipiodol.json", json.dumps(report.to_json(), indent=2)),)
    poor, fraction = report.poor_deposition, report.deposition_fraction
    if poor is None or fraction is None:
        work.stages.append(StageOutcome("lipiodol", "done", "no GTV to compare with", outputs))
        return patient
    verdict = "poor" if poor else "adequate"
    detail = (
        f"{len(report.candidates)} deposit(s) fill {100 * fraction:.0f} % of {gtv}: {verdict} "
        f"deposition ({_SOURCE})"
    )
    given = patient.poor_lipiodol_deposition
    if given is None:
        work.warnings.append(
            f"poor_lipiodol_deposition={poor} measured on the CT, not given in the record; "
            "confirm it on the images (lipiodol.json)"
        )
        detail += "; given to the assessment"
        work.stages.append(StageOutcome("lipiodol", "done", detail, outputs))
        return patient.model_copy(update={"poor_lipiodol_deposition": poor})
    if given != poor:
        work.warnings.append(
            f"poor_lipiodol_deposition={given} in the record, but the CT measurement says "
            f"{verdict} ({100 * fraction:.0f} % of {gtv}); the record's value is used"
        )
    detail += "; the record's value is used"
    work.stages.append(StageOutcome("lipiodol", "done", detail, outputs))
    return patient
