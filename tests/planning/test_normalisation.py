"""Coverage normalised on the contour-based DVH that ``hccrt evaluate`` uses (issue 13 item 2):
on a small SBRT target the voxel-centre mask and the contour DVH differ by several points."""

from __future__ import annotations

import pytest

from hccrt.dicom import read_ct_series, read_rtstruct
from hccrt.dvh import compute_dvh
from hccrt.pipeline import PlanRequest, plan_in_memory
from hccrt.pipeline._plan_case_dir import hccrt_plan_context
from tests.planning.synthetic_case import write_case


@pytest.mark.slow
def test_planner_and_evaluator_agree_on_v100_of_a_small_sbrt_target(tmp_path):
    folder = write_case(tmp_path, gtv_radius_mm=8.0)
    ct = read_ct_series(folder / "CT")
    structures = read_rtstruct(folder / "RTSTRUCT.dcm")
    request = PlanRequest(45.0, 3, technique="3dcrt", gantry_deg=(0.0, 72.0, 144.0, 216.0, 288.0))
    planned = plan_in_memory(ct, structures, request, hccrt_plan_context(request))
    ptv = next(s for s in planned.structures.structures if s.name == "PTV")
    dvh = compute_dvh(ptv, planned.doses["3DCRT"].dose_gy, planned.case.dose_grid)
    v100 = 100.0 * dvh.volume_at_least_cc(45.0) / dvh.covered_volume_cc
    assert v100 == pytest.approx(95.0, abs=0.5)
    assert planned.result.chosen.coverage_pct == pytest.approx(v100, abs=0.5)
