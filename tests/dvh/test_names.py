"""TG-263 structure name mapping."""

from __future__ import annotations

import pytest

from hccrt.dvh.names import find_structure, targets_of_kind, tg263_name


@pytest.mark.parametrize(
    ("given", "standard"),
    [
        ("liver-gtv", "Liver-GTV"),
        ("Normal Liver", "Liver-GTV"),
        ("Liver-GTV", "Liver-GTV"),
        ("liver_minus_gtv", "Liver-GTV"),
        ("LIVER", "Liver"),
        ("spinal cord", "SpinalCord"),
        ("Small Bowel", "Bowel_Small"),
        ("Kidney_L", "Kidney_L"),
        ("Duodenum", "Duodenum"),
        ("PTV 1", "PTV1"),
    ],
)
def test_aliases_map_to_tg263(given: str, standard: str) -> None:
    assert tg263_name(given) == standard


def test_unknown_names_stay_unmapped() -> None:
    assert tg263_name("my special thing") is None


def test_find_structure_and_targets() -> None:
    names = ["LIVER", "gtv_1", "GTV2", "PTV_50", "stomach"]
    assert find_structure("Liver", names) == "LIVER"
    assert find_structure("Stomach", names) == "stomach"
    assert find_structure("Duodenum", names) is None
    assert targets_of_kind("GTV", names) == ["gtv_1", "GTV2"]
