"""Overridable, labelled defaults (ClinicalSettings) and the ``--settings`` CLI option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hccrt.clinical.assess import assess
from hccrt.clinical.settings import ClinicalSettings, load_settings
from hccrt.errors import ClinicalInputError
from tests.clinical.factory import patient, run, tumor
from tests.conftest import invoke


def test_albumin_cutoff_3_0_variant() -> None:
    """clinical-facts §1.1: some tables use 3.0 g/dL; with that setting 2.9 g/dL scores 3."""
    record = patient(albumin_g_dl=2.9)
    default = assess(record).liver_function.child_pugh.points["albumin"]
    textbook = assess(record, ClinicalSettings(albumin_three_points_below_g_dl=3.0))
    assert (default, textbook.liver_function.child_pugh.points["albumin"]) == (2, 3)


def test_ctv_margin_setting_within_seed_range() -> None:
    """Seed 000 CTV = GTV + 5-10 mm: the setting picks a value inside the range."""
    a = assess(patient(), ClinicalSettings(ctv_margin_mm=8))
    assert a.radiotherapy.margins.ctv_mm == 8.0
    with pytest.raises(ValueError, match="ctv_margin_mm"):
        ClinicalSettings(ctv_margin_mm=12)


def test_alpha_beta_setting_changes_bed() -> None:
    """BED = n·d·(1 + d/(α/β)): 50 Gy/25 at α/β 15 is 56.67 Gy (60 Gy at 10)."""
    a = assess(patient(), ClinicalSettings(tumour_alpha_beta_gy=15))
    conventional = a.radiotherapy.fractionation[0]
    assert conventional.bed_gy == pytest.approx(56.67)
    assert conventional.alpha_beta_gy == 15


def test_large_tumour_setting() -> None:
    """TECH-LARGE is an UNCONFIRMED default: with 4 cm as 'large', a 4.5 cm tumour gets IMRT."""
    default = run(tumors=[tumor(4.5)])
    assert "TECH-LARGE" not in default.option("ebrt_imrt").rule_ids
    changed = assess(patient(tumors=[tumor(4.5)]), ClinicalSettings(large_tumor_cm=4.0))
    assert "TECH-LARGE" in changed.option("ebrt_imrt").rule_ids


def test_settings_file_and_cli(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"ctv_margin_mm": 10}), encoding="utf-8")
    assert load_settings(path).ctv_margin_mm == 10
    example = Path(__file__).resolve().parents[2] / "examples" / "patients"
    result = invoke(
        [
            "assess",
            str(example / "single_hcc_child_a.json"),
            "--settings",
            str(path),
            "--format",
            "json",
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["radiotherapy"]["margins"]["ctv_mm"] == 10.0


def test_bad_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"ctv_margin_mm": 3}), encoding="utf-8")
    with pytest.raises(ClinicalInputError, match="ctv_margin_mm=3: Input should be greater"):
        load_settings(path)
    path.write_text(json.dumps({"ctv_margn_mm": 6}), encoding="utf-8")
    with pytest.raises(ClinicalInputError, match="ctv_margn_mm"):
        load_settings(path)


@pytest.mark.parametrize("value", ["true", '"7"', "NaN"])
def test_settings_numbers_refuse_non_numbers(tmp_path: Path, value: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"ctv_margin_mm": ' + value + "}")
    with pytest.raises(ClinicalInputError, match=r"^ctv_margin_mm=.*must be (a number|finite)"):
        load_settings(path)
