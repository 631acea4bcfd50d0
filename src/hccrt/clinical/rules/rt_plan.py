"""Radiotherapy technique and device hints (seeds 000, 001)."""

from __future__ import annotations

from hccrt.clinical.findings import Item, finding, item, item_from
from hccrt.clinical.rules.context import Context
from hccrt.clinical.sources import SEED_000, SEED_001, seed_rule

AREA = "Radiotherapy technique and devices (seeds 000, 001)"
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


def technique(ctx: Context, sbrt_ok: bool) -> list[Item]:
    """Techniques and device hints: 3DCRT/IMRT, ABC, GTV, tracking, tomotherapy, cones."""
    p, out = ctx.patient, []
    out.append(item_from("3dcrt", finding("TECH-3DCRT-IMRT", "3DCRT first")))
    large = (ctx.largest_cm or 0.0) > ctx.settings.large_tumor_cm
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
        motion, limit_mm = p.breathing_motion_mm, ctx.settings.tracking_motion_mm
        if p.abc_available is not True and (motion is None or motion > limit_mm):
            text = "real-time tumour tracking (no ABC; breathing motion " + (
                f"{motion:g} mm > {limit_mm:g} mm)" if motion is not None else "not measured)"
            )
            out.append(
                item(
                    "tracking",
                    text,
                    [
                        finding("DEV-TRACKING", text, breathing_motion_mm=motion),
                        finding("SET-TRACKING-5MM", f"tracking threshold {limit_mm:g} mm"),
                    ],
                )
            )
        cone_cm = ctx.settings.cone_max_target_cm
        if (ctx.largest_cm or 99.0) <= cone_cm:
            text = f"target {ctx.largest_cm:g} cm ≤ {cone_cm:g} cm: cone collimators"
            found = [
                finding("DEV-CONES", text, largest_tumor_cm=ctx.largest_cm),
                finding("SET-CONES", f"cone limit {cone_cm:g} cm"),
            ]
            out.append(item("cones", text, found))
    if ctx.tumor_count >= 2 or (ctx.extrahepatic and p.tumors):
        text = "helical tomotherapy: multifocal or intra- plus extrahepatic disease"
        out.append(item_from("tomotherapy", finding("DEV-TOMO", text, tumor_count=ctx.tumor_count)))
    return out
