"""Seed-000 complication rules read by :mod:`hccrt.clinical.followup` (registration only)."""

from __future__ import annotations

from hccrt.clinical.sources import SEED_000, Status, facts_rule, seed_rule

AREA = "Follow-up: toxicity grading and RILD (seed 000, CTCAE v5)"
seed_rule(
    "ACUTE-TOX",
    "Acute liver damage during RT: rising bilirubin and ALT",
    SEED_000,
    "② acute liver function damage: manifested as rising bilirubin and rising serum ALT;",
    ("current.bilirubin_mg_dl", "current.alt_u_l", "rt_ongoing"),
    AREA,
)
seed_rule(
    "ACUTE-STOP",
    "Liver injury ≥ grade II during RT: stop RT",
    SEED_000,
    "In addition, patients who develop acute hepatic impairment during radiotherapy, such as "
    "≥RTOG grade II liver injury, have up to 60% chance of developing RILD later if "
    "radiotherapy is continued. Therefore, radiotherapy should be discontinued in such "
    "patients to avoid the development of RILD after treatment.",
    ("rt_ongoing", "CTCAE grades (surrogate for the RTOG liver grade, UNCONFIRMED rows)"),
    AREA,
)
seed_rule(
    "RILD-WINDOW",
    "Late liver injury within 4 months",
    SEED_000,
    "Complications of radiotherapy include toxic side effects in the acute phase (during "
    "radiotherapy) and liver injury in the late phase of radiotherapy (within 4 months).",
    ("rt_end_date", "current.date"),
    AREA,
)
seed_rule(
    "RILD-DX",
    "RILD requires high-dose liver RT and onset after RT",
    SEED_000,
    "① have received high-dose radiotherapy to the liver; ② occur after the end of radiotherapy;",
    ("high_dose_liver_rt", "rt_ongoing", "rt_end_date"),
    AREA,
)
seed_rule(
    "RILD-CLASSIC",
    "Typical RILD: ascites, hepatomegaly, ALP > 2 × or ALT > 5 × normal",
    SEED_000,
    "typical RILD: rapid onset, with rapid onset of massive ascites and liver "
    "enlargement within a short period of time, accompanied by an increase in AKP to >2 "
    "times the normal value or an increase in ALT to >5 times the normal value;",
    ("ascites", "hepatomegaly", "current.alp_u_l", "current.alt_u_l"),
    AREA,
)
seed_rule(
    "RILD-ATYPICAL",
    "Atypical RILD: enzymes only, no hepatomegaly or ascites",
    SEED_000,
    "atypical RILD: impairment of liver function only: AKP to >2 times the normal value or "
    "an increase in ALT to >5 times the normal value, without liver enlargement and ascites;",
    ("current.alp_u_l", "current.alt_u_l", "ascites", "hepatomegaly"),
    AREA,
)
seed_rule(
    "RILD-EXCL",
    "Tumour progression must be excluded",
    SEED_000,
    "④clinical symptoms and impairment of liver function caused by the development of liver "
    "tumor can be excluded.",
    ("tumor_progression_excluded",),
    AREA,
)
seed_rule(
    "RILD-TREAT",
    "RILD treatment is symptomatic",
    SEED_000,
    "the main treatment is symptomatic, including the use of adrenal glucocorticoids and "
    "diuretics, along with aggressive hepatoprotective drugs and supportive therapy.",
    (),
    AREA,
)
facts_rule(
    "RILD-CP2",
    "Non-classic RILD: Child-Pugh score worse by ≥ 2",
    "§5.1",
    "Non-classic RILD: transaminases > 5 × ULN or worsening of Child-Pugh score by ≥ 2 "
    "points, in absence of classic RILD, within 3 months of RT (KJIM 2018; Li JX 2023).",
    Status.verified,
    ("baseline.child_pugh_score", "current.child_pugh_score"),
    AREA,
)
