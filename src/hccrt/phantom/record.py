"""The clinical record of the synthetic patient (``patient.json``), consistent with its images.

Laboratory values are chosen to give the requested Child-Pugh class (A: 5 points, B: 7 points:
bilirubin 2.2 mg/dL and albumin 3.1 g/dL score 2 each, INR 1.5, no ascites or encephalopathy
score 1 each). Tumour diameters and Couinaud segments come from the placed tumours, location
facts (subcapsular, next to the diaphragm, a large vessel or bowel) from their distance to those
structures in the phantom, and the portal-vein tumour thrombus sets
``vascular_invasion.portal_vein = "branch"`` (right portal vein). Facts the images cannot show
(resectability, transplant listing, breathing control) are left unknown (``null``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from hccrt.clinical.patient import (
    Ascites,
    Encephalopathy,
    ExtrahepaticDisease,
    Histology,
    PatientRecord,
    PortalVeinInvasion,
    PriorTreatment,
    PriorTreatmentKind,
    Tumor,
    VascularInvasion,
)
from hccrt.phantom.anatomy import Anatomy
from hccrt.phantom.tumors import PlacedTumor, sphere_points

ADJACENT_MM = 10.0
"""A tumour surface closer than this to a structure counts as adjacent to it."""

SUBCAPSULAR_MM = 5.0
"""A tumour surface closer than this to the liver surface counts as subcapsular."""

_LABS = {
    "A": {"bilirubin_mg_dl": 0.9, "albumin_g_dl": 3.9, "inr": 1.1, "kps": 90, "ecog": 0},
    "B": {"bilirubin_mg_dl": 2.2, "albumin_g_dl": 3.1, "inr": 1.5, "kps": 80, "ecog": 1},
}


def _within(anatomy_solid_field: float, radius_mm: float, distance_mm: float) -> bool:
    return anatomy_solid_field < radius_mm + distance_mm


def _tumor_facts(tumor: PlacedTumor, anatomy: Anatomy) -> Tumor:
    center = np.asarray(tumor.center_mm, dtype=np.float64)
    radius = tumor.diameter_mm / 2.0
    liver = anatomy.organs["Liver"].shape
    shell = sphere_points(center, radius + SUBCAPSULAR_MM)
    subcapsular = not bool(np.all(liver.contains(shell)))
    probe = [np.array([v]) for v in center]
    diaphragm_gap = -float(anatomy.below_diaphragm.field(*probe)[0])
    vessel_gap = float(anatomy.vessels.field(*probe)[0])
    bowel_gap = float(anatomy.bowel.field(*probe)[0])
    return Tumor(
        diameter_cm=round(tumor.diameter_mm / 10.0, 2),
        segment=tumor.segment,
        subcapsular=subcapsular,
        adjacent_to_diaphragm=diaphragm_gap < radius + ADJACENT_MM,
        near_major_vessel=_within(vessel_gap, radius, ADJACENT_MM),
        adjacent_to_bowel=_within(bowel_gap, radius, ADJACENT_MM),
        adjacent_to_gallbladder=False,
    )


def build_record(
    seed: int,
    child_pugh: str,
    anatomy: Anatomy,
    portal_vein_thrombus: bool,
    normal_liver_volume_cc: float,
    study_date: date,
    lipiodol: bool = False,
) -> PatientRecord:
    """The patient record matching the phantom's options and anatomy.

    Parameters
    ----------
    seed
        Phantom seed (patient ID ``PHANTOM-<seed>``, age 55-74 years).
    child_pugh
        ``"A"`` or ``"B"``.
    anatomy
        The built anatomy (tumours and the structures used for the location facts).
    portal_vein_thrombus
        Whether a right portal vein tumour thrombus is present.
    normal_liver_volume_cc
        Liver minus GTV volume from the contours, cc.
    study_date
        Date of the planning CT; radiotherapy is planned to start 14 days later.
    lipiodol
        The CT is post-TACE (``--lipiodol``): the record holds a conventional (lipiodol) TACE
        6 weeks before the CT, with the deposition left for ``hccrt run`` to measure.
    """
    labs = _LABS[child_pugh]
    tumors: Sequence[Tumor] = [_tumor_facts(t, anatomy) for t in anatomy.tumors]
    return PatientRecord(
        patient_id=f"PHANTOM-{seed}",
        name=f"Synthetic liver patient {seed}",
        age_years=55 + seed % 20,
        bilirubin_mg_dl=labs["bilirubin_mg_dl"],
        albumin_g_dl=labs["albumin_g_dl"],
        inr=labs["inr"],
        creatinine_mg_dl=0.9,
        sodium_mmol_l=138.0,
        alt_u_l=48.0,
        alt_uln_u_l=40.0,
        ast_u_l=56.0,
        ast_uln_u_l=40.0,
        alp_u_l=110.0,
        alp_uln_u_l=120.0,
        kps=int(labs["kps"]),
        ecog=int(labs["ecog"]),
        ascites=Ascites.none,
        encephalopathy=Encephalopathy.none,
        cirrhosis=True,
        histology=Histology.HCC,
        tumors=tuple(tumors),
        vascular_invasion=VascularInvasion(
            portal_vein=PortalVeinInvasion.branch
            if portal_vein_thrombus
            else PortalVeinInvasion.none
        ),
        extrahepatic_disease=tuple[ExtrahepaticDisease, ...](),
        planned_rt_start_date=study_date + timedelta(days=14),
        normal_liver_volume_cc=round(normal_liver_volume_cc, 1),
        prior_treatments=(
            (
                PriorTreatment(
                    kind=PriorTreatmentKind.tace,
                    date=study_date - timedelta(weeks=6),
                    notes="conventional TACE with lipiodol (synthetic)",
                ),
            )
            if lipiodol
            else ()
        ),
    )
