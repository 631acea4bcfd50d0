"""Make the synthetic HCC patient, plan it (3DCRT) and print whether the plan meets the limits.

Run: ``.venv/bin/python examples/plan_the_phantom.py [OUT_FOLDER]`` (default ``demo-output/
example-plan``). The phantom is cached in ``OUT_FOLDER/case``; the plan, RTDOSE and
``evaluation.json`` go to ``OUT_FOLDER/plan``. Takes one to two minutes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hccrt
from hccrt.phantom import generate_phantom


def main(out: Path) -> None:
    """Generate (or reuse) the phantom, plan 50 Gy in 10 fractions and print the outcome."""
    case = out / "case"
    generate_phantom(case)
    assessment = hccrt.assess(hccrt.read_patient(case / "patient.json"))
    print(f"Child-Pugh {assessment.liver_function.child_pugh.class_}")
    payload = hccrt.plan(case, out / "plan", 50.0, 10, technique="3dcrt")
    print(f"technique: {payload['chosen_technique']} ({payload['reason']})")
    for plan in payload["plans"]:
        verdict = "meets" if plan["passes"] else "fails"
        mu = plan["total_mu"]
        print(f"{plan['technique']}: {verdict} the dosimetric requirements, {mu:.0f} MU")
    print(f"files in {out / 'plan'}: {', '.join(sorted(p.name for p in (out / 'plan').iterdir()))}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("demo-output/example-plan"))
