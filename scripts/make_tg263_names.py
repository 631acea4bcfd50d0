r"""Generate ``data/tg263_names.json`` from the TG-263 nomenclature worksheet (run by hand).

Usage::

    .venv/bin/python scripts/make_tg263_names.py \\
        ../shared/data/tg263/TG263_Nomenclature_Worksheet_20170815.csv

Keeps the primary names of the anatomic groups treated near the liver (abdomen, thorax, body,
pelvis) plus every target type, and adds the aliases met in liver plans. The JSON is committed,
so the package does not need the worksheet at run time.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

GROUPS = {"Abdomen", "Thorax", "Body", "Pelvis"}
ALIASES = {
    "Liver-GTV": [
        "liver-gtv",
        "liver_minus_gtv",
        "liver minus gtv",
        "normal liver",
        "normalliver",
        "liver_normal",
        "nl",
        "liver-gtvs",
        "liver_gtv",
        "liver - gtv",
        "liver-ptv_norm",
    ],
    "Liver": ["liver", "whole liver", "liver_total", "leber"],
    "Bowel_Small": ["small bowel", "smallbowel", "small_bowel", "sb", "bowel_sm", "intestine"],
    "Bowel_Large": ["large bowel", "largebowel", "large_bowel"],
    "Duodenum": ["duodenum", "duod"],
    "Stomach": ["stomach", "stom", "gastric"],
    "SpinalCord": ["spinal cord", "spinal_cord", "cord", "spinalcord", "sc"],
    "Kidney_L": ["left kidney", "kidney left", "l kidney", "lt kidney", "kidney_lt", "kidney l"],
    "Kidney_R": ["right kidney", "kidney right", "r kidney", "rt kidney", "kidney_rt", "kidney r"],
    "Kidneys": ["kidneys", "both kidneys", "kidney_both", "bilateral kidneys"],
    "Esophagus": ["esophagus", "oesophagus", "eso"],
    "Heart": ["heart"],
    "Lungs": ["lungs", "lung total", "total lung", "lung_total", "lung"],
    "Skin": ["skin"],
    "Chestwall": ["chest wall", "chestwall"],
    "Colon": ["colon"],
    "External": ["body", "external", "outline", "patient", "skin_outline"],
    "Bag_Bowel": ["bowel bag", "bowelbag", "bowel"],
    "Jejunum_Ileum": ["jejunum", "jejunum_ileum", "jejunum/ileum"],
    "GallBladder": ["gallbladder", "gall bladder"],
}


def build(worksheet: Path) -> dict[str, object]:
    """Names (with description and category) and aliases from the worksheet."""
    names: set[str] = set()
    with worksheet.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            name = (row.get("TG263-Primary Name") or "").strip()
            target = (row.get("Target Type") or "").strip()
            if not name or (row.get("Anatomic Group") not in GROUPS and target != "Target"):
                continue
            names.add(name)
    names.update(("Liver-GTV", "External", "Kidneys", "Lungs", "GallBladder"))
    return {
        "source": "AAPM TG-263 nomenclature worksheet 2017-08-15 (via DVH-Analytics, BSD)",
        "names": sorted(names),
        "aliases": ALIASES,
    }


def main() -> None:
    """Write the JSON into the package's ``dvh/data/``."""
    worksheet = Path(sys.argv[1])
    out = (
        Path(__file__).resolve().parents[1] / "src" / "hccrt" / "dvh" / "data" / "tg263_names.json"
    )
    out.write_text(json.dumps(build(worksheet), separators=(",", ":"), ensure_ascii=False) + "\n")
    sys.stdout.write(f"wrote {out}\n")


if __name__ == "__main__":
    main()
