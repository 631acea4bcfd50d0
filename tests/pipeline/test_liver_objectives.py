"""Normal-liver gEUD and LKB-NTCP objectives of ``hccrt plan`` (issue 13 item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hccrt.errors import InputError
from hccrt.pipeline import PlanRequest
from hccrt.planning.protocol import NORMAL_LIVER, liver_objectives
from tests.conftest import invoke
from tests.planning.synthetic_case import write_case


def test_liver_objectives_use_the_child_pugh_lkb_parameters() -> None:
    geud, ntcp = liver_objectives("B", 5, ntcp_max_pct=5.0, geud_max_gy=20.0, priority=2.0)
    assert geud.structure == ntcp.structure == NORMAL_LIVER
    assert ntcp.label == f"NTCP_LKB({NORMAL_LIVER}) <= 5 % [soft, priority 2]"
    assert "Tai 2009" in ntcp.source
    assert "Child-Pugh B" in ntcp.source
    assert ntcp.td50_gy == 23.9
    assert ntcp.eqd is not None
    assert ntcp.eqd.fractions == 5
    (hard,) = liver_objectives("A", 25, ntcp_max_pct=10.0, priority=None)
    assert hard.hard
    assert "soft" not in hard.label
    assert liver_objectives("A", 25) == ()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"liver_ntcp_objective_pct": 0.0}, r"--liver-ntcp-objective=0.0: must be a percentage"),
        ({"liver_ntcp_objective_pct": 100.0}, r"--liver-ntcp-objective=100.0"),
        ({"liver_geud_objective_gy": 2000.0}, r"--liver-geud-objective=2000.0: above 150 Gy"),
        ({"objective_priority": -1.0}, r"--objective-priority=-1.0: must be > 0"),
    ],
)
def test_bad_liver_objectives_are_refused(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(InputError, match=match):
        PlanRequest(50.0, 25, **kwargs)  # type: ignore[arg-type]


@pytest.mark.slow
def test_cli_soft_liver_ntcp_objective_is_reported_beside_the_hard_limits(tmp_path: Path) -> None:
    case = write_case(tmp_path / "case")
    out = tmp_path / "out"
    result = invoke(
        ["plan", str(case), "--prescription-gy", "50", "--fractions", "25", "--technique",
         "imrt", "--final-dose", "pencil-beam", "--gantry-angles", "0,60,120,180,240,300",
         "--liver-ntcp-objective", "5", "--liver-geud-objective", "20", "--out", str(out),
         "--format", "json"]
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    evaluation = json.loads((out / "evaluation.json").read_text())
    constraints = {c["label"]: c for c in evaluation["plans"][0]["constraints"]}
    soft = constraints[f"NTCP_LKB({NORMAL_LIVER}) <= 5 % [soft, priority 1]"]
    assert soft["unit"] == "%"
    assert not soft["hard"]
    assert "Tai 2009" in soft["source"]
    assert constraints[f"mean({NORMAL_LIVER}) <= 23 Gy"]["hard"]
    assert f"gEUD(n=1)({NORMAL_LIVER}) <= 20 Gy [soft, priority 1]" in constraints
