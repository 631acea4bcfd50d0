"""The phantom liver cohort of docs/validation/web.md: build it, evaluate it, render its table.

``benchmarks/bench_web.py --phantom-cohort`` runs :func:`measure` and writes
``docs/validation/web_phantom_cohort.json``; the table in docs/validation/web.md is rendered from
that file (:func:`render_table`) and a test keeps the two equal, another re-measures a case, so
the documented figures cannot drift from what the code computes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "validation" / "web_phantom_cohort.json"
DOC = ROOT / "docs" / "validation" / "web.md"
BEGIN, END = "<!-- phantom-cohort table: begin -->", "<!-- phantom-cohort table: end -->"
CASES = {"liver1": (1, 4.0), "liver2": (2, 3.0), "liver3": (3, 5.0), "liver4": (4, 7.0)}
"""Case name: (phantom seed, GTV diameter cm)."""


def build_case(name: str, work: Path, cohort: Path) -> Path:
    """``hccrt phantom`` + ``hccrt plan`` (3DCRT, 50 Gy in 10) for one case; its cohort folder."""
    from hccrt.cli.app import main

    seed, diameter_cm = CASES[name]
    phantom, plan = work / f"case{seed}", work / f"plan{seed}"
    for args in (
        ["phantom", "--out", str(phantom), "--seed", str(seed), "--tumor-diameter-cm",
         str(diameter_cm)],
        [
            "plan", str(phantom), "--prescription-gy", "50", "--fractions", "10",
            "--technique", "3dcrt", "--final-dose", "pencil-beam", "--out", str(plan),
        ],
    ):  # fmt: skip
        try:
            main(args)
        except SystemExit as exit_:
            if exit_.code not in (0, None):
                raise RuntimeError(f"hccrt {args[0]} failed ({exit_.code})") from None
    folder = cohort / name
    folder.mkdir(parents=True)
    for item in ("CT", "RTSTRUCT.dcm", "patient.json"):
        (folder / item).symlink_to(phantom / item)
    for item in ("RTPLAN.dcm", "RTDOSE.dcm"):
        (folder / item).symlink_to(plan / item)
    return folder


def _rounded(value: Any, digits: int) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def rows_of(table: Any) -> dict[str, dict[str, Any]]:
    """The documented columns of a cohort results table, by case."""
    out = {}
    for row in table.to_dict(orient="records"):
        failed, total = (
            _rounded(row.get(k), 0) for k in ("constraints_failed", "constraints_total")
        )
        out[str(row["case_id"])] = {
            "status": row["status"],
            "verdict": row["verdict"] if isinstance(row.get("verdict"), str) else None,
            "mean_normal_liver_dose_gy": _rounded(row.get("mean_normal_liver_dose_gy"), 2),
            "ntcp": _rounded(row.get("ntcp"), 3),
            "constraints_failed": None if failed is None else int(failed),
            "constraints_total": None if total is None else int(total),
            "error": row["error"].split(":", 1)[0] if isinstance(row.get("error"), str) else None,
        }
    return dict(sorted(out.items()))


def render_table(rows: dict[str, dict[str, Any]]) -> str:
    """The markdown table of docs/validation/web.md."""
    lines = [
        "| case | status | verdict | mean normal-liver dose Gy | RILD NTCP | constraints failed"
        " / total |",
        "|---|---|---|---:|---:|---:|",
    ]
    for name, row in rows.items():
        if row["status"] != "ok":
            lines.append(f"| {name} | error: `{row['error']}` | | | | |")
            continue
        diameter = CASES[name][1] if name in CASES else None
        label = f"{name} ({diameter:.0f} cm)" if diameter else name
        lines.append(
            f"| {label} | ok | {row['verdict']} | {row['mean_normal_liver_dose_gy']:.2f} | "
            f"{row['ntcp']:.3f} | {row['constraints_failed']} / {row['constraints_total']} |"
        )
    return "\n".join(lines)


def documented_table() -> str:
    """The table between the markers in docs/validation/web.md."""
    text = DOC.read_text(encoding="utf-8")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def write_doc(rows: dict[str, dict[str, Any]]) -> None:
    """Store the measured rows and put their table into docs/validation/web.md."""
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{BEGIN}\n{render_table(rows)}\n{END}{tail}", encoding="utf-8")
