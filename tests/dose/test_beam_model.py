"""Beam models: validation, JSON round trip, selection by machine and energy."""

from __future__ import annotations

from pathlib import Path

import pytest

from hccrt.dose import BeamModel, BeamModelLibrary, default_model, normalise_energy
from hccrt.errors import InputError


def test_the_shipped_model_is_a_calibrated_6mv_for_any_machine() -> None:
    model = default_model()
    assert model.key == ("*", "6MV")
    assert model.gy_per_terma > 0
    assert model.calibration_cgy_per_mu == 1.0
    assert "UNCONFIRMED" in model.source or "UNCONFIRMED" in model.collimator.source


def test_json_round_trip(tmp_path: Path) -> None:
    model = default_model().with_values(machine="TrueBeam1")
    model.save(tmp_path / "m.json")
    assert BeamModel.load(tmp_path / "m.json") == model


def test_out_of_band_and_non_numeric_parameters_are_refused() -> None:
    with pytest.raises(InputError, match=r"attenuation_per_mm=0.5: must be in \[0.002, 0.012\]"):
        default_model().with_values(attenuation_per_mm=0.5)
    with pytest.raises(InputError, match="source_sigma_mm=True: must be a number"):
        default_model().with_values(source_sigma_mm=True)


def test_unknown_keys_in_a_model_file_are_named(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"machine": "A", "energy": "6MV", "wedge": 1}')
    with pytest.raises(InputError, match=r"wedge.*has unknown keys"):
        BeamModel.load(path)


def test_selection_prefers_the_machine_and_refuses_an_energy_without_model() -> None:
    clinic = default_model().with_values(machine="Linac2", source_sigma_mm=0.8)
    library = BeamModelLibrary([default_model(), clinic])
    assert library.select("Linac2", "6 MV") is clinic
    assert library.select("OtherLinac", "6X").machine == "*"
    with pytest.raises(
        InputError,
        match=r"energy=10MV: no beam model loaded for machine Linac2 .*load one with --beam-model",
    ):
        library.select("Linac2", "10MV")


def test_energy_labels_are_normalised() -> None:
    assert normalise_energy(" 6mv") == "6MV"
    assert normalise_energy("6X") == "6MV"
    assert normalise_energy("6FFF") == "6FFF"
