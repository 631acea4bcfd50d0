"""Tissue α/β data: values, sources and statuses from clinical-facts §3.3."""

from __future__ import annotations

import pytest

from hccrt.errors import InputError
from hccrt.radiobiology import TISSUE_ALPHA_BETA, Status, TissueAlphaBeta, get_tissue_alpha_beta


def test_hcc_and_liver_values_with_status() -> None:
    assert get_tissue_alpha_beta("hcc_conventional").alpha_beta_gy == 10.0
    tai = get_tissue_alpha_beta("hcc_tai2008")
    assert (tai.alpha_beta_gy, tai.status) == (15.0, Status.verified)
    assert get_tissue_alpha_beta("liver_hepatitis").alpha_beta_gy == 8.0
    assert get_tissue_alpha_beta("liver_late_2_5").status is Status.unconfirmed
    liver = {t.alpha_beta_gy for t in TISSUE_ALPHA_BETA if t.tissue == "normal liver"}
    assert liver == {2.0, 2.5, 3.0}
    assert all(t.source for t in TISSUE_ALPHA_BETA)


def test_unknown_tissue_and_bad_value() -> None:
    with pytest.raises(InputError, match=r"tissue=kidney: unknown tissue α/β set \(known: hcc_"):
        get_tissue_alpha_beta("kidney")
    with pytest.raises(InputError, match=r"alpha_beta_gy=0.0: must be > 0"):
        TissueAlphaBeta("x", "x", 0.0, "none", Status.user)
