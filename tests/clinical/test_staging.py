"""BCLC 2022 and CNLC staging (clinical-facts §2)."""

from __future__ import annotations

import pytest

from tests.clinical.factory import run, tumor


@pytest.mark.parametrize(
    ("changes", "bclc", "cnlc"),
    [
        ({"tumors": [tumor(2.0)]}, "0", "Ia"),
        ({"tumors": [tumor(2.1)]}, "A", "Ia"),
        ({"tumors": [tumor(5.0)]}, "A", "Ia"),
        ({"tumors": [tumor(5.1)]}, "A", "Ib"),
        ({"tumors": [tumor(3.0), tumor(2.0)]}, "A", "Ib"),
        ({"tumors": [tumor(3.1), tumor(2.0)]}, "B", "IIa"),
        ({"tumors": [tumor(1.0)] * 4}, "B", "IIb"),
        ({"vascular_invasion": {"portal_vein": "branch"}}, "C", "IIIa"),
        ({"extrahepatic_disease": [{"site": "lung"}]}, "C", "IIIb"),
        ({"kps": 80, "ps_cancer_related": True}, "C", "Ia"),
        ({"kps": 80, "ps_cancer_related": False}, "A", "Ia"),
        ({"kps": 80}, "insufficient_data", "Ia"),
        ({"kps": 40}, "D", "IV"),
    ],
)
def test_stages(changes: dict[str, object], bclc: str, cnlc: str) -> None:
    """BCLC: 0 single ≤ 2 cm; A single or 2-3 ≤ 3 cm; B beyond; C invasion/spread/ECOG 1-2;
    D ECOG > 2. CNLC: Ia single ≤ 5; Ib single > 5 or 2-3 ≤ 3; IIa 2-3 > 3; IIb ≥ 4; IIIa
    vascular; IIIb extrahepatic; IV PS 3-4."""
    a = run(**changes)
    assert (a.staging.bclc, a.staging.cnlc) == (bclc, cnlc)


def test_child_pugh_c_is_bclc_d_and_cnlc_iv() -> None:
    """End-stage liver function (Child-Pugh C) -> BCLC D, CNLC IV."""
    a = run(bilirubin_mg_dl=3.5, albumin_g_dl=2.5, inr=2.0, ascites="moderate_severe")
    assert (a.staging.bclc, a.staging.cnlc) == ("D", "IV")


def test_child_pugh_b_staged_as_preserved_with_reason() -> None:
    """BCLC 2022 gives no Child-Pugh cut-off for 'preserved': B is staged with a stated reason."""
    a = run(bilirubin_mg_dl=2.5, albumin_g_dl=3.0, ascites="mild", tumors=[tumor(2.0)])
    assert a.staging.bclc == "0"
    assert any("Child-Pugh B" in r for r in a.staging.bclc_detail.reasons)


def test_missing_vascular_invasion() -> None:
    """Without vascular-invasion assessment there is no stage."""
    a = run(vascular_invasion=None)
    assert a.staging.bclc == "insufficient_data"
    assert "vascular_invasion" in a.staging.bclc_detail.missing
