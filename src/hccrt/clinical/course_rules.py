"""Rules of the patient course: re-irradiation, cumulative liver dose, TACE + RT, mRECIST.

Registration only (imported by :mod:`hccrt.clinical.course_assess` and
:mod:`hccrt.clinical.course_followup`). The seed rules of TACE spacing (``SEQ-TACE2``) and the
TACE-RT interval (``RILD-TACE-1M``) are reused from :mod:`hccrt.clinical.rules.rt_sequencing`.
"""

from __future__ import annotations

from hccrt.clinical.sources import Status, facts_rule, literature_rule

AREA = "Patient course: re-irradiation, cumulative liver dose, TACE + RT, response"

HUANG_2016 = (
    "Huang Y, Chen SW, Fan CC et al. Clinical parameters for predicting radiation-induced liver "
    "disease after intrahepatic reirradiation for hepatocellular carcinoma. Radiat Oncol "
    "2016;11:89 (doi 10.1186/s13014-016-0663-1, PMC4930588; abstract checked; clinical-facts S28)"
)
YOON_2018 = (
    "Yoon SM, Ryoo BY, Lee SJ et al. Efficacy and safety of transarterial chemoembolization plus "
    "external beam radiotherapy vs sorafenib in hepatocellular carcinoma with macroscopic "
    "vascular invasion: a randomized clinical trial (START). JAMA Oncol 2018;4:661-669 "
    "(doi 10.1001/jamaoncol.2017.5847, PMC5885246; abstract and NCT01901692 criteria checked)"
)
LENCIONI_2010 = (
    "Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular carcinoma. "
    "Semin Liver Dis 2010;30:52-60 (criteria as tabulated by the Korean Liver Cancer "
    "Association-National Cancer Center 2022 guideline, Korean J Radiol 2022;23:1126, Table 11)"
)


def _literature(
    rule_id: str, title: str, citation: str, passage: str, status: Status, inputs: tuple[str, ...]
) -> None:
    literature_rule(rule_id, title, citation, passage, status, inputs, AREA)


def _lq(rule_id: str, title: str, passage: str, status: Status, inputs: tuple[str, ...]) -> None:
    facts_rule(
        rule_id, title, "§3.1 (LQ, EQD2) and hccrt's derivation", passage, status, inputs, AREA
    )


_literature(
    "COURSE-REIRR-CTP6",
    "Re-irradiation: Child-Pugh score ≥ 6 before the second course predicts RILD",
    HUANG_2016,
    "36 HCC patients with 2 courses of liver RT; 13 (36 %) developed RILD. A pretreatment "
    "Child-Turcotte-Pugh score ≥ 6 was the only predictor of RILD (OR 15.83, p = 0.001) and of "
    "lethal RILD (OR 72.56, p = 0.005); CTP ≥ 6 and portal vein tumour thrombosis before "
    "reirradiation were prognostic for overall survival. Doses as EQD2 with α/β 8 Gy for the "
    "normal liver (mean cumulative normal-liver EQD2 31.1 Gy8).",
    Status.verified,
    ("labs before the new RT course (Child-Pugh items)", "vascular_invasion"),
)
_lq(
    "COURSE-CUM-EQD2",
    "Cumulative normal-liver EQD2: courses converted with their own fractionation and added",
    "EQD2 = D·(d + α/β)/(2 + α/β) per course (voxel-wise when the earlier dose shares the Frame "
    "of Reference or is linked by a rigid registration; otherwise from the course's mean "
    "dose). α/β of the normal liver 8 Gy by default (as in the re-irradiation study of Huang "
    "2016, clinical-facts §3.3 S28; Son 2013), overridable.",
    Status.derived,
    ("events[rt].dose_gy", "events[rt].fractions", "events[rt].mean_normal_liver_dose_gy"),
)
_lq(
    "COURSE-CUM-MEAN",
    "Mean-dose approximation of a course's EQD2 is a lower bound",
    "The EQD2 of the mean physical dose treats the dose as uniform; EQD2 is convex in the dose, "
    "so the mean of the voxel EQD2 is at least the EQD2 of the mean (Jensen's inequality).",
    Status.derived,
    ("events[rt].mean_normal_liver_dose_gy",),
)
_lq(
    "COURSE-NO-RECOVERY",
    "Liver recovery between courses is not modelled",
    "The EQD2 of earlier courses is added in full, whatever the time since: no repair or "
    "regeneration of the liver between courses is assumed (the conservative reading).",
    Status.derived,
    ("events[rt].date",),
)
_lq(
    "COURSE-Y90",
    "Y-90 is shown beside the external-beam sum, not inside it",
    "Y-90 radioembolisation delivers its dose at a continuously decaying dose rate; converting it "
    "to EQD2 needs a dose-rate model with a source, which hccrt does not apply. The mean liver "
    "and tumour doses of Y-90 are listed beside the EBRT EQD2 sum.",
    Status.derived,
    ("events[y90].mean_liver_dose_gy", "events[y90].mean_tumor_dose_gy"),
)
_lq(
    "COURSE-CUM-LIMIT",
    "The mean normal-liver limit applied to the cumulative EQD2",
    "The seed states the tolerated whole-liver mean dose (23 Gy Child-Pugh A, probably 6 Gy "
    "Child-Pugh B, 22 Gy in general) without a fractionation; hccrt compares the cumulative "
    "normal-liver EQD2 of all courses with that number read as an EQD2 (protocol "
    "hcc_conventional: liver_mean_cp_a / liver_mean_cp_b / liver_mean_general). UNCONFIRMED: "
    "no source gives a cumulative liver limit; check before clinical use.",
    Status.unconfirmed,
    ("cumulative EQD2", "Child-Pugh class"),
)
_literature(
    "COURSE-START",
    "TACE + RT for macroscopic vascular invasion (START trial, literature option)",
    YOON_2018,
    "Randomised (90 treatment-naive patients, liver-confined HCC with macroscopic vascular "
    "invasion): TACE every 6 weeks plus RT started within 3 weeks after the first TACE (at most "
    "45 Gy, 2.5-3 Gy per fraction) vs sorafenib; TACE-RT improved 12-week progression-free "
    "survival. Eligibility: Child-Pugh A, ECOG 0-1, invasion of a first/second portal branch, "
    "hepatic vein or IVC, no extrahepatic metastasis.",
    Status.verified,
    ("vascular_invasion", "Child-Pugh class", "ECOG", "extrahepatic_disease"),
)
_literature(
    "COURSE-MRECIST",
    "mRECIST response of the viable (arterially enhancing) target lesions",
    LENCIONI_2010,
    "CR: disappearance of any intratumoral arterial enhancement in all target lesions. PR: at "
    "least a 30 % decrease in the sum of the diameters of viable target lesions, taking as "
    "reference the baseline sum. PD: an increase of at least 20 % in the sum of the diameters of "
    "viable target lesions, taking as reference the smallest sum recorded since treatment "
    "started; or a new lesion, or unequivocal progression of non-target lesions. SD: neither PR "
    "nor PD.",
    Status.verified_secondary,
    ("events[imaging].target_lesions", "new_lesions", "nontarget_progression"),
)
