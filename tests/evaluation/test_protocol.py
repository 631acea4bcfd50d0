"""Packaged protocols: valid, sourced, selected by fractionation."""

from __future__ import annotations

import pytest

from hccrt.errors import InputError
from hccrt.evaluation.protocol import PROTOCOL_NAMES, load_protocol, select_protocol


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_every_constraint_has_a_source_and_status(name: str) -> None:
    protocol = load_protocol(name)
    assert protocol.constraints
    for constraint in protocol.constraints:
        assert constraint.source.strip()
        assert constraint.status in ("seed", "V", "V2", "UNCONFIRMED")
        if constraint.convert:
            assert constraint.reference is not None
            assert constraint.alpha_beta_gy


def test_seed_values_are_in_the_protocols() -> None:
    conventional = {c.id: c for c in load_protocol("hcc_conventional").constraints}
    assert conventional["liver_mean_cp_a"].limit == 23.0
    assert conventional["liver_mean_cp_b"].limit == 6.0
    assert conventional["liver_mean_general"].limit == 22.0
    sbrt = {c.id: c for c in load_protocol("hcc_sbrt_3fx").constraints}
    assert (sbrt["liver_700cc"].metric, sbrt["liver_700cc"].limit) == ("CV15Gy[cc]", 700.0)
    assert sbrt["liver_700cc"].status == "seed"


@pytest.mark.parametrize(
    ("fractions", "expected"),
    [
        (1, "hcc_sbrt_3fx"),
        (3, "hcc_sbrt_3fx"),
        (5, "hcc_sbrt_5fx"),
        (10, "hcc_hypofractionated_5x10"),
        (28, "hcc_conventional"),
    ],
)
def test_selection_by_fractions(fractions: int, expected: str) -> None:
    assert select_protocol(fractions)[0].id == expected


def test_unknown_protocol_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match="use one of hcc_sbrt_3fx"):
        load_protocol("rtog_9999")
