"""The final dose of ``hccrt plan`` / ``hccrt run`` is the collapsed-cone engine's (issue 12):
the reported dose is what ``hccrt dose`` computes for the written plan, and the plan is
renormalised on it (coverage on the contour DVH)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hccrt.cli.app import main
from hccrt.dicom import read_ct_series, read_rtstruct
from hccrt.dose.check import plan_dose
from hccrt.dvh import compute_dvh
from hccrt.errors import InputError
from hccrt.pipeline import PlannedCase, PlanRequest, RunOptions, plan_in_memory
from hccrt.pipeline._plan_case_dir import hccrt_plan_context
from hccrt.pipeline._planning import write_planned
from tests.planning.synthetic_case import write_case

BEAMS = (0.0, 120.0, 240.0)


def _plan(folder: Path, final_dose: str) -> PlannedCase:
    ct = read_ct_series(folder / "CT")
    structure_set = read_rtstruct(folder / "RTSTRUCT.dcm")
    request = PlanRequest(50.0, 25, technique="3dcrt", gantry_deg=BEAMS, final_dose=final_dose)  # type: ignore[arg-type]
    return plan_in_memory(ct, structure_set, request, hccrt_plan_context(request))


@pytest.mark.slow
def test_reported_dose_is_the_collapsed_cone_dose_of_the_renormalised_plan(tmp_path: Path) -> None:
    folder = write_case(tmp_path)
    planned = _plan(folder, "collapsed_cone")
    pencil = _plan(folder, "pencil_beam")
    chosen = planned.chosen
    ct = read_ct_series(folder / "CT")
    recomputed, _ = plan_dose(planned.plans[chosen], ct, planned.case.dose_grid)
    reported = planned.doses[chosen].dose_gy
    # the written plan's MU reproduce the reported dose (one engine for plan and hccrt dose)
    high = reported > 0.5 * reported.max()
    assert np.max(np.abs(recomputed.dose_gy[high] - reported[high]) / reported[high]) < 0.005
    # BeamDose (per fraction, at the dose reference point) adds up to the reported final dose
    plan = planned.plans[chosen]
    grid = planned.case.dose_grid
    iso = np.rint(grid.world_to_index(np.asarray([plan.beams[0].isocenter_mm])))[0].astype(int)
    beam_doses = [b.beam_dose_gy for b in plan.beams]
    assert all(d is not None for d in beam_doses)
    assert sum(beam_doses) * plan.fractions == pytest.approx(reported[tuple(iso)], rel=0.01)
    ptv = next(s for s in planned.structures.structures if s.name == "PTV")
    dvh = compute_dvh(ptv, reported, planned.case.dose_grid)
    assert 100.0 * dvh.volume_at_least_cc(50.0) / dvh.covered_volume_cc == pytest.approx(
        95, abs=0.5
    )
    # the renormalisation moved the MU: the two engines do not give the same dose per MU
    mu_final = planned.plans[chosen].total_monitor_units
    mu_pencil = pencil.plans[pencil.chosen].total_monitor_units
    assert mu_final != pytest.approx(mu_pencil, rel=1e-3)
    payload = write_planned(planned, tmp_path / "out", ct, folder / "RTSTRUCT.dcm", 0.0)
    assert payload["final_dose"]["engine"] == "collapsed_cone"
    assert "3dcrt_final_dose" in payload["final_dose"]["seconds"]


def test_an_unknown_final_dose_engine_is_refused() -> None:
    with pytest.raises(
        InputError, match=r"final_dose=monte_carlo: must be one of collapsed_cone, pencil_beam"
    ):
        PlanRequest(50.0, 25, final_dose="monte_carlo")  # type: ignore[arg-type]
    with pytest.raises(
        InputError, match="--final-dose=monte_carlo: must be collapsed-cone or pencil-beam"
    ):
        RunOptions(final_dose="monte_carlo")  # type: ignore[arg-type]


def test_the_cli_refuses_an_unknown_final_dose_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["plan", str(tmp_path), "--prescription-gy", "50", "--fractions", "25",
              "--out", str(tmp_path / "o"), "--final-dose", "monte-carlo"])  # fmt: skip
    assert exit_.value.code == 2
    assert "--final-dose" in capsys.readouterr().err
