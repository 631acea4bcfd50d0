"""Property tests: any valid record is assessed without error and every item stays traced."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hccrt.clinical.assess import assess
from hccrt.clinical.patient import parse_patient
from hccrt.clinical.rules.options import Therapy


def _MAYBE_FLOAT(lo: float, hi: float) -> st.SearchStrategy[float | None]:
    return st.none() | st.floats(lo, hi)


tumours = st.lists(
    st.fixed_dictionaries(
        {"diameter_cm": st.floats(0.5, 15.0)},
        optional={
            "near_major_vessel": st.booleans(),
            "subcapsular": st.booleans(),
            "hilar_obstruction": st.booleans(),
            "ablation_path_accessible": st.none() | st.booleans(),
        },
    ),
    max_size=5,
)
records = st.fixed_dictionaries(
    {},
    optional={
        "bilirubin_mg_dl": _MAYBE_FLOAT(0.2, 20.0),
        "albumin_g_dl": _MAYBE_FLOAT(1.5, 5.5),
        "inr": _MAYBE_FLOAT(0.8, 4.0),
        "creatinine_mg_dl": _MAYBE_FLOAT(0.3, 8.0),
        "sodium_mmol_l": _MAYBE_FLOAT(115, 150),
        "kps": st.none() | st.sampled_from(range(0, 101, 10)),
        "ecog": st.none() | st.integers(0, 5),
        "ascites": st.none() | st.sampled_from(["none", "mild", "moderate_severe"]),
        "encephalopathy": st.none() | st.sampled_from(["none", "grade_1_2", "grade_3_4"]),
        "histology": st.sampled_from(["HCC", "ICC"]),
        "tumors": tumours,
        "vascular_invasion": st.none()
        | st.fixed_dictionaries(
            {"portal_vein": st.sampled_from(["none", "branch", "main_trunk"]), "ivc": st.booleans()}
        ),
        "extrahepatic_disease": st.none()
        | st.lists(
            st.fixed_dictionaries(
                {"site": st.sampled_from(["lymph_node", "adrenal", "bone", "brain", "lung"])},
                optional={"symptomatic": st.booleans(), "includable_in_rt_plan": st.booleans()},
            ),
            max_size=3,
        ),
        "resectable": st.none() | st.booleans(),
        "transplant_candidate": st.none() | st.booleans(),
        "refuses_surgery": st.booleans(),
        "normal_liver_volume_cc": _MAYBE_FLOAT(300, 2000),
        "abc_available": st.none() | st.booleans(),
        "breathing_motion_mm": _MAYBE_FLOAT(0, 30),
    },
)


@settings(max_examples=60, deadline=None)
@given(records)
def test_any_record_is_assessed_and_traced(data: dict[str, Any]) -> None:
    a = assess(parse_patient(data))
    assert [o.therapy for o in a.options] == list(Therapy)
    cp = a.liver_function.child_pugh
    assert (cp.score is None) == (cp.class_ == "insufficient_data")
    if cp.score is not None:
        assert 5 <= cp.score <= 15
    for option in a.options:
        assert option.reasons
        assert option.sources
    if a.liver_function.child_pugh.class_ != "A":
        assert a.radiotherapy.dose_limits.normal_liver_mean_gy != 23.0
    for scheme in a.radiotherapy.fractionation:
        assert scheme.bed_gy > scheme.total_dose_gy
