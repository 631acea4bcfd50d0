"""Radiotherapy technique, device hints and fractionation options with LQ BED (seeds 000, 001)."""

from __future__ import annotations

from hccrt.clinical.findings import Finding, Item, Traced, finding, item_from, trace
from hccrt.clinical.rules.context import Context
from hccrt.clinical.rules.ebrt import LARGE_TUMOR_CM
from hccrt.clinical.sources import SEED_000, SEED_001, Status, facts_rule, seed_rule

AREA = "Radiotherapy technique and fractionation (seeds 000, 001)"
seed_rule(
    "TECH-ABC",
    "Respiratory control (ABC)",
    SEED_000,
    "(2) Respiratory control: It is recommended to use respiratory control techniques such "
    "as active breath coordinator (ABC) to limit the movement of the tumor during "
    "radiotherapy and thus reduce the radiation dose to the normal liver.",
    ("abc_available",),
    AREA,
)
seed_rule(
    "TECH-GTV",
    "GTV from CT/MRI fusion and lipiodol after TACE",
    SEED_000,
    "CT and MRI image fusion techniques combined with iodine oil deposition after TACE are "
    "recommended to determine the bulk tumor extent (GTV) of hepatocellular carcinoma.",
    ("prior_treatments",),
    AREA,
)
seed_rule(
    "DEV-TRACKING",
    "Real-time tumour tracking for moving tumours",
    SEED_001,
    "Thirdly, liver tumor will move with breathing, and stereotactic radiation therapy "
    "equipment can have breathing tracking function to reduce the damage to normal liver.",
    ("breathing_motion_mm", "abc_available"),
    AREA,
)
seed_rule(
    "DEV-TOMO",
    "Helical tomotherapy for multifocal disease",
    SEED_001,
    "Spiral tomographic radiotherapy is the best radiotherapy device for patients with "
    "intermediate to advanced multifocal primary liver cancer.",
    ("tumors", "extrahepatic_disease"),
    AREA,
)
seed_rule(
    "DEV-CONES",
    "Cone collimators (10-35 mm) for small targets",
    SEED_001,
    "a set of limiting cylinders made of high-density materials of different diameters (10-35 mm)",
    ("tumors.diameter_cm",),
    AREA,
)
seed_rule(
    "FX-CONV",
    "Conventional 2 Gy × 25-31, 5 per week",
    SEED_000,
    "Conventional segmentation irradiation, such as 2Gy/time, once a day, 5 times a week with "
    "a total dose of 50-62 Gy, is well tolerated by the normal liver and has significant "
    "tumor suppression.",
    (),
    AREA,
)
seed_rule(
    "FX-HYPO",
    "Hypofractionated 5 Gy × 10, 3 per week",
    SEED_000,
    "large division of radiation, such as 5Gy per time, 3 times per week, total dose of "
    "50Gy, has strong tumor killing effect, but also has great radiation damage to the "
    "normal liver.",
    (),
    AREA,
)
seed_rule(
    "FX-SYMPTOM",
    "Hypofractionation preferred for quick symptom relief",
    SEED_000,
    "for patients who need to relieve clinical symptoms in the short term, large "
    "segmentation radiotherapy is more suitable, because the tumor regression is faster and "
    "the symptoms improve significantly.",
    ("needs_rapid_symptom_relief",),
    AREA,
)
seed_rule(
    "SBRT-SMALL",
    "< 5 cm: 1-3 fractions",
    SEED_001,
    "For small (<5 cm in diameter) intrahepatic tumors, hypofractionated (1 to 3 times) "
    "radiotherapy can be performed to shorten the radiotherapy time and facilitate patients "
    "in the field.",
    ("tumors.diameter_cm",),
    AREA,
)
seed_rule(
    "SBRT-KOREA",
    "30-39 Gy in 3 fractions (Korea Cancer Center Hospital)",
    SEED_001,
    "The Korea Cancer Center Hospital reported that 32 patients with primary liver cancer "
    "were treated with radioactive knife for intrahepatic lesions with radiation doses of "
    "30-39 Gy/3 times.",
    (),
    AREA,
)
seed_rule(
    "SBRT-TIANJIN",
    "39-52 Gy in 3-8 fractions (Tianjin)",
    SEED_001,
    "Yuan Zhiyong of Tianjin Cancer Hospital in China treated 17 patients with hepatocellular "
    "carcinoma with stereotactic radiation at a total dose of 39 to 52 Gy/3 to 8 times with "
    "mild adverse effects.",
    (),
    AREA,
)
seed_rule(
    "SBRT-COLORADO",
    "20 Gy × 3 with ≥ 700 cc normal liver at ≤ 5 Gy per fraction",
    SEED_001,
    "A study at the University of Colorado in the United States showed that 20 Gy×3 times "
    "of radiation treatment for patients with metastatic liver cancer was safe for the liver "
    "at this radiation splitting dose without radiographic hepatitis if the patient had "
    "normal liver function before radiotherapy, normal liver volume was greater than 700 "
    "cm3, and the normal liver tissue received no more than 5 Gy each time.",
    ("normal_liver_volume_cc", "child_pugh"),
    AREA,
)
facts_rule(
    "FX-BED",
    "BED by the linear-quadratic model, α/β = 10 Gy for tumour",
    "§3.1, §7",
    "BED = n·d·(1 + d/(α/β)); α/β = 10 Gy for HCC (e.g. 60 Gy/3 -> 180 Gy, 50 Gy/25 -> "
    "60 Gy). The LQ model is questioned at high dose per fraction (seed 001).",
    Status.derived,
    (),
    AREA,
)
TUMOUR_ALPHA_BETA_GY = 10.0
TRACKING_MOTION_MM = 5.0


def bed_lq_gy(dose_per_fraction_gy: float, fractions: int, alpha_beta_gy: float) -> float:
    """Biologically effective dose BED = n·d·(1 + d/(α/β)) in Gy (LQ model, no time factor)."""
    if dose_per_fraction_gy <= 0 or fractions < 1 or alpha_beta_gy <= 0:
        raise ValueError("dose per fraction, fractions and α/β must be positive")
    return fractions * dose_per_fraction_gy * (1.0 + dose_per_fraction_gy / alpha_beta_gy)


class Fractionation(Traced):
    """A dose-fractionation option with its LQ BED (α/β = ``alpha_beta_gy``)."""

    key: str
    dose_per_fraction_gy: float
    fractions: int
    total_dose_gy: float
    fractions_per_week: int
    bed_gy: float
    alpha_beta_gy: float
    preferred: bool = False


def scheme(
    key: str, d: float, n: int, per_week: int, found: list[Finding], preferred: bool = False
) -> Fractionation:
    """Build a :class:`Fractionation` and compute its BED at α/β = 10 Gy."""
    found = [*found, finding("FX-BED", "BED with LQ, α/β = 10 Gy")]
    return Fractionation(
        key=key,
        dose_per_fraction_gy=d,
        fractions=n,
        total_dose_gy=round(d * n, 3),
        fractions_per_week=per_week,
        bed_gy=round(bed_lq_gy(d, n, TUMOUR_ALPHA_BETA_GY), 2),
        alpha_beta_gy=TUMOUR_ALPHA_BETA_GY,
        preferred=preferred,
        **trace(found),
    )


def fractionation(ctx: Context, intent: str | None, sbrt_ok: bool) -> list[Fractionation]:
    """Conventional, hypofractionated and (when SBRT fits) the seed-001 SBRT schemes."""
    p = ctx.patient
    quick = p.needs_rapid_symptom_relief or intent == "palliative"
    conv = finding("FX-CONV", "conventional 2 Gy/day, 5/week: well tolerated by the normal liver")
    hypo = [finding("FX-HYPO", "5 Gy × 10, 3/week: strong tumour effect but more liver damage")]
    if quick:
        hypo.append(
            finding(
                "FX-SYMPTOM",
                "preferred for quick symptom relief",
                needs_rapid_symptom_relief=p.needs_rapid_symptom_relief,
                intent=intent,
            )
        )
    out = [
        scheme("conventional_50gy_25fx", 2.0, 25, 5, [conv], preferred=not quick),
        scheme("conventional_62gy_31fx", 2.0, 31, 5, [conv]),
        scheme("hypofractionated_50gy_10fx", 5.0, 10, 3, hypo, preferred=quick),
    ]
    if not sbrt_ok:
        return out
    largest = ctx.largest_cm or 0.0
    if largest < 5.0:
        small = finding(
            "SBRT-SMALL",
            f"largest tumour {largest:g} cm < 5 cm: 1-3 fractions",
            largest_tumor_cm=largest,
        )
        out += [
            scheme("sbrt_30gy_3fx", 10.0, 3, 3, [small, finding("SBRT-KOREA", "Korea 30 Gy/3")]),
            scheme("sbrt_39gy_3fx", 13.0, 3, 3, [small, finding("SBRT-KOREA", "Korea 39 Gy/3")]),
        ]
        volume = p.normal_liver_volume_cc
        colorado = [
            small,
            finding(
                "SBRT-COLORADO",
                "only with normal liver function, > 700 cc "
                "normal liver at ≤ 5 Gy per fraction (metastasis series)",
                normal_liver_volume_cc=volume,
                child_pugh_class=ctx.cp_class,
            ),
        ]
        if ctx.cp_class == "A" and volume is not None and volume > 700.0:
            out.append(scheme("sbrt_60gy_3fx", 20.0, 3, 3, colorado))
    tianjin = finding("SBRT-TIANJIN", "Tianjin 39-52 Gy in 3-8 fractions (upper end: 52 Gy/8)")
    out.append(scheme("sbrt_52gy_8fx", 6.5, 8, 5, [tianjin]))
    return out


def technique(ctx: Context, sbrt_ok: bool) -> list[Item]:
    """Techniques and device hints: 3DCRT/IMRT, ABC, GTV, tracking, tomotherapy, cones."""
    p, out = ctx.patient, []
    out.append(item_from("3dcrt", finding("TECH-3DCRT-IMRT", "3DCRT first")))
    large = (ctx.largest_cm or 0.0) > LARGE_TUMOR_CM
    if large or ctx.cp_class in {"B", "C"}:
        text = "IMRT: large tumour or severe cirrhosis (Child-Pugh B/C)"
        out.append(
            item_from(
                "imrt",
                finding(
                    "TECH-LARGE",
                    text,
                    largest_tumor_cm=ctx.largest_cm,
                    child_pugh_class=ctx.cp_class,
                ),
            )
        )
    else:
        out.append(
            item_from(
                "imrt", finding("TECH-3DCRT-IMRT", "IMRT if 3DCRT cannot meet the dose limits")
            )
        )
    out.append(
        item_from(
            "abc",
            finding(
                "TECH-ABC",
                "active breathing control (ABC) recommended",
                abc_available=p.abc_available,
            ),
        )
    )
    out.append(
        item_from(
            "gtv_ct_mri_fusion",
            finding(
                "TECH-GTV", "define the GTV on CT/MRI fusion with lipiodol deposition after TACE"
            ),
        )
    )
    if sbrt_ok:
        out.append(item_from("sbrt", finding("SBRT-1-3", "SBRT is an option for this patient")))
        motion = p.breathing_motion_mm
        if p.abc_available is not True and (motion is None or motion > TRACKING_MOTION_MM):
            text = "real-time tumour tracking (no ABC; breathing motion " + (
                f"{motion:g} mm > {TRACKING_MOTION_MM:g} mm)"
                if motion is not None
                else "not measured)"
            )
            out.append(
                item_from("tracking", finding("DEV-TRACKING", text, breathing_motion_mm=motion))
            )
        if (ctx.largest_cm or 99.0) <= 3.5:
            out.append(
                item_from(
                    "cones",
                    finding(
                        "DEV-CONES",
                        f"target ≤ 3.5 cm ({ctx.largest_cm:g} cm): cone collimators",
                        largest_tumor_cm=ctx.largest_cm,
                    ),
                )
            )
    if ctx.tumor_count >= 2 or (ctx.extrahepatic and p.tumors):
        text = "helical tomotherapy: multifocal or intra- plus extrahepatic disease"
        out.append(item_from("tomotherapy", finding("DEV-TOMO", text, tumor_count=ctx.tumor_count)))
    return out
