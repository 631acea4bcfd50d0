"""Enumerations of the patient record (values are part of the JSON schema)."""

from __future__ import annotations

from enum import StrEnum


class Ascites(StrEnum):
    """Ascites as graded for Child-Pugh (none / mild or diuretic-controlled / moderate-severe)."""

    none = "none"
    mild = "mild"
    moderate_severe = "moderate_severe"


class Encephalopathy(StrEnum):
    """Hepatic encephalopathy grade as used by Child-Pugh (West Haven grades)."""

    none = "none"
    grade_1_2 = "grade_1_2"
    grade_3_4 = "grade_3_4"


class Histology(StrEnum):
    """HCC = hepatocellular carcinoma, ICC = intrahepatic cholangiocarcinoma."""

    HCC = "HCC"
    ICC = "ICC"


class PortalVeinInvasion(StrEnum):
    """Tumour thrombus in the portal vein: none, a (segmental/lobar) branch, or the main trunk."""

    none = "none"
    branch = "branch"
    main_trunk = "main_trunk"


class ExtrahepaticSite(StrEnum):
    """Site of an extrahepatic metastasis."""

    lymph_node = "lymph_node"
    adrenal = "adrenal"
    bone = "bone"
    brain = "brain"
    lung = "lung"
    other = "other"


class PriorTreatmentKind(StrEnum):
    """Kind of a previous HCC treatment."""

    resection = "resection"
    transplant = "transplant"
    ablation = "ablation"
    tace = "tace"
    tae = "tae"
    deb_tace = "deb_tace"
    y90_radioembolization = "y90_radioembolization"
    ebrt = "ebrt"
    sbrt = "sbrt"
    systemic_therapy = "systemic_therapy"
    other = "other"


class TreatmentOutcome(StrEnum):
    """Result of a previous treatment at the latest assessment."""

    complete_response = "complete_response"
    residual = "residual"
    recurrence = "recurrence"
    unknown = "unknown"


class Sex(StrEnum):
    """Sex as used by MELD 3.0 (Kim et al., Gastroenterology 2021: a term for female sex)."""

    female = "female"
    male = "male"


class TumourPattern(StrEnum):
    """Intrahepatic tumour pattern of BCLC-B (Reig et al., J Hepatol 2022).

    ``well_defined``: well-defined nodules; ``diffuse_infiltrative``: diffuse, infiltrative,
    extensive bilobar liver involvement.
    """

    well_defined = "well_defined"
    diffuse_infiltrative = "diffuse_infiltrative"
