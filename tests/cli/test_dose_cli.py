"""``hccrt dose``: refusals (nothing written), and with the engine the RTDOSE, gamma and report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from hccrt.dicom.rtdose import read_rtdose
from tests.conftest import CliResult
from tests.dciodvfy import dciodvfy_errors
from tests.dicom.factory import write_rtplan
from tests.dose.delivery_case import (
    FRAME,
    open_field_plan,
    write_target_rtstruct,
    write_water_ct,
)

Cli = Callable[[list[str]], CliResult]


def _run(cli: Cli, ct: Path, plan: Path, out: Path, *extra: str) -> CliResult:
    return cli(["dose", "--ct", str(ct), "--rtplan", str(plan), "--out", str(out), *extra])


def test_the_breast_plan_is_refused_with_a_clear_message(
    cli: Cli, shared_data: Path, tmp_path: Path
) -> None:
    case = shared_data / "breast_boost_plan"
    out = tmp_path / "dose.dcm"
    result = _run(cli, case, case / "rtplan.dcm", out)
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message.count("\n") == 0
    assert "CT=1 slice: has 1 slice: a dose calculation needs the patient volume" in message
    assert "10MV/6MV sliding window" in message
    assert list(tmp_path.iterdir()) == []


def test_a_plan_on_another_frame_of_reference_is_refused(cli: Cli, tmp_path: Path) -> None:
    ct = write_water_ct(tmp_path / "ct")
    plan = open_field_plan(tmp_path / "plan.dcm", frame="1.2.3.4")
    result = _run(cli, ct, plan, tmp_path / "dose.dcm")
    assert result.exit_code == 2
    assert "RTPLAN FrameOfReferenceUID=1.2.3.4: differs from the CT's" in result.stderr
    assert not (tmp_path / "dose.dcm").exists()


def test_a_ct_without_hu_rescale_is_refused(cli: Cli, tmp_path: Path) -> None:
    ct = write_water_ct(tmp_path / "ct", rescale=False)
    plan = open_field_plan(tmp_path / "plan.dcm")
    result = _run(cli, ct, plan, tmp_path / "dose.dcm")
    assert result.exit_code == 2
    assert "RescaleSlope/RescaleIntercept=missing in 24 slice(s)" in result.stderr


def test_several_problems_are_named_in_one_line(cli: Cli, tmp_path: Path) -> None:
    ct = write_water_ct(tmp_path / "ct")
    plan = open_field_plan(tmp_path / "plan.dcm", frame="1.2.3.4")
    structures = write_target_rtstruct(tmp_path / "rs.dcm", frame="1.2.3.5")
    result = _run(
        cli, ct, plan, tmp_path / "d.dcm", "--rtstruct", str(structures), "--grid-mm", "0.5"
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: hccrt dose: 3 problems: ")
    assert "RTSTRUCT FrameOfReferenceUID=1.2.3.5" in result.stderr
    assert "--grid-mm=0.5: must be 1-10 mm" in result.stderr
    assert result.stderr.count("\n") == 1


def test_electron_and_zero_mu_plans_are_refused(cli: Cli, tmp_path: Path) -> None:
    ct = write_water_ct(tmp_path / "ct")
    electron = open_field_plan(tmp_path / "e.dcm", radiation="ELECTRON")
    assert "RadiationType=ELECTRON" in _run(cli, ct, electron, tmp_path / "d.dcm").stderr
    zero = open_field_plan(tmp_path / "z.dcm", mu=0.0)
    result = _run(cli, ct, zero, tmp_path / "d.dcm")
    assert result.exit_code == 2
    assert "the plan delivers 0 MU" in result.stderr


def test_a_missing_output_folder_is_refused(cli: Cli, tmp_path: Path) -> None:
    ct = write_water_ct(tmp_path / "ct", shape=(3, 8, 8))
    plan = open_field_plan(tmp_path / "plan.dcm")
    result = _run(cli, ct, plan, tmp_path / "missing" / "d.dcm")
    assert result.exit_code == 2
    assert "--out=" in result.stderr


def test_an_energy_without_a_beam_model_is_refused_by_name(cli: Cli, tmp_path: Path) -> None:
    ct = write_water_ct(tmp_path / "ct")
    plan = open_field_plan(tmp_path / "plan.dcm", energy=10.0, name="BOOST")
    result = _run(cli, ct, plan, tmp_path / "dose.dcm")
    assert result.exit_code == 2
    assert "beam 1 'BOOST' (LINAC1, 10MV, open field)" in result.stderr
    assert not (tmp_path / "dose.dcm").exists()


@pytest.mark.slow
def test_dose_of_an_open_field_and_its_self_comparison(cli: Cli, tmp_path: Path) -> None:
    ct = write_water_ct(tmp_path / "ct")
    plan = open_field_plan(tmp_path / "plan.dcm")
    structures = write_target_rtstruct(tmp_path / "rs.dcm")
    out = tmp_path / "dose.dcm"
    result = _run(cli, ct, plan, out, "--grid-mm", "5", "--format", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    written = read_rtdose(out)
    assert written.grid.frame_of_reference_uid == FRAME
    assert written.summation_type == "PLAN"
    assert written.referenced_plan_uid == payload["plan_uid"]
    assert dciodvfy_errors(out) == []
    # 2 x 100 MU at the isocentre, 100 mm deep in water at SSD 900 mm (10 x 10 cm at 1000 mm).
    # 6 MV PDD(10 cm, 10 x 10, SSD 100 cm) ~ 0.67 (BJR Supplement 25), Mayneord to SSD 90 cm
    # 0.656; 1 cGy/MU at dmax, SSD 100 cm; inverse square (101.5/91.5)^2 = 1.23: ~1.6 Gy.
    z, y, x = written.grid.axis_coordinates_mm()
    iso = written.dose_gy[np.argmin(abs(z)), np.argmin(abs(y)), np.argmin(abs(x))]
    assert 1.45 < float(iso) < 1.75
    assert payload["beams"][0]["delivery"] == "open field"
    assert Path(payload["report_html"]).is_file()
    assert Path(payload["report_pdf"]).is_file()
    again = tmp_path / "again.dcm"
    compared = _run(
        cli, ct, plan, again, "--grid-mm", "5", "--compare", str(out), "--rtstruct",
        str(structures), "--format", "json",
    )  # fmt: skip
    assert compared.exit_code == 0, compared.stderr
    check = json.loads(compared.stdout)
    assert [g["pass_rate_percent"] for g in check["gamma"]] == [100.0, 100.0]
    (target,) = check["dvh"]
    assert target["difference_gy"]["dmean"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.slow
def test_collimator_90_turns_the_dose_in_the_patient(cli: Cli, tmp_path: Path) -> None:
    ct = write_water_ct(tmp_path / "ct")
    jaws = {"ASYMX": (-50.0, 50.0), "ASYMY": (-20.0, 20.0)}
    points = [{"weight": 0.0, "collimator": 90.0, "positions": jaws}, {"weight": 1.0}]
    plan = write_rtplan(tmp_path / "plan.dcm", [{"points": points}], frame=FRAME, fractions=1)
    out = tmp_path / "dose.dcm"
    assert _run(cli, ct, plan, out, "--grid-mm", "5").exit_code == 0
    dose = read_rtdose(out)
    z, y, x = dose.grid.axis_coordinates_mm()
    plane = dose.dose_gy[:, np.argmin(abs(y)), :]  # coronal plane through the isocentre
    half = plane > 0.5 * plane.max()
    # The 100 mm X-jaw opening runs superior-inferior, the 40 mm Y opening left-right.
    assert half[:, np.argmin(abs(x))].sum() * 5.0 == pytest.approx(100.0, abs=5.0)
    assert half[np.argmin(abs(z)), :].sum() * 5.0 == pytest.approx(40.0, abs=5.0)
